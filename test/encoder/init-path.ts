import assert from "node:assert/strict";
import type { DescMessage, Message, MessageInitShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import type { LogDescriptor } from "../../src/index.ts";
import { encoderFallbackCount } from "../../src/runtime/encode/encoder-fallback.ts";
import { messageArb } from "./message-arbitrary.ts";

/**
 * The init path of a generated descriptor against the message path
 * (`create()`, `redact` in place, `key`, `toBinary`), on arbitrary records:
 * plain init objects with fields set, `undefined` or left out, protobuf-es
 * messages, and mixtures at every depth. Two ways in, as the runtime takes
 * them: valid records through `check`, whose copy is then redacted
 * (`redactCopy`), keyed and encoded (`encodeInit`), what the runtime runs on
 * every record; and any record (open enums, any Timestamp) straight into
 * `redactCopy`, `key` and `encodeInit`, which take the caller's record too.
 * The bytes and the key must be identical, no record may fall back to
 * `toBinary`, and the caller's record must come out unchanged.
 */
export function assertInitPathMatches<Desc extends DescMessage>(log: LogDescriptor<Desc>, runs: number): void {
  const encodeInit = log.encodeInit;
  const check = log.check;
  assert.ok(encodeInit !== undefined && check !== undefined, `${log.typeName} has no encodeInit or check`);
  assert.equal(log.redactCopy === undefined, log.redact === undefined, "redactCopy comes with redact");
  const records = (options: { enums: "any" | "declared"; wkt: "any" | "valid" }): fc.Arbitrary<MessageInitShape<Desc>> =>
    fc.oneof(
      messageArb(log.schema, 3, { messages: "mixed", omit: true, ...options }),
      messageArb(log.schema, 3, { messages: "mixed", ...options }).map((init) => create(log.schema, init)),
    );
  const fallbacksBefore = encoderFallbackCount();
  let redactedRecords = 0;
  for (const checked of [true, false]) {
    fc.assert(
      fc.property(checked ? records({ enums: "declared", wkt: "valid" }) : records({ enums: "any", wkt: "any" }), (init) => {
        const before = structuredClone(init);
        // The message path, on a copy: create() keeps the caller's maps, which redact would change.
        const message = create(log.schema, structuredClone(init)) as Message;
        log.redact?.(message as never);
        const expected = toBinary(log.schema, message as never);

        let record: unknown = init;
        if (checked) {
          record = check(init);
          assert.ok(typeof record === "object" && record !== null && record !== init, "a valid record is checked into a copy");
        }
        // The check's copy is redacted in place (owned), as the runtime does; the caller's record by copying.
        const before2 = checked && log.redactCopy !== undefined ? JSON.stringify(record, (_k, x: unknown) => (typeof x === "bigint" ? String(x) : x)) : "";
        const redacted = log.redactCopy === undefined ? record : log.redactCopy(record as MessageInitShape<Desc>, checked);
        if (checked) {
          assert.equal(redacted, record, "an owned copy is redacted in place");
          if (log.redactCopy !== undefined && JSON.stringify(record, (_k, x: unknown) => (typeof x === "bigint" ? String(x) : x)) !== before2) redactedRecords++;
        } else if (redacted !== record) redactedRecords++;
        const actual = encodeInit(redacted as MessageInitShape<Desc>);
        assert.equal(hex(actual), hex(expected));
        if (log.key !== undefined) assert.equal(log.key(redacted as never), log.key(message as never), "the key differs");
        assert.deepStrictEqual(structuredClone(init), before, "the caller's record was changed");
      }),
      { numRuns: runs },
    );
  }
  assert.equal(encoderFallbackCount(), fallbacksBefore, "records fell back to toBinary");
  if (log.redactCopy !== undefined) assert.ok(redactedRecords > runs / 2, `redaction changed only ${redactedRecords} of ${2 * runs} records`);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
