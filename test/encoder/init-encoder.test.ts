import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import { AllKindsSchema } from "../../proto/logwire/test/v1/all_kinds_pb.ts";
import type { LogDescriptor } from "../../src/index.ts";
import { encoderFallbackCount } from "../../src/runtime/encode/encoder-fallback.ts";
import { assertInitPathMatches } from "./init-path.ts";

/**
 * Generated encoders take the caller's record as it is, message or init
 * object, with the bytes of toBinary(create()); generated copy-on-write
 * redaction and the key extractors give what the message path gives. The
 * features fixture (redaction in lists, maps, oneofs and recursive types,
 * keys through nested messages) is held to the same property in
 * test/codegen/generated-code.test.ts.
 */

const RUNS = 250;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

describe("the init path of generated descriptors matches create() + redact + toBinary", () => {
  for (const log of [PaymentAuditLog, RequestPerformanceLog, PaymentErrorLog, AllKindsLog] as LogDescriptor[]) {
    it(`${log.typeName}: ${RUNS} arbitrary records, fields left out, messages and init objects mixed`, () => {
      assertInitPathMatches(log, RUNS);
    });
  }

  it("writes a left-out or undefined field as its default, an empty init object as zero bytes", () => {
    const encode = AllKindsLog.encodeInit!;
    const before = encoderFallbackCount();
    assert.equal(hex(encode({})), "");
    assert.equal(hex(encode({ fString: undefined, fMessage: undefined, rInt32: undefined, mStringString: undefined, choice: undefined, wInt32: undefined } as never)), "");
    assert.equal(hex(encode({ fMessage: {} })), "8a0100", "a present empty message is still written");
    assert.equal(hex(encode({ choice: { case: "cMessage", value: {} } })), hex(toBinary(AllKindsSchema, create(AllKindsSchema, { choice: { case: "cMessage", value: {} } }))));
    assert.equal(encoderFallbackCount(), before);
  });

  it("rejects a message of another type, nested or not, with toBinary's outcome; takes an init without $typeName", () => {
    const foreign = create(AllKindsSchema, { fString: "x" });
    assert.throws(() => PaymentAuditLog.encodeInit!(foreign as never), /cannot use/, "toBinary's ForeignFieldError, after the fallback");
    const nested = { amount: create(AllKindsSchema) } as never;
    // create() makes the nested foreign message a Money; so does the fallback.
    assert.equal(hex(PaymentAuditLog.encodeInit!(nested)), hex(toBinary(PaymentAuditSchema, create(PaymentAuditSchema, nested))));
  });

  it("writes the unknown fields of a message, and not those of an init object, as toBinary(create()) does", () => {
    const $unknown = [{ no: 99, wireType: 0, data: new Uint8Array([5]) }];
    const message = { ...create(PaymentAuditSchema, { paymentId: "p" }), $unknown };
    assert.equal(hex(PaymentAuditLog.encodeInit!(message)), hex(toBinary(PaymentAuditSchema, message)));
    assert.match(hex(PaymentAuditLog.encodeInit!(message)), /980605$/);
    const init = { paymentId: "p", $unknown } as never;
    assert.equal(hex(PaymentAuditLog.encodeInit!(init)), hex(toBinary(PaymentAuditSchema, create(PaymentAuditSchema, init))));
  });
});
