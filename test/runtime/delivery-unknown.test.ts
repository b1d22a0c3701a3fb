import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport, type MemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { ErrorCode, LogwireError, isLogwireError } from "../../src/runtime/errors.ts";
import { isDeliveryUnknown, markDeliveryUnknown } from "../../src/runtime/transport/delivery-unknown.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";

/**
 * The books for records whose request reached the broker and got no answer
 * before logwire gave up on it: neither acked nor dropped, but `unknown`.
 * The memory transport plays the broker: a held request is on the wire and
 * unanswered (disconnect() ends it), `loseAnswers` loses a request's answer
 * as a request timeout does, `failNext` is a definite failure (nothing written).
 */
const ids = { [PaymentErrorLog.subject]: 4242 };
const refused = new LogwireError(ErrorCode.BrokerUnavailable, "produce failed: connect ECONNREFUSED 127.0.0.1:9", { retriable: true });

async function setup(extra: Partial<PipelineOptions> = {}): Promise<{ pipeline: Pipeline; memory: MemoryTransport; errors: LogwireError[]; metrics: Registry }> {
  const memory = createMemoryTransport();
  const errors: LogwireError[] = [];
  const metrics = new Registry();
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids }, metrics: { registry: metrics }, onError: (e) => errors.push(e), batch: { lingerMs: 0 }, ...extra });
  return { pipeline, memory, errors, metrics };
}

const sum = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** emitted = acked + Σ dropped + Σ dead-lettered + unknown + pending, nothing pending. */
function settledBooks(p: Pipeline): void {
  const s = p.stats();
  assert.equal(s.pending, 0, JSON.stringify(s));
  assert.equal(s.emitted, s.acked + sum(s.dropped) + sum(s.deadLettered) + s.unknown + s.pending, JSON.stringify(s));
}

async function unknownMetric(metrics: Registry): Promise<number> {
  return (await metrics.getSingleMetric("logwire_delivery_unknown_total")!.get()).values.reduce((n, v) => n + v.value, 0);
}

/** What each emitAndWait ended as: "acked" or the rejection's error code. */
function outcome(p: Promise<void>): Promise<string> {
  return p.then(() => "acked", (e: unknown) => (isLogwireError(e) ? e.code : `not a LogwireError: ${String(e)}`));
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  assert.ok(check(), `timed out waiting until ${what}`);
}

function keys(requests: MemoryTransport["requests"]): string[] {
  return requests.flatMap((r) => r.flatMap((b) => b.records.map((x) => x.key!.toString())));
}

test("a request in flight when close() gives up is ended at once and counted unknown, not dropped; records queued behind it are dropped; emitAndWait says delivery_unknown", { timeout: 20_000 }, async () => {
  const { pipeline, memory, errors, metrics } = await setup({ closeTimeoutMs: 100 });
  const log = pipeline.emitter(PaymentErrorLog);
  memory.hold();
  const sent = Array.from({ length: 10 }, (_, i) => outcome(log.emitAndWait({ code: `sent-${i}` })));
  await until("the first request is in flight", () => memory.inFlight === 1);
  const queued = Array.from({ length: 5 }, (_, i) => outcome(log.emitAndWait({ code: `queued-${i}` })));
  await pipeline.close();

  const s = pipeline.stats();
  assert.equal(s.unknown, 10, JSON.stringify(s));
  assert.deepEqual(s.dropped, { close_timeout: 5 });
  assert.equal(s.acked, 0);
  settledBooks(pipeline);
  assert.deepEqual(await Promise.all(sent), Array(10).fill(ErrorCode.DeliveryUnknown));
  assert.ok((await Promise.all(queued)).every((code) => code !== ErrorCode.DeliveryUnknown && code !== "acked"), "queued records never left: dropped");
  assert.deepEqual(keys(memory.unanswered), Array.from({ length: 10 }, (_, i) => `sent-${i}`), "the unknown ones are exactly the request on the wire");
  assert.equal(await unknownMetric(metrics), s.unknown);
  const reported = errors.filter((e) => e.code === ErrorCode.DeliveryUnknown);
  assert.equal(reported.length, 1, "onError hears once per topic and request");
  assert.match(reported[0]!.message, /^\[delivery_unknown\] 10 records for .*: the request reached the broker's socket and got no answer before logwire gave up \(.*\); they may or may not be in /);
  assert.match(reported[0]!.fix ?? "", /closeTimeoutMs/);
  assert.ok(isDeliveryUnknown(reported[0]!.cause), "the cause is the transport's marked failure");
});

test("a request whose answer was lost, then refused until close() gives up, is unknown: the earlier attempt may have been written", { timeout: 20_000 }, async () => {
  const { pipeline, memory, metrics } = await setup({ closeTimeoutMs: 300 });
  const log = pipeline.emitter(PaymentErrorLog);
  memory.loseAnswers(1);
  const waits = Array.from({ length: 4 }, (_, i) => outcome(log.emitAndWait({ code: `k${i}` })));
  await until("the first attempt lost its answer", () => memory.unanswered.length === 1);
  memory.failNext(refused, 1_000_000);
  await pipeline.close();
  const s = pipeline.stats();
  assert.equal(s.unknown, 4, JSON.stringify(s));
  assert.deepEqual(s.dropped, {});
  settledBooks(pipeline);
  assert.deepEqual(await Promise.all(waits), Array(4).fill(ErrorCode.DeliveryUnknown));
  assert.equal(await unknownMetric(metrics), 4);
});

test("a request refused until close() gives up is dropped as close_timeout, never unknown: nothing was written", { timeout: 20_000 }, async () => {
  const { pipeline, memory, metrics } = await setup({ closeTimeoutMs: 200 });
  const log = pipeline.emitter(PaymentErrorLog);
  memory.failNext(refused, 1_000_000);
  const waits = Array.from({ length: 6 }, (_, i) => outcome(log.emitAndWait({ code: `k${i}` })));
  await pipeline.close();
  const s = pipeline.stats();
  assert.equal(s.unknown, 0);
  assert.deepEqual(s.dropped, { close_timeout: 6 });
  settledBooks(pipeline);
  assert.deepEqual(await Promise.all(waits), Array(6).fill(ErrorCode.BrokerUnavailable));
  assert.equal(await unknownMetric(metrics), 0);
  assert.deepEqual(memory.unanswered, []);
});

test("a lost answer is settled by the retry: acked, not unknown (a real broker de-duplicates the resend by sequence number)", async () => {
  const { pipeline, memory } = await setup();
  const log = pipeline.emitter(PaymentErrorLog);
  memory.loseAnswers(1);
  await log.emitAndWait({ code: "once" });
  await pipeline.close();
  const s = pipeline.stats();
  assert.equal(s.acked, 1);
  assert.equal(s.unknown, 0);
  settledBooks(pipeline);
  assert.deepEqual(keys(memory.unanswered), ["once"]);
  assert.deepEqual(keys(memory.requests), ["once"]);
});

test("a dead-letter write whose answers are lost until its retries run out is unknown, not dlq_failed", { timeout: 20_000 }, async () => {
  const { pipeline, memory, errors, metrics } = await setup();
  const log = pipeline.emitter(PaymentErrorLog);
  memory.failNext(new LogwireError(ErrorCode.ProduceRejected, "broker rejected the batch: INVALID_RECORD"), 1);
  memory.loseAnswers(4); // the DLQ write: one attempt and three retries
  const result = await log.emitAndWait({ code: "bad" }).then(() => undefined, (e: unknown) => e);
  assert.ok(isLogwireError(result));
  assert.equal(result.code, ErrorCode.DeliveryUnknown);
  assert.match(result.message, /1 record for .*: dead-lettered \(produce_rejected\), and the write to .*\.dlq reached the broker's socket and got no answer/);
  const s = pipeline.stats();
  assert.equal(s.unknown, 1);
  assert.deepEqual(s.deadLettered, {});
  assert.deepEqual(s.dropped, {});
  settledBooks(pipeline);
  assert.equal(memory.unanswered.length, 4);
  assert.equal(await unknownMetric(metrics), 1);
  assert.ok(errors.some((e) => e.code === ErrorCode.DeliveryUnknown));
  await pipeline.close();
});

test("the delivery-unknown mark survives re-marking and keeps the error's code, flags and cause", () => {
  const cause = new Error("Request Produce(key: 0, version: 7) timed out");
  const e = new LogwireError(ErrorCode.BrokerUnavailable, "produce failed", { retriable: true, fix: "check the brokers", details: { brokerError: "X" }, cause });
  assert.equal(isDeliveryUnknown(e), false);
  const marked = markDeliveryUnknown(e);
  assert.equal(isDeliveryUnknown(marked), true);
  assert.equal(markDeliveryUnknown(marked), marked);
  assert.equal(marked.code, e.code);
  assert.equal(marked.retriable, true);
  assert.equal(marked.message, e.message);
  assert.deepEqual(marked.details, { brokerError: "X", delivery: "unknown" });
  assert.equal(marked.cause, cause);
});
