/**
 * One emitting thread of a `npm run bench:scaling` point (a node:worker_threads
 * worker started by scaling-point.ts through scaling-worker-boot.mjs): its own
 * pipeline with the defaults (producer thread included), records built per
 * call, driven closed-loop by bench/peers/peer-driver.ts until the times the
 * point's main thread sends.
 *
 * Protocol: -> "ready" (pipeline open, schema registered, one record acked);
 * <- "go" (warm-up end and window end, as epoch ms: each thread has its own
 * `performance.timeOrigin`); -> "measured" (its window); <- "close";
 * -> "closed" (the run's totals, after `close()` settled every record).
 */
import { parentPort, workerData } from "node:worker_threads";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { drivePeer } from "../peers/peer-driver.ts";
import type { Sink } from "../peers/sink.ts";
import { recordSource, type RecordShape } from "../scaling-records.ts";
import { auditOn, brokers, registryUrl } from "../workload.ts";

export interface WorkerInit {
  readonly topic: string;
  readonly shape: RecordShape;
  readonly index: number;
}

export type ToWorker = { readonly type: "go"; readonly warmupEndEpochMs: number; readonly endEpochMs: number } | { readonly type: "close" };

export interface WorkerWindow {
  readonly acked: number;
  readonly seconds: number;
  /** This thread's event-loop utilization in the window (near 1: the emitting thread was the limit). */
  readonly eventLoopUtilization: number;
  /** Produce requests in the window and their uncompressed bytes (`logwire_batch_bytes`). */
  readonly requests: number;
  readonly requestBytes: number;
}

export interface WorkerTotals {
  /** Over the whole run, warm-up and the first record included: logged = acked + failed after close. */
  readonly logged: number;
  readonly acked: number;
  readonly failed: number;
  readonly errors: readonly string[];
}

export type FromWorker = { readonly type: "ready" } | ({ readonly type: "measured" } & WorkerWindow) | ({ readonly type: "closed" } & WorkerTotals);

/**
 * Room kept under the buffer's cap for two chunks of 256 records, as
 * bench/load-driver.ts keeps (1 KiB a record), 2.5 KiB a record for the
 * ~2 KB records (a held record also counts its key, 24 B of Kafka overhead
 * and 296 B of objects), so no chunk overflows the buffer and nothing is
 * dropped.
 */
const chunkRoom = (shape: RecordShape) => 2 * 256 * (shape === "large" ? 2560 : 1024);

async function batchTotals(pipeline: Pipeline): Promise<{ count: number; sum: number }> {
  const metric = await pipeline.metricsRegistry.getSingleMetric("logwire_batch_bytes")?.get();
  const value = (name: string) => metric?.values.find((v) => (v as { metricName?: string }).metricName === name)?.value ?? 0;
  return { count: value("logwire_batch_bytes_count"), sum: value("logwire_batch_bytes_sum") };
}

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);
const inbox: ToWorker[] = [];
let waiting: ((m: ToWorker) => void) | undefined;
port.on("message", (m: ToWorker) => {
  if (waiting !== undefined) {
    const w = waiting;
    waiting = undefined;
    w(m);
  } else inbox.push(m);
});
const receive = (): Promise<ToWorker> => (inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise((resolve) => (waiting = resolve)));
/** A `performance.now()` of this thread for an epoch time. */
const local = (epochMs: number) => epochMs - performance.timeOrigin;

const errors = new Set<string>();
const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, onError: (e) => errors.add(e.message) });
const emitter = pipeline.emitter(auditOn(init.topic));
// Records differ per thread: each starts its request data 100,003 requests further.
const source = recordSource(init.shape, init.index * 100_003);
const highWater = pipeline.stats().capacityBytes - chunkRoom(init.shape);
const failed = () => {
  const s = pipeline.stats();
  return Object.values(s.dropped).reduce((a, b) => a + b, 0) + Object.values(s.deadLettered).reduce((a, b) => a + b, 0) + s.unknown;
};
const sink: Sink = {
  log: (record) => emitter.emit(record),
  backlogged: () => pipeline.stats().bufferedBytes > highWater,
  acked: () => pipeline.stats().acked,
  failed,
  close: () => pipeline.close(),
  errors: () => [...errors],
};

// Registers the schema and opens the producer before the clock starts.
await emitter.emitAndWait(source.next());
let logged = 1;
post({ type: "ready" });

const go = await receive();
if (go.type !== "go") throw new Error(`expected "go", got "${go.type}"`);
logged += await drivePeer(sink, source, local(go.warmupEndEpochMs));
const acked0 = sink.acked();
const batches0 = await batchTotals(pipeline);
const elu0 = performance.eventLoopUtilization();
const t0 = performance.now();
logged += await drivePeer(sink, source, local(go.endEpochMs));
const seconds = (performance.now() - t0) / 1000;
const elu = performance.eventLoopUtilization(elu0).utilization;
const acked = sink.acked() - acked0;
const batches1 = await batchTotals(pipeline);
post({ type: "measured", acked, seconds, eventLoopUtilization: elu, requests: batches1.count - batches0.count, requestBytes: batches1.sum - batches0.sum });

await receive(); // "close": the main thread has read the process's CPU and peak RSS.
await sink.close();
post({ type: "closed", logged, acked: sink.acked(), failed: sink.failed(), errors: sink.errors().slice(0, 5) });
