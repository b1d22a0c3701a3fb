import assert from "node:assert/strict";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { resolveOptions, type PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";

/**
 * Asserts that `createPipeline`'s validation rejects `options` with
 * `invalid_option` at `path`, a message matching `message`, a fix, and none
 * of the `secrets` in the message.
 */
export function rejectsOption(options: unknown, path: string, message: RegExp, secrets: readonly string[] = []): void {
  assert.throws(
    () => resolveOptions(options as PipelineOptions),
    (e: unknown) => {
      assert.ok(isLogwireError(e), String(e));
      assert.equal(e.code, "invalid_option");
      assert.equal(e.path, path);
      assert.match(e.message, message);
      assert.ok(e.fix !== undefined && e.fix.length > 0, "names the fix");
      for (const secret of secrets) assert.ok(!e.message.includes(secret), "never echoes a password");
      return true;
    },
  );
}
