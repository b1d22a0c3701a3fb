import assert from "node:assert/strict";
import type { DescMessage, Message, MessageInitShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import type { LogDescriptor } from "../../src/index.ts";
import { encoderFallbackCount } from "../../src/runtime/encoder-fallback.ts";
import { messageArb } from "./message-arbitrary.ts";

/**
 * The init path of a generated descriptor (`redactCopy`, `key`,
 * `encodeInit`, what the runtime runs on a checked record) against the
 * message path (`create()`, `redact` in place, `key`, `toBinary`), on
 * arbitrary records: plain init objects with fields set, `undefined` or left
 * out, protobuf-es messages, and mixtures at every depth. The bytes and the
 * key must be identical, no record may fall back to `toBinary`, and the
 * caller's record must come out unchanged.
 */
export function assertInitPathMatches<Desc extends DescMessage>(log: LogDescriptor<Desc>, runs: number): void {
  const encodeInit = log.encodeInit;
  assert.ok(encodeInit !== undefined, `${log.typeName} has no encodeInit`);
  assert.equal(log.redactCopy === undefined, log.redact === undefined, "redactCopy comes with redact");
  const record = fc.oneof(
    messageArb(log.schema, 3, { messages: "mixed", omit: true }),
    messageArb(log.schema, 3, { messages: "mixed" }).map((init) => create(log.schema, init)),
  );
  const fallbacksBefore = encoderFallbackCount();
  let redactedRecords = 0;
  fc.assert(
    fc.property(record, (init) => {
      const before = structuredClone(init);
      // The message path, on a copy: create() keeps the caller's maps, which redact would change.
      const message = create(log.schema, structuredClone(init)) as Message;
      log.redact?.(message as never);
      const expected = toBinary(log.schema, message as never);

      const redacted = log.redactCopy === undefined ? init : log.redactCopy(init as MessageInitShape<Desc>);
      if (redacted !== init) redactedRecords++;
      const actual = encodeInit(redacted as MessageInitShape<Desc>);
      assert.equal(hex(actual), hex(expected));
      if (log.key !== undefined) assert.equal(log.key(redacted as never), log.key(message as never), "the key differs");
      assert.deepStrictEqual(structuredClone(init), before, "the caller's record was changed");
    }),
    { numRuns: runs },
  );
  assert.equal(encoderFallbackCount(), fallbacksBefore, "records fell back to toBinary");
  if (log.redactCopy !== undefined) assert.ok(redactedRecords > runs / 4, `redaction changed only ${redactedRecords} of ${runs} records`);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
