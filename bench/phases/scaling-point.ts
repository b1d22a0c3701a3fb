/**
 * Child phase of `npm run bench:scaling`: one point of a scaling curve in a
 * fresh process. Creates a fresh topic with `partitions` partitions, starts
 * `threads` emitting worker threads (scaling-worker.ts), each with its own
 * pipeline (defaults: producer thread, acks=all, idempotent, Snappy,
 * 1 MiB / 5 ms), waits until every one has a record acked, then runs a
 * warm-up and the measured window on the same wall-clock times in all of
 * them. This thread only coordinates; it reads the process's CPU (user +
 * system: every thread, the emitting threads and their producer threads)
 * over the window and the peak RSS at its end, then closes the pipelines
 * and compares the acked count with what the broker holds (the sum of the
 * topic's high watermarks), failing the point when they differ.
 */
import { Worker } from "node:worker_threads";
import { progress, runChild, sleep } from "../phase-child.ts";
import { startWindow } from "../process-sample.ts";
import type { RecordShape } from "../scaling-records.ts";
import { benchTopic, recordsOnBroker, withTopics } from "../workload.ts";
import type { FromWorker, ToWorker, WorkerInit, WorkerTotals, WorkerWindow } from "./scaling-worker.ts";

export interface ScalingParams {
  readonly threads: number;
  readonly partitions: number;
  readonly shape: RecordShape;
  readonly seconds: number;
  readonly warmupSeconds: number;
}

export interface ScalingResult {
  readonly threads: number;
  readonly partitions: number;
  readonly shape: RecordShape;
  /** Acked records per second, all threads together (the sum of each thread's window rate). */
  readonly recordsPerSecond: number;
  /** Process CPU (user + system, all threads) over the window, in cores, and per acked record. */
  readonly cpuCores: number;
  readonly cpuMicrosPerRecord: number;
  /**
   * `process.resourceUsage().maxRSS` at the end of the window; RSS before
   * any thread was started (Node, tsx, this bench's admin client); RSS once
   * every thread had its pipeline open and a record acked (before the load).
   */
  readonly peakRssBytes: number;
  readonly startRssBytes: number;
  readonly readyRssBytes: number;
  readonly seconds: number;
  /** Per emitting thread: its window. */
  readonly perThread: readonly WorkerWindow[];
  /** Mean uncompressed bytes per record in produce requests (framed value, key, record overhead). */
  readonly requestBytesPerRecord: number;
  readonly recordsPerRequest: number;
  readonly logged: number;
  readonly acked: number;
  readonly failed: number;
  readonly onBroker: number;
  readonly errors: readonly string[];
}

/** Time for the threads to open their pipelines and get a first record acked. */
const READY_TIMEOUT_MS = 60_000;

interface Thread {
  readonly worker: Worker;
  next(): Promise<FromWorker>;
}

function startThread(init: WorkerInit, onError: (e: Error) => void): Thread {
  const worker = new Worker(new URL("./scaling-worker-boot.mjs", import.meta.url), { workerData: init });
  const inbox: FromWorker[] = [];
  const waiting: ((m: FromWorker) => void)[] = [];
  let failure: Error | undefined;
  const rejecters: ((e: Error) => void)[] = [];
  worker.on("message", (m: FromWorker) => (waiting.length > 0 ? waiting.shift()!(m) : inbox.push(m)));
  const fail = (e: Error) => {
    failure ??= e;
    onError(e);
    for (const r of rejecters.splice(0)) r(e);
  };
  worker.on("error", fail);
  worker.on("exit", (code) => {
    if (code !== 0) fail(new Error(`emitting thread ${init.index} exited with code ${code}`));
  });
  return {
    worker,
    next: () => {
      if (inbox.length > 0) return Promise.resolve(inbox.shift()!);
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise((resolve, reject) => {
        waiting.push(resolve);
        rejecters.push(reject);
      });
    },
  };
}

async function expect<T extends FromWorker["type"]>(thread: Thread, type: T): Promise<Extract<FromWorker, { type: T }>> {
  const m = await thread.next();
  if (m.type !== type) throw new Error(`expected "${type}" from an emitting thread, got "${m.type}"`);
  return m as Extract<FromWorker, { type: T }>;
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`${what} within ${ms / 1000} s`)))]);
}

await runChild<ScalingParams, ScalingResult>(async (p) => {
  const topic = benchTopic(`scaling-t${p.threads}-p${p.partitions}-${p.shape}`);
  const cleanup = await withTopics([topic], p.partitions);
  const threads: Thread[] = [];
  try {
    const startRssBytes = process.memoryUsage.rss();
    let threadError: Error | undefined;
    for (let index = 0; index < p.threads; index++) threads.push(startThread({ topic, shape: p.shape, index }, (e) => (threadError ??= e)));
    await within(READY_TIMEOUT_MS, "not every emitting thread had its first record acked", Promise.all(threads.map((t) => expect(t, "ready"))));
    const readyRssBytes = process.memoryUsage.rss();

    // The same wall-clock times for every thread, a little ahead so each gets "go" before its warm-up starts.
    const startEpoch = Date.now() + 100;
    const warmupEndEpochMs = startEpoch + p.warmupSeconds * 1000;
    const endEpochMs = warmupEndEpochMs + p.seconds * 1000;
    for (const t of threads) t.worker.postMessage({ type: "go", warmupEndEpochMs, endEpochMs } satisfies ToWorker);
    const measured = Promise.all(threads.map((t) => expect(t, "measured")));
    const total = endEpochMs - startEpoch;
    const ticker = setInterval(() => progress((Date.now() - startEpoch) / total), 200);
    await sleep(Math.max(0, warmupEndEpochMs - Date.now()));
    const end = startWindow();
    await sleep(Math.max(0, endEpochMs - Date.now()));
    const windows = await within((p.seconds + 30) * 1000, "not every emitting thread finished its window", measured);
    const cost = end();
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    clearInterval(ticker);

    for (const t of threads) t.worker.postMessage({ type: "close" } satisfies ToWorker);
    const totals: WorkerTotals[] = await within(120_000, "not every pipeline closed", Promise.all(threads.map((t) => expect(t, "closed"))));
    if (threadError !== undefined) throw threadError;
    const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
    const logged = sum(totals.map((t) => t.logged));
    const acked = sum(totals.map((t) => t.acked));
    const failed = sum(totals.map((t) => t.failed));
    const onBroker = await recordsOnBroker(topic);
    const errors = [...new Set(totals.flatMap((t) => t.errors))].slice(0, 5);
    if (onBroker !== acked || acked + failed !== logged) {
      throw new Error(`${topic}: logged ${logged}, acked ${acked}, failed ${failed}, the broker holds ${onBroker}${errors.length > 0 ? `; errors: ${errors.join("; ")}` : ""}`);
    }
    const perThread = windows.map(({ type: _type, ...w }) => w);
    const recordsPerSecond = sum(perThread.map((w) => w.acked / w.seconds));
    const windowAcked = sum(perThread.map((w) => w.acked));
    const requests = sum(perThread.map((w) => w.requests));
    return {
      threads: p.threads,
      partitions: p.partitions,
      shape: p.shape,
      recordsPerSecond,
      cpuCores: cost.cpuCores,
      cpuMicrosPerRecord: (cost.cpuCores * 1e6) / recordsPerSecond,
      peakRssBytes,
      startRssBytes,
      readyRssBytes,
      seconds: cost.seconds,
      perThread,
      requestBytesPerRecord: sum(perThread.map((w) => w.requestBytes)) / windowAcked,
      recordsPerRequest: windowAcked / requests,
      logged,
      acked,
      failed,
      onBroker,
      errors,
    };
  } finally {
    await Promise.all(threads.map((t) => t.worker.terminate()));
    await cleanup();
  }
});
