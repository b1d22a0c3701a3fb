import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "./support/cli-harness.ts";

// The README's first command ends in `npm run demo` (examples/demo). Run it small, in its own
// process, so the tail it ends with reads Snappy batches the pipeline wrote
// from another process (that needs the codecs registered in `tail` too).
test("npm run demo: emits the three seed logs and a bad record, the books balance, tail decodes topics and the DLQ", async () => {
  const r = await runCli(["--requests", "40", "--show", "1"], { timeoutMs: 120_000, entry: "examples/demo/main.ts" });
  assert.equal(r.code, 0, `demo failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /simulated 40 payment requests -> 121 records/);
  assert.match(r.stdout, /acked 120, dropped \{\}, dead-lettered \{"invalid_record":1\}, unknown 0, pending 0/);
  assert.match(r.stdout, /^payments\.audit\/\d+@\d+ key=pay-\d+ id=\d+ example\.payments\.v1\.PaymentAudit \{"paymentId":"pay-/m);
  assert.match(r.stdout, /^payments\.performance\/\d+@\d+ key=\S+\|\d+ id=\d+ example\.payments\.v1\.RequestPerformance \{/m);
  assert.match(r.stdout, /^payments\.errors\/\d+@\d+ key=\S+ id=\d+ example\.payments\.v1\.PaymentError \{/m);
  // The DLQ record is the caller's input as JSON, with logwire's diagnostics headers.
  assert.match(r.stdout, /^payments\.audit\.dlq\/\d+@\d+ dead letter \(json value\) \{"paymentId":"pay-bad"/m);
  assert.match(r.stdout, /"logwire\.error\.code":"invalid_record"/);
  assert.doesNotMatch(r.stdout, /ERROR malformed_frame/);
});
