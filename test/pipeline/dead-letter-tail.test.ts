import assert from "node:assert/strict";
import { test } from "node:test";
import type { IHeaders } from "kafkajs";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import { createStyle } from "../../src/cli/output.ts";
import { deadLetterOutcome, formatJsonLine, formatTextLine, type TailRecord } from "../../src/cli/tail-record-format.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { runCli } from "../cli/support/cli-harness.ts";
import { onUniqueTopic } from "./support/descriptors.ts";

/**
 * `logwire tail` on dead letters whose value was cut to fit the DLQ topic:
 * shown as truncated, with the original length, never as a frame that
 * fails to decode.
 */

function record(headers: IHeaders, value: Buffer): TailRecord {
  return { topic: "payments.performance.dlq", partition: 0, offset: "7", timestamp: "0", key: null, value, headers };
}

test("a framed dead letter with logwire.value.truncated-from is shown as truncated, not decoded", () => {
  // A frame (magic byte, schema id 5, index 0) whose payload was cut.
  const value = Buffer.from([0, 0, 0, 0, 5, 0, 0x0a, 0xff, 0x7f, 0x78, 0x78]);
  const headers: IHeaders = { [DLQ_HEADERS.code]: "record_too_large", [DLQ_HEADERS.valueFormat]: "framed", [DLQ_HEADERS.truncatedFrom]: "1500042" };
  const outcome = deadLetterOutcome(headers, value);
  assert.ok(outcome !== undefined && outcome.ok === "dead-letter");
  assert.equal(outcome.truncatedFrom, 1500042);
  const text = formatTextLine(record(headers, value), outcome, true, createStyle());
  assert.match(text, /^payments\.performance\.dlq\/0@7 dead letter \(framed value, truncated from 1500042 bytes\) \(11 bytes: 00 00 00 00 05 00 0a ff 7f 78 78\) headers=/);
  const json = JSON.parse(formatJsonLine(record(headers, value), outcome, true)) as Record<string, unknown>;
  assert.equal(json["valueFormat"], "framed");
  assert.equal(json["truncatedFrom"], 1500042);
  assert.equal(json["value"], value.toString("base64"));
  assert.equal(json["error"], undefined);
});

test("a shortened JSON dead letter is shown as JSON with its original length; an untruncated frame is still decoded", () => {
  const value = Buffer.from(JSON.stringify({ route: 42, labels: { a: "b…" } }));
  const headers: IHeaders = { [DLQ_HEADERS.valueFormat]: "json", [DLQ_HEADERS.truncatedFrom]: "90000" };
  const outcome = deadLetterOutcome(headers, value);
  assert.ok(outcome !== undefined && outcome.ok === "dead-letter");
  assert.match(formatTextLine(record(headers, value), outcome, false, createStyle()), /dead letter \(json value, truncated from 90000 bytes\) \{"route":42,"labels":\{"a":"b…"\}\}$/);
  assert.equal(deadLetterOutcome({ [DLQ_HEADERS.valueFormat]: "framed" }, value), undefined, "a whole frame goes to the decoder");
});

test("tail reads a record_too_large dead letter cut to fit the DLQ topic as truncated (real stack)", { timeout: 120_000 }, async () => {
  const perf = onUniqueTopic(RequestPerformanceLog, "dlq-tail-truncated");
  const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, onError: () => undefined });
  const log = pipeline.emitter(perf);
  await log.emitAndWait({ route: "/ok" });
  await log.emitAndWait({ route: "/big", labels: { blob: "x".repeat(1_500_000) } }).catch(() => undefined);
  await pipeline.close();
  assert.deepEqual(pipeline.stats().deadLettered, { record_too_large: 1 });

  const text = await runCli(["tail", `${perf.topic}.dlq`, "--from-beginning", "--max", "1", "--idle-ms", "20000", "--quiet"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /dead letter \(framed value, truncated from 15\d{5} bytes\) \(\d+ bytes: 00 /);
  assert.doesNotMatch(text.stdout, /ERROR|premature/);

  const json = await runCli(["tail", `${perf.topic}.dlq`, "--from-beginning", "--max", "1", "--idle-ms", "20000", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const line = JSON.parse(json.stdout.trim()) as { valueFormat: string; truncatedFrom: number; error?: unknown; headers: Record<string, string> };
  assert.equal(line.error, undefined);
  assert.equal(line.valueFormat, "framed");
  assert.equal(String(line.truncatedFrom), line.headers[DLQ_HEADERS.truncatedFrom]);
  assert.equal(line.headers[DLQ_HEADERS.code], "record_too_large");
});
