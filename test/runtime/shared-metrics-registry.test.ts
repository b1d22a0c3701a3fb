import { test } from "node:test";
import assert from "node:assert/strict";
import { Counter, Registry, type Metric } from "prom-client";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport, type MemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { ErrorCode, isLogwireError } from "../../src/runtime/errors.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";

/**
 * Two pipelines in one process (two Kafka clusters, say) share one
 * prom-client Registry: each metric is registered once and its series carry
 * a `pipeline` label. In-memory transports; no broker, no registry.
 */

const TOPIC = PaymentErrorLog.topic;
const ids = { [PaymentErrorLog.subject]: 4242 };

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

function rejects(run: () => Promise<unknown>, path: string, message: RegExp, fix: RegExp): Promise<void> {
  return assert.rejects(run, (e) => {
    assert.ok(isLogwireError(e), String(e));
    assert.equal(e.code, ErrorCode.InvalidOption);
    assert.equal(e.path, path);
    assert.match(e.message, message);
    assert.match(e.fix ?? "", fix);
    return true;
  });
}

test("two pipelines on one registry both report, as distinct series by the pipeline label", async () => {
  const registry = new Registry();
  const eu = await open(registry, { name: "eu", buffer: { maxBytes: 1 << 20 } });
  const us = await open(registry, { clientId: "svc-us", buffer: { maxBytes: 2 << 20 } }); // name defaults to the clientId
  us.memory.hold(); // us's records stay in its buffer, so its gauges have something to show

  for (let i = 0; i < 3; i++) eu.pipeline.emitter(PaymentErrorLog).emit({ code: `eu-${i}` });
  for (let i = 0; i < 5; i++) us.pipeline.emitter(PaymentErrorLog).emit({ code: `us-${i}` });
  await eu.pipeline.flush();

  // us's series exists at 0 from its emitter() (metrics.ts initTopic), before any ack.
  assert.deepEqual(
    await samples(registry, "produce_success_total"),
    new Map([
      [`pipeline=eu,topic=${TOPIC}`, 3],
      [`pipeline=svc-us,topic=${TOPIC}`, 0],
    ]),
  );
  const queued = await samples(registry, "producer_queue_len");
  assert.equal(queued.get(`pipeline=svc-us,topic=${TOPIC}`), 5);
  assert.equal(queued.get(`pipeline=eu,topic=${TOPIC}`) ?? 0, 0);
  assert.deepEqual(await samples(registry, "logwire_producer_queue_capacity_bytes"), new Map([["pipeline=eu", 1 << 20], ["pipeline=svc-us", 2 << 20]]));
  const bytes = await samples(registry, "logwire_producer_queue_bytes");
  assert.deepEqual([...bytes.keys()], ["pipeline=eu", "pipeline=svc-us"]);
  assert.equal(bytes.get("pipeline=eu"), 0);
  assert.ok(bytes.get("pipeline=svc-us")! > 0);
  // The scrape text, one metric family, one series per pipeline.
  const text = await registry.metrics();
  assert.equal(text.match(/^# TYPE produce_requests_total counter$/gm)?.length, 1);
  assert.match(text, new RegExp(`^produce_requests_total\\{pipeline="eu",topic="${TOPIC.replace(/\./g, "\\.")}"\\} 3$`, "m"));

  us.memory.release();
  await us.pipeline.flush();
  assert.deepEqual(
    await samples(registry, "produce_success_total"),
    new Map([
      [`pipeline=eu,topic=${TOPIC}`, 3],
      [`pipeline=svc-us,topic=${TOPIC}`, 5],
    ]),
  );
  await Promise.all([eu.pipeline.close(), us.pipeline.close()]);
});

test("a closed pipeline's gauges stop reporting, its counters keep counting, and its name is free again", async () => {
  const registry = new Registry();
  const a = await open(registry, { name: "a" });
  const b = await open(registry, { name: "b" });
  a.pipeline.emitter(PaymentErrorLog).emit({ code: "a-1" });
  await a.pipeline.flush();
  assert.deepEqual([...(await samples(registry, "logwire_producer_queue_bytes")).keys()], ["pipeline=a", "pipeline=b"]);

  await a.pipeline.close();
  for (const gauge of ["logwire_producer_queue_bytes", "logwire_producer_queue_capacity_bytes"]) {
    assert.deepEqual([...(await samples(registry, gauge)).keys()], ["pipeline=b"], gauge);
  }
  assert.ok(![...(await samples(registry, "producer_queue_len")).keys()].some((k) => k.startsWith("pipeline=a")));
  // A counter does not go back: a's series stay, and drops counted after close still reach them.
  a.pipeline.emitter(PaymentErrorLog).emit({ code: "a-after-close" });
  assert.equal((await samples(registry, "produce_success_total")).get(`pipeline=a,topic=${TOPIC}`), 1);
  assert.equal((await samples(registry, "logwire_dropped_total")).get(`pipeline=a,topic=${TOPIC},reason=closed`), 1);

  // The name is free once close() resolved: a new "a" continues a's counters.
  const again = await open(registry, { name: "a" });
  again.pipeline.emitter(PaymentErrorLog).emit({ code: "a-2" });
  await again.pipeline.flush();
  assert.equal((await samples(registry, "produce_success_total")).get(`pipeline=a,topic=${TOPIC}`), 2);
  assert.deepEqual([...(await samples(registry, "logwire_producer_queue_bytes")).keys()], ["pipeline=b", "pipeline=a"]);
  await Promise.all([again.pipeline.close(), b.pipeline.close()]);
});

test("two open pipelines with one name on one registry: invalid_option naming `name`, and the first keeps reporting alone", async () => {
  const registry = new Registry();
  const first = await open(registry); // name = clientId = "logwire"
  await rejects(() => open(registry), "name", /a pipeline named "logwire" already reports to this metrics\.registry/, /its own name .*clientId/);
  await rejects(() => open(registry, { clientId: "other", name: "logwire" }), "name", /"logwire"/, /name: "payments-eu"/);
  assert.deepEqual([...(await samples(registry, "logwire_producer_queue_bytes")).keys()], ["pipeline=logwire"]);
  // The same name on another registry, or under another prefix, is no conflict.
  const elsewhere = await open(new Registry());
  const prefixed = await open(registry, { metrics: { registry, prefix: "second_" } });
  assert.deepEqual([...(await samples(registry, "second_logwire_producer_queue_bytes")).keys()], ["pipeline=logwire"]);
  await Promise.all([first.pipeline.close(), elsewhere.pipeline.close(), prefixed.pipeline.close()]);
});

test("a metric of logwire's name that something else registered: invalid_option naming metrics.registry, and nothing is registered", async () => {
  const registry = new Registry();
  new Counter({ name: "produce_requests_total", help: "the application's own", registers: [registry] });
  const before = registry.getMetricsAsArray().length;
  await rejects(() => open(registry), "metrics.registry", /already holds a metric named produce_requests_total that logwire did not register/, /metrics\.prefix/);
  assert.equal(registry.getMetricsAsArray().length, before);
  // The fix works: under a prefix, logwire's metrics have names of their own.
  const ok = await open(registry, { metrics: { registry, prefix: "logwire_" } });
  assert.ok(registry.getSingleMetric("logwire_produce_requests_total"));
  await ok.pipeline.close();
});

test("an error prom-client itself throws while registering becomes invalid_option on metrics.registry, and the name is not kept", async () => {
  class RefusingRegistry extends Registry {
    refuse = true;
    override registerMetric(metric: Metric): void {
      if (this.refuse && (metric as unknown as { name: string }).name === "logwire_batch_bytes") throw new Error("refused by this registry");
      super.registerMetric(metric);
    }
  }
  const registry = new RefusingRegistry();
  await rejects(() => open(registry, { name: "x" }), "metrics.registry", /prom-client refused logwire's metrics: refused by this registry/, /metrics\.prefix/);
  registry.refuse = false;
  const x = await open(registry, { name: "x" }); // "x" was released when the first attempt failed
  x.pipeline.emitter(PaymentErrorLog).emit({ code: "x" });
  await x.pipeline.flush();
  assert.equal((await samples(registry, "produce_success_total")).get(`pipeline=x,topic=${TOPIC}`), 1);
  await x.pipeline.close();
});

test("name is checked like every option", async () => {
  for (const name of ["", 7, "n".repeat(201)]) {
    await rejects(() => open(new Registry(), { name: name as string }), "name", /pipeline name|must be a string/, /1 to 200 characters/);
  }
});
