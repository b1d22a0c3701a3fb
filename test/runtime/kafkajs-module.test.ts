import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { brokers, registryUrl } from "../support/stack-env.ts";

// Importing logwire must not load kafkajs or a native module, nor patch
// kafkajs: the patches are installed into logwire's own kafkajs instance when
// the kafkajs transport is created (kafkajs-module.ts), and that instance
// never goes through require.cache. Each case runs in a fresh process, since
// this one has long loaded kafkajs.

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Defines `loaded()` (which of these packages are in the CommonJS cache), `kafkajsCached()` (how
 * many of kafkajs's files are) and `status()` (logwire's patches: null while its kafkajs is not loaded).
 */
const PRELUDE = `
  import { createRequire } from "node:module";
  import { kafkajsPatchStatus } from "./src/runtime/kafka/kafkajs/kafkajs-module.ts";
  const require = createRequire(import.meta.url);
  const PACKAGES = ["kafkajs", "@node-rs/crc32", "snappy", "lz4-napi", "zstd-napi"];
  // The package's entry in the CommonJS cache (an ESM import of it lands there too), or any of its files.
  const loaded = () => PACKAGES.filter((p) => require.cache[require.resolve(p)] !== undefined || Object.keys(require.cache).some((f) => f.includes("/node_modules/" + p + "/")));
  const kafkajsCached = () => Object.keys(require.cache).filter((f) => f.includes("/node_modules/kafkajs/")).length;
  const status = () => kafkajsPatchStatus() ?? null;
`;

const APPLIED = { "partition-grouping": { state: "applied" }, "produce-request": { state: "applied" }, "timer-clamp": { state: "applied" } };

/** Runs `PRELUDE + body` in a fresh process from the repo root and returns its last stdout line, parsed. */
function runChild(body: string): Promise<Record<string, unknown>> {
  const env = { ...process.env, LOGWIRE_KAFKAJS_PATCHES: "", LOGWIRE_BROKERS: brokers.join(","), LOGWIRE_REGISTRY_URL: registryUrl };
  // No --input-type=module: the producer thread inherits execArgv and refuses it for its file; Node detects the module syntax.
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "--eval", PRELUDE + body], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>);
    });
  });
}

test("importing logwire loads neither kafkajs nor a native module; createKafkaTransport loads logwire's kafkajs, patched, outside require.cache", async () => {
  const out = await runChild(`
    const logwire = await import("./src/index.ts");
    const out = { imported: loaded(), importedCached: kafkajsCached(), importedStatus: status() };
    logwire.createKafkaTransport({ brokers: process.env.LOGWIRE_BROKERS.split(","), clientId: "t", compression: "snappy", retries: 1, initialRetryTimeMs: 100, requestTimeoutMs: 1000 });
    Object.assign(out, { created: loaded(), createdCached: kafkajsCached(), createdStatus: status() });
    console.log(JSON.stringify(out));
  `);
  assert.deepEqual(out["imported"], [], "nothing loaded by the import");
  assert.equal(out["importedCached"], 0);
  assert.equal(out["importedStatus"], null, "logwire's kafkajs not loaded by the import");
  // snappy: the default codec's package, checked when the transport is created; lz4 and zstd are not chosen.
  // kafkajs itself is logwire's private instance: none of its files enter require.cache.
  assert.deepEqual(out["created"], ["@node-rs/crc32", "snappy"]);
  assert.equal(out["createdCached"], 0);
  assert.deepEqual(out["createdStatus"], APPLIED);
});

test("a pipeline on the memory transport never loads kafkajs", async () => {
  const out = await runChild(`
    const { createPipeline, createMemoryTransport } = await import("./src/index.ts");
    const { PaymentErrorLog } = await import("./proto/example/payments/v1/error_logwire.ts");
    const memory = createMemoryTransport();
    const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [PaymentErrorLog.subject]: 7 } } });
    const log = pipeline.emitter(PaymentErrorLog);
    for (let i = 0; i < 20; i++) log.emit({ code: "E" + i });
    await pipeline.close();
    console.log(JSON.stringify({ acked: pipeline.stats().acked, sent: memory.requests.flat().reduce((n, b) => n + b.records.length, 0), loaded: loaded(), cached: kafkajsCached(), status: status() }));
  `);
  assert.equal(out["acked"], 20);
  assert.equal(out["sent"], 20);
  assert.deepEqual(out["loaded"], []);
  assert.equal(out["cached"], 0);
  assert.equal(out["status"], null);
});

test("on the real broker: the producer thread keeps kafkajs off the main thread; producerThread main loads logwire's kafkajs patched", async () => {
  const out = await runChild(`
    const { createPipeline } = await import("./src/index.ts");
    const { PaymentErrorLog } = await import("./proto/example/payments/v1/error_logwire.ts");
    const out = {};
    for (const producerThread of ["worker", "main"]) {
      const topic = "kafkajs-module-" + producerThread + "-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      const pipeline = await createPipeline({ brokers: process.env.LOGWIRE_BROKERS.split(","), registry: { url: process.env.LOGWIRE_REGISTRY_URL }, producerThread });
      const log = pipeline.emitter({ ...PaymentErrorLog, topic, subject: topic + "-value" });
      for (let i = 0; i < 20; i++) log.emit({ code: "E" + i, message: "m" });
      await pipeline.close();
      out[producerThread] = { acked: pipeline.stats().acked, loaded: loaded(), cached: kafkajsCached(), status: status() };
    }
    console.log(JSON.stringify(out));
  `);
  type Out = { acked: number; loaded: string[]; cached: number; status: unknown };
  const worker = out["worker"] as Out;
  const main = out["main"] as Out;
  assert.equal(worker.acked, 20);
  assert.ok(!worker.loaded.includes("@node-rs/crc32"), `main thread loaded ${worker.loaded.join(", ")}`);
  assert.equal(worker.status, null, "logwire's kafkajs not loaded on the main thread");
  assert.equal(main.acked, 20);
  assert.ok(main.loaded.includes("@node-rs/crc32"));
  assert.equal(main.cached, 0);
  assert.deepEqual(main.status, APPLIED);
});
