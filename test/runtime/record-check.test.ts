import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkRecord } from "../../src/runtime/check/record-check.ts";
import { isInt64, isUint64 } from "../../src/runtime/encode/value-rules.ts";
import { PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { RequestPerformanceSchema } from "../../proto/example/payments/v1/performance_pb.ts";
import { InnerSchema } from "../../proto/logwire/test/v1/all_kinds_pb.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";

function paths(schema: Parameters<typeof checkRecord>[0], init: unknown): string[] {
  return checkRecord(schema, init).map((p) => `${p.path}: ${p.expected} <- ${p.received}`);
}

test("well-typed records pass, including oneofs, maps, repeated, wkt and 64-bit ints", () => {
  const r = simulatePaymentRequest(7);
  assert.deepEqual(checkRecord(PaymentAuditSchema, r.audit), []);
  assert.deepEqual(checkRecord(RequestPerformanceSchema, r.performance), []);
  assert.deepEqual(checkRecord(PaymentErrorSchema, r.error), []);
  assert.deepEqual(checkRecord(PaymentAuditSchema, {}), []);
  assert.deepEqual(checkRecord(PaymentAuditSchema, { amount: { amountMinor: 5 } }), [], "a safe integer is accepted for int64");
  assert.deepEqual(checkRecord(PaymentAuditSchema, { amount: { amountMinor: "-9223372036854775808" } }), []);
});

test("wrong types, null, NaN, overflow, unknown enum numbers and extra fields are reported with their paths", () => {
  assert.deepEqual(paths(PaymentAuditSchema, { paymentId: 1 }), ["paymentId: string <- 1"]);
  assert.deepEqual(paths(PaymentAuditSchema, { paymentId: null }), ["paymentId: string <- null"]);
  assert.deepEqual(paths(PaymentAuditSchema, { action: 9 }), ["action: one of example.payments.v1.Action's numbers (0, 1, 2, 3, 4) <- 9"]);
  assert.deepEqual(paths(PaymentAuditSchema, { action: "ACTION_CAPTURE" }), ["action: enum example.payments.v1.Action number <- \"ACTION_CAPTURE\""]);
  assert.deepEqual(paths(PaymentAuditSchema, { amount: { amountMinor: 2n ** 63n } }), ["amount.amountMinor: int64 bigint in [-9223372036854775808, 9223372036854775807] <- 9223372036854775808n"]);
  assert.deepEqual(paths(PaymentAuditSchema, { amount: { amountMinor: 1.5 } }), ["amount.amountMinor: int64 bigint in [-9223372036854775808, 9223372036854775807] <- 1.5"]);
  assert.deepEqual(paths(RequestPerformanceSchema, { statusCode: Number.NaN }), ["statusCode: uint32 in [0, 4294967295] <- NaN"]);
  assert.deepEqual(paths(RequestPerformanceSchema, { statusCode: 2 ** 32 }), ["statusCode: uint32 in [0, 4294967295] <- 4294967296"]);
  assert.deepEqual(paths(RequestPerformanceSchema, { bytesIn: -1n }), ["bytesIn: uint64 bigint in [0, 18446744073709551615] <- -1n"]);
  assert.deepEqual(paths(RequestPerformanceSchema, { stageMicros: [1, "2"] }), ["stageMicros[1]: uint32 in [0, 4294967295] <- \"2\""]);
  assert.deepEqual(paths(RequestPerformanceSchema, { stageMicros: 3 }), ["stageMicros: array <- 3"]);
  assert.deepEqual(paths(RequestPerformanceSchema, { labels: { a: 1 } }), ["labels[\"a\"]: string <- 1"]);
  assert.deepEqual(paths(RequestPerformanceSchema, { cacheHit: 1 }), ["cacheHit: boolean <- 1"]);
  assert.deepEqual(paths(RequestPerformanceSchema, { cpuMs: "1" }), ["cpuMs: number <- \"1\""]);
  assert.deepEqual(paths(PaymentErrorSchema, { stack: [{ line: -1 }] }), ["stack[0].line: uint32 in [0, 4294967295] <- -1"]);
  assert.deepEqual(paths(PaymentAuditSchema, { method: { case: "cash", value: "x" } }), ["method.case: \"card\" | \"bankTransfer\" | \"wallet\" <- \"cash\""]);
  assert.deepEqual(paths(PaymentAuditSchema, { method: { case: "card", value: { last4: 4242 } } }), ["method.value.last4: string <- 4242"]);
  assert.deepEqual(paths(PaymentAuditSchema, { payment_id: "p" }), ["payment_id: no such field in example.payments.v1.PaymentAudit <- \"p\""]);
  assert.deepEqual(paths(PaymentAuditSchema, "text"), ["(record): message example.payments.v1.PaymentAudit <- \"text\""]);
  assert.deepEqual(paths(PaymentAuditSchema, { occurredAt: { seconds: "soon" } }), ["occurredAt.seconds: int64 bigint in [-9223372036854775808, 9223372036854775807] <- \"soon\""]);
});

test("a badly broken record reports at most 10 problems", () => {
  const init: Record<string, number> = {};
  for (let i = 0; i < 50; i++) init[`f${i}`] = i;
  assert.equal(checkRecord(PaymentAuditSchema, init).length, 10);
});

test("isInt64 and isUint64 take exactly the bigints in range (the BigInt.asIntN / asUintN test against comparisons with the bounds)", () => {
  const INT64_MIN = -(2n ** 63n);
  const INT64_MAX = 2n ** 63n - 1n;
  const UINT64_MAX = 2n ** 64n - 1n;
  const edges = [0n, -1n, 1n, INT64_MIN, INT64_MAX, UINT64_MAX, 2n ** 53n, -(2n ** 53n), 2n ** 64n, 2n ** 128n, -(2n ** 64n)];
  const bigint = fc.oneof(
    fc.bigInt(),
    fc.bigInt({ min: -(2n ** 66n), max: 2n ** 66n }),
    fc.tuple(fc.constantFrom(...edges), fc.bigInt({ min: -2n, max: 2n })).map(([edge, offset]) => edge + offset),
  );
  let inRange = 0;
  fc.assert(
    fc.property(bigint, (value) => {
      assert.equal(isInt64(value), value >= INT64_MIN && value <= INT64_MAX, `isInt64(${value}n)`);
      assert.equal(isUint64(value), value >= 0n && value <= UINT64_MAX, `isUint64(${value}n)`);
      // Decimal text goes through the same test.
      assert.equal(isInt64(String(value)), value >= INT64_MIN && value <= INT64_MAX, `isInt64("${value}")`);
      if (isInt64(value)) inRange++;
    }),
    { numRuns: 2000 },
  );
  assert.ok(inRange > 200 && inRange < 1800, `too one-sided: ${inRange} of 2000 in range`);
});

test("the record contract's rules are reported with their paths: ranges, oneof shape, unknown fields, depth, reads that throw", () => {
  const u = (unknown: unknown): object => ({ $typeName: PaymentErrorSchema.typeName, $unknown: unknown });
  assert.deepEqual(paths(PaymentErrorSchema, { occurredAt: { seconds: 253402300800n, nanos: -1 } }), [
    "occurredAt.seconds: seconds from 0001-01-01 to 9999-12-31 (int64 in [-62135596800, 253402300799]) <- 253402300800n",
    "occurredAt.nanos: nanos in [0, 999999999] <- -1",
  ]);
  assert.deepEqual(paths(RequestPerformanceSchema, { latency: { seconds: -2n, nanos: 5 } }), ["latency.nanos: nanos of the sign of seconds (a Duration's nanos must not have the opposite sign) <- 5"]);
  assert.deepEqual(paths(PaymentAuditSchema, { method: { case: "wallet", value: "w", note: 1 } }), ["method.note: only case and value in a oneof <- 1"]);
  assert.deepEqual(paths(PaymentAuditSchema, { method: { value: "w" } }), ['method.case: the case of the value: "card" | "bankTransfer" | "wallet" <- undefined']);
  assert.deepEqual(paths(PaymentAuditSchema, { method: {} }), ["method: { case, value } of a oneof member, or { case: undefined } <- object"]);
  assert.deepEqual(paths(PaymentErrorSchema, { code: "x", $unknown: [] }), [`$unknown: unknown fields only as an own $unknown of a ${PaymentErrorSchema.typeName} message (what fromBinary returns) <- array(0)`]);
  assert.deepEqual(paths(PaymentErrorSchema, u([{ no: 2, wireType: 0, data: new Uint8Array([1]) }])), [`$unknown[0].no: a field number ${PaymentErrorSchema.typeName} does not declare, in [1, 536870911] <- 2`]);
  assert.deepEqual(paths(PaymentErrorSchema, u([{ no: 99, wireType: 1, data: new Uint8Array(7) }])), ["$unknown[0].data: the bytes of one wire type 1 value, as fromBinary keeps them <- Uint8Array(7)"]);
  // A group: field 1 (a varint) and its end tag, nested 2 deep, then a group left open.
  const group = (inner: number[]): number[] => [...inner, 0x9c, 0x06];
  assert.deepEqual(paths(PaymentErrorSchema, u([{ no: 99, wireType: 3, data: new Uint8Array(group([0x0b, 0x08, 0x01, 0x0c])) }])), []);
  assert.equal(paths(PaymentErrorSchema, u([{ no: 99, wireType: 3, data: new Uint8Array([0x0b, 0x08, 0x01]) }])).length, 1);
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 150; i++) deep = { child: deep };
  const problems = checkRecord(InnerSchema, deep);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.path, Array<string>(100).fill("child").join("."));
  assert.equal(problems[0]!.expected, "a message at most 100 levels deep (readers stop there)");
  assert.deepEqual(paths(PaymentErrorSchema, { code: "x", get message(): string { throw new TypeError("nope"); } }), ["message: a value that can be read <- threw TypeError: nope"]);
  assert.deepEqual(paths(PaymentErrorSchema, { labels: new Proxy({}, { ownKeys: () => { throw new Error("keys"); } }) }), ["labels: a value that can be read <- threw Error: keys"]);
});
