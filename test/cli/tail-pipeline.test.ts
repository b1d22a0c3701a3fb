import assert from "node:assert/strict";
import { test } from "node:test";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { BROKERS, REGISTRY_URL, runCli, runId } from "./support/cli-harness.ts";

// `logwire tail` in its own process reading what a pipeline wrote: Snappy
// batches (the tail must register the codecs itself) and a dead letter whose
// value is the caller's JSON input (shown as such, not as a malformed frame).
test("tail reads Snappy batches and JSON dead letters written by a pipeline in another process", async () => {
  const topic = `cli-tail-pipeline-${runId()}`;
  const descriptor = { ...PaymentAuditLog, topic };
  const pipeline = await createPipeline({ brokers: BROKERS.split(","), registry: { url: REGISTRY_URL }, onError: () => undefined });
  const audit = pipeline.emitter(descriptor);
  for (let i = 0; i < 5; i++) audit.emit(simulatePaymentRequest(i).audit);
  (audit.emit as (init: unknown) => void)({ paymentId: "pay-bad", action: "CAPTURE" });
  await pipeline.close();
  assert.equal(pipeline.stats().acked, 5);

  const main = await runCli(["tail", topic, "--from-beginning", "--max", "5", "--idle-ms", "20000"]);
  assert.equal(main.code, 0, main.stderr);
  const lines = main.stdout.trim().split("\n");
  assert.equal(lines.length, 5, main.stdout);
  for (const [i, line] of lines.entries()) {
    assert.match(line, new RegExp(`^${topic.replace(/\./g, "\\.")}/0@${i} key=pay-00000${i} id=\\d+ example\\.payments\\.v1\\.PaymentAudit \\{"paymentId":"pay-00000${i}"`));
  }

  const dlq = await runCli(["tail", `${topic}.dlq`, "--from-beginning", "--max", "1", "--idle-ms", "20000", "--json"]);
  assert.equal(dlq.code, 0, dlq.stderr);
  const record = JSON.parse(dlq.stdout.trim()) as { valueFormat: string; value: { paymentId: string }; headers: Record<string, string> };
  assert.equal(record.valueFormat, "json");
  assert.equal(record.value.paymentId, "pay-bad");
  assert.equal(record.headers["logwire.error.code"], "invalid_record");
  assert.equal(record.headers["logwire.original.topic"], topic);
});
