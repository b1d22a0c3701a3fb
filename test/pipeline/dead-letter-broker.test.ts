import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import kafkajs from "kafkajs";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import type { LogwireError } from "../../src/runtime/errors.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { brokers } from "../support/stack-env.ts";
import { onUniqueTopic } from "./support/descriptors.ts";
import { consumeAll, createTopics, type ConsumedRecord } from "./support/kafka-helpers.ts";

/**
 * Dead letters against the real broker: what a DLQ topic with its real
 * max.message.bytes accepts, read back. Uncompressed, so the broker
 * measures the dead letters as they are built.
 */

const { Kafka, logLevel, ConfigResourceTypes } = kafkajs;
const kafka = new Kafka({ clientId: "logwire-test-dlq", brokers, logLevel: logLevel.NOTHING });

async function start(topic: string, errors: LogwireError[] = []): Promise<Pipeline> {
  // use-schema-id: these records never reach the registry (every one is invalid).
  return createPipeline({ brokers, compression: "none", schema: { mode: "use-schema-id", ids: { [`${topic}-value`]: 1 } }, onError: (e) => errors.push(e) });
}

/** An unknown key of random (incompressible) text: record-check quotes it as the field path. */
function withUnknownKey(bytes: number, tag: string): Record<string, unknown> {
  return { route: tag, [`${tag}-${randomBytes(Math.ceil((bytes * 3) / 4)).toString("base64")}`]: true };
}

/** A record's size as the broker counts it, give or take its varints. */
function size(r: ConsumedRecord): number {
  let n = 80 + (r.key?.length ?? 0) + r.value.length;
  for (const [k, v] of Object.entries(r.headers)) n += 10 + Buffer.byteLength(k) + Buffer.byteLength(v);
  return n;
}

function assertHeadersBounded(r: ConsumedRecord): void {
  const bounds: Record<string, number> = { [DLQ_HEADERS.message]: 2048, [DLQ_HEADERS.diagnostics]: 16384 };
  for (const [name, value] of Object.entries(r.headers)) assert.ok(Buffer.byteLength(value) <= (bounds[name] ?? 1024), `${name}: ${Buffer.byteLength(value)} bytes`);
}

async function setTopicLimit(topic: string, bytes: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: "max.message.bytes", value: String(bytes) }] }] });
    for (let i = 0; i < 100; i++) {
      const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ["max.message.bytes"] }] });
      if (res.resources[0]?.configEntries[0]?.configValue === String(bytes)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`max.message.bytes of ${topic} never became ${bytes}`);
  } finally {
    await admin.disconnect();
  }
}

test("a 2 MiB unknown key no longer sinks its DLQ request: six dead letters fit the DLQ topic's real 20000-byte limit and read back with bounded headers", { timeout: 120_000 }, async () => {
  const perf = onUniqueTopic(RequestPerformanceLog, "dlq-bounded");
  const dlqTopic = `${perf.topic}.dlq`;
  await createTopics([dlqTopic], 1, { "max.message.bytes": "20000" });
  const pipeline = await start(perf.topic);
  const log = pipeline.emitter(perf) as unknown as { emit(x: unknown): void };
  for (let i = 0; i < 2; i++) log.emit({ route: 42, statusCode: i });
  const huge = withUnknownKey(2 * 1048576, "huge");
  log.emit(huge);
  for (let i = 2; i < 5; i++) log.emit({ route: 42, statusCode: i });
  await pipeline.close();

  assert.deepEqual(pipeline.stats().deadLettered, { invalid_record: 6 });
  assert.deepEqual(pipeline.stats().dropped, {});
  assert.equal(pipeline.stats().pending, 0);

  const dlq = await consumeAll([dlqTopic]);
  assert.equal(dlq.length, 6);
  for (const r of dlq) {
    assertHeadersBounded(r);
    assert.ok(size(r) <= 20000 - 512, `${size(r)} bytes`);
  }
  const big = dlq.find((r) => r.headers[DLQ_HEADERS.message]!.startsWith("[invalid_record] huge-"))!;
  assert.ok(big !== undefined);
  assert.deepEqual(big.headers[DLQ_HEADERS.headersTruncated]!.split(",").sort(), [DLQ_HEADERS.diagnostics, DLQ_HEADERS.message]);
  assert.equal(JSON.parse(big.headers[DLQ_HEADERS.diagnostics]!).truncated, true);
  assert.equal(big.headers[DLQ_HEADERS.truncatedFrom], String(Buffer.byteLength(JSON.stringify(huge))));
  assert.equal(JSON.parse(big.value.toString()).route, "huge");
  assert.deepEqual(dlq.filter((r) => r !== big).map((r) => JSON.parse(r.value.toString()).statusCode).sort(), [0, 1, 2, 3, 4]);
});

test("a DLQ topic whose limit was lowered under a running pipeline refuses one dead letter: it alone is dropped (dlq_failed), the five in its request are written", { timeout: 120_000 }, async () => {
  const perf = onUniqueTopic(RequestPerformanceLog, "dlq-lowered");
  const dlqTopic = `${perf.topic}.dlq`;
  await createTopics([dlqTopic], 1);
  const errors: LogwireError[] = [];
  const pipeline = await start(perf.topic, errors);
  const log = pipeline.emitter(perf) as unknown as { emit(x: unknown): void; emitAndWait(x: unknown): Promise<void> };
  // The first dead letter makes logwire read the topic's limit (Kafka's default).
  await log.emitAndWait({ route: 42, statusCode: 100 }).catch(() => undefined);
  await setTopicLimit(dlqTopic, 4096);
  for (let i = 0; i < 3; i++) log.emit({ route: 42, statusCode: i });
  log.emit(withUnknownKey(100_000, "big"));
  for (let i = 3; i < 5; i++) log.emit({ route: 42, statusCode: i });
  await pipeline.close();

  assert.deepEqual(pipeline.stats().deadLettered, { invalid_record: 6 });
  assert.deepEqual(pipeline.stats().dropped, { dlq_failed: 1 });
  assert.equal(pipeline.stats().pending, 0);
  assert.ok(errors.some((e) => /could not write to dead-letter topic .*MESSAGE_TOO_LARGE/.test(e.message)), errors.map((e) => e.message.slice(0, 200)).join("\n"));
  const dlq = await consumeAll([dlqTopic]);
  assert.deepEqual(dlq.map((r) => JSON.parse(r.value.toString()).statusCode), [100, 0, 1, 2, 3, 4]);
});

test("maxRecordBytes 4096: a 57-byte JSON dead letter reads back whole from the DLQ topic", { timeout: 120_000 }, async () => {
  const perf = onUniqueTopic(RequestPerformanceLog, "dlq-small-records");
  const pipeline = await createPipeline({ brokers, maxRecordBytes: 4096, schema: { mode: "use-schema-id", ids: { [perf.subject]: 1 } }, onError: () => undefined });
  const small = { route: 42, method: "GET", labels: { a: "b".repeat(12) } };
  assert.equal(Buffer.byteLength(JSON.stringify(small)), 57);
  await (pipeline.emitter(perf) as unknown as { emitAndWait(x: unknown): Promise<void> }).emitAndWait(small).catch(() => undefined);
  await pipeline.close();
  assert.deepEqual(pipeline.stats().deadLettered, { invalid_record: 1 });
  const [r] = await consumeAll([`${perf.topic}.dlq`]);
  assert.equal(r!.value.toString(), JSON.stringify(small));
  assert.equal(r!.headers[DLQ_HEADERS.truncatedFrom], undefined);
});
