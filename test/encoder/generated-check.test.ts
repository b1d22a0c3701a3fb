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
import { checkRecord } from "../../src/runtime/record-check.ts";
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
      assertCheckAgrees(schema, check as (v: unknown) => boolean, 300);
    });
  }

  it("cases the arbitraries may miss: wrappers, enums, map keys, 64-bit text, oneofs, built-ins, inherited keys", () => {
    const check = AllKindsLog.check!;
    const cases: unknown[] = [
      { wInt32: 5 }, { wInt32: { value: 5 } }, { wInt32: 2 ** 31 }, { wString: "x" }, { wBytes: [1] }, { wInt64: "12" }, { wUint64: -1 },
      { fEnum: Kind.MAX }, { fEnum: -1 }, { fEnum: -0 }, { fEnum: 2 }, { fEnum: 1.5 }, { oEnum: Kind.NEGATIVE }, { rEnum: [0, 7] },
      { mInt32Int64: { "01": 1n } }, { mInt32Int64: { "-0": 1n } }, { mInt32Int64: { "2147483648": 1n } }, { mInt32Int64: { "1e3": 1n } },
      { mUint64Uint32: { "18446744073709551615": 1 } }, { mUint64Uint32: { "18446744073709551616": 1 } }, { mUint64Uint32: { "-1": 1 } },
      { mBoolBytes: { true: new Uint8Array(1) } }, { mBoolBytes: { TRUE: new Uint8Array(1) } }, { mSfixed64Bool: { "-9223372036854775809": true } },
      { fInt64String: "-9223372036854775808" }, { fUint64String: "-0" }, { fInt64: "123456789012345678901" }, { fUint64: -0 }, { fInt32: -0 }, { fUint32: -0 },
      { choice: { case: "cMessage" } }, { choice: { case: "cString", value: undefined } }, { choice: { value: 1 } }, { choice: [] }, { choice: new Date() }, { choice: null },
      { fMessage: new Date() }, { fTimestamp: new Date() }, { mStringString: new Map() }, { fMessage: Object.create(null) as object },
      Object.create({ inherited: 1 }) as object, Object.assign(Object.create({ fString: 1 }) as object, { fBool: true }),
      { $typeName: AllKindsLog.typeName }, { $typeName: undefined }, { $unknown: [] }, { fMessage: { $typeName: "logwire.test.v1.Inner" } }, { fMessage: { $typeName: "logwire.test.v1.Empty" } },
    ];
    for (const record of cases) {
      assert.equal(check(record), checkRecord(AllKindsLog.schema, record).length === 0, `disagree on ${String(Object.keys(record as object))}`);
    }
  });

  it("members a property read finds but checkRecord does not see: non-enumerable, inherited, on a class; other prototypes", () => {
    const check = AllKindsLog.check!;
    const hidden = (o: object, key: string, value: unknown): object => Object.defineProperty(o, key, { value, enumerable: false });
    const Getter = class {
      get fString(): unknown {
        return 1;
      }
    };
    const cases: [unknown, boolean][] = [
      // A valid member no key shows, beside an unknown key: as many members read as keys found, yet wrong.
      [hidden({ extra: 1 }, "fString", "x"), false],
      [hidden({ fBool: true, extra: 1 }, "fMessage", {}), false],
      [{ fMessage: hidden({ extra: 1 }, "value", 1) }, false],
      // An invalid member no key shows is not looked at.
      [hidden({ fBool: true }, "fString", 1), true],
      [hidden({}, "fMessage", { nope: 1 }), true],
      [hidden({}, "rString", [1]), true],
      [hidden({}, "mStringString", 1), true],
      [hidden({}, "choice", { case: "cString", value: 1 }), true],
      [hidden({ fBool: true }, "$typeName", "other.Type"), true],
      [Object.assign(Object.create({ fString: 1, choice: null, $typeName: "other.Type" }) as object, { fBool: true }), true],
      [Object.assign(Object.create({ fString: "x", extra: 1 }) as object, { fBool: true }), true],
      [Object.assign(Object.create({ fString: "x" }) as object, { fBool: true, extra: 1 }), false],
      [Object.assign(new Getter(), { fBool: true }), true],
      [Object.defineProperty(new Getter(), "fString", { value: "x", enumerable: true }), true],
      [Object.defineProperty(new Getter(), "fString", { value: 1, enumerable: true }), false],
      // A key set to undefined is a key: fine for a field, wrong for $typeName.
      [{ fString: undefined, choice: undefined }, true],
      [{ $typeName: undefined }, false],
      [Object.assign(Object.create(null) as object, { fString: "x", fInt32: 1 }), true],
      [Object.assign(Object.create(null) as object, { fString: "x", extra: 1 }), false],
      [Object.setPrototypeOf([], Object.prototype), false],
      [Object.assign(Object.setPrototypeOf([], Object.prototype) as object, { fString: "x" }), false],
    ];
    for (const [record, valid] of cases) {
      assert.equal(checkRecord(AllKindsLog.schema, record).length === 0, valid, `checkRecord on ${String(Object.keys(record as object))}`);
      assert.equal(check(record), valid, `check on ${String(Object.keys(record as object))}`);
    }
  });

  it("reads each member once, however deep, when every level has an inherited key and a hidden invalid $typeName", () => {
    // A check that falls back to a second pass over what it already read
    // would read the innermost value 2^depth times.
    let reads = 0;
    let value: unknown = { kind: { case: "numberValue", value: 1 } };
    const depth = 24;
    for (let i = 0; i < depth; i++) {
      const fields = { a: value };
      const struct = Object.create({ inherited: 1 }) as object;
      Object.defineProperty(struct, "fields", { enumerable: true, get: () => (reads++, fields) });
      Object.defineProperty(struct, "$typeName", { value: 5, enumerable: false });
      value = { kind: { case: "structValue", value: struct } };
    }
    const check = (codegenv1 as unknown as Record<string, (v: unknown) => boolean>)["check$google$protobuf$Value"]!;
    assert.equal(check(value), true);
    assert.equal(reads, depth);
    assert.deepEqual(checkRecord(ValueSchema, value), []);
  });
});
