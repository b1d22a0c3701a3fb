/**
 * Child phase: the full SDK, emit -> ack, sustained (part a's numerator,
 * part d's sweep points, part e's emit() latency).
 */
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { startCpuProfile } from "../cpu-profiler.ts";
import { drive, percentile } from "../load-driver.ts";
import { progress, runChild } from "../phase-child.ts";
import { startWindow, type WindowCost } from "../process-sample.ts";
import { assertOnBroker, auditOn, auditPool, benchTopic, brokers, registryUrl, withTopics } from "../workload.ts";

export interface SdkParams {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly batchBytes: number;
  readonly lingerMs: number;
  /** Time one emit() in this many; 0 for none. */
  readonly sampleEvery: number;
  /** Write a CPU profile of the measurement window here. */
  readonly profileFile?: string;
  /** The pipeline's `producerThread`; the default is the pipeline's default. */
  readonly producerThread?: "worker" | "main";
}

export interface SdkResult extends WindowCost {
  readonly recordsPerSecond: number;
  readonly acked: number;
  readonly dropped: number;
  readonly deadLettered: number;
  /** Records whose outcome is unknown (close() gave up on their request in flight). */
  readonly unknown: number;
  readonly errors: readonly string[];
  /** Produce requests in the window (logwire_batch_bytes count) and their mean records and bytes. */
  readonly requests: number;
  readonly recordsPerRequest: number;
  readonly bytesPerRequest: number;
  readonly emitMicros?: { readonly samples: number; readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number };
}

/** Count and sum of the pipeline's `logwire_batch_bytes` histogram: produce requests and their bytes. */
async function batchTotals(pipeline: Pipeline): Promise<{ count: number; sum: number }> {
  const metric = await pipeline.metricsRegistry.getSingleMetric("logwire_batch_bytes")?.get();
  const value = (name: string) => metric?.values.find((v) => (v as { metricName?: string }).metricName === name)?.value ?? 0;
  return { count: value("logwire_batch_bytes_count"), sum: value("logwire_batch_bytes_sum") };
}

await runChild<SdkParams, SdkResult>(async (p) => {
  const pool = auditPool();
  const topic = benchTopic("sdk");
  const cleanup = await withTopics([topic]);
  const errors = new Set<string>();
  const pipeline = await createPipeline({
    brokers,
    registry: { url: registryUrl },
    batch: { maxBytes: p.batchBytes, lingerMs: p.lingerMs },
    // The default (1048064, the broker's message.max.bytes less room) is over
    // the sweep's smaller batches, which createPipeline rejects; records are ~250 B.
    maxRecordBytes: Math.min(1048064, p.batchBytes),
    onError: (e) => errors.add(e.message),
    ...(p.producerThread === undefined ? {} : { producerThread: p.producerThread }),
  });
  try {
    const emitter = pipeline.emitter(auditOn(topic));
    // Registers the schema and opens the producer before the clock starts.
    await emitter.emitAndWait(pool[0]!);
    const total = (p.warmupSeconds + p.seconds) * 1000;
    const t0 = performance.now();
    const onTurn = () => progress((performance.now() - t0) / total);
    await drive({ pipeline, emitter, pool, until: t0 + p.warmupSeconds * 1000, onTurn });
    const latencies = { values: new Float64Array(p.sampleEvery > 0 ? 1 << 20 : 0), count: 0 };
    const acked0 = pipeline.stats().acked;
    const batches0 = await batchTotals(pipeline);
    const stopProfile = p.profileFile === undefined ? undefined : await startCpuProfile();
    const end = startWindow();
    await drive({ pipeline, emitter, pool, until: t0 + total, sampleEvery: p.sampleEvery, latencies, onTurn });
    const cost = end();
    if (stopProfile !== undefined) await stopProfile(p.profileFile!);
    const stats = pipeline.stats();
    const acked = stats.acked - acked0;
    const batches1 = await batchTotals(pipeline);
    const requests = batches1.count - batches0.count;
    await pipeline.close();
    const after = pipeline.stats();
    await assertOnBroker(topic, after.acked);
    const micros = (q: number) => percentile(latencies.values, latencies.count, q) * 1000;
    return {
      ...cost,
      recordsPerSecond: acked / cost.seconds,
      acked,
      dropped: Object.values(after.dropped).reduce((a, b) => a + b, 0),
      deadLettered: Object.values(after.deadLettered).reduce((a, b) => a + b, 0),
      unknown: after.unknown,
      errors: [...errors].slice(0, 5),
      requests,
      recordsPerRequest: acked / requests,
      bytesPerRequest: (batches1.sum - batches0.sum) / requests,
      ...(latencies.count > 0 ? { emitMicros: { samples: latencies.count, p50: micros(50), p99: micros(99), p999: micros(99.9), max: micros(100) } } : {}),
    };
  } finally {
    await pipeline.close();
    await cleanup();
  }
});
