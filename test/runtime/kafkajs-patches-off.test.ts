import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

/** Loads logwire's kafkajs the way the runtime does, in a fresh process, and reports which modules it resolves to logwire's code. */
function patchedIn(env: NodeJS.ProcessEnv): { patched: Record<string, boolean>; status: Record<string, { state: string }> } {
  const script = `
    import { loadKafkajsInstance, kafkajsPatchStatus } from "./src/runtime/kafka/kafkajs/kafkajs-module.ts";
    import { PATCHED_MODULES } from "./src/runtime/kafka/kafkajs/kafkajs-patches-off.ts";
    const kafkajs = loadKafkajsInstance();
    const patched = {};
    // kafkajs's own module exports the function its file defines; a patch exports logwire's.
    for (const path of PATCHED_MODULES) patched[path] = String(kafkajs.require(path)) !== String(kafkajs.original(path));
    console.log(JSON.stringify({ patched, status: kafkajsPatchStatus() }));
  `;
  const stdout = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], { env: { ...process.env, ...env }, encoding: "utf8" });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as { patched: Record<string, boolean>; status: Record<string, { state: string }> };
}

test("every kafkajs patch is in place by default, and LOGWIRE_KAFKAJS_PATCHES=off leaves kafkajs as published", () => {
  const on = patchedIn({ LOGWIRE_KAFKAJS_PATCHES: "" });
  const off = patchedIn({ LOGWIRE_KAFKAJS_PATCHES: "off" });
  assert.ok(Object.keys(on.patched).length >= 2);
  for (const [path, patched] of Object.entries(on.patched)) assert.equal(patched, true, `${path} is replaced by default`);
  for (const [path, patched] of Object.entries(off.patched)) assert.equal(patched, false, `${path} is kafkajs's own with the switch off`);
  assert.deepEqual(on.status, { "partition-grouping": { state: "applied" }, "produce-request": { state: "applied" }, "timer-clamp": { state: "applied" } });
  assert.deepEqual(off.status, { "partition-grouping": { state: "off" }, "produce-request": { state: "off" }, "timer-clamp": { state: "off" } });
});
