/**
 * A closed-loop load driver for the full SDK: emits records as fast as the
 * pipeline takes them without dropping any. It emits in chunks while the
 * buffer has room (kept below a high-water mark under `buffer.maxBytes`) and
 * otherwise sleeps a millisecond, so the event loop idles instead of spinning
 * and the broker's core is not robbed. Sustained throughput is then what the
 * SDK and the broker can carry, which is the figure to compare with raw
 * kafkajs.
 *
 * Optionally times every `sampleEvery`-th `emit()` with `performance.now()`
 * (hrtime-based, sub-microsecond) into a preallocated array.
 */
import type { Emitter } from "../src/runtime/pipeline/emitter.ts";
import type { Pipeline } from "../src/runtime/pipeline/pipeline.ts";
import type { PaymentAuditSchema } from "../proto/example/payments/v1/audit_pb.ts";
import { sleep, turn } from "./phase-child.ts";
import type { AuditInit } from "./workload.ts";

const CHUNK = 256;

export interface DriveOptions {
  readonly pipeline: Pipeline;
  readonly emitter: Emitter<typeof PaymentAuditSchema>;
  readonly pool: readonly AuditInit[];
  /** Stop at this `performance.now()`. */
  readonly until: number;
  /** Time one emit in this many (0: none). */
  readonly sampleEvery?: number;
  readonly latencies?: { values: Float64Array; count: number };
  readonly onTurn?: () => void;
}

let next = 0;

/** Drives load until `until`; returns how many records were emitted. */
export async function drive(o: DriveOptions): Promise<number> {
  const { pipeline, emitter, pool } = o;
  const n = pool.length;
  const capacity = pipeline.stats().capacityBytes;
  // Room for two chunks of the largest records, so a chunk never overflows.
  const highWater = capacity - 2 * CHUNK * 1024;
  const every = o.sampleEvery ?? 0;
  const lat = o.latencies;
  let emitted = 0;
  while (performance.now() < o.until) {
    if (pipeline.stats().bufferedBytes > highWater) {
      await sleep(1);
      continue;
    }
    for (let k = 0; k < CHUNK; k++) {
      const record = pool[next++ % n]!;
      if (every > 0 && lat !== undefined && next % every === 0 && lat.count < lat.values.length) {
        const t = performance.now();
        emitter.emit(record);
        lat.values[lat.count++] = performance.now() - t;
      } else {
        emitter.emit(record);
      }
    }
    emitted += CHUNK;
    o.onTurn?.();
    await turn();
  }
  return emitted;
}

/** p-th percentile (0..100) of the first `count` values, in the values' unit. */
export function percentile(values: Float64Array, count: number, p: number): number {
  if (count === 0) return NaN;
  const sorted = values.slice(0, count).sort();
  return sorted[Math.min(count - 1, Math.floor((p / 100) * count))]!;
}
