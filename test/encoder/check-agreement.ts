import assert from "node:assert/strict";
import type { DescMessage } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { checkRecord } from "../../src/runtime/check/record-check.ts";
import { messageArb } from "./message-arbitrary.ts";
import { mutatedArb } from "./record-mutation.ts";

/**
 * A generated check function against the runtime's `checkRecord`: on valid
 * records (plain inits and protobuf-es messages, fields set, undefined or
 * left out) and on records with one mistake at a random path, `check(v)`
 * returns a copy exactly when `checkRecord` finds no problem, `undefined`
 * otherwise. Both verdicts must occur often, so neither side goes untested.
 */
export function assertCheckAgrees(schema: DescMessage, check: (v: unknown) => unknown, runs: number): void {
  const valid = fc.oneof(
    messageArb(schema, 3, { enums: "declared", wkt: "valid", messages: "mixed", omit: true }),
    messageArb(schema, 3, { enums: "declared", wkt: "valid", messages: "mixed" }).map((init) => create(schema, init)),
  );
  const counts = { valid: 0, invalid: 0 };
  fc.assert(
    fc.property(fc.oneof(valid, mutatedArb(schema, valid), mutatedArb(schema, valid)), (record) => {
      const problems = checkRecord(schema, record);
      counts[problems.length === 0 ? "valid" : "invalid"]++;
      const copy = check(record);
      assert.ok(copy === undefined || (typeof copy === "object" && copy !== null && copy !== record), "a copy, or undefined");
      assert.equal(copy !== undefined, problems.length === 0, problems.length === 0 ? "the generated check rejects a record checkRecord accepts" : `the generated check accepts a record with ${JSON.stringify(problems)}`);
    }),
    { numRuns: runs },
  );
  assert.ok(counts.valid > runs / 5 && counts.invalid > runs / 5, `too one-sided: ${JSON.stringify(counts)}`);
}
