import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./fixtures/signal-child.ts", import.meta.url));

test("handleSignals: SIGTERM flushes the buffer before the process exits by the signal", async () => {
  // node itself (not the tsx wrapper, which relays signals) so the exit signal is observable.
  const proc = spawn(process.execPath, ["--import", "tsx", child], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready: ${out}`)), 20000);
    proc.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  assert.ok(!out.includes("sent"), "nothing sent before the signal (60 s linger)");
  proc.kill("SIGTERM");
  const { signal } = await exited;
  assert.match(out, /sent 50\n/, "the 50 lingering records were flushed on SIGTERM");
  assert.equal(signal, "SIGTERM", "then the process ends by the signal, as it would have");
});
