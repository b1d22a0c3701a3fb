import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport, type MemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";

/**
 * A log type's per-topic counters exist at 0 from its first `emitter()`, so
 * PromQL's rate()/increase() see the first record counted (a series that
 * appears at its first value shows no increase). Only the counters labelled
 * by pipeline and topic alone: those with a `reason` label get their series
 * at their first count. In-memory transport; no broker, no registry.
 */

const TOPIC = PaymentErrorLog.topic;
const ids = { [PaymentErrorLog.subject]: 4242, [PaymentAuditLog.subject]: 4243 };

/** Counters labelled by pipeline and topic alone, always registered. */
const TOPIC_COUNTERS = ["produce_requests_total", "produce_success_total", "produce_error_total", "logwire_dlq_failed_total", "logwire_delivery_unknown_total"];
/** Counters with a `reason` label: no series until something is counted. */
const REASON_COUNTERS = ["logwire_dropped_total", "logwire_dlq_total", "logwire_values_altered_total"];

async function open(registry: Registry, extra: Partial<PipelineOptions> = {}): Promise<{ pipeline: Pipeline; memory: MemoryTransport }> {
  const memory = createMemoryTransport();
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids }, metrics: { registry }, ...extra });
  return { pipeline, memory };
}

/** The samples of `name` as `label=value,...` → value, from what a scrape reads. */
async function samples(registry: Registry, name: string): Promise<Map<string, number>> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  const { values } = await metric.get();
  return new Map(values.map((v) => [Object.entries(v.labels).map(([k, x]) => `${k}=${String(x)}`).join(","), v.value]));
}

test("a log type's per-topic counters are at 0 from its first emitter(), before any record is counted", async () => {
  const registry = new Registry();
  const { pipeline, memory } = await open(registry, { name: "zero" });
  try {
    // No log type known yet: no series to create.
    for (const name of TOPIC_COUNTERS) assert.deepEqual(await samples(registry, name), new Map(), name);

    memory.hold(); // what is sent is not acked until release()
    const log = pipeline.emitter(PaymentErrorLog);
    for (const name of TOPIC_COUNTERS) {
      assert.deepEqual(await samples(registry, name), new Map([[`pipeline=zero,topic=${TOPIC}`, 0]]), name);
    }
    for (const name of REASON_COUNTERS) assert.deepEqual(await samples(registry, name), new Map(), `${name} has no invented reason`);
    const text = await registry.metrics();
    assert.match(text, new RegExp(`^produce_success_total\\{pipeline="zero",topic="${TOPIC.replace(/\./g, "\\.")}"\\} 0$`, "m"));

    // A second emitter of the same type, and a type on another topic: each topic once, still at 0.
    pipeline.emitter(PaymentErrorLog);
    pipeline.emitter(PaymentAuditLog);
    assert.deepEqual(
      await samples(registry, "produce_success_total"),
      new Map([
        [`pipeline=zero,topic=${TOPIC}`, 0],
        [`pipeline=zero,topic=${PaymentAuditLog.topic}`, 0],
      ]),
    );

    // A record emitted and not yet acked leaves the acked series at 0; the ack then counts on it.
    log.emit({ code: "E1" });
    assert.equal((await samples(registry, "produce_success_total")).get(`pipeline=zero,topic=${TOPIC}`), 0);
    memory.release();
    await pipeline.flush();
    assert.equal((await samples(registry, "produce_success_total")).get(`pipeline=zero,topic=${TOPIC}`), 1);
    assert.equal((await samples(registry, "produce_requests_total")).get(`pipeline=zero,topic=${TOPIC}`), 1);
    assert.equal((await samples(registry, "produce_error_total")).get(`pipeline=zero,topic=${TOPIC}`), 0);
    assert.deepEqual(await samples(registry, "logwire_dropped_total"), new Map());
  } finally {
    await pipeline.close();
  }
});

test("with buffer.spool, the spool's per-topic counters are at 0 too; each pipeline on a shared registry gets its own", async () => {
  const registry = new Registry();
  const dir = await mkdtemp(join(tmpdir(), "logwire-zero-series-"));
  const a = await open(registry, { name: "a", buffer: { spool: { dir } } });
  const b = await open(registry, { name: "b" });
  try {
    a.pipeline.emitter(PaymentErrorLog);
    for (const name of ["logwire_spooled_total", "logwire_spool_replayed_total"]) {
      assert.deepEqual(await samples(registry, name), new Map([[`pipeline=a,topic=${TOPIC}`, 0]]), name);
    }
    b.pipeline.emitter(PaymentErrorLog);
    assert.deepEqual(
      await samples(registry, "produce_success_total"),
      new Map([
        [`pipeline=a,topic=${TOPIC}`, 0],
        [`pipeline=b,topic=${TOPIC}`, 0],
      ]),
    );
    // b has no spool: the spool's counters hold only a's series.
    assert.deepEqual([...(await samples(registry, "logwire_spooled_total")).keys()], [`pipeline=a,topic=${TOPIC}`]);
  } finally {
    await Promise.all([a.pipeline.close(), b.pipeline.close()]);
    await rm(dir, { recursive: true, force: true });
  }
});
