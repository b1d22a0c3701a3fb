/**
 * Per-record CPU cost of trace context and protovalidate on the emit path,
 * one process, interleaved rounds, median of CPU time (as hot-path-micro.ts).
 * Each figure is the emit path as admission runs it (generated check,
 * redactCopy, key, encodeInit) with one feature added, on the seed's audit
 * record:
 *
 * - trace: `trace: "off"` (no reader: one check); `"auto"` with
 *   @opentelemetry/api but no SDK registered; with the SDK's
 *   AsyncLocalStorage context manager and no active span; inside an active
 *   span (read the span, build the headers, fill request.trace_id/span_id).
 * - validation: the seed's PaymentAudit with buf.validate rules added (the
 *   schema's descriptor is extended here, the seed's .proto has no rules):
 *   simple rules (string.min_len, string.email, enum.defined_only, required),
 *   and the same plus a message-level CEL expression. Validation needs a
 *   message: create() of the check's copy is part of its cost.
 *
 * Usage: `tsx bench/trace-validation-micro.ts [--rounds 7] [--json]`.
 */
import { clone, create, createFileRegistry, setExtension, type DescMessage, type Message } from "@bufbuild/protobuf";
import { FieldOptionsSchema, FileDescriptorProtoSchema, MessageOptionsSchema } from "@bufbuild/protobuf/wkt";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { PaymentAuditLog } from "../proto/example/payments/v1/audit_logwire.ts";
import { PaymentAuditSchema } from "../proto/example/payments/v1/audit_pb.ts";
import { field as fieldRules, file_buf_validate_validate, FieldRulesSchema, message as messageRules, MessageRulesSchema } from "../proto/buf/validate/validate_pb.ts";
import { createRecordValidator, type RecordValidator } from "../src/runtime/check/record-validation.ts";
import { createTraceReader, type TraceReader } from "../src/runtime/pipeline/trace-context.ts";
import { fillTraceFieldsOwned, traceHeaders } from "../src/runtime/pipeline/trace-fields.ts";
import { headerBytes } from "../src/runtime/record-headers.ts";
import { auditPool } from "./workload.ts";

const N = 4096;

export interface FeatureCost {
  readonly step: string;
  readonly microsPerRecord: number;
}

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? d : Number(process.argv[i + 1]);
};

/** The seed's PaymentAudit with buf.validate rules on its fields, and optionally a CEL rule on the message. */
function auditWithRules(cel: boolean): DescMessage {
  const proto = clone(FileDescriptorProtoSchema, PaymentAuditSchema.file.proto);
  proto.dependency.push("buf/validate/validate.proto");
  const msg = proto.messageType.find((m) => m.name === "PaymentAudit")!;
  const rule = (name: string, rules: Parameters<typeof create<typeof FieldRulesSchema>>[1]) => {
    const f = msg.field.find((x) => x.name === name)!;
    f.options ??= create(FieldOptionsSchema);
    setExtension(f.options, fieldRules, create(FieldRulesSchema, rules));
  };
  rule("payment_id", { type: { case: "string", value: { minLen: 3n, maxLen: 64n } } });
  rule("actor", { type: { case: "string", value: { minLen: 1n } } });
  rule("action", { type: { case: "enum", value: { definedOnly: true } } });
  rule("amount", { required: true });
  rule("customer_email", { type: { case: "string", value: { wellKnown: { case: "email", value: true } } } });
  if (cel) {
    msg.options ??= create(MessageOptionsSchema);
    setExtension(msg.options, messageRules, create(MessageRulesSchema, { cel: [{ id: "audit.positive_amount", message: "the amount must be positive and in a 3-letter currency", expression: "this.amount.amount_minor > 0 && size(this.amount.currency) == 3" }] }));
  }
  const deps = new Map(PaymentAuditSchema.file.dependencies.map((d) => [`${d.name}.proto`, d]));
  deps.set("buf/validate/validate.proto", file_buf_validate_validate);
  return createFileRegistry(proto, (name) => deps.get(name)).getMessage(PaymentAuditSchema.typeName)!;
}

export async function measureTraceValidation(rounds = 7): Promise<FeatureCost[]> {
  const d = PaymentAuditLog;
  const pool = auditPool(N);
  // As callers inside a traced request write it: no ids of their own, so the span fills them.
  const untraced = pool.map((p) => ({ ...p, request: { requestId: p.request!.requestId! } }));
  const simple = createRecordValidator(auditWithRules(false));
  const withCel = createRecordValidator(auditWithRules(true));
  for (const v of [simple, withCel]) {
    const violations = v(create(d.schema, d.check!(pool[0]) as never) as Message);
    if (violations.length > 0) throw new Error(`the pool breaks a rule: ${JSON.stringify(violations)}`);
  }
  const reader = createTraceReader("auto")!;
  const provider = new BasicTracerProvider();
  const manager = new AsyncLocalStorageContextManager();

  let sink = 0;
  /** The emit path as admission runs it, with a hook after the check (where trace and validation run). */
  const emitPath = (records: readonly object[], hook: (checked: object) => void) => {
    for (let i = 0; i < N; i++) {
      const checked = d.check!(records[i]);
      if (checked === undefined) throw new Error("invalid record in the pool");
      hook(checked);
      const record = d.redactCopy!(checked as never, true);
      sink += Buffer.from(d.key!(record as never)).length + d.encodeInit!(record).length;
    }
  };
  const traced = (read: TraceReader | undefined) => (checked: object) => {
    const span = read === undefined ? undefined : read();
    if (span !== undefined) {
      const headers = traceHeaders(span);
      fillTraceFieldsOwned(d.traceFields, checked as Record<string, unknown>, span);
      sink += headerBytes(headers);
    }
  };
  const validated = (v: RecordValidator) => (checked: object) => {
    sink += v(create(d.schema, checked as never) as Message).length;
  };

  type Step = { step: string; globals: boolean; run: () => void };
  const steps: Step[] = [
    { step: "emit path (check, redactCopy, key, encodeInit), no trace, no validation", globals: false, run: () => emitPath(pool, () => {}) },
    { step: 'trace: "off" (no reader)', globals: false, run: () => emitPath(pool, traced(undefined)) },
    { step: 'trace: "auto", @opentelemetry/api without an SDK', globals: false, run: () => emitPath(pool, traced(reader)) },
    { step: 'trace: "auto", SDK + AsyncLocalStorage context manager, no span', globals: true, run: () => emitPath(pool, traced(reader)) },
    {
      step: 'trace: "auto", inside an active span (headers + 2 fields filled)',
      globals: true,
      run: () => trace.getTracer("bench").startActiveSpan("request", (span) => (emitPath(untraced, traced(reader)), span.end())),
    },
    { step: "create() of the check's copy (validation needs a message)", globals: false, run: () => emitPath(pool, (c) => (sink += create(d.schema, c as never).actor.length)) },
    { step: "validation, simple rules (min_len, email, defined_only, required)", globals: false, run: () => emitPath(pool, validated(simple)) },
    { step: "validation, simple rules + a CEL expression", globals: false, run: () => emitPath(pool, validated(withCel)) },
  ];
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const samples = new Map<string, number[]>();
  for (let r = -1; r < rounds; r++) {
    for (const s of steps) {
      if (s.globals) {
        context.setGlobalContextManager(manager.enable());
        trace.setGlobalTracerProvider(provider);
      }
      const t = cpu();
      for (let k = 0; k < 3; k++) s.run();
      if (r >= 0) (samples.get(s.step) ?? samples.set(s.step, []).get(s.step)!).push((cpu() - t) / (3 * N));
      if (s.globals) {
        trace.disable();
        context.disable();
      }
    }
  }
  await provider.shutdown();
  if (sink === 0) process.stdout.write("");
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return [...samples].map(([step, xs]) => ({ step, microsPerRecord: median(xs) }));
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const costs = await measureTraceValidation(arg("rounds", 7));
  if (process.argv.includes("--json")) process.stdout.write(JSON.stringify(costs) + "\n");
  else {
    const base = costs[0]!.microsPerRecord;
    for (const c of costs) process.stdout.write(`${c.microsPerRecord.toFixed(2).padStart(7)} µs  ${`(${c.microsPerRecord >= base ? "+" : ""}${(c.microsPerRecord - base).toFixed(2)})`.padStart(9)}  ${c.step}\n`);
  }
}
