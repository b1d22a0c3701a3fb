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
import * as logwire from "../../src/index.ts";
import type { LogDescriptor } from "../../src/index.ts";
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
      const check = (logwire as unknown as Record<string, unknown>)[`check$${schema.typeName.replace(/\./g, "$")}`];
      assert.equal(typeof check, "function", "not exported from src/index.ts");
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
});
