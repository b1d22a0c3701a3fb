import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { trace } from "@opentelemetry/api";
import { Registry } from "prom-client";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { ValidatedOrderLog } from "../../proto/logwire/test/v1/validated_logwire.ts";
import { ValidatedOrderSchema } from "../../proto/logwire/test/v1/validated_pb.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { onUniqueTopic } from "./support/descriptors.ts";
import { consumeAll } from "./support/kafka-helpers.ts";
import { metricValue } from "./support/metric-values.ts";
import { useOtelSdk } from "../support/otel-sdk.ts";

// End to end on the real Kafka and registry: a schema with buf.validate rules
// (validate = true; buf/validate/validate.proto registered as a reference),
// checked by the real @bufbuild/protovalidate; and a real OpenTelemetry SDK
// span (BasicTracerProvider + AsyncLocalStorageContextManager) whose
// traceparent and ids are read back from the topic.

describe("protovalidate at emit(), against the real stack", () => {
  it("valid records are acked; each kind of violation is dead-lettered with its path and rule id", async () => {
    const log = onUniqueTopic(ValidatedOrderLog, "validated");
    const metrics = new Registry();
    const errors: LogwireError[] = [];
    const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, metrics: { registry: metrics }, onError: (e) => errors.push(e) });
    const orders = pipeline.emitter(log);
    const valid = { amountMinor: 100n, customer: { id: "c-1" }, customerEmail: "ada@example.com" };
    await orders.emitAndWait({ ...valid, orderId: "ok-1" });
    await orders.emitAndWait({ ...valid, orderId: "ok-2", refund: true, reason: "damaged" });
    const bad: Record<string, { record: object; path: string; ruleId: string }> = {
      "bad-min-len": { record: { ...valid, orderId: "b1" }, path: "order_id", ruleId: "string.min_len" },
      "bad-gt": { record: { ...valid, orderId: "bad-gt", amountMinor: -5n }, path: "amount_minor", ruleId: "int64.gt" },
      "bad-required": { record: { ...valid, orderId: "bad-required", customer: undefined }, path: "customer", ruleId: "required" },
      "bad-cel": { record: { ...valid, orderId: "bad-cel", refund: true }, path: "", ruleId: "order.refund_needs_reason" },
      "bad-email": { record: { ...valid, orderId: "bad-email", customerEmail: "nope" }, path: "customer_email", ruleId: "string.email" },
    };
    for (const [name, c] of Object.entries(bad)) {
      const e = await orders.emitAndWait(c.record as never).then(
        () => assert.fail(`${name} was acked`),
        (error: unknown) => error,
      );
      assert.ok(isLogwireError(e), name);
      assert.equal(e.code, "validation_failed", name);
      assert.equal(e.path, c.path === "" ? "(record)" : c.path, name);
    }
    await pipeline.close();

    const [topic, dlq] = [await consumeAll([log.topic]), await consumeAll([`${log.topic}.dlq`])];
    assert.deepEqual(topic.map((r) => fromBinary(ValidatedOrderSchema, decodeFrame(r.value).payload).orderId).sort(), ["ok-1", "ok-2"]);
    assert.equal(dlq.length, Object.keys(bad).length);
    for (const r of dlq) {
      assert.equal(r.headers[DLQ_HEADERS.code], "validation_failed");
      assert.equal(r.headers[DLQ_HEADERS.valueFormat], "framed", "the type's id was resolved: the dead letter is the redacted frame");
      const order = fromBinary(ValidatedOrderSchema, decodeFrame(r.value).payload);
      const expected = bad[order.orderId === "b1" ? "bad-min-len" : order.orderId]!;
      const d = JSON.parse(r.headers[DLQ_HEADERS.diagnostics]!) as { violations: { path: string; ruleId: string; message: string }[] };
      assert.deepEqual(d.violations.map((v) => [v.path, v.ruleId]), [[expected.path, expected.ruleId]], order.orderId);
      assert.ok(d.violations[0]!.message.length > 0);
      assert.ok(order.customerEmail === "" || order.customerEmail.startsWith("sha256:"), "redacted in the DLQ too");
    }
    const stats = pipeline.stats();
    assert.equal(stats.acked, 2);
    assert.equal(stats.deadLettered["validation_failed"], 5);
    assert.equal(await metricValue(metrics, "logwire_dlq_total", { topic: log.topic, reason: "validation_failed" }), 5);
    assert.equal(errors.filter((e) => e.code === "validation_failed").length, 5, "each one reached onError");
  });
});

describe("trace context, against the real stack and the real OpenTelemetry SDK", () => {
  useOtelSdk();

  it("records emitted in a span carry traceparent and the span's ids; without a span, or with trace: \"off\", none", async () => {
    const log = onUniqueTopic(PaymentAuditLog, "traced");
    const traced = await createPipeline({ brokers, registry: { url: registryUrl } });
    const off = await createPipeline({ brokers, registry: { url: registryUrl }, trace: "off" });
    const audit = traced.emitter(log);
    const auditOff = off.emitter(log);
    const spans = new Map<string, { traceId: string; spanId: string }>();
    // A span across an await: the AsyncLocalStorage context manager carries it.
    await trace.getTracer("logwire-test").startActiveSpan("checkout", async (span) => {
      spans.set("in-span", span.spanContext());
      await audit.emitAndWait({ paymentId: "in-span", actor: "svc", request: { requestId: "r-1" } });
      await new Promise((r) => setTimeout(r, 5));
      await audit.emitAndWait({ paymentId: "in-span-later", actor: "svc" });
      await auditOff.emitAndWait({ paymentId: "off-in-span", actor: "svc" });
      span.end();
    });
    await audit.emitAndWait({ paymentId: "no-span", actor: "svc" });
    await Promise.all([traced.close(), off.close()]);

    const records = await consumeAll([log.topic]);
    const byId = new Map(records.map((r) => [fromBinary(PaymentAuditSchema, decodeFrame(r.value).payload).paymentId, r]));
    assert.deepEqual([...byId.keys()].sort(), ["in-span", "in-span-later", "no-span", "off-in-span"]);
    const { traceId, spanId } = spans.get("in-span")!;
    for (const id of ["in-span", "in-span-later"]) {
      const r = byId.get(id)!;
      assert.equal(r.headers["traceparent"], `00-${traceId}-${spanId}-01`, id);
      const a = fromBinary(PaymentAuditSchema, decodeFrame(r.value).payload);
      assert.equal(a.request?.traceId, traceId, id);
      assert.equal(a.request?.spanId, spanId, id);
    }
    assert.equal(fromBinary(PaymentAuditSchema, decodeFrame(byId.get("in-span")!.value).payload).request?.requestId, "r-1");
    for (const id of ["no-span", "off-in-span"]) {
      const r = byId.get(id)!;
      assert.equal(r.headers["traceparent"], undefined, id);
      assert.equal(fromBinary(PaymentAuditSchema, decodeFrame(r.value).payload).request, undefined, id);
    }
  });

  it("dead letters of records emitted in a span carry its traceparent, read back from the DLQ topic", async () => {
    const log = onUniqueTopic(ValidatedOrderLog, "traced-dlq");
    const pipeline = await createPipeline({ brokers, registry: { url: registryUrl } });
    const orders = pipeline.emitter(log);
    const valid = { amountMinor: 100n, customer: { id: "c-1" }, customerEmail: "ada@example.com" };
    let traceparent = "";
    await trace.getTracer("logwire-test").startActiveSpan("checkout", async (span) => {
      const sc = span.spanContext();
      traceparent = `00-${sc.traceId}-${sc.spanId}-01`;
      // Refused at emit(): one by the rules (validation_failed), one by the check (invalid_record).
      for (const record of [{ ...valid, orderId: "b1" }, { ...valid, orderId: "bad-type", amountMinor: "lots" }]) {
        await orders.emitAndWait(record as never).then(
          () => assert.fail("acked"),
          () => undefined,
        );
      }
      span.end();
    });
    await orders.emitAndWait({ ...valid, orderId: "b2" }).catch(() => undefined);
    await pipeline.close();
    const dlq = await consumeAll([`${log.topic}.dlq`]);
    assert.deepEqual(dlq.map((r) => r.headers[DLQ_HEADERS.code]).sort(), ["invalid_record", "validation_failed", "validation_failed"]);
    const inSpan = dlq.filter((r) => r.headers["traceparent"] !== undefined);
    assert.equal(inSpan.length, 2, "the two emitted in the span");
    for (const r of inSpan) assert.equal(r.headers["traceparent"], traceparent);
  });
});
