import fc from "fast-check";

/**
 * Wrong values for each field of example.payments.v1.PaymentError, as a
 * plain-JS caller could pass them, with the path logwire must report. Every
 * value here is wrong for its field: the property test puts one into an
 * otherwise valid record and expects the DLQ to name exactly that path.
 */
export interface BadField {
  readonly field: string;
  readonly value: unknown;
  readonly path: string;
}

/** PaymentError's fields, by their JS names. */
export const FIELDS = ["code", "message", "severity", "occurredAt", "paymentId", "request", "service", "retriable", "attempt", "stack", "labels"];

const notString = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt(), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }), fc.date(), fc.constant(new Map()));
const notBool = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.bigInt(), fc.constant([]));
const notUint32 = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.double({ min: 2 ** 32, noNaN: true }),
  fc.double({ noInteger: true }),
  fc.constant(NaN),
  fc.bigInt({ min: 0n, max: 100n }),
  fc.string(),
  fc.constant(null),
);
const notInt32 = fc.oneof(fc.double({ min: 2 ** 31, noNaN: true }), fc.double({ noInteger: true }), fc.constant(NaN), fc.bigInt({ min: 0n, max: 100n }), fc.string(), fc.constant(null));
/** Severity declares 0..5; anything else, or not an integer, is wrong. */
const notSeverity = fc.oneof(fc.integer({ min: 6, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: -1 }), fc.double({ noInteger: true }), fc.string(), fc.constant(null), fc.bigInt({ min: 0n, max: 5n }));
const notMessage = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.date(), fc.constant(new Map()), fc.uint8Array({ maxLength: 4 }));
const label = fc.string({ maxLength: 8 });

export function badFieldArbitrary(): fc.Arbitrary<BadField> {
  return fc.oneof(
    fc.record({ field: fc.constantFrom("code", "message", "paymentId"), value: notString }).map((b) => ({ ...b, path: b.field })),
    fc.record({ field: fc.constant("retriable"), value: notBool }).map((b) => ({ ...b, path: b.field })),
    fc.record({ field: fc.constant("attempt"), value: notUint32 }).map((b) => ({ ...b, path: b.field })),
    fc.record({ field: fc.constant("severity"), value: notSeverity }).map((b) => ({ ...b, path: b.field })),
    fc.record({ field: fc.constantFrom("occurredAt", "request", "service"), value: notMessage }).map((b) => ({ ...b, path: b.field })),
    // Inside nested messages, lists and maps.
    notInt32.map((v) => ({ field: "occurredAt", value: { seconds: 1n, nanos: v }, path: "occurredAt.nanos" })),
    fc.tuple(fc.nat({ max: 3 }), notUint32).map(([i, v]) => ({
      field: "stack",
      value: [...Array.from({ length: i }, () => ({ line: 1 })), { function: "f", line: v }],
      path: `stack[${i}].line`,
    })),
    fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.object({ maxDepth: 0 }), { minLength: 1, maxLength: 2 }).map((a) => a.map(() => "not a frame"))).map((v) => ({
      field: "stack",
      value: v,
      path: Array.isArray(v) ? "stack[0]" : "stack",
    })),
    fc.tuple(label, notString).map(([k, v]) => ({ field: "labels", value: { [k]: v }, path: `labels[${JSON.stringify(k)}]` })),
    fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 2 }), fc.constant(new Map([["k", "v"]])), fc.constant(null)).map((v) => ({ field: "labels", value: v, path: "labels" })),
    // A field the schema does not have.
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !FIELDS.includes(k) && k !== "$typeName"), fc.anything({ maxDepth: 1 })).filter(([, v]) => v !== undefined).map(([k, v]) => ({ field: k, value: v, path: k })),
  );
}
