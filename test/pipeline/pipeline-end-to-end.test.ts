import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createSchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { createConfluentOracle } from "./support/confluent-oracle.ts";
import { onUniqueTopic } from "./support/descriptors.ts";
import { consumeAll, createTopics } from "./support/kafka-helpers.ts";
import { metricValue } from "./support/metric-values.ts";
import { fetchBatchHeaders } from "./support/raw-fetch.ts";

const REQUESTS = 400;

test("the three seed logs go end to end: registered, framed, snappy batches, idempotent, decoded by logwire and by Confluent's deserializer, order kept per key", async () => {
  const audit = onUniqueTopic(PaymentAuditLog, "e2e-audit");
  const perf = onUniqueTopic(RequestPerformanceLog, "e2e-perf");
  const errors = onUniqueTopic(PaymentErrorLog, "e2e-errors");
  await createTopics([audit.topic, perf.topic, errors.topic], 3);
  const registry = new Registry();
  const failures: unknown[] = [];
  const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, metrics: { registry }, onError: (e) => failures.push(e) });
  const emitters = { audit: pipeline.emitter(audit), performance: pipeline.emitter(perf), error: pipeline.emitter(errors) };
  for (let i = 0; i < REQUESTS; i++) {
    const logs = simulatePaymentRequest(i, 20);
    emitters.audit.emit(logs.audit);
    emitters.performance.emit(logs.performance);
    emitters.error.emit(logs.error);
  }
  // The gauges are read from the open pipelines at scrape time.
  assert.equal(await metricValue(registry, "logwire_producer_queue_capacity_bytes", { pipeline: "logwire" }), 5 * 1048576);
  await pipeline.close();

  const stats = pipeline.stats();
  assert.deepEqual(failures, []);
  assert.equal(stats.emitted, 3 * REQUESTS);
  assert.equal(stats.acked, 3 * REQUESTS);
  assert.equal(stats.pending, 0);
  assert.deepEqual(stats.dropped, {});
  assert.deepEqual(stats.deadLettered, {});
  assert.equal(stats.unknown, 0);

  const records = await consumeAll([audit.topic, perf.topic, errors.topic]);
  assert.equal(records.length, 3 * REQUESTS);

  // Our decoder and Confluent's read every record identically.
  const decoder = createSchemaDecoder({ registryUrl });
  const oracle = createConfluentOracle();
  try {
    for (const r of records) {
      const frame = decodeFrame(r.value);
      assert.deepEqual(frame.messageIndexes, [0]);
      const ours = await decoder.decode(r.value);
      const theirs = await oracle.deserialize(r.topic, r.value);
      const json = ours.json as Record<string, unknown>;
      const labels = json["labels"] as Record<string, string>;
      const seq = Number(labels["seq"]);
      const expected = simulatePaymentRequest(seq, 20);
      if (r.topic === audit.topic) {
        assert.equal(ours.typeName, "example.payments.v1.PaymentAudit");
        assert.equal(json["paymentId"], expected.audit.paymentId);
        assert.equal(r.key?.toString(), expected.audit.paymentId);
        assert.match(String(json["customerEmail"]), /^sha256:[0-9a-f]{16}$/, "customer_email is redacted before it leaves the process");
        assert.equal(theirs["paymentId"], expected.audit.paymentId);
        assert.equal((theirs["amount"] as { amountMinor: bigint }).amountMinor, expected.audit.amount!.amountMinor);
        assert.equal(theirs["customerEmail"], json["customerEmail"]);
      } else if (r.topic === perf.topic) {
        assert.equal(ours.typeName, "example.payments.v1.RequestPerformance");
        assert.equal(json["route"], expected.performance.route);
        assert.equal(r.key?.toString(), `${expected.performance.route}|${expected.performance.statusCode}`);
        assert.deepEqual(theirs["stageMicros"], expected.performance.stageMicros);
        assert.equal(theirs["bytesOut"], expected.performance.bytesOut);
      } else {
        assert.equal(ours.typeName, "example.payments.v1.PaymentError");
        assert.equal(json["code"], expected.error.code);
        assert.equal(theirs["code"], expected.error.code);
        assert.equal(theirs["attempt"], expected.error.attempt);
      }
      assert.equal((theirs["labels"] as Record<string, string>)["seq"], labels["seq"]);
    }
  } finally {
    oracle.close();
  }

  // Per key: one partition, and the emit order (seq) in offset order.
  const byKey = new Map<string, { partition: number; seqs: number[] }>();
  for (const r of [...records].sort((a, b) => (a.offset < b.offset ? -1 : 1))) {
    const seq = Number(JSON.parse(JSON.stringify((await decoder.decode(r.value)).json))["labels"]["seq"]);
    const k = `${r.topic}/${r.key?.toString()}`;
    const entry = byKey.get(k) ?? { partition: r.partition, seqs: [] };
    assert.equal(entry.partition, r.partition, `key ${k} stays on one partition`);
    entry.seqs.push(seq);
    byKey.set(k, entry);
  }
  for (const [k, { seqs }] of byKey) {
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `records of ${k} are in emit order`);
  }
  // Java's default partitioner puts "pay-000001" ... where murmur2 says (see partitioning.test.ts for vectors).
  assert.ok(byKey.size >= 20 + 3, "several keys per topic");

  // What the broker stores: v2 record batches, snappy (codec 2), written by an
  // idempotent producer (a producer id is set).
  for (const topic of [audit.topic, perf.topic, errors.topic]) {
    let batches = 0;
    let recordCount = 0;
    for (const partition of [0, 1, 2]) {
      for (const b of await fetchBatchHeaders(brokers[0]!, topic, partition)) {
        batches++;
        recordCount += b.recordCount;
        assert.equal(b.magic, 2);
        assert.equal(b.codec, 2, `batch at ${topic}/${partition}@${b.baseOffset} is snappy-compressed`);
        assert.ok(b.producerId >= 0n, "written by an idempotent producer");
      }
    }
    assert.ok(batches > 0);
    assert.equal(recordCount, REQUESTS, `${topic}: the batches hold every record`);
  }

  // The seed's metrics agree with the books.
  for (const topic of [audit.topic, perf.topic, errors.topic]) {
    assert.equal(await metricValue(registry, "produce_success_total", { topic }), REQUESTS);
    assert.ok((await metricValue(registry, "produce_requests_total", { topic })) >= REQUESTS);
    assert.equal(await metricValue(registry, "produce_error_total", { topic }), 0);
  }
  // A closed pipeline leaves the gauges: on a shared registry, only open pipelines are summed.
  assert.equal(await metricValue(registry, "producer_queue_len"), 0);
  assert.equal(await metricValue(registry, "logwire_producer_queue_bytes"), 0);
  assert.equal(await metricValue(registry, "logwire_producer_queue_capacity_bytes"), 0);
  assert.ok((await metricValue(registry, "logwire_registry_calls_total", { op: "register", outcome: "ok" })) >= 3);
});
