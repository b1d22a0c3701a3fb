import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { ErrorCode, LogwireError, isLogwireError } from "../../src/runtime/errors.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { assertBalanced } from "../support/books.ts";

// `connect: "background"`: createPipeline resolves before the producer is
// connected; records wait in the buffer, the first request waits for the
// connect, a failed connect is a failed attempt of that request (reported,
// retried within deliveryTimeoutMs), and nothing is sent on an unconnected
// transport. `connect: "wait"` (the default) keeps rejecting.

const ids = { [PaymentErrorLog.subject]: 4242 };
const N = 40;

const down = (): LogwireError => new LogwireError(ErrorCode.BrokerUnavailable, "cannot connect to 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1", { retriable: true, path: "brokers", fix: "start the broker" });

function options(extra: Partial<PipelineOptions>): PipelineOptions {
  return {
    schema: { mode: "use-schema-id", ids },
    batch: { maxBytes: 2048, lingerMs: 1 },
    maxRecordBytes: 1024,
    requestTimeoutMs: 100,
    deliveryTimeoutMs: 5000,
    closeTimeoutMs: 2000,
    connect: "background",
    ...extra,
  };
}

function emitAll(p: Pipeline, n = N): Promise<void>[] {
  const log = p.emitter(PaymentErrorLog);
  const waits: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const record = { code: `k${i % 5}`, message: "x".repeat(40), attempt: i };
    if (i % 10 === 0) waits.push(log.emitAndWait(record));
    else log.emit(record);
  }
  return waits;
}

test('connect: "background" resolves before the producer connected; records wait in the buffer and are acked once it has, none sent before', { timeout: 20000 }, async () => {
  const memory = createMemoryTransport();
  memory.holdConnect();
  const p = await createPipeline(options({ transport: memory }));
  try {
    assert.deepEqual({ calls: memory.connects.calls, succeeded: memory.connects.succeeded }, { calls: 1, succeeded: 0 }, "the connect started and is still under way");
    const waits = emitAll(p);
    await sleep(50);
    assert.equal(memory.requests.length, 0, "nothing is sent before the producer connected");
    assert.equal(p.stats().pending, N);
    memory.releaseConnect();
    await Promise.all(waits);
    await p.flush();
    const s = p.stats();
    assert.equal(s.acked, N, JSON.stringify(s));
    assert.equal(memory.requests.flat().reduce((n, b) => n + b.records.length, 0), N);
    assert.equal(memory.connects.sendsUnconnected, 0);
    assert.equal(memory.connects.calls, 1, "one connect served every request");
    assertBalanced(p);
  } finally {
    await p.close();
  }
});

test("a failed connect is reported through onError and tried again with the next attempt; the records are then acked", { timeout: 20000 }, async () => {
  const memory = createMemoryTransport();
  memory.failNextConnect(down(), 3);
  const errors: LogwireError[] = [];
  const p = await createPipeline(options({ transport: memory, onError: (e) => errors.push(e) }));
  try {
    const waits = emitAll(p);
    await Promise.all(waits);
    await p.flush();
    const s = p.stats();
    assert.equal(s.acked, N, JSON.stringify(s));
    assert.equal(memory.connects.calls, 4, "three failed connects, then one that succeeded");
    assert.equal(memory.connects.succeeded, 1);
    assert.equal(memory.connects.sendsUnconnected, 0);
    const reported = errors.filter((e) => e.code === ErrorCode.BrokerUnavailable && /ECONNREFUSED/.test(e.message));
    assert.ok(reported.length >= 3, `each failed connect is reported: ${errors.map((e) => e.message).join(" | ")}`);
    assertBalanced(p);
  } finally {
    await p.close();
  }
});

test("a producer that never connects: every record ends as delivery_timeout within the budget, counted, and close() settles", { timeout: 20000 }, async () => {
  const memory = createMemoryTransport();
  memory.failNextConnect(down(), Infinity);
  const errors: LogwireError[] = [];
  const p = await createPipeline(options({ transport: memory, deliveryTimeoutMs: 400, onError: (e) => errors.push(e) }));
  const waits = emitAll(p).map((w) => w.then(() => assert.fail("no record can be acked"), (e: unknown) => e));
  await p.flush();
  const s = p.stats();
  assert.equal(s.dropped["delivery_timeout"], N, JSON.stringify(s));
  assert.equal(s.acked + s.pending, 0);
  const ends = await Promise.all(waits);
  for (const e of ends) {
    assert.ok(isLogwireError(e), String(e));
    assert.equal(e.code, ErrorCode.DeliveryTimeout);
  }
  // The records of the request that was being tried carry the connect's failure; those queued behind it expired unsent.
  assert.ok(ends.some((e) => isLogwireError(e) && /last failure: cannot connect to 127\.0\.0\.1:1/.test(e.message)), ends.map(String).join(" | "));
  assert.ok(errors.some((e) => e.code === ErrorCode.BrokerUnavailable && /ECONNREFUSED/.test(e.message)), "onError hears of the failed connects");
  assert.ok(memory.connects.calls >= 2, "the connect was tried again");
  assert.equal(memory.requests.length + memory.connects.sendsUnconnected, 0);
  assertBalanced(p);
  await p.close();
});

test("close() that gives up while the connect hangs: the records are dropped (close_timeout), close() resolves, and a connect that ends later is disconnected", { timeout: 20000 }, async () => {
  const memory = createMemoryTransport();
  memory.holdConnect();
  const p = await createPipeline(options({ transport: memory, closeTimeoutMs: 150 }));
  emitAll(p).forEach((w) => w.catch(() => {}));
  await p.close();
  const s = p.stats();
  assert.equal(s.dropped["close_timeout"], N, JSON.stringify(s));
  assertBalanced(p);
  const before = memory.connects.disconnects;
  memory.releaseConnect();
  for (let i = 0; i < 100 && memory.connects.disconnects === before; i++) await sleep(5);
  assert.equal(memory.connects.succeeded, 1);
  assert.equal(memory.connects.disconnects, before + 1, "the connect that succeeded after close() was disconnected");
  assert.equal(memory.connects.sendsUnconnected + memory.requests.length, 0);
});

test('connect: "wait" (the default) rejects with the connect\'s error, and "background" is the only other value', async () => {
  const memory = createMemoryTransport();
  memory.failNextConnect(new LogwireError(ErrorCode.NotAuthorized, "broker refused the SASL credentials", { path: "sasl", fix: "check the credentials" }));
  const { connect: _background, ...defaults } = options({ transport: memory });
  await assert.rejects(createPipeline(defaults), (e: unknown) => isLogwireError(e) && e.code === ErrorCode.NotAuthorized);
  assert.equal(memory.connects.calls, 1);
  await assert.rejects(
    createPipeline(options({ transport: createMemoryTransport(), connect: "later" as never })),
    (e: unknown) => isLogwireError(e) && e.code === ErrorCode.InvalidOption && e.path === "connect" && /"wait", "background"/.test(e.message) && (e.fix ?? "") !== "",
  );
});
