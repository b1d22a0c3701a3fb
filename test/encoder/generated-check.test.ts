import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DescMessage } from "@bufbuild/protobuf";
import {
  AnySchema, BoolValueSchema, BytesValueSchema, DoubleValueSchema, DurationSchema, EmptySchema, FieldMaskSchema,
  FloatValueSchema, Int32ValueSchema, Int64ValueSchema, ListValueSchema, StringValueSchema, StructSchema,
  TimestampSchema, UInt32ValueSchema, UInt64ValueSchema, ValueSchema,
} from "@bufbuild/protobuf/wkt";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import { Kind } from "../../proto/logwire/test/v1/all_kinds_pb.ts";
import type { LogDescriptor } from "../../src/index.ts";
import * as codegenv1 from "../../src/runtime/codegenv1/index.ts";
import { checkRecord } from "../../src/runtime/check/record-check.ts";
import { assertCheckAgrees } from "./check-agreement.ts";

/**
 * The generated check functions (`LogDescriptor.check`, and the runtime's
 * `check$google$protobuf$*` for the well-known types) against the runtime's
 * `checkRecord` (see `assertCheckAgrees`). The features fixture (recursive
 * types, nested key paths) is held to the same property in
 * test/codegen/generated-code.test.ts.
 */

const RUNS = 1500;

describe("generated check functions agree with checkRecord", () => {
  for (const log of [PaymentAuditLog, RequestPerformanceLog, PaymentErrorLog, AllKindsLog] as LogDescriptor[]) {
    it(`${log.typeName}: ${RUNS} valid and mutated records`, () => {
      assert.ok(log.check !== undefined, `${log.typeName} has no generated check`);
      assertCheckAgrees(log.schema, log.check, RUNS);
    });
  }

  const WKT: DescMessage[] = [
    AnySchema, BoolValueSchema, BytesValueSchema, DoubleValueSchema, DurationSchema, EmptySchema, FieldMaskSchema,
    FloatValueSchema, Int32ValueSchema, Int64ValueSchema, ListValueSchema, StringValueSchema, StructSchema,
    TimestampSchema, UInt32ValueSchema, UInt64ValueSchema, ValueSchema,
  ];
  for (const schema of WKT) {
    it(`runtime check of ${schema.typeName}: 300 valid and mutated records`, () => {
      const check = (codegenv1 as unknown as Record<string, unknown>)[`check$${schema.typeName.replace(/\./g, "$")}`];
      assert.equal(typeof check, "function", "not exported from src/runtime/codegenv1/index.ts");
      assertCheckAgrees(schema, check as (v: unknown) => unknown, 300);
    });
  }

  it("cases the arbitraries may miss: wrappers, enums, map keys, 64-bit text, oneofs, built-ins, inherited keys, ranges, unknown fields", () => {
    const check = AllKindsLog.check!;
    const withUnknown = (typeName: string, $unknown: unknown): object => ({ $typeName: typeName, $unknown });
    const cases: unknown[] = [
      { wInt32: 5 }, { wInt32: { value: 5 } }, { wInt32: 2 ** 31 }, { wString: "x" }, { wBytes: [1] }, { wInt64: "12" }, { wUint64: -1 },
      { fEnum: Kind.MAX }, { fEnum: -1 }, { fEnum: -0 }, { fEnum: 2 }, { fEnum: 1.5 }, { oEnum: Kind.NEGATIVE }, { rEnum: [0, 7] },
      { mInt32Int64: { "01": 1n } }, { mInt32Int64: { "-0": 1n } }, { mInt32Int64: { "2147483648": 1n } }, { mInt32Int64: { "1e3": 1n } },
      { mUint64Uint32: { "18446744073709551615": 1 } }, { mUint64Uint32: { "18446744073709551616": 1 } }, { mUint64Uint32: { "-1": 1 } },
      { mBoolBytes: { true: new Uint8Array(1) } }, { mBoolBytes: { TRUE: new Uint8Array(1) } }, { mSfixed64Bool: { "-9223372036854775809": true } },
      { fInt64String: "-9223372036854775808" }, { fUint64String: "-0" }, { fInt64: "123456789012345678901" }, { fUint64: -0 }, { fInt32: -0 }, { fUint32: -0 },
      { choice: { case: "cMessage" } }, { choice: { case: "cString", value: undefined } }, { choice: { value: 1 } }, { choice: [] }, { choice: new Date() }, { choice: null },
      { choice: {} }, { choice: { case: undefined } }, { choice: { case: undefined, value: undefined } }, { choice: { case: "cString", value: "x", extra: 1 } }, { choice: { case: undefined, value: "x" } },
      { fMessage: new Date() }, { fTimestamp: new Date() }, { mStringString: new Map() }, { fMessage: Object.create(null) as object },
      Object.create({ inherited: 1 }) as object, Object.assign(Object.create({ fString: 1 }) as object, { fBool: true }),
      { $typeName: AllKindsLog.typeName }, { $typeName: undefined }, { $unknown: [] }, { fMessage: { $typeName: "logwire.test.v1.Inner" } }, { fMessage: { $typeName: "logwire.test.v1.Empty" } },
      { fFloat: 3.4028234663852886e38 }, { fFloat: 3.4028235677973366e38 }, { fFloat: 1e39 }, { fFloat: -1e39 }, { fFloat: Infinity }, { fFloat: NaN }, { wFloat: 1e39 }, { rFloat: [1, 1e39] },
      { fTimestamp: { seconds: -62135596800n } }, { fTimestamp: { seconds: -62135596801n } }, { fTimestamp: { seconds: 253402300799n, nanos: 999999999 } }, { fTimestamp: { seconds: 253402300800n } },
      { fTimestamp: { nanos: -1 } }, { fTimestamp: { nanos: 1e9 } }, { fTimestamp: { seconds: "253402300800" } }, { fTimestamp: { seconds: 2 ** 52 } },
      { fDuration: { seconds: 315576000000n, nanos: 999999999 } }, { fDuration: { seconds: 315576000001n } }, { fDuration: { seconds: -315576000000n, nanos: -999999999 } },
      { fDuration: { seconds: 1n, nanos: -1 } }, { fDuration: { seconds: -1n, nanos: 1 } }, { fDuration: { nanos: -999999999 } }, { fDuration: { nanos: -1e9 } }, { fDuration: { seconds: "-1", nanos: 5 } },
      { fBytes: Object.create(Uint8Array.prototype) as object }, { fBytes: Buffer.from("x") }, { fBytes: new Proxy(new Uint8Array(2), {}) },
      withUnknown(AllKindsLog.typeName, [{ no: 999, wireType: 0, data: new Uint8Array([1]) }]), withUnknown(AllKindsLog.typeName, [{ no: 1, wireType: 0, data: new Uint8Array([1]) }]),
      withUnknown(AllKindsLog.typeName, [{ no: 999, wireType: 2, data: new Uint8Array([5, 1]) }]), withUnknown(AllKindsLog.typeName, [{ no: 999, wireType: 4, data: new Uint8Array() }]),
      withUnknown(AllKindsLog.typeName, "x"), { fMessage: withUnknown("logwire.test.v1.Inner", [{ no: 9, wireType: 5, data: new Uint8Array(4) }]) },
    ];
    for (const record of cases) {
      assert.equal(check(record) !== undefined, checkRecord(AllKindsLog.schema, record).length === 0, `disagree on ${show(record)}`);
    }
  });

  it("members are what reading them by name gives: own or inherited, enumerable or not, data or getter; keys are checked only when own and enumerable", () => {
    const check = AllKindsLog.check!;
    const hidden = (o: object, key: string, value: unknown): object => Object.defineProperty(o, key, { value, enumerable: false });
    const Getter = class {
      get fString(): unknown {
        return 1;
      }
    };
    const Valid = class {
      get fString(): unknown {
        return "x";
      }
    };
    const cases: [unknown, boolean][] = [
      // A member no key shows is read, and checked, all the same.
      [hidden({ fBool: true }, "fString", 1), false],
      [hidden({ fBool: true }, "fString", "x"), true],
      [hidden({}, "fMessage", { nope: 1 }), false],
      [hidden({}, "rString", [1]), false],
      [hidden({}, "mStringString", 1), false],
      [hidden({}, "choice", { case: "cString", value: 1 }), false],
      [hidden({ fBool: true }, "$typeName", "other.Type"), false],
      [Object.assign(Object.create({ fString: 1, choice: null, $typeName: "other.Type" }) as object, { fBool: true }), false],
      [Object.assign(Object.create({ fString: "x", extra: 1 }) as object, { fBool: true }), true],
      [Object.assign(Object.create({ fString: "x" }) as object, { fBool: true, extra: 1 }), false],
      // A class: its getters are members like any other.
      [Object.assign(new Getter(), { fBool: true }), false],
      [Object.assign(new Valid(), { fBool: true }), true],
      [Object.defineProperty(new Getter(), "fString", { value: "x", enumerable: true }), true],
      [Object.defineProperty(new Getter(), "fString", { value: 1, enumerable: true }), false],
      // A key set to undefined is a key: fine for a field, and for $typeName.
      [{ fString: undefined, choice: undefined }, true],
      [{ $typeName: undefined }, true],
      [Object.assign(Object.create(null) as object, { fString: "x", fInt32: 1 }), true],
      [Object.assign(Object.create(null) as object, { fString: "x", extra: 1 }), false],
      [Object.setPrototypeOf([], Object.prototype), false],
      [Object.assign(Object.setPrototypeOf([], Object.prototype) as object, { fString: "x" }), false],
    ];
    for (const [record, valid] of cases) {
      assert.equal(checkRecord(AllKindsLog.schema, record).length === 0, valid, `checkRecord on ${show(record)}`);
      assert.equal(check(record) !== undefined, valid, `check on ${show(record)}`);
    }
  });

  it("reads each member once, however deep, and copies what it read: getters run once, and the copy has none", () => {
    // A check that reads a value twice (to validate, then to copy, or in a
    // second pass over what it already read) would run each getter 2 or
    // 2^depth times.
    let reads = 0;
    let value: unknown = { kind: { case: "numberValue", value: 1 } };
    const depth = 24;
    for (let i = 0; i < depth; i++) {
      const fields = { a: value };
      const struct = Object.create({ inherited: 1 }) as object;
      Object.defineProperty(struct, "fields", { enumerable: true, get: () => (reads++, fields) });
      Object.defineProperty(struct, "$typeName", { value: "google.protobuf.Struct", enumerable: false });
      value = { kind: { case: "structValue", value: struct } };
    }
    const check = (codegenv1 as unknown as Record<string, (v: unknown) => unknown>)["check$google$protobuf$Value"]!;
    const copy = check(value);
    assert.equal(reads, depth);
    let level = copy as { kind: { value: { fields: { a: unknown } } } };
    for (let i = 0; i < depth; i++) {
      const struct = level.kind.value;
      assert.equal(Object.getPrototypeOf(struct), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(struct, "fields")?.get, undefined, "a data property in the copy");
      level = struct.fields.a as typeof level;
    }
    assert.equal(reads, depth, "reading the copy runs no getter");
    assert.deepEqual(checkRecord(ValueSchema, value), []);
  });
});

/** The keys of a record, for messages: own and inherited enumerable ones. */
function show(record: unknown): string {
  const keys: string[] = [];
  for (const k in record as object) keys.push(k);
  return `{${keys.join(", ")}} ${JSON.stringify(record, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 120)}`;
}
