import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

/** Loads kafkajs the way the runtime does, in a fresh process, and reports which modules kafkajs now resolves to logwire's code. */
function patchedIn(env: NodeJS.ProcessEnv): Record<string, boolean> {
  const script = `
    import { createRequire } from "node:module";
    import { loadKafkajs } from "./src/runtime/kafka/kafkajs/kafkajs-module.ts";
    import { PATCHED_MODULES } from "./src/runtime/kafka/kafkajs/kafkajs-patches-off.ts";
    loadKafkajs();
    const require = createRequire(import.meta.url);
    const out = {};
    for (const path of PATCHED_MODULES) {
      const m = require.cache[require.resolve(path)];
      // kafkajs's own module has a real file behind it and children; a patch is a bare Module whose exports come from src/runtime.
      out[path] = m !== undefined && (m.paths?.length ?? 0) === 0;
    }
    console.log(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], { env: { ...process.env, ...env }, encoding: "utf8" });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, boolean>;
}

test("every kafkajs patch is in place by default, and LOGWIRE_KAFKAJS_PATCHES=off leaves kafkajs as published", () => {
  const on = patchedIn({ LOGWIRE_KAFKAJS_PATCHES: "" });
  const off = patchedIn({ LOGWIRE_KAFKAJS_PATCHES: "off" });
  assert.ok(Object.keys(on).length >= 2);
  for (const [path, patched] of Object.entries(on)) assert.equal(patched, true, `${path} is replaced by default`);
  for (const [path, patched] of Object.entries(off)) assert.equal(patched, false, `${path} is kafkajs's own with the switch off`);
});
