import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import { createConfluentOracle } from "../pipeline/support/confluent-oracle.ts";
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

/** An Inner of logwire.test.v1 nested `levels` deep (itself included), as `fMessage` of an AllKinds record. */
function nested(levels: number): Record<string, unknown> {
  let m: Record<string, unknown> = { name: "leaf" };
  for (let i = 1; i < levels; i++) m = { name: `level ${levels - i}`, child: m };
  return m;
}
const cyclicInner: Record<string, unknown> = { name: "cycle" };
cyclicInner["child"] = cyclicInner;
/** The path of the first message past the 100-level limit, under AllKinds: the record is level 1, fMessage level 2. */
const PAST_DEPTH = ["fMessage", ...Array<string>(99).fill("child")].join(".");

const revoked = Proxy.revocable({}, {});
revoked.revoke();
const revokedInField = Proxy.revocable({ requestId: "r" }, {});
revokedInField.revoke();

/** A class the caller wrote: its getters are read as fields, once, and checked. */
class ErrorRecord {
  code = "class";
  get severity(): number {
    return 99;
  }
}
class DatedError {
  code = "dated";
  get occurredAt(): Date {
    return new Date();
  }
}

/** [case, log type, init, expected code and path] — `acked` when the record is fine. */
const CORPUS: [string, "error" | "perf" | "audit" | "kinds", unknown, "acked" | [string, string]][] = [
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
  // Objects that throw when read are the caller's input, not a logwire bug.
  ["throwing getter", "error", { code: "getter", get message(): string { throw new Error("getter boom"); } }, ["invalid_record", "message"]],
  ["throwing Proxy", "error", new Proxy({}, { ownKeys: () => { throw new Error("trap boom"); } }), ["invalid_record", "(record)"]],
  ["revoked Proxy", "error", revoked.proxy, ["invalid_record", "(record)"]],
  ["revoked Proxy in a field", "error", { code: "revoked", request: revokedInField.proxy }, ["invalid_record", "request"]],
  // Read through getters and prototypes, once, and checked.
  ["class getter with an undeclared enum number", "error", new ErrorRecord(), ["invalid_record", "severity"]],
  ["class getter returning a Date for a Timestamp", "error", new DatedError(), ["invalid_record", "occurredAt"]],
  ["inherited undeclared enum number", "error", { __proto__: { severity: 99 }, code: "proto" }, ["invalid_record", "severity"]],
  ["inherited $unknown", "error", { __proto__: { $typeName: PaymentErrorLog.typeName, $unknown: [{ no: 99, wireType: 2, data: new Uint8Array([5, 1]) }] }, code: "unknown" }, ["invalid_record", "$unknown"]],
  ["oneof with an extra key", "audit", { paymentId: "p-extra", method: { case: "wallet", value: "w", extra: 1 } }, ["invalid_record", "method.extra"]],
  ["oneof value without a case", "audit", { paymentId: "p-nocase", method: { value: "w" } }, ["invalid_record", "method.case"]],
  ["Timestamp before 0001-01-01", "error", { code: "ts", occurredAt: { seconds: -62135596801n } }, ["invalid_record", "occurredAt.seconds"]],
  ["Timestamp nanos of 1e9", "error", { code: "ts-nanos", occurredAt: { seconds: 1n, nanos: 1_000_000_000 } }, ["invalid_record", "occurredAt.nanos"]],
  ["Duration over 10,000 years", "perf", { route: "/long", latency: { seconds: 315_576_000_001n } }, ["invalid_record", "latency.seconds"]],
  ["Duration nanos of the other sign", "perf", { route: "/sign", latency: { seconds: 1n, nanos: -1 } }, ["invalid_record", "latency.nanos"]],
  ["float32 out of range", "kinds", { fString: "float", fFloat: 1e39 }, ["invalid_record", "fFloat"]],
  ["101 levels deep", "kinds", { fString: "deep", fMessage: nested(100) }, ["invalid_record", PAST_DEPTH]],
  ["100,000 levels deep", "kinds", { fString: "deeper", fMessage: nested(100_000) }, ["invalid_record", PAST_DEPTH]],
  ["cyclic message", "kinds", { fString: "cycle", fMessage: cyclicInner }, ["invalid_record", PAST_DEPTH]],
];

test("bad-input corpus: each case is acked, or dead-lettered with the field path in logwire.diagnostics; emit() never throws; the books balance", { timeout: 60_000 }, async (t) => {
  const error = onUniqueTopic(PaymentErrorLog, "bad-input-error");
  const perf = onUniqueTopic(RequestPerformanceLog, "bad-input-perf");
  const audit = onUniqueTopic(PaymentAuditLog, "bad-input-audit");
  const kinds = onUniqueTopic(AllKindsLog, "bad-input-kinds");
  const p = await createPipeline({ brokers, registry: { url: registryUrl } });
  pipelines.push(p);
  const emitters = { error: p.emitter(error), perf: p.emitter(perf), audit: p.emitter(audit), kinds: p.emitter(kinds) } as unknown as Record<string, { emit(x: unknown): void; emitAndWait(x: unknown): Promise<void> }>;

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
    }
  }
  const outcomeOf = (name: string): Outcome => results[CORPUS.findIndex(([n]) => n === name)]!;
  assert.match((outcomeOf("throwing getter") as { message: string }).message, /a value that can be read, received threw Error: getter boom/);
  assert.match((outcomeOf("101 levels deep") as { message: string }).message, /expected a message at most 100 levels deep/);

  const dlq = await readAll(brokers, [`${error.topic}.dlq`, `${perf.topic}.dlq`, `${audit.topic}.dlq`, `${kinds.topic}.dlq`]);
  const expectedDlq = CORPUS.filter(([, , , e]) => e !== "acked").map(([, , , e]) => `${(e as string[])[0]} ${(e as string[])[0] === "invalid_record" ? (e as string[])[1] : "-"}`);
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

  // Lone surrogates: delivered, each replaced by U+FFFD exactly as TextEncoder and toBinary do, and counted.
  const delivered = await readAll(brokers, [error.topic]);
  assert.equal(delivered.length, 2);
  for (const r of delivered) assert.equal(fromBinary(PaymentErrorSchema, decodeFrame(r.value).payload).message, "a\uFFFDb\uFFFDc");
  const altered = (await p.metricsRegistry.getSingleMetric("logwire_values_altered_total")?.get())?.values;
  assert.deepEqual(altered?.map((v) => [v.labels["topic"], v.labels["reason"], v.value]), [[error.topic, "lone_surrogate", 2]]);

  assertBooksBalance(stats);
  assert.equal(stats.emitted, 2 * CORPUS.length);
  assert.deepEqual(stats.dropped, {});
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

test("records that used to be acked with wrong data: each read once, by the values the check saw; dead-lettered with its path, or acked and read back by Confluent's deserializer", { timeout: 60_000 }, async (t) => {
  const error = onUniqueTopic(PaymentErrorLog, "bad-input-wrong-data");
  const kinds = onUniqueTopic(AllKindsLog, "bad-input-wrong-kinds");
  const p = await createPipeline({ brokers, registry: { url: registryUrl } });
  pipelines.push(p);
  const errors = p.emitter(error) as unknown as { emitAndWait(x: unknown): Promise<void> };
  const deep = p.emitter(kinds) as unknown as { emitAndWait(x: unknown): Promise<void> };

  // A getter that answers a string the first time and a number after: read once, so the string is written.
  let reads = 0;
  const flipping = {
    code: "flipping",
    get message(): unknown {
      return reads++ === 0 ? "read once" : 42;
    },
  };
  // A message read from bytes that carry a field its schema lacks (field 99, a varint 5; field 98, a string).
  const unknownBytes = Uint8Array.from([...toBinary(PaymentErrorSchema, create(PaymentErrorSchema, { code: "unknown-fields", severity: 2 })), 0x98, 0x06, 0x05, 0x92, 0x06, 0x02, 0x68, 0x69]);
  const decoded = fromBinary(PaymentErrorSchema, unknownBytes);
  assert.equal(decoded.$unknown?.length, 2, "fromBinary kept both unknown fields");

  const cases: [string, { emitAndWait(x: unknown): Promise<void> }, unknown, "acked" | string][] = [
    ["class getter with an undeclared enum number", errors, new ErrorRecord(), "severity"],
    ["class getter returning a Date for a Timestamp", errors, new DatedError(), "occurredAt"],
    ["inherited undeclared enum number", errors, { __proto__: { severity: 99 }, code: "proto" }, "severity"],
    // The prototype makes it pass for a message, whose unknown fields are written.
    ["inherited $unknown, bytes cut short", errors, { __proto__: { $typeName: PaymentErrorLog.typeName, $unknown: [{ no: 99, wireType: 2, data: new Uint8Array([5, 1]) }] }, code: "unknown" }, "$unknown"],
    ["getter that changes after the check", errors, flipping, "acked"],
    ["message decoded with unknown fields", errors, decoded, "acked"],
    ["100 levels deep", deep, { fString: "100 levels", fMessage: nested(99) }, "acked"],
    ["101 levels deep", deep, { fString: "101 levels", fMessage: nested(100) }, PAST_DEPTH],
  ];
  const outcomes = await Promise.all(cases.map(([, emitter, init]) => outcome(emitter.emitAndWait(init))));
  await p.close();
  for (const [i, [name, , , expected]] of cases.entries()) {
    const got = outcomes[i]!;
    if (expected === "acked") assert.deepEqual(got, { acked: true }, `${name}: ${JSON.stringify(got)}`);
    else assert.deepEqual(["acked" in got ? "acked" : got.code, "acked" in got ? undefined : got.path], ["invalid_record", expected], `${name}: ${JSON.stringify(got)}`);
  }
  assert.equal(reads, 1, "the getter ran once");

  // What was acked, read back by Confluent's own deserializer.
  const oracle = createConfluentOracle();
  try {
    const delivered = await readAll(brokers, [error.topic, kinds.topic]);
    assert.equal(delivered.length, 3);
    const read = new Map<string, Record<string, unknown>>();
    for (const r of delivered) {
      const m = await oracle.deserialize(r.topic, r.value);
      read.set(String(m["code"] ?? m["fString"]), m);
    }
    assert.equal(read.get("flipping")?.["message"], "read once");
    const withUnknown = read.get("unknown-fields")!;
    assert.equal(withUnknown["severity"], 2);
    assert.deepEqual(
      (withUnknown["$unknown"] as { no: number; wireType: number; data: Uint8Array }[]).map((u) => [u.no, u.wireType, [...u.data]]),
      [[99, 0, [5]], [98, 2, [2, 0x68, 0x69]]],
      "the unknown fields went through, byte for byte",
    );
    let level = read.get("100 levels")!["fMessage"] as { child?: unknown } | undefined;
    let levels = 1;
    while (level !== undefined) {
      levels++;
      level = level.child as typeof level;
    }
    assert.equal(levels, 100, "all 100 levels read back");
  } finally {
    oracle.close();
  }
  report(t, "wrong data", { cases: cases.length, acked: p.stats().acked, "dead-lettered": p.stats().deadLettered, dropped: p.stats().dropped });
});
