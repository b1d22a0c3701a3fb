import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fromBinary } from "@bufbuild/protobuf";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { decodeFrame } from "../../src/runtime/wire-format.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { onUniqueTopic } from "../pipeline/support/descriptors.ts";
import { assertBooksBalance, report, total } from "./support/figures.ts";
import { badFieldArbitrary, FIELDS } from "./support/bad-values.ts";
import { readAll } from "./support/topic-reader.ts";

/**
 * What plain-JS callers can pass, against the real stack: every record ends
 * acked, or in the DLQ with its `logwire.diagnostics` naming the offending
 * field path, or rejected with a clear error; emit() never throws and the
 * books balance.
 */
type Outcome = { acked: true } | { code: string; path: string | undefined; message: string };

const pipelines: Pipeline[] = [];
after(async () => {
  for (const p of pipelines) await p.close().catch(() => undefined);
});

async function outcome(p: Promise<void>): Promise<Outcome> {
  try {
    await p;
    return { acked: true };
  } catch (error) {
    assert.ok(isLogwireError(error), `rejected with a LogwireError, got ${String(error)}`);
    return { code: error.code, path: error.path, message: error.message };
  }
}

function diagnosticsPath(headers: Record<string, string>): string | undefined {
  const d = JSON.parse(headers[DLQ_HEADERS.diagnostics]!) as { path?: string; problems?: { path: string }[] };
  return d.problems?.[0]?.path ?? d.path;
}

const circular: Record<string, unknown> = { code: "cyclic" };
circular["self"] = circular;

/** [case, log type, init, expected code and path] — `acked` when the record is fine. */
const CORPUS: [string, "error" | "perf" | "audit", unknown, "acked" | [string, string]][] = [
  ["number for a string", "error", { code: 42 }, ["invalid_record", "code"]],
  ["string for a bool", "error", { code: "b", retriable: "yes" }, ["invalid_record", "retriable"]],
  ["null record", "error", null, ["invalid_record", "(record)"]],
  ["undefined record", "error", undefined, ["invalid_record", "(record)"]],
  ["string record", "error", "a log line", ["invalid_record", "(record)"]],
  ["array record", "error", [{ code: "x" }], ["invalid_record", "(record)"]],
  ["null field", "error", { code: "n", message: null }, ["invalid_record", "message"]],
  ["extra field", "error", { code: "x", bogus: 1 }, ["invalid_record", "bogus"]],
  ["cyclic extra field", "error", circular, ["invalid_record", "self"]],
  ["huge string (3 MB)", "error", { code: "huge", message: "x".repeat(3_000_000) }, ["record_too_large", "(none)"]],
  ["lone surrogates", "error", { code: "surrogate", message: "a\uD800b\uDFFFc" }, "acked"],
  ["NaN for uint32", "error", { code: "nan", attempt: NaN }, ["invalid_record", "attempt"]],
  ["fraction for uint32", "error", { code: "frac", attempt: 1.5 }, ["invalid_record", "attempt"]],
  ["Infinity for uint32", "perf", { route: "/inf", dbQueries: Infinity }, ["invalid_record", "dbQueries"]],
  ["bigint over int64", "audit", { paymentId: "p-big", amount: { amountMinor: 2n ** 63n } }, ["invalid_record", "amount.amountMinor"]],
  ["bigint under int64", "audit", { paymentId: "p-small", amount: { amountMinor: -(2n ** 63n) - 1n } }, ["invalid_record", "amount.amountMinor"]],
  ["unsafe number for int64", "audit", { paymentId: "p-unsafe", amount: { amountMinor: 2 ** 60 } }, ["invalid_record", "amount.amountMinor"]],
  ["bigint over uint64", "perf", { route: "/u64", bytesIn: 2n ** 64n }, ["invalid_record", "bytesIn"]],
  ["negative uint64", "perf", { route: "/neg", bytesIn: -1n }, ["invalid_record", "bytesIn"]],
  ["unknown enum number", "error", { code: "enum", severity: 99 }, ["invalid_record", "severity"]],
  ["negative enum number", "audit", { paymentId: "p-enum", action: -1 }, ["invalid_record", "action"]],
  ["Date for a Timestamp", "error", { code: "date", occurredAt: new Date() }, ["invalid_record", "occurredAt"]],
  ["Map for a map field", "error", { code: "map", labels: new Map([["k", "v"]]) }, ["invalid_record", "labels"]],
  ["number in a map", "error", { code: "mapv", labels: { k: 1 } }, ["invalid_record", 'labels["k"]']],
  ["bad repeated message", "error", { code: "stack", stack: [{ line: -1 }] }, ["invalid_record", "stack[0].line"]],
  ["wrong oneof value", "audit", { paymentId: "p-oneof", method: { case: "wallet", value: 5 } }, ["invalid_record", "method.value"]],
  ["unknown oneof case", "audit", { paymentId: "p-case", method: { case: "cash", value: "x" } }, ["invalid_record", "method.case"]],
  // Objects that throw when read make logwire's own check throw: counted as
  // dropped `internal`, reported, and rejected with the thrown message (the
  // pipeline's contract, see pipeline-semantics.test.ts), never thrown at emit().
  ["throwing getter", "error", { code: "getter", get message(): string { throw new Error("getter boom"); } }, ["internal", "getter boom"]],
  ["throwing Proxy", "error", new Proxy({}, { ownKeys: () => { throw new Error("trap boom"); } }), ["internal", "trap boom"]],
];

test("bad-input corpus: each case is acked, or dead-lettered with the field path in logwire.diagnostics; emit() never throws; the books balance", { timeout: 60_000 }, async (t) => {
  const error = onUniqueTopic(PaymentErrorLog, "bad-input-error");
  const perf = onUniqueTopic(RequestPerformanceLog, "bad-input-perf");
  const audit = onUniqueTopic(PaymentAuditLog, "bad-input-audit");
  const p = await createPipeline({ brokers, registry: { url: registryUrl } });
  pipelines.push(p);
  const emitters = { error: p.emitter(error), perf: p.emitter(perf), audit: p.emitter(audit) } as unknown as Record<string, { emit(x: unknown): void; emitAndWait(x: unknown): Promise<void> }>;

  const results = await Promise.all(CORPUS.map(([, type, init]) => outcome(emitters[type]!.emitAndWait(init))));
  // The same corpus through emit(): it must not throw either.
  for (const [name, type, init] of CORPUS) assert.doesNotThrow(() => emitters[type]!.emit(init), name);
  await p.close();
  const stats = p.stats();

  for (const [i, [name, , , expected]] of CORPUS.entries()) {
    const got = results[i]!;
    if (expected === "acked") assert.deepEqual(got, { acked: true }, name);
    else {
      assert.ok(!("acked" in got), `${name}: expected ${expected[0]}, was acked`);
      assert.equal(got.code, expected[0], `${name}: ${got.message}`);
      if (expected[0] === "invalid_record") assert.equal(got.path, expected[1], `${name}: ${got.message}`);
      if (expected[0] === "internal") assert.match(got.message, new RegExp(expected[1]), name);
    }
  }

  const dlq = await readAll(brokers, [`${error.topic}.dlq`, `${perf.topic}.dlq`, `${audit.topic}.dlq`]);
  const expectedDlq = CORPUS.filter(([, , , e]) => e !== "acked" && e[0] !== "internal").map(([, , , e]) => `${(e as string[])[0]} ${(e as string[])[0] === "invalid_record" ? (e as string[])[1] : "-"}`);
  const gotDlq = dlq.map((r) => `${r.headers[DLQ_HEADERS.code]} ${r.headers[DLQ_HEADERS.code] === "invalid_record" ? diagnosticsPath(r.headers) : "-"}`);
  // Each case was emitted twice (emitAndWait, then emit).
  assert.deepEqual(gotDlq.sort(), [...expectedDlq, ...expectedDlq].sort());
  for (const r of dlq) {
    assert.ok(r.headers[DLQ_HEADERS.message]!.length > 20, "a readable message");
    assert.match(r.headers[DLQ_HEADERS.diagnostics]!, /"fix":/, "the diagnostics carry the fix");
  }
  const cyclic = dlq.find((r) => r.value.toString().includes('"cyclic"'))!;
  assert.deepEqual(JSON.parse(cyclic.value.toString()), { code: "cyclic", self: "[circular]" });
  const large = dlq.find((r) => r.headers[DLQ_HEADERS.code] === "record_too_large")!;
  assert.ok(JSON.parse(large.headers[DLQ_HEADERS.diagnostics]!).recordBytes > 3_000_000);

  // Lone surrogates: delivered, each replaced by U+FFFD exactly as TextEncoder and toBinary do.
  const delivered = await readAll(brokers, [error.topic]);
  assert.equal(delivered.length, 2);
  for (const r of delivered) assert.equal(fromBinary(PaymentErrorSchema, decodeFrame(r.value).payload).message, "a\uFFFDb\uFFFDc");

  assertBooksBalance(stats);
  assert.equal(stats.emitted, 2 * CORPUS.length);
  assert.deepEqual(stats.dropped, { internal: 4 });
  assert.equal(total(stats.deadLettered), dlq.length);
  report(t, "bad-input corpus", { cases: CORPUS.length, "records emitted": stats.emitted, acked: stats.acked, "dead-lettered": stats.deadLettered, dropped: stats.dropped, "DLQ records read back": dlq.length });
});

test("fast-check: one field of a valid record replaced by a wrong value is dead-lettered with that field's path; anything at all never throws and is acked or dead-lettered", { timeout: 120_000 }, async (t) => {
  const log = onUniqueTopic(PaymentErrorLog, "bad-input-fuzz");
  const p = await createPipeline({ brokers, registry: { url: registryUrl }, batch: { lingerMs: 20 } });
  pipelines.push(p);
  const emitter = p.emitter(log) as unknown as { emit(x: unknown): void; emitAndWait(x: unknown): Promise<void> };
  const base = { code: "fuzz", message: "ok", severity: 4, paymentId: "p-1", retriable: true, attempt: 3, stack: [{ function: "f", file: "a.ts", line: 1 }], labels: { a: "b" } };

  const cases = fc.sample(badFieldArbitrary(), { numRuns: 200 });
  const mutated = cases.map(({ field, value, path }) => {
    const init: Record<string, unknown> = { ...base };
    Object.defineProperty(init, field, { value, enumerable: true, configurable: true, writable: true });
    return { init, path };
  });
  const results = await Promise.all(mutated.map(({ init }) => outcome(emitter.emitAndWait(init))));
  for (const [i, r] of results.entries()) {
    assert.ok(!("acked" in r) && r.code === "invalid_record", `case ${i} (${mutated[i]!.path}) was not dead-lettered: ${JSON.stringify(r)}`);
    assert.equal(r.path, mutated[i]!.path, r.message);
  }

  // Anything a caller can pass as the record.
  const anything = fc.sample(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, maxDepth: 3 }), { numRuns: 300 });
  for (const a of anything) assert.doesNotThrow(() => emitter.emit(a));
  await p.close();
  const stats = p.stats();
  const dlq = await readAll(brokers, [`${log.topic}.dlq`]);
  const delivered = await readAll(brokers, [log.topic]);
  assertBooksBalance(stats);
  assert.deepEqual(stats.dropped, {});
  assert.deepEqual(Object.keys(stats.deadLettered), ["invalid_record"]);
  assert.equal(dlq.length, total(stats.deadLettered));
  assert.equal(delivered.length, stats.acked);
  // DLQ records by the top-level field their path starts at.
  const paths = new Map<string, number>();
  for (const r of dlq) {
    const root = diagnosticsPath(r.headers)!.split(/[.[]/)[0]!;
    const bucket = FIELDS.includes(root) || root === "(record)" ? root : "(extra field)";
    paths.set(bucket, (paths.get(bucket) ?? 0) + 1);
  }
  report(t, "fast-check bad input", { "mutated-field cases": cases.length, "anything cases": anything.length, "records emitted": stats.emitted, acked: stats.acked, "dead-lettered": stats.deadLettered, dropped: stats.dropped, "DLQ paths": Object.fromEntries(paths) });
});
