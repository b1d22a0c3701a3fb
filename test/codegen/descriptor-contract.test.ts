import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import { ValidatedOrderLog } from "../../proto/logwire/test/v1/validated_logwire.ts";
import { isLogDescriptor, LOG_DESCRIPTOR_KIND } from "../../src/runtime/registry/log-descriptor.ts";
import type { LogDescriptor } from "../../src/runtime/registry/log-descriptor.ts";

// The descriptor contract (src/runtime/registry/log-descriptor.ts) as the
// committed generated code meets it: the current brand, every member present,
// and the members the runtime uses together set together. The runtime has no
// path for descriptors of another contract: isLogDescriptor refuses them, so
// emitter() throws instead of encoding without a check or redaction.

const GENERATED: readonly LogDescriptor[] = [PaymentAuditLog, PaymentErrorLog, RequestPerformanceLog, AllKindsLog, ValidatedOrderLog] as readonly LogDescriptor[];

describe("generated log descriptors", () => {
  it("carry the runtime's brand, logwire.log/v3, and pass isLogDescriptor", () => {
    assert.equal(LOG_DESCRIPTOR_KIND, "logwire.log/v3");
    for (const d of GENERATED) {
      assert.equal(d.kind, LOG_DESCRIPTOR_KIND, d.typeName);
      assert.ok(isLogDescriptor(d), d.typeName);
    }
  });

  it("define every member, and check, encodeInit and redactCopy together", () => {
    for (const d of GENERATED) {
      for (const member of ["check", "key", "redact", "redactCopy", "encode", "encodeInit", "validate", "traceFields"]) {
        assert.ok(Object.prototype.hasOwnProperty.call(d, member), `${d.typeName}.${member}`);
      }
      assert.equal(typeof d.check, "function", `${d.typeName}: the example schemas all have specialized encoders`);
      assert.equal(typeof d.encodeInit, "function", d.typeName);
      assert.equal(d.redactCopy === undefined, d.redact === undefined, `${d.typeName}: redactCopy exactly when redact`);
    }
    assert.notEqual(PaymentAuditLog.redact, undefined, "one of them redacts");
  });

  it("v3: validate and the trace fields, as the schemas set them", () => {
    assert.equal(PaymentAuditLog.validate, false);
    assert.deepEqual(PaymentAuditLog.traceFields, [
      { path: ["request", "traceId"], part: "traceId", bytes: false },
      { path: ["request", "spanId"], part: "spanId", bytes: false },
    ]);
    assert.equal(ValidatedOrderLog.validate, true);
    assert.deepEqual(ValidatedOrderLog.traceFields, [
      { path: ["traceId"], part: "traceId", bytes: false },
      { path: ["spanId"], part: "spanId", bytes: true },
    ]);
    assert.deepEqual(AllKindsLog.traceFields, []);
  });

  it("the check returns the copy or undefined, never a boolean", () => {
    const copy = PaymentAuditLog.check!({ paymentId: "p-1" });
    assert.equal(typeof copy, "object");
    assert.equal(PaymentAuditLog.check!({ paymentId: 1 }), undefined);
  });
});

describe("isLogDescriptor refuses", () => {
  it("a descriptor generated for the v1 or v2 contract (v2 has no validate: its records would go unchecked)", () => {
    assert.equal(isLogDescriptor({ ...PaymentAuditLog, kind: "logwire.log/v1" }), false);
    assert.equal(isLogDescriptor({ ...PaymentAuditLog, kind: "logwire.log/v2" }), false);
  });

  it("encodeInit with redact but without redactCopy (records would be encoded unredacted)", () => {
    assert.equal(isLogDescriptor({ ...PaymentAuditLog, redactCopy: undefined }), false);
    assert.equal(isLogDescriptor({ ...PaymentAuditLog, redactCopy: undefined, encodeInit: undefined }), true, "without encodeInit, redact runs on a message");
    assert.equal(isLogDescriptor({ ...PaymentErrorLog, redactCopy: undefined }), true, "nothing to redact");
  });

  it("a v3 descriptor without validate or traceFields", () => {
    assert.equal(isLogDescriptor({ ...PaymentAuditLog, validate: undefined }), false);
    assert.equal(isLogDescriptor({ ...PaymentAuditLog, traceFields: undefined }), false);
  });

  it("anything else", () => {
    for (const value of [undefined, null, "logwire.log/v3", {}, { kind: "logwire.log/v3" }, { kind: "logwire.log/v4" }]) assert.equal(isLogDescriptor(value), false, String(value));
  });
});
