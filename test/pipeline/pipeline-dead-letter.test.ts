import { test } from "node:test";
import assert from "node:assert/strict";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FieldDescriptorProto_Type, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Registry } from "prom-client";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import { createSchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { registryCall } from "../support/registry-call.ts";
import { onUniqueTopic } from "./support/descriptors.ts";
import { consumeAll, createTopics } from "./support/kafka-helpers.ts";
import { metricValue } from "./support/metric-values.ts";

async function registry(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await registryCall(`${registryUrl}${path}`, { method: "POST", headers: { "content-type": "application/vnd.schemaregistry.v1+json" }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function rejection(p: Promise<void>): Promise<LogwireError> {
  try {
    await p;
  } catch (error) {
    assert.ok(isLogwireError(error));
    return error;
  }
  assert.fail("expected emitAndWait to reject");
}

test("bad records go to the DLQ with diagnostics, and other types keep flowing: incompatible schema, too large, wrong types from plain JS, unknown enum", async () => {
  const audit = onUniqueTopic(PaymentAuditLog, "dlq-audit");
  const perf = onUniqueTopic(RequestPerformanceLog, "dlq-perf");

  // Register an incompatible first version of the audit subject: payment_id as int32.
  const [root, common] = audit.files as [typeof audit.files[0], typeof audit.files[0]];
  await registry(`/subjects/${encodeURIComponent(common.name)}/versions`, { schemaType: "PROTOBUF", schema: common.schema });
  const commonVersion = (await registry(`/subjects/${encodeURIComponent(common.name)}`, { schemaType: "PROTOBUF", schema: common.schema }))["version"];
  const proto = fromBinary(FileDescriptorProtoSchema, Buffer.from(root.schema, "base64"));
  const field = proto.messageType[0]!.field.find((f) => f.name === "payment_id")!;
  field.type = FieldDescriptorProto_Type.INT32;
  const other = Buffer.from(toBinary(FileDescriptorProtoSchema, proto)).toString("base64");
  const registered = await registry(`/subjects/${encodeURIComponent(audit.subject)}/versions`, {
    schemaType: "PROTOBUF",
    schema: other,
    references: [{ name: common.name, subject: common.name, version: commonVersion }],
  });

  const metrics = new Registry();
  const errors: LogwireError[] = [];
  const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, metrics: { registry: metrics }, onError: (e) => errors.push(e) });
  const auditLog = pipeline.emitter(audit);
  const perfLog = pipeline.emitter(perf);

  const incompatible = await rejection(auditLog.emitAndWait(simulatePaymentRequest(1).audit));
  assert.equal(incompatible.code, "schema_incompatible");
  auditLog.emit(simulatePaymentRequest(2).audit);
  for (let i = 0; i < 50; i++) perfLog.emit(simulatePaymentRequest(i).performance);

  // Too large: 1.5 MB in one label, over the default 1048064-byte limit.
  const big = simulatePaymentRequest(3).performance;
  const tooLarge = await rejection(perfLog.emitAndWait({ ...big, labels: { blob: "x".repeat(1_500_000) } }));
  assert.equal(tooLarge.code, "record_too_large");
  assert.match(tooLarge.message, /is 15\d{5} bytes, larger than the limit of 1048064 bytes/);

  // A plain-JS caller with wrong types: no throw, a DLQ record naming the fields.
  const plainJs = perfLog as unknown as { emit(x: unknown): void; emitAndWait(x: unknown): Promise<void> };
  assert.doesNotThrow(() => plainJs.emit({ route: 42, statusCode: -1, bytesIn: 1.5, cacheHit: "yes", stageMicros: [1, null], bogus: true }));
  assert.doesNotThrow(() => plainJs.emit(null));
  const badEnum = await rejection(auditLog.emitAndWait({ paymentId: "p-enum", action: 99 } as never));
  assert.equal(badEnum.code, "invalid_record");
  assert.equal(badEnum.path, "action");

  await pipeline.close();
  const stats = pipeline.stats();
  assert.equal(stats.emitted, 2 + 50 + 1 + 2 + 1);
  assert.equal(stats.acked, 50);
  assert.deepEqual(stats.deadLettered, { schema_incompatible: 2, record_too_large: 1, invalid_record: 3 });
  assert.deepEqual(stats.dropped, {});
  assert.equal(stats.unknown, 0);
  assert.equal(stats.pending, 0);
  assert.ok(errors.some((e) => e.code === "schema_incompatible"));

  const auditDlq = await consumeAll([`${audit.topic}.dlq`]);
  assert.equal(auditDlq.length, 3);
  const incompatibleRecords = auditDlq.filter((r) => r.headers[DLQ_HEADERS.code] === "schema_incompatible");
  assert.equal(incompatibleRecords.length, 2);
  for (const r of incompatibleRecords) {
    assert.equal(r.headers[DLQ_HEADERS.originalTopic], audit.topic);
    assert.equal(r.headers[DLQ_HEADERS.type], "example.payments.v1.PaymentAudit");
    assert.equal(r.headers[DLQ_HEADERS.subject], audit.subject);
    assert.equal(r.headers[DLQ_HEADERS.schemaId], String(registered["id"]));
    assert.equal(r.headers[DLQ_HEADERS.valueFormat], "protobuf");
    assert.ok(!Number.isNaN(Date.parse(r.headers[DLQ_HEADERS.timestamp]!)));
    assert.match(r.headers[DLQ_HEADERS.message]!, /incompatible/i);
    const diagnostics = JSON.parse(r.headers[DLQ_HEADERS.diagnostics]!);
    assert.equal(diagnostics.subject, audit.subject);
    assert.match(diagnostics.registry, /Incompatible artifact/);
    assert.match(diagnostics.localFingerprint, /^[0-9a-f]{64}$/);
    assert.match(diagnostics.registeredFingerprint, /^[0-9a-f]{64}$/);
    assert.notEqual(diagnostics.localFingerprint, diagnostics.registeredFingerprint);
    assert.equal(diagnostics.registeredId, registered["id"]);
    assert.equal(r.key?.toString().startsWith("pay-"), true);
  }
  const enumRecord = auditDlq.find((r) => r.headers[DLQ_HEADERS.code] === "invalid_record")!;
  assert.equal(enumRecord.headers[DLQ_HEADERS.valueFormat], "json");
  assert.deepEqual(JSON.parse(enumRecord.value.toString()), { paymentId: "p-enum", action: 99 });
  assert.equal(JSON.parse(enumRecord.headers[DLQ_HEADERS.diagnostics]!).problems[0].path, "action");

  const perfDlq = await consumeAll([`${perf.topic}.dlq`]);
  assert.equal(perfDlq.length, 3);
  const large = perfDlq.find((r) => r.headers[DLQ_HEADERS.code] === "record_too_large")!;
  const sizes = JSON.parse(large.headers[DLQ_HEADERS.diagnostics]!);
  assert.ok(sizes.recordBytes > 1_500_000);
  assert.equal(sizes.maxRecordBytes, 1048064);
  assert.equal(large.headers[DLQ_HEADERS.valueFormat], "framed");
  assert.equal(large.headers[DLQ_HEADERS.truncatedFrom], String(sizes.recordBytes - large.key!.length));
  const wrong = perfDlq.filter((r) => r.headers[DLQ_HEADERS.code] === "invalid_record");
  assert.equal(wrong.length, 2);
  const problems = wrong.map((r) => JSON.parse(r.headers[DLQ_HEADERS.diagnostics]!).problems as { path: string; expected: string; received: string }[]);
  const paths = problems.flat().map((p) => p.path).sort();
  assert.deepEqual(paths, ["(record)", "bogus", "bytesIn", "cacheHit", "route", "stageMicros[1]", "statusCode"]);
  assert.deepEqual(problems.flat().find((p) => p.path === "route"), { path: "route", expected: "string", received: "42" });

  // The good records of the other type all arrived and decode.
  const perfRecords = await consumeAll([perf.topic]);
  assert.equal(perfRecords.length, 50);
  const decoded = await createSchemaDecoder({ registryUrl }).decode(perfRecords[0]!.value);
  assert.equal(decoded.typeName, "example.payments.v1.RequestPerformance");

  // Metrics agree with the books.
  assert.equal(await metricValue(metrics, "logwire_dlq_total", { reason: "schema_incompatible" }), 2);
  assert.equal(await metricValue(metrics, "logwire_dlq_total", { reason: "invalid_record" }), 3);
  assert.equal(await metricValue(metrics, "logwire_dlq_total", { reason: "record_too_large", topic: perf.topic }), 1);
  assert.equal(await metricValue(metrics, "produce_success_total", { topic: perf.topic }), 50);
  assert.equal(await metricValue(metrics, "produce_success_total", { topic: audit.topic }), 0);
});

test("a topic's own max.message.bytes is read from the broker: bigger records are dead-lettered before sending, with both sizes", async () => {
  const perf = onUniqueTopic(RequestPerformanceLog, "dlq-small-topic");
  await createTopics([perf.topic], 1, { "max.message.bytes": "4096" });
  const pipeline = await createPipeline({ brokers, registry: { url: registryUrl } });
  const log = pipeline.emitter(perf);
  await log.emitAndWait({ route: "/ok", labels: { blob: "x".repeat(1000) } });
  const error = await rejection(log.emitAndWait({ route: "/big", labels: { blob: "x".repeat(5000) } }));
  await pipeline.close();
  assert.equal(error.code, "record_too_large");
  assert.equal(error.details?.["maxRecordBytes"], 4096 - 512, "the topic's limit less room for the batch header");
  assert.ok((error.details?.["recordBytes"] as number) > 5000);
  assert.deepEqual(pipeline.stats().deadLettered, { record_too_large: 1 });
  assert.equal(pipeline.stats().acked, 1);
  assert.equal((await consumeAll([perf.topic])).length, 1);
  const dlq = await consumeAll([`${perf.topic}.dlq`]);
  assert.equal(dlq.length, 1);
  assert.equal(JSON.parse(dlq[0]!.headers[DLQ_HEADERS.diagnostics]!).maxRecordBytes, 3584);
});
