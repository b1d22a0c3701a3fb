import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import type { LogDescriptor } from "../../src/index.ts";
import { encoderFallbackCount } from "../../src/runtime/encode/encoder-fallback.ts";
import { createFieldCoverage } from "./field-coverage.ts";
import { messageArb } from "./message-arbitrary.ts";

/**
 * Generated encoders against toBinary, on arbitrary records of the three
 * example log messages and of AllKinds (every field kind). Every record must
 * take the fast path (the fallback counter stays put), every field of every
 * reachable message must have been set at least once, and the bytes must be
 * identical.
 */

const RUNS = 250;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

function checkEquivalence<Desc extends DescMessage>(log: LogDescriptor<Desc>): void {
  const encode = log.encode;
  assert.ok(encode !== undefined, `${log.typeName} has no generated encoder`);
  const coverage = createFieldCoverage();
  const fallbacksBefore = encoderFallbackCount();
  fc.assert(
    fc.property(messageArb(log.schema), (init) => {
      const message = create(log.schema, init) as MessageShape<Desc>;
      coverage.add(log.schema, message);
      const expected = toBinary(log.schema, message);
      const actual = encode(message);
      assert.ok(actual instanceof Uint8Array);
      assert.equal(actual.byteLength, expected.byteLength, `length differs: ${hex(actual)} vs ${hex(expected)}`);
      assert.equal(Buffer.compare(actual, expected), 0, `bytes differ:\n${hex(actual)}\n${hex(expected)}`);
    }),
    { numRuns: RUNS },
  );
  assert.equal(encoderFallbackCount(), fallbacksBefore, "well-typed records must not fall back to toBinary");
  assert.deepEqual(coverage.missing(log.schema), [], "fields the arbitraries never set");
}

describe("generated encoders are byte-identical to toBinary", () => {
  for (const log of [PaymentAuditLog, RequestPerformanceLog, PaymentErrorLog, AllKindsLog] as LogDescriptor[]) {
    it(`${log.typeName}: ${RUNS} arbitrary records`, () => {
      checkEquivalence(log);
    });
  }
});
