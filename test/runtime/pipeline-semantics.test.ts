import { spawn } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Registry } from "prom-client";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport, type MemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { ErrorCode, LogwireError, isLogwireError } from "../../src/runtime/errors.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { ENCODE_SAMPLE_EVERY } from "../../src/runtime/metrics/metrics.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";

const ID = 4242;
const ids = { [PaymentErrorLog.subject]: ID };

async function setup(extra: Partial<PipelineOptions> = {}): Promise<{ pipeline: Pipeline; memory: MemoryTransport; errors: LogwireError[] }> {
  const memory = createMemoryTransport();
  const errors: LogwireError[] = [];
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids }, onError: (e) => errors.push(e), ...extra });
  return { pipeline, memory, errors };
}

function seqs(memory: MemoryTransport, topic = PaymentErrorLog.topic): string[] {
  return memory.requests.flatMap((r) => r.filter((b) => b.topic === topic).flatMap((b) => b.records.map((x) => x.key!.toString())));
}

function balanced(p: Pipeline): void {
  const s = p.stats();
  const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
  const dlq = Object.values(s.deadLettered).reduce((a, b) => a + b, 0);
  assert.equal(s.emitted, s.acked + dropped + dlq + s.unknown + s.pending, JSON.stringify(s));
}

test("records linger up to batch.lingerMs and go out together, framed with the schema id", async () => {
  const { pipeline, memory } = await setup({ batch: { lingerMs: 80 } });
  const log = pipeline.emitter(PaymentErrorLog);
  for (let i = 0; i < 10; i++) log.emit({ code: `c${i}` });
  await sleep(20);
  assert.equal(memory.requests.length, 0, "nothing is sent before the linger ends");
  await sleep(150);
  assert.equal(memory.requests.length, 1, "one request after the linger");
  assert.deepEqual(seqs(memory), ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"]);
  const frame = decodeFrame(memory.requests[0]![0]!.records[0]!.value);
  assert.equal(frame.schemaId, ID);
  await pipeline.close();
});

test("a full batch goes out without waiting for the linger, no batch passes batch.maxBytes, and one request is in flight at a time", async () => {
  const { pipeline, memory } = await setup({ batch: { lingerMs: 60000, maxBytes: 4096 }, maxRecordBytes: 1024 });
  const log = pipeline.emitter(PaymentErrorLog);
  let maxInFlight = 0;
  const watch = setInterval(() => (maxInFlight = Math.max(maxInFlight, memory.inFlight)), 1);
  for (let i = 0; i < 200; i++) log.emit({ code: `c${String(i).padStart(3, "0")}`, message: "x".repeat(100) });
  await sleep(100);
  clearInterval(watch);
  assert.ok(memory.requests.length >= 5, `batches were sent before the 60 s linger (${memory.requests.length})`);
  assert.ok(maxInFlight <= 1);
  for (const request of memory.requests) {
    const bytes = request[0]!.records.reduce((n, r) => n + r.value.length + (r.key?.length ?? 0) + 24, 0);
    assert.ok(bytes <= 4096, `batch of ${bytes} bytes`);
  }
  await pipeline.close();
  assert.deepEqual(seqs(memory), Array.from({ length: 200 }, (_, i) => `c${String(i).padStart(3, "0")}`), "order kept");
});

test("flush() resolves once everything emitted before it is acked; emitAndWait resolves on ack", async () => {
  const { pipeline, memory } = await setup({ batch: { lingerMs: 60000 } });
  const log = pipeline.emitter(PaymentErrorLog);
  memory.hold();
  for (let i = 0; i < 5; i++) log.emit({ code: `c${i}` });
  let flushed = false;
  const f = pipeline.flush().then(() => (flushed = true));
  await sleep(30);
  assert.equal(flushed, false, "not before the broker acks");
  memory.release();
  await f;
  assert.equal(pipeline.stats().acked, 5);
  await log.emitAndWait({ code: "w" });
  assert.equal(pipeline.stats().acked, 6);
  await pipeline.close();
});

test("close() flushes, is idempotent, and records emitted after it are dropped as closed", async () => {
  const { pipeline, memory } = await setup({ batch: { lingerMs: 60000 } });
  const log = pipeline.emitter(PaymentErrorLog);
  for (let i = 0; i < 100; i++) log.emit({ code: `c${i}` });
  const a = pipeline.close();
  const b = pipeline.close();
  assert.equal(a, b, "same promise");
  await a;
  assert.equal(seqs(memory).length, 100, "close lost nothing");
  log.emit({ code: "late" });
  await assert.rejects(log.emitAndWait({ code: "late2" }), (e: unknown) => isLogwireError(e) && e.code === "closed");
  const s = pipeline.stats();
  assert.equal(s.acked, 100);
  assert.deepEqual(s.dropped, { closed: 2 });
  balanced(pipeline);
});

test("retriable failures are retried in order; metrics count the failed attempts", async () => {
  const metrics = new Registry();
  const { pipeline, memory, errors } = await setup({ metrics: { registry: metrics }, batch: { lingerMs: 1 } });
  const log = pipeline.emitter(PaymentErrorLog);
  memory.failNext(new LogwireError(ErrorCode.BrokerUnavailable, "down", { retriable: true }), 2);
  for (let i = 0; i < 20; i++) log.emit({ code: `c${String(i).padStart(2, "0")}` });
  await pipeline.close();
  assert.deepEqual(seqs(memory), Array.from({ length: 20 }, (_, i) => `c${String(i).padStart(2, "0")}`));
  assert.equal(pipeline.stats().acked, 20);
  assert.equal(errors.filter((e) => e.code === "broker_unavailable").length, 2);
  const failed = (await metrics.getSingleMetric("produce_error_total")!.get()).values.reduce((n, v) => n + v.value, 0);
  assert.ok(failed >= 2, "produce_error_total counts the failed attempts");
});

test("a permanent broker error dead-letters the batch; a failing DLQ never loops, it is counted and reported", async () => {
  const { pipeline, memory, errors } = await setup({ batch: { lingerMs: 1 } });
  const log = pipeline.emitter(PaymentErrorLog);
  const rejected = new LogwireError(ErrorCode.ProduceRejected, "broker rejected the batch: INVALID_RECORD", { details: { brokerError: "INVALID_RECORD" } });
  memory.failNext(rejected, 1);
  await assert.rejects(log.emitAndWait({ code: "a" }), (e: unknown) => isLogwireError(e) && e.code === "produce_rejected");
  const dlq = memory.requests.flat().find((b) => b.topic === `${PaymentErrorLog.topic}.dlq`);
  assert.ok(dlq, "written to <topic>.dlq");
  assert.equal(dlq.records[0]!.headers!["logwire.error.code"], "produce_rejected");
  assert.equal(decodeFrame(dlq.records[0]!.value).schemaId, ID, "the value is the framed record");

  const before = memory.requests.length;
  memory.failNext(rejected, 2); // the record's batch, then its DLQ write
  await assert.rejects(log.emitAndWait({ code: "b" }));
  await pipeline.flush();
  await sleep(20);
  assert.equal(memory.requests.length, before, "nothing more was written: no DLQ loop");
  assert.equal(pipeline.stats().dropped["dlq_failed"], 1);
  assert.ok(errors.some((e) => /could not write to dead-letter topic/.test(e.message)));
  await pipeline.close();
  balanced(pipeline);
});

test("block: records wait for space instead of being dropped, and time out (counted) when space never comes", async () => {
  // 60 records of ~400 B each as the buffer counts them (wire bytes + per-record objects): 40 fit, 20 wait.
  const { pipeline, memory } = await setup({ buffer: { maxBytes: 16384, overflow: "block", blockTimeoutMs: 5000 }, batch: { maxBytes: 2048, lingerMs: 0 }, maxRecordBytes: 1024 });
  const log = pipeline.emitter(PaymentErrorLog);
  memory.hold();
  for (let i = 0; i < 60; i++) log.emit({ code: `c${String(i).padStart(2, "0")}`, message: "x".repeat(60) });
  assert.ok(pipeline.stats().bufferedBytes <= 16384);
  assert.ok(pipeline.stats().bufferedBytes > 16384 - 1024, "the buffer is full: the rest wait");
  await sleep(20);
  memory.release();
  await pipeline.flush();
  assert.equal(pipeline.stats().acked, 60, "every record got space in the end");
  assert.deepEqual(pipeline.stats().dropped, {});
  assert.deepEqual(seqs(memory), Array.from({ length: 60 }, (_, i) => `c${String(i).padStart(2, "0")}`), "order kept through the wait");
  await pipeline.close();

  const second = await setup({ buffer: { maxBytes: 4096, overflow: "block", blockTimeoutMs: 50 }, batch: { maxBytes: 2048, lingerMs: 0 }, maxRecordBytes: 1024, closeTimeoutMs: 0 });
  const log2 = second.pipeline.emitter(PaymentErrorLog);
  second.memory.hold();
  for (let i = 0; i < 60; i++) log2.emit({ code: `c${i}`, message: "x".repeat(60) });
  await sleep(200);
  const timedOut = second.pipeline.stats().dropped["block_timeout"] ?? 0;
  assert.ok(timedOut > 0, "records that waited past blockTimeoutMs were dropped");
  second.memory.release();
  await second.pipeline.flush();
  assert.equal(second.pipeline.stats().acked + timedOut + (second.pipeline.stats().dropped["buffer_full"] ?? 0) + second.pipeline.stats().unknown, 60);
  await second.pipeline.close();
});

test("close() gives up after closeTimeoutMs when the broker never comes back, and counts what it dropped", async () => {
  const { pipeline, memory } = await setup({ closeTimeoutMs: 200, batch: { lingerMs: 0 } });
  const log = pipeline.emitter(PaymentErrorLog);
  memory.failNext(new LogwireError(ErrorCode.BrokerUnavailable, "down", { retriable: true }), 1_000_000);
  for (let i = 0; i < 10; i++) log.emit({ code: `c${i}` });
  const started = Date.now();
  await pipeline.close();
  assert.ok(Date.now() - started < 5000);
  const s = pipeline.stats();
  assert.equal(s.acked, 0);
  assert.equal(s.dropped["close_timeout"], 10);
  assert.equal(s.unknown, 0, "refused, never written: dropped, not unknown");
  assert.equal(s.pending, 0);
  balanced(pipeline);
});

test("sampling drops a share of records and counts it as sampled", async () => {
  const { pipeline } = await setup();
  const log = pipeline.emitter({ ...PaymentErrorLog, sampleRate: 0.25 });
  for (let i = 0; i < 400; i++) log.emit({ code: `c${i}` });
  await pipeline.close();
  const s = pipeline.stats();
  assert.equal(s.acked + (s.dropped["sampled"] ?? 0) + s.unknown, 400);
  assert.ok(s.acked > 40 && s.acked < 180, `about a quarter kept (${s.acked})`);
  // logwire_dropped_total says the same, however often it is read (drops are tallied, then handed over on read).
  const droppedMetric = async (): Promise<number | undefined> =>
    (await pipeline.metricsRegistry.getSingleMetric("logwire_dropped_total")?.get())?.values.find((v) => v.labels["topic"] === PaymentErrorLog.topic && v.labels["reason"] === "sampled")?.value;
  assert.equal(await droppedMetric(), s.dropped["sampled"]);
  assert.equal(await droppedMetric(), s.dropped["sampled"]);
  assert.match(await pipeline.metricsRegistry.metrics(), new RegExp(`logwire_dropped_total\\{pipeline="logwire",topic="${PaymentErrorLog.topic.replace(/\./g, "\\.")}",reason="sampled"\\} ${s.dropped["sampled"]}\n`));
});

test("an input that makes logwire itself throw is counted as internal, never thrown at the caller, and does not block flush", async () => {
  const { pipeline, errors } = await setup();
  // A throw of logwire's own (a descriptor whose schema throws when read);
  // a caller's object that throws is invalid_record (record-contract.test.ts).
  const broken = { ...PaymentErrorLog, check: () => undefined, schema: { typeName: PaymentErrorLog.typeName, get fields(): never { throw new Error("boom"); } } } as unknown as typeof PaymentErrorLog;
  const log = pipeline.emitter(broken) as unknown as { emit(x: unknown): void };
  assert.doesNotThrow(() => log.emit({ code: "x" }));
  await pipeline.flush();
  assert.deepEqual(pipeline.stats().dropped, { internal: 1 });
  await new Promise((r) => setImmediate(r));
  assert.ok(errors.some((e) => /boom/.test(e.message)));
  await pipeline.close();
  balanced(pipeline);
});

test("a key taken from a redacted field is the redacted value, never the value in clear", async () => {
  const { PaymentAuditLog } = await import("../../proto/example/payments/v1/audit_logwire.ts");
  const keyedByEmail = { ...PaymentAuditLog, key: (m: { customerEmail: string }) => m.customerEmail };
  const memory = createMemoryTransport();
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [PaymentAuditLog.subject]: ID } } });
  pipeline.emitter(keyedByEmail).emit({ paymentId: "p-1", customerEmail: "alice@example.com" });
  await pipeline.close();
  const keys = memory.requests.flatMap((r) => r.flatMap((b) => b.records.map((x) => x.key!.toString())));
  assert.equal(keys.length, 1);
  assert.match(keys[0]!, /^sha256:[0-9a-f]{16}$/);
  assert.ok(!keys[0]!.includes("alice"), "the e-mail never leaves the process in clear");
});

test("logwire_encode_seconds times one record in ENCODE_SAMPLE_EVERY, with real durations", async () => {
  const metrics = new Registry();
  const { pipeline } = await setup({ metrics: { registry: metrics }, batch: { lingerMs: 1 } });
  const log = pipeline.emitter(PaymentErrorLog);
  const n = ENCODE_SAMPLE_EVERY * 5 + 3;
  for (let i = 0; i < n; i++) log.emit({ code: `c${i}` });
  await pipeline.close();
  assert.equal(pipeline.stats().acked, n);
  const values = (await metrics.getSingleMetric("logwire_encode_seconds")!.get()).values as { metricName?: string; value: number }[];
  const count = values.find((v) => v.metricName === "logwire_encode_seconds_count")!.value;
  const sum = values.find((v) => v.metricName === "logwire_encode_seconds_sum")!.value;
  assert.equal(count, 5, "five sampled records");
  assert.ok(sum > 0 && sum < 1, `the sampled durations are measured (sum ${sum} s)`);
});

test("records waiting for a retry keep the process alive: with nothing else to do it neither exits nor loses them", async () => {
  const child = new URL("./fixtures/retry-keepalive-child.ts", import.meta.url).pathname;
  const proc = spawn(process.execPath, ["--import", "tsx", child], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  assert.equal(out, "flushed after 3 sends: acked 1\n", "the process exited during the retry backoff");
  assert.equal(code, 0);
});
