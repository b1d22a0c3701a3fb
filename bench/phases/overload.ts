/**
 * Child phase, part e (memory): offers records at `overloadFactor` times the
 * rate the SDK sustained in part a, open loop (timer ticks every 5 ms, however
 * fast the broker drains), with the default buffer (5 MiB, drop-newest), and
 * samples RSS on every tick. The buffer cap must bound the growth: max RSS
 * minus the steady-state baseline is compared with `buffer.maxBytes`.
 * One Node thread cannot always offer 10x; the offered rate reached is
 * reported next to the target.
 */
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { drive } from "../load-driver.ts";
import { progress, runChild, sleep, turn } from "../phase-child.ts";
import { auditOn, auditPool, benchTopic, brokers, registryUrl, withTopics } from "../workload.ts";

export interface OverloadParams {
  readonly seconds: number;
  /** Records/s the SDK sustained (part a). */
  readonly drainRate: number;
  readonly overloadFactor: number;
  /** `buffer.maxBytes`; the default value is the pipeline's (5 MiB). */
  readonly bufferMaxBytes?: number;
  /** `producerThread`; the default value is the pipeline's ("worker"). */
  readonly producerThread?: "worker" | "main";
}

export interface OverloadResult {
  readonly targetOfferedPerSecond: number;
  readonly offeredPerSecond: number;
  readonly ackedPerSecond: number;
  readonly dropped: Readonly<Record<string, number>>;
  readonly capacityBytes: number;
  readonly maxBufferedBytes: number;
  readonly baselineRssBytes: number;
  readonly maxRssBytes: number;
  readonly rssGrowthBytes: number;
  readonly maxHeapUsedGrowthBytes: number;
  /**
   * Memory still referenced while the buffer is full, after a full GC: JS heap
   * plus external memory (record payloads live in ArrayBuffer slabs, which
   * `heapUsed` does not count), minus the same at the baseline.
   */
  readonly retainedHeapGrowthBytes: number | undefined;
  /** The same measured in the middle of the overload, and the bytes buffered then. */
  readonly retainedMidOverloadBytes: number | undefined;
  readonly bufferedBytesMidOverload: number;
  /** Bytes the buffer held when the retained heap was measured. */
  readonly bufferedBytesAtGc: number;
  /** RSS at the middle and the end of the overload: a plateau, not a climb, means bounded. */
  readonly rssMidBytes: number;
  readonly rssEndBytes: number;
  readonly pendingAfterClose: number;
  readonly unknownAfterClose: number;
}

/** `global.gc` when node runs with --expose-gc (phase-runner passes it). */
const gc = (globalThis as { gc?: () => void }).gc;

const TICK_MS = 5;

/**
 * JS heap in use plus external (ArrayBuffer) memory, after full GCs. V8
 * frees the backing stores of dead ArrayBuffers on a background thread, so
 * `external` read right after one gc() still counts slabs that are already
 * garbage (BENCHMARKS.md, "What was changed" 15).
 * The waits block this thread (no ack can settle a record meanwhile) and
 * let the sweeper run.
 */
function settledLiveBytes(collect: () => void): number {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 2; i++) {
    collect();
    Atomics.wait(pause, 0, 0, 50);
  }
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

await runChild<OverloadParams, OverloadResult>(async (p) => {
  const pool = auditPool();
  const topic = benchTopic("overload");
  const cleanup = await withTopics([topic]);
  const pipeline = await createPipeline({
    brokers,
    registry: { url: registryUrl },
    ...(p.bufferMaxBytes === undefined ? {} : { buffer: { maxBytes: p.bufferMaxBytes } }),
    ...(p.producerThread === undefined ? {} : { producerThread: p.producerThread }),
  });
  try {
    const emitter = pipeline.emitter(auditOn(topic));
    await emitter.emitAndWait(pool[0]!);
    // Steady state first: JIT warm, heap grown to its working size; then the baseline.
    await drive({ pipeline, emitter, pool, until: performance.now() + 1500 });
    await pipeline.flush();
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      idle.push(process.memoryUsage().rss);
      await sleep(10);
    }
    const baselineRss = median(idle);
    const baselineHeap = process.memoryUsage().heapUsed;
    const baselineRetained = gc === undefined ? 0 : settledLiveBytes(gc);
    let rssMid = 0;
    let midLive = 0;
    let midBuffered = 0;
    const before = pipeline.stats();

    const target = p.drainRate * p.overloadFactor;
    const perTick = Math.max(1, Math.round((target * TICK_MS) / 1000));
    const t0 = performance.now();
    const until = t0 + p.seconds * 1000;
    let offered = 0;
    let maxRss = 0;
    let maxHeap = 0;
    let maxBuffered = 0;
    let i = 0;
    while (performance.now() < until) {
      // Catch up to the schedule: open loop, the offered rate does not wait
      // for the broker. Bursts end after 500 ms (long enough to overrun the 5 MiB buffer even
      // when emit() and the producer share a starved core), then the producer gets a turn.
      const due = Math.floor(((performance.now() - t0) / TICK_MS + 1) * perTick);
      const burstEnd = performance.now() + 500;
      while (offered < due && ((offered & 255) !== 0 || performance.now() < burstEnd)) {
        emitter.emit(pool[i++ % pool.length]!);
        offered++;
      }
      const m = process.memoryUsage();
      maxRss = Math.max(maxRss, m.rss);
      maxHeap = Math.max(maxHeap, m.heapUsed);
      maxBuffered = Math.max(maxBuffered, pipeline.stats().bufferedBytes);
      const done = (performance.now() - t0) / (p.seconds * 1000);
      if (rssMid === 0 && done >= 0.5) {
        rssMid = m.rss;
        // Mid-overload, records admitted one by one between dropped ones.
        midLive = gc === undefined ? 0 : settledLiveBytes(gc) - baselineRetained;
        midBuffered = pipeline.stats().bufferedBytes;
      }
      progress(done);
      if (offered >= due) await sleep(TICK_MS);
      else await turn();
    }
    const seconds = (performance.now() - t0) / 1000;
    const after = pipeline.stats();
    const rssEnd = process.memoryUsage().rss;
    // One more synchronous burst (the producer cannot run meanwhile) fills the
    // buffer to its cap, so the retained-heap figure below is taken full.
    for (let k = 0; k < 4 * (p.drainRate > 0 ? 10000 : 0) && pipeline.stats().bufferedBytes < after.capacityBytes - 4096; k++) {
      emitter.emit(pool[i++ % pool.length]!);
    }
    const bufferedAtGc = pipeline.stats().bufferedBytes;
    const retained = gc === undefined ? undefined : settledLiveBytes(gc) - baselineRetained;
    const dropped: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.dropped)) dropped[k] = v - (before.dropped[k] ?? 0);
    await pipeline.close();
    return {
      targetOfferedPerSecond: target,
      offeredPerSecond: offered / seconds,
      ackedPerSecond: (after.acked - before.acked) / seconds,
      dropped,
      capacityBytes: after.capacityBytes,
      maxBufferedBytes: maxBuffered,
      baselineRssBytes: baselineRss,
      maxRssBytes: maxRss,
      rssGrowthBytes: maxRss - baselineRss,
      maxHeapUsedGrowthBytes: maxHeap - baselineHeap,
      retainedHeapGrowthBytes: retained,
      bufferedBytesAtGc: bufferedAtGc,
      retainedMidOverloadBytes: gc === undefined ? undefined : midLive,
      bufferedBytesMidOverload: midBuffered,
      rssMidBytes: rssMid,
      rssEndBytes: rssEnd,
      pendingAfterClose: pipeline.stats().pending,
      unknownAfterClose: pipeline.stats().unknown,
    };
  } finally {
    await pipeline.close();
    await cleanup();
  }
});
