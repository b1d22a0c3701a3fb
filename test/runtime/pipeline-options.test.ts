import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveOptions, type PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { rejectsOption } from "../support/option-assertions.ts";

const ok: PipelineOptions = { brokers: ["127.0.0.1:19092"], registry: { url: "http://127.0.0.1:18081/apis/ccompat/v7" } };

const rejects = rejectsOption;

test("defaults are the documented ones", () => {
  const o = resolveOptions(ok);
  assert.equal(o.batchMaxBytes, 1048576);
  assert.equal(o.lingerMs, 5);
  assert.equal(o.compression, "snappy");
  assert.equal(o.bufferMaxBytes, 5 * 1048576);
  assert.equal(o.overflow, "drop-newest");
  assert.equal(o.retries, 5);
  assert.equal(o.initialRetryTimeMs, 100);
  assert.equal(o.requestTimeoutMs, 30000);
  assert.equal(o.schemaMode, "auto-register");
  assert.equal(o.maxRecordBytes, 1048064);
  assert.equal(o.dlqTopic("payments.audit"), "payments.audit.dlq");
  assert.equal(o.metricsPrefix, "");
  assert.equal(o.clientId, "logwire");
});

test("acks=1 with idempotence is rejected, saying Kafka requires acks=all (the seed gets this wrong)", () => {
  rejects({ ...ok, acks: 1 }, "acks", /idempotent.*Kafka requires acks=all/);
  rejects({ ...ok, acks: 0 }, "acks", /acks=0 cannot be used/);
  assert.doesNotThrow(() => resolveOptions({ ...ok, acks: -1 }));
  assert.doesNotThrow(() => resolveOptions({ ...ok, acks: "all" }));
  rejects({ ...ok, idempotent: false }, "idempotent", /cannot be turned off/);
});

test("every bad option is rejected with its path and a fix", () => {
  rejects(null, "options", /must be an object/);
  rejects({ registry: ok.registry }, "brokers", /no brokers/);
  rejects({ ...ok, brokers: ["localhost"] }, "brokers[0]", /not host:port/);
  rejects({ ...ok, brokers: ["a:1", 7] }, "brokers[1]", /not host:port/);
  rejects({ brokers: ok.brokers }, "registry", /needs a schema registry/);
  rejects({ ...ok, registry: { url: "not a url" } }, "registry.url", /not an http\(s\) URL/);
  rejects({ ...ok, registry: { url: "ftp://x" } }, "registry.url", /not an http\(s\) URL/);
  rejects({ ...ok, registry: { url: "http://x", auth: { username: "u" } } }, "registry.auth", /must be strings/);
  rejects({ ...ok, schema: { mode: "latest" } }, "schema.mode", /not one of/);
  rejects({ brokers: ok.brokers, schema: { mode: "use-schema-id" } }, "schema.ids", /needs ids/);
  rejects({ ...ok, schema: { mode: "use-schema-id", ids: { s: -1 } } }, "schema.ids.s", /not an integer/);
  rejects({ ...ok, batch: { maxBytes: 10 } }, "batch.maxBytes", /not an integer in \[1024/);
  rejects({ ...ok, batch: { maxBytes: 1.5e6 + 0.5 } }, "batch.maxBytes", /not an integer/);
  rejects({ ...ok, batch: { lingerMs: -1 } }, "batch.lingerMs", /not an integer in \[0, 60000\]/);
  rejects({ ...ok, compression: "brotli" }, "compression", /"brotli" is not one of "snappy", "gzip", "lz4", "zstd", "none"/);
  rejects({ ...ok, buffer: { maxBytes: "5MB" } }, "buffer.maxBytes", /not an integer/);
  rejects({ ...ok, buffer: { overflow: "drop" } }, "buffer.overflow", /not one of/);
  rejects({ ...ok, buffer: { blockTimeoutMs: -5 } }, "buffer.blockTimeoutMs", /not an integer/);
  rejects({ ...ok, retries: { retries: 1000 } }, "retries.retries", /\[1, 100\]/);
  rejects({ ...ok, retries: { retries: 0 } }, "retries.retries", /\[1, 100\]/);
  rejects({ ...ok, retries: { initialRetryTimeMs: 0 } }, "retries.initialRetryTimeMs", /\[1, 60000\]/);
  rejects({ ...ok, requestTimeoutMs: 5 }, "requestTimeoutMs", /\[100, 600000\]/);
  rejects({ ...ok, maxRecordBytes: 2 * 1048576 }, "maxRecordBytes", /larger than batch.maxBytes/);
  rejects({ ...ok, batch: { maxBytes: 2 * 1048576 }, buffer: { maxBytes: 1048576 } }, "batch.maxBytes", /larger than buffer.maxBytes/);
  rejects({ ...ok, dlq: { topic: "bad topic!" } }, "dlq.topic", /not a valid Kafka topic name/);
  rejects({ ...ok, dlq: { topic: 5 } }, "dlq.topic", /must be a topic name or a function/);
  rejects({ ...ok, metrics: { prefix: "9bad-" } }, "metrics.prefix", /not a valid Prometheus name prefix/);
  rejects({ ...ok, metrics: { registry: {} } }, "metrics.registry", /not a prom-client Registry/);
  rejects({ ...ok, onError: "log" }, "onError", /must be a function/);
  rejects({ ...ok, transport: {} }, "transport", /does not implement ProduceTransport/);
  rejects({ ...ok, closeTimeoutMs: -1 }, "closeTimeoutMs", /not an integer/);
});

test("createPipeline validates before connecting, and emitter() rejects what is not a generated descriptor", async () => {
  await assert.rejects(createPipeline({ ...ok, acks: 1 }), (e: unknown) => isLogwireError(e) && e.path === "acks");
  const pipeline = await createPipeline({ transport: createMemoryTransport(), schema: { mode: "use-schema-id", ids: { x: 1 } } });
  assert.throws(() => pipeline.emitter({ topic: "t" } as never), (e: unknown) => isLogwireError(e) && e.code === "invalid_option" && e.path === "emitter(descriptor)");
  await pipeline.close();
});
