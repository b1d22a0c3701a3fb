import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { context, createTraceState, trace, TraceFlags } from "@opentelemetry/api";
import { Registry } from "prom-client";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import type { LogDescriptor } from "../../src/runtime/registry/log-descriptor.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { UnvalidatedOrderLog, ValidatedOrderLog } from "../../proto/logwire/test/v1/validated_logwire.ts";
import { ValidatedOrderSchema } from "../../proto/logwire/test/v1/validated_pb.ts";
import { rejectsOption } from "../support/option-assertions.ts";
import { metricValue } from "../pipeline/support/metric-values.ts";
import { useOtelSdk } from "../support/otel-sdk.ts";

// protovalidate rules and trace context at admission, through the whole
// pipeline with the in-memory transport: what reaches the topic and the DLQ,
// with which headers, and what onError, stats() and the metrics say.

type Sent = { key: string | undefined; headers: Record<string, string>; value: Buffer };

interface Run {
  readonly topics: Map<string, Sent[]>;
  readonly errors: LogwireError[];
  readonly stats: ReturnType<Awaited<ReturnType<typeof createPipeline>>["stats"]>;
  readonly metrics: Registry;
}

/** Runs `body` with an emitter of `log` on a memory transport; returns what each topic got. */
async function run<Desc extends DescMessage>(log: LogDescriptor<Desc>, body: (emit: (r: unknown) => void) => void | Promise<void>, options: Partial<PipelineOptions> = {}): Promise<Run> {
  const memory = createMemoryTransport();
  const errors: LogwireError[] = [];
  const metrics = new Registry();
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [log.subject]: 9 } }, metrics: { registry: metrics }, onError: (e) => errors.push(e), ...options });
  const emitter = pipeline.emitter(log);
  await body((r) => emitter.emit(r as never));
  await pipeline.close();
  const topics = new Map<string, Sent[]>();
  for (const batch of memory.requests.flat()) {
    const list = topics.get(batch.topic) ?? [];
    for (const r of batch.records) list.push({ key: r.key?.toString(), headers: { ...(r.headers ?? {}) }, value: r.value });
    topics.set(batch.topic, list);
  }
  return { topics, errors, stats: pipeline.stats(), metrics };
}

const VALID = { orderId: "o-1", amountMinor: 100n, customer: { id: "c-1" }, customerEmail: "ada@example.com" };

/** A dead letter's value is the frame, or the bare payload when the schema id was not resolved yet. */
function order(value: Buffer, format = "framed") {
  return fromBinary(ValidatedOrderSchema, format === "protobuf" ? value : decodeFrame(value).payload);
}

describe("validation: (logwire.v1.log).validate = true", () => {
  it("a valid record is sent, its email redacted after the rules saw it in clear", async () => {
    const r = await run(ValidatedOrderLog, (emit) => emit(VALID));
    const sent = r.topics.get(ValidatedOrderLog.topic) ?? [];
    assert.equal(sent.length, 1);
    const o = order(sent[0]!.value);
    assert.equal(o.orderId, "o-1");
    assert.match(o.customerEmail, /^sha256:[0-9a-f]{16}$/, "hashed: the email rule ran before redaction, else the hash would have failed it");
    assert.equal(r.topics.get(`${ValidatedOrderLog.topic}.dlq`), undefined);
    assert.equal(r.errors.length, 0);
  });

  const cases: { name: string; record: object; path: string; ruleId: string }[] = [
    { name: "string.min_len", record: { ...VALID, orderId: "o" }, path: "order_id", ruleId: "string.min_len" },
    { name: "int64.gt", record: { ...VALID, amountMinor: 0n }, path: "amount_minor", ruleId: "int64.gt" },
    { name: "required", record: { orderId: "o-3", amountMinor: 5n, customerEmail: "ada@example.com" }, path: "customer", ruleId: "required" },
    { name: "a CEL expression on the message", record: { ...VALID, refund: true }, path: "", ruleId: "order.refund_needs_reason" },
    { name: "string.email", record: { ...VALID, customerEmail: "not an address" }, path: "customer_email", ruleId: "string.email" },
    { name: "a rule of a nested message", record: { ...VALID, customer: { id: "" } }, path: "customer.id", ruleId: "string.min_len" },
  ];
  for (const c of cases) {
    it(`${c.name}: dead-lettered as validation_failed with the path and rule id`, async () => {
      const r = await run(ValidatedOrderLog, (emit) => emit(c.record));
      assert.equal(r.topics.get(ValidatedOrderLog.topic), undefined, "nothing reaches the topic");
      const dlq = r.topics.get(`${ValidatedOrderLog.topic}.dlq`) ?? [];
      assert.equal(dlq.length, 1);
      const h = dlq[0]!.headers;
      assert.equal(h[DLQ_HEADERS.code], "validation_failed");
      const diagnostics = JSON.parse(h[DLQ_HEADERS.diagnostics]!) as { violations: { path: string; ruleId: string; message: string }[] };
      assert.deepEqual(
        diagnostics.violations.map((v) => [v.path, v.ruleId]),
        [[c.path, c.ruleId]],
      );
      assert.ok(diagnostics.violations[0]!.message.length > 0);
      assert.match(h[DLQ_HEADERS.message]!, /^\[validation_failed\] /);
      assert.notEqual(h[DLQ_HEADERS.valueFormat], "json", "the record was redacted and encoded: its bytes, not the caller's JSON");
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0]!.code, "validation_failed");
      assert.equal(r.stats.deadLettered["validation_failed"] ?? 0, 1);
      assert.equal(await metricValue(r.metrics, "logwire_dlq_total", { topic: ValidatedOrderLog.topic, reason: "validation_failed" }), 1);
    });
  }

  it("the dead letter holds the redacted record, never the caller's email in clear", async () => {
    const r = await run(ValidatedOrderLog, (emit) => emit({ ...VALID, orderId: "x" }));
    const dlq = r.topics.get(`${ValidatedOrderLog.topic}.dlq`)!;
    assert.ok(!dlq[0]!.value.includes(Buffer.from("ada@example.com")));
    assert.match(order(dlq[0]!.value, dlq[0]!.headers[DLQ_HEADERS.valueFormat]).customerEmail, /^sha256:/);
  });

  it("several violations: all listed, the message names the first and the count", async () => {
    const r = await run(ValidatedOrderLog, (emit) => emit({ orderId: "o", amountMinor: -1n, customer: { id: "c" }, customerEmail: "ada@example.com" }));
    const h = r.topics.get(`${ValidatedOrderLog.topic}.dlq`)![0]!.headers;
    const d = JSON.parse(h[DLQ_HEADERS.diagnostics]!) as { violations: { path: string; ruleId: string }[] };
    assert.deepEqual(d.violations.map((v) => v.ruleId).sort(), ["int64.gt", "string.min_len"]);
    assert.match(h[DLQ_HEADERS.message]!, /breaks 2 rules of its schema: .*\(and 1 more\)/);
  });

  it("emitAndWait rejects with validation_failed", async () => {
    const memory = createMemoryTransport();
    const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [ValidatedOrderLog.subject]: 9 } } });
    const e = await pipeline.emitter(ValidatedOrderLog).emitAndWait({ ...VALID, amountMinor: 0n }).then(
      () => assert.fail("resolved"),
      (error: unknown) => error,
    );
    await pipeline.close();
    assert.ok(isLogwireError(e));
    assert.equal(e.code, "validation_failed");
    assert.equal(e.path, "amount_minor");
    assert.match(e.fix ?? "", /buf\.validate rules/);
  });

  it('validation: "off" sends records that break the rules', async () => {
    const r = await run(ValidatedOrderLog, (emit) => emit({ orderId: "o" }), { validation: "off" });
    assert.equal(r.topics.get(ValidatedOrderLog.topic)?.length, 1);
  });

  it("a type without validate = true is not checked, rules or not", async () => {
    const r = await run(UnvalidatedOrderLog, (emit) => emit({ orderId: "o" }));
    assert.equal(r.topics.get(UnvalidatedOrderLog.topic)?.length, 1);
  });

  it("without @bufbuild/protovalidate, emitter() throws environment with the install command; types without validate still work", () => {
    const child = fileURLToPath(new URL("./fixtures/no-protovalidate-child.ts", import.meta.url));
    const out = spawnSync(process.execPath, ["--import", "tsx", child], { encoding: "utf8", timeout: 60_000 });
    assert.equal(out.status, 0, out.stderr);
    const result = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as { code: string; message: string; fix: string; unvalidatedSent: number };
    assert.equal(result.code, "environment");
    assert.match(result.message, /logwire\.test\.v1\.ValidatedOrder asks for validation/);
    assert.match(result.fix, /npm install @bufbuild\/protovalidate/);
    assert.equal(result.unvalidatedSent, 1);
  });
});

describe("trace context: trace option and (logwire.v1.field).trace_id / .span_id", () => {
  useOtelSdk();

  const audit = (id: string, request?: object) => ({ paymentId: id, actor: "svc", ...(request === undefined ? {} : { request }) });
  const decodeAudit = (s: Sent) => fromBinary(PaymentAuditSchema, decodeFrame(s.value).payload);

  it("inside a span: traceparent header, and the seed's RequestContext ids filled (the request message created when unset)", async () => {
    let ids = { traceId: "", spanId: "", flags: 0 };
    const r = await run(PaymentAuditLog, (emit) =>
      trace.getTracer("test").startActiveSpan("request", (span) => {
        const sc = span.spanContext();
        ids = { traceId: sc.traceId, spanId: sc.spanId, flags: sc.traceFlags };
        emit(audit("p-1", { requestId: "r-1" }));
        emit(audit("p-2"));
        span.end();
      }),
    );
    const sent = r.topics.get(PaymentAuditLog.topic)!;
    assert.equal(sent.length, 2);
    for (const s of sent) {
      assert.equal(s.headers["traceparent"], `00-${ids.traceId}-${ids.spanId}-0${ids.flags}`);
      assert.equal(s.headers["tracestate"], undefined, "no tracestate when the span has none");
      const a = decodeAudit(s);
      assert.equal(a.request?.traceId, ids.traceId);
      assert.equal(a.request?.spanId, ids.spanId);
    }
    assert.equal(decodeAudit(sent[0]!).request?.requestId, "r-1", "the caller's other fields are kept");
  });

  it("a trace id the caller set is kept; the empty span id is still filled", async () => {
    let spanId = "";
    const r = await run(PaymentAuditLog, (emit) =>
      trace.getTracer("test").startActiveSpan("request", (span) => {
        spanId = span.spanContext().spanId;
        emit(audit("p-1", { traceId: "caller-trace" }));
        span.end();
      }),
    );
    const a = decodeAudit(r.topics.get(PaymentAuditLog.topic)![0]!);
    assert.equal(a.request?.traceId, "caller-trace");
    assert.equal(a.request?.spanId, spanId);
  });

  it("the caller's object is not changed", async () => {
    const record = audit("p-1", { requestId: "r-1" });
    await run(PaymentAuditLog, (emit) => trace.getTracer("test").startActiveSpan("s", (span) => (emit(record), span.end())));
    assert.deepEqual(record, { paymentId: "p-1", actor: "svc", request: { requestId: "r-1" } });
  });

  it("a bytes span_id field gets the 8 raw bytes, a string trace_id the hex; rules see the filled values", async () => {
    let sc = { traceId: "", spanId: "" };
    const r = await run(ValidatedOrderLog, (emit) =>
      trace.getTracer("test").startActiveSpan("s", (span) => {
        sc = span.spanContext();
        emit(VALID);
        span.end();
      }),
    );
    const o = order(r.topics.get(ValidatedOrderLog.topic)![0]!.value);
    assert.equal(o.traceId, sc.traceId);
    assert.equal(Buffer.from(o.spanId).toString("hex"), sc.spanId);
    assert.equal(o.spanId.length, 8);
  });

  it("tracestate is sent when the span has one", async () => {
    const parent = trace.wrapSpanContext({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED, traceState: createTraceState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7") });
    const r = await run(PaymentAuditLog, (emit) => context.with(trace.setSpan(context.active(), parent), () => emit(audit("p-1"))));
    const s = r.topics.get(PaymentAuditLog.topic)![0]!;
    assert.equal(s.headers["traceparent"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    assert.equal(s.headers["tracestate"], "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  });

  it("no span: no header, and the trace fields stay empty", async () => {
    const r = await run(PaymentAuditLog, (emit) => emit(audit("p-1", { requestId: "r-1" })));
    const s = r.topics.get(PaymentAuditLog.topic)![0]!;
    assert.deepEqual(s.headers, {});
    assert.equal(decodeAudit(s).request?.traceId, "");
  });

  it('trace: "off": no header and no filled field, inside a span', async () => {
    const r = await run(PaymentAuditLog, (emit) => trace.getTracer("test").startActiveSpan("s", (span) => (emit(audit("p-1")), span.end())), { trace: "off" });
    const s = r.topics.get(PaymentAuditLog.topic)![0]!;
    assert.deepEqual(s.headers, {});
    assert.equal(decodeAudit(s).request, undefined);
  });

  describe("dead letters carry the record's traceparent and tracestate", () => {
    const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
    const parent = trace.wrapSpanContext({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED, traceState: createTraceState(TRACESTATE) });
    const inSpan = (f: () => void) => context.with(trace.setSpan(context.active(), parent), f);
    const cases: { name: string; code: string; log: LogDescriptor; record: object; options?: Partial<PipelineOptions> }[] = [
      { name: "validation_failed (after encoding)", code: "validation_failed", log: ValidatedOrderLog, record: { ...VALID, orderId: "x" } },
      { name: "invalid_record caught by the generated check (before the span is otherwise read)", code: "invalid_record", log: ValidatedOrderLog, record: { ...VALID, amountMinor: "lots" } },
      { name: "record_too_large", code: "record_too_large", log: PaymentAuditLog, record: audit("p-1", { requestId: "r".repeat(600) }), options: { maxRecordBytes: 256 } },
    ];
    for (const c of cases) {
      it(`${c.name}: the dead letter has both headers beside the logwire.* ones`, async () => {
        const r = await run(c.log, (emit) => inSpan(() => emit(c.record)), c.options);
        const dlq = r.topics.get(`${c.log.topic}.dlq`) ?? [];
        assert.equal(dlq.length, 1);
        const h = dlq[0]!.headers;
        assert.equal(h[DLQ_HEADERS.code], c.code);
        assert.equal(h["traceparent"], TRACEPARENT);
        assert.equal(h["tracestate"], TRACESTATE);
        assert.equal(h[DLQ_HEADERS.headersTruncated], undefined, "nothing cut");
        assert.deepEqual(Object.keys(h).slice(-2), ["traceparent", "tracestate"], "after the logwire.* headers");
      });
    }

    it("a real SDK span: the dead letter's traceparent is the span's", async () => {
      let sc = { traceId: "", spanId: "" };
      const r = await run(ValidatedOrderLog, (emit) =>
        trace.getTracer("test").startActiveSpan("s", (span) => {
          sc = span.spanContext();
          emit({ ...VALID, amountMinor: 0n });
          span.end();
        }),
      );
      const h = r.topics.get(`${ValidatedOrderLog.topic}.dlq`)![0]!.headers;
      assert.equal(h["traceparent"], `00-${sc.traceId}-${sc.spanId}-01`);
      assert.equal(h["tracestate"], undefined, "the span has none");
    });

    it("outside a span, or with trace: \"off\", a dead letter has no trace header", async () => {
      for (const [wrap, options] of [[(f: () => void) => f(), {}], [inSpan, { trace: "off" as const }]] as const) {
        const r = await run(ValidatedOrderLog, (emit) => wrap(() => (emit({ ...VALID, orderId: "x" }), emit({ ...VALID, amountMinor: "lots" }))), options);
        const dlq = r.topics.get(`${ValidatedOrderLog.topic}.dlq`)!;
        assert.equal(dlq.length, 2);
        for (const d of dlq) {
          assert.equal(d.headers["traceparent"], undefined);
          assert.equal(d.headers["tracestate"], undefined);
        }
      }
    });
  });

  it("a dead-lettered record's span still fills its fields before the rules run", async () => {
    const r = await run(ValidatedOrderLog, (emit) => trace.getTracer("test").startActiveSpan("s", (span) => (emit({ ...VALID, orderId: "x" }), span.end())));
    const dlq = r.topics.get(`${ValidatedOrderLog.topic}.dlq`)!;
    assert.equal(order(dlq[0]!.value, dlq[0]!.headers[DLQ_HEADERS.valueFormat]).traceId.length, 32);
  });
});

describe("options", () => {
  it("trace and validation are checked in createPipeline", () => {
    rejectsOption({ brokers: ["b:9092"], registry: { url: "http://r" }, trace: "on" }, "trace", /"on" is not one of "auto", "off"/);
    rejectsOption({ brokers: ["b:9092"], registry: { url: "http://r" }, validation: true }, "validation", /"true" is not one of "schema", "off"/);
  });
});
