import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { ErrorCode, LogwireError, isLogwireError } from "../../src/runtime/errors.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { assertBalanced, sumCounts } from "../support/books.ts";

// deliveryTimeoutMs bounds emit() → ack across every retry of the route's
// loop (buffer/record-route.ts). A transport that fails forever must end
// every record as delivery_timeout (or unknown, or in the spool), counted,
// with flush() and close() settling; nothing may stay pending.

const ids = { [PaymentErrorLog.subject]: 4242 };
const N = 60;

const down = (): LogwireError => new LogwireError(ErrorCode.BrokerUnavailable, "produce failed: connect ECONNREFUSED 127.0.0.1:1", { retriable: true, fix: "start the broker" });

function options(extra: Partial<PipelineOptions>): PipelineOptions {
  return {
    schema: { mode: "use-schema-id", ids },
    // Several requests' worth, so records wait queued behind the one being retried.
    batch: { maxBytes: 2048, lingerMs: 1 },
    maxRecordBytes: 1024,
    requestTimeoutMs: 100,
    deliveryTimeoutMs: 300,
    closeTimeoutMs: 200,
    ...extra,
  };
}

function emitAll(p: Pipeline): Promise<unknown>[] {
  const log = p.emitter(PaymentErrorLog);
  const waits: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const record = { code: `k${i % 5}`, message: "x".repeat(40), attempt: i };
    if (i % 10 === 0) waits.push(log.emitAndWait(record).then(() => assert.fail("no record can be acked"), (e: unknown) => e));
    else log.emit(record);
  }
  return waits;
}

test("a transport that fails forever: every record is dropped as delivery_timeout, counted, and flush() and close() settle", { timeout: 30000 }, async () => {
  const memory = createMemoryTransport();
  memory.failNext(down(), Infinity);
  const errors: LogwireError[] = [];
  const p = await createPipeline(options({ transport: memory, onError: (e) => errors.push(e) }));
  const waits = emitAll(p);
  // Resolves only once every record settled: without the budget the route would retry forever.
  await p.flush();
  const s = p.stats();
  assert.equal(s.dropped["delivery_timeout"], N, JSON.stringify(s));
  assert.equal(s.pending, 0);
  assert.equal(s.acked, 0);
  assertBalanced(p);
  for (const e of await Promise.all(waits)) {
    assert.ok(isLogwireError(e), String(e));
    assert.equal(e.code, ErrorCode.DeliveryTimeout);
    assert.match(e.message, /delivery_timeout.*deliveryTimeoutMs \(300 ms\).*ECONNREFUSED|delivery_timeout.*deliveryTimeoutMs \(300 ms\)/);
    assert.match(e.fix ?? "", /deliveryTimeoutMs/);
  }
  assert.ok(errors.some((e) => e.code === ErrorCode.DeliveryTimeout), "onError hears of the drops");
  const metrics = await p.metricsRegistry.getSingleMetricAsString("logwire_dropped_total");
  const counted = [...metrics.matchAll(/reason="delivery_timeout"[^}]*\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(counted, N, metrics);
  // A record emitted after the first ones expired gets its own budget and ends the same way.
  const late = p.emitter(PaymentErrorLog).emitAndWait({ code: "late", message: "m", attempt: 0 });
  await assert.rejects(late, (e: unknown) => isLogwireError(e) && e.code === ErrorCode.DeliveryTimeout);
  await p.close();
  assert.equal(p.stats().dropped["delivery_timeout"], N + 1);
  assert.equal(p.stats().pending, 0);
  assertBalanced(p);
});

test("past the budget, records whose request may have been written count as unknown, not dropped", { timeout: 30000 }, async () => {
  const memory = createMemoryTransport();
  memory.loseAnswers(Infinity);
  const p = await createPipeline(options({ transport: memory }));
  const waits = emitAll(p);
  await p.flush();
  const s = p.stats();
  assert.equal(s.pending, 0);
  assert.ok(s.unknown > 0, JSON.stringify(s));
  // Only requests that reached the "broker" are unknown; records that never left are dropped.
  assert.equal(s.unknown + (s.dropped["delivery_timeout"] ?? 0), N, JSON.stringify(s));
  assertBalanced(p);
  for (const e of await Promise.all(waits)) assert.ok(isLogwireError(e) && (e.code === ErrorCode.DeliveryUnknown || e.code === ErrorCode.DeliveryTimeout), String(e));
  await p.close();
  assertBalanced(p);
});

test("with a disk spool, records past the budget go to the spool instead of being dropped, and a later pipeline delivers them", { timeout: 30000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "logwire-delivery-timeout-"));
  try {
    const memory = createMemoryTransport();
    memory.failNext(down(), Infinity);
    const p = await createPipeline(options({ transport: memory, buffer: { maxBytes: 64 * 1024, spool: { dir } } }));
    // Only records whose schema id is known can be spooled: let the type resolve first.
    p.emitter(PaymentErrorLog);
    await sleep(20);
    const log = p.emitter(PaymentErrorLog);
    for (let i = 0; i < N; i++) log.emit({ code: `k${i % 5}`, message: "x".repeat(40), attempt: i });
    // Every record went to disk at least once (a record read back and out of budget again is spooled anew).
    for (let i = 0; i < 500; i++) {
      const spooled = await p.metricsRegistry.getSingleMetricAsString("logwire_spooled_total");
      const n = [...spooled.matchAll(/\} (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
      if (n >= N) break;
      await sleep(20);
    }
    assert.equal(sumCounts(p.stats().dropped), 0, JSON.stringify(p.stats()));
    assertBalanced(p);
    await p.close();
    const s = p.stats();
    // close() gave up: what was read back and not acked went back to the file.
    assert.equal(sumCounts(s.dropped), 0, JSON.stringify(s));
    assert.equal(s.unknown, 0);
    assert.equal(s.spooled, N, JSON.stringify(s));
    assertBalanced(p);

    const next = createMemoryTransport();
    const q = await createPipeline(options({ transport: next, buffer: { maxBytes: 64 * 1024, spool: { dir } } }));
    assert.equal(q.stats().restored, N);
    await q.flush();
    await q.close();
    assert.equal(q.stats().acked, N, JSON.stringify(q.stats()));
    const attempts = new Set(next.requests.flatMap((r) => r.flatMap((b) => b.records.map((x) => x.value.toString("latin1")))));
    assert.equal(attempts.size, N, "each record once");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("deliveryTimeoutMs is validated: at least batch.lingerMs + requestTimeoutMs; 120000 by default", { timeout: 30000 }, async () => {
  await assert.rejects(
    createPipeline({ transport: createMemoryTransport(), schema: { mode: "use-schema-id", ids }, requestTimeoutMs: 1000, batch: { lingerMs: 50 }, deliveryTimeoutMs: 1000 }),
    (e: unknown) => isLogwireError(e) && e.code === ErrorCode.InvalidOption && e.path === "deliveryTimeoutMs" && /1050/.test(e.fix ?? ""),
  );
  await assert.rejects(
    createPipeline({ transport: createMemoryTransport(), schema: { mode: "use-schema-id", ids }, deliveryTimeoutMs: "soon" as unknown as number }),
    (e: unknown) => isLogwireError(e) && e.code === ErrorCode.InvalidOption && e.path === "deliveryTimeoutMs",
  );
  const { resolveOptions } = await import("../../src/runtime/pipeline/pipeline-options.ts");
  assert.equal(resolveOptions({ brokers: ["127.0.0.1:19092"], schema: { mode: "use-schema-id", ids } }).deliveryTimeoutMs, 120000);
  // Raised to fit one attempt when the request timeout alone is longer.
  assert.equal(resolveOptions({ brokers: ["127.0.0.1:19092"], schema: { mode: "use-schema-id", ids }, requestTimeoutMs: 600000 }).deliveryTimeoutMs, 600005);
});
