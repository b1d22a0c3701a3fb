/**
 * Child phase: raw kafkajs throughput of pre-encoded records (part a's
 * denominator; with `format: "json"`, part c's JSON side).
 */
import { progress, runChild } from "../phase-child.ts";
import { startWindow, type WindowCost } from "../process-sample.ts";
import { createRawProducer, type KafkajsFlavour } from "../raw-producer.ts";
import { assertOnBroker, auditPool, benchTopic, jsonPool, preEncodedPool, withTopics } from "../workload.ts";

export interface RawParams {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly batchBytes: number;
  readonly format: "protobuf" | "json";
  readonly kafkajs: KafkajsFlavour;
}

export interface RawResult extends WindowCost {
  readonly recordsPerSecond: number;
  readonly records: number;
  readonly valueBytesPerRecord: number;
  /** Produce requests in the window and their mean records and accounted bytes. */
  readonly requests: number;
  readonly recordsPerRequest: number;
  readonly bytesPerRequest: number;
}

await runChild<RawParams, RawResult>(async (p) => {
  const pool = p.format === "json" ? jsonPool(auditPool()) : preEncodedPool(auditPool());
  const topic = benchTopic(`raw-${p.kafkajs}-${p.format}`);
  const cleanup = await withTopics([topic]);
  const producer = await createRawProducer(p.kafkajs);
  try {
    const total = (p.warmupSeconds + p.seconds) * 1000;
    const t0 = performance.now();
    const tick = () => progress((performance.now() - t0) / total);
    const warmup = await producer.run({ topic, pool, batchBytes: p.batchBytes, until: t0 + p.warmupSeconds * 1000, onAcked: tick });
    const end = startWindow();
    const { records, requests, bytes } = await producer.run({ topic, pool, batchBytes: p.batchBytes, until: t0 + total, onAcked: tick });
    const cost = end();
    await assertOnBroker(topic, warmup.records + records);
    const valueBytes = pool.reduce((n, r) => n + r.value.length, 0) / pool.length;
    return { ...cost, records, recordsPerSecond: records / cost.seconds, valueBytesPerRecord: valueBytes, requests, recordsPerRequest: records / requests, bytesPerRequest: bytes / requests };
  } finally {
    await producer.disconnect();
    await cleanup();
  }
});
