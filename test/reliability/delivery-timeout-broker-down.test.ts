import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { ErrorCode, isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { registryUrl, uniqueName } from "../support/stack-env.ts";
import { createDedicatedStack, type DedicatedStack } from "./support/dedicated-stack.ts";
import { assertBooksBalance, report, total } from "./support/figures.ts";
import { createTopicsOn } from "./support/topic-reader.ts";

/**
 * deliveryTimeoutMs against a broker that stays down: a dedicated broker
 * (its own ports and LOGWIRE_HOME; the shared dev stack is never touched)
 * takes warm-up records, is SIGKILLed, and is not restarted. Every record
 * emitted after that must end as `delivery_timeout` within the budget plus
 * one attempt — through kafkajs's retries, the route's retries and, on the
 * producer thread, the thread's reconnects — counted in stats() and
 * `logwire_dropped_total`, with the books balanced and close() settling.
 * With `buffer.spool` the spool takes them instead of the drop.
 */
const DELIVERY_TIMEOUT_MS = 2500;
const REQUEST_TIMEOUT_MS = 1000;
const WARM = 5;
const DOWN = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dedicated: DedicatedStack | undefined;
const pipelines: Pipeline[] = [];
const dirs: string[] = [];

before(async () => {
  dedicated = await createDedicatedStack("kafka");
  await dedicated.start();
});

after(async () => {
  await Promise.race([Promise.all(pipelines.map((p) => p.close().catch(() => undefined))), sleep(10_000)]);
  await dedicated?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function metricTotal(registry: Registry, name: string, label: string): Promise<number> {
  return (await registry.getSingleMetric(name)?.get())?.values.filter((v) => v.labels["reason"] === label).reduce((n, v) => n + v.value, 0) ?? 0;
}

async function open(name: string, extra: Partial<PipelineOptions>): Promise<{ pipeline: Pipeline; metrics: Registry; emit: (id: string) => Promise<string> }> {
  const d = dedicated!;
  const log = { ...PaymentErrorLog, topic: uniqueName(`delivery-timeout-${name}`), subject: "" };
  log.subject = `${log.topic}-value`;
  await createTopicsOn(d.brokers, [log.topic], 1);
  const metrics = new Registry();
  const pipeline = await createPipeline({
    brokers: d.brokers,
    registry: { url: registryUrl },
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    retries: { retries: 1 },
    closeTimeoutMs: 3000,
    metrics: { registry: metrics },
    ...extra,
  });
  pipelines.push(pipeline);
  const emitter = pipeline.emitter(log);
  const emit = (id: string): Promise<string> =>
    emitter.emitAndWait({ code: id, message: `record ${id}` }).then(
      () => "acked",
      (e: unknown) => (isLogwireError(e) ? e.code : `not a LogwireError: ${String(e)}`),
    );
  return { pipeline, metrics, emit };
}

test("broker down for good: every record ends as delivery_timeout (producer thread and main thread), counted, books balanced, close() settles; with a spool they land in the spool", { timeout: 180_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "logwire-delivery-timeout-spool-"));
  dirs.push(dir);
  const errors: LogwireError[] = [];
  const cases = {
    worker: await open("worker", { producerThread: "worker", onError: (e) => errors.push(e) }),
    main: await open("main", { producerThread: "main" }),
    spool: await open("spool", { producerThread: "worker", buffer: { spool: { dir } } }),
  };
  // Connection, metadata, producer id and schema id are all in place before the kill.
  for (const c of Object.values(cases)) {
    const warm = await Promise.all(Array.from({ length: WARM }, (_, i) => c.emit(`warm-${i}`)));
    assert.deepEqual(warm, Array(WARM).fill("acked"));
  }

  await dedicated!.kill();

  const started = performance.now();
  const outcomes = await Promise.all(
    (["worker", "main"] as const).map(async (name) => {
      const c = cases[name];
      const results = await Promise.all(Array.from({ length: DOWN }, (_, i) => c.emit(`down-${i}`)));
      const counts: Record<string, number> = {};
      for (const r of results) counts[r] = (counts[r] ?? 0) + 1;
      return [name, counts] as const;
    }),
  );
  const settledMs = Math.round(performance.now() - started);
  for (const [name, counts] of outcomes) {
    assert.deepEqual(counts, { [ErrorCode.DeliveryTimeout]: DOWN }, `${name}: every record ends as delivery_timeout`);
    const c = cases[name];
    const s = c.pipeline.stats();
    assert.equal(s.dropped["delivery_timeout"], DOWN, `${name}: ${JSON.stringify(s)}`);
    assert.equal(s.acked, WARM);
    assert.equal(s.pending, 0);
    assertBooksBalance(s);
    assert.equal(await metricTotal(c.metrics, "logwire_dropped_total", "delivery_timeout"), DOWN, `${name}: counted in logwire_dropped_total`);
  }
  assert.ok(errors.some((e) => e.code === ErrorCode.DeliveryTimeout && e.retriable), "onError hears of the drops");

  // With a spool: nothing is dropped; once out of budget, the records are on disk.
  const spool = cases.spool;
  const spooled = Promise.all(Array.from({ length: DOWN }, (_, i) => spool.emit(`down-${i}`)));
  for (let i = 0; i < 300; i++) {
    const n = (await spool.metrics.getSingleMetric("logwire_spooled_total")?.get())?.values.reduce((a, v) => a + v.value, 0) ?? 0;
    if (n >= DOWN) break;
    await sleep(100);
  }
  assert.equal(total(spool.pipeline.stats().dropped), 0, JSON.stringify(spool.pipeline.stats()));

  for (const c of Object.values(cases)) await c.pipeline.close();
  const spoolStats = spool.pipeline.stats();
  assert.equal(total(spoolStats.dropped), 0, JSON.stringify(spoolStats));
  assert.equal(spoolStats.unknown, 0, JSON.stringify(spoolStats));
  assert.equal(spoolStats.spooled, DOWN, JSON.stringify(spoolStats));
  // The books with a spool: what close() left on disk counts as spooled, not pending.
  assert.equal(spoolStats.pending, 0);
  assert.equal(spoolStats.emitted + spoolStats.restored, spoolStats.acked + spoolStats.spooled, JSON.stringify(spoolStats));
  // Their callers learn the records were left in the spool, not that they were lost.
  assert.deepEqual([...new Set(await spooled)], [ErrorCode.Closed]);
  for (const c of Object.values(cases)) assert.equal(c.pipeline.stats().pending, 0);

  report(t, "delivery timeout, broker down for good", {
    "deliveryTimeoutMs / requestTimeoutMs": `${DELIVERY_TIMEOUT_MS} / ${REQUEST_TIMEOUT_MS}`,
    "records per pipeline while down": DOWN,
    "ms until every record settled (worker and main)": settledMs,
    "spooled at close (spool pipeline)": spoolStats.spooled,
  });
});
