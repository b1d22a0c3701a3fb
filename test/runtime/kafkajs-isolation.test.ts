import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { brokers } from "../support/stack-env.ts";

// logwire's patches live in its own kafkajs instance (kafkajs-instance.ts).
// An application that uses kafkajs itself, before and after logwire creates
// its transport, resolving the very same files (the deduped case: one
// node_modules/kafkajs), must get kafkajs as published, while logwire's
// transport produces through its patched copy. A fresh process, since this
// one's kafkajs state is shared by the other tests of the file.

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs `body` (ESM, top-level await) in a fresh process from the repo root and returns its last stdout line, parsed. */
function runChild(body: string): Promise<Record<string, unknown>> {
  const env = { ...process.env, LOGWIRE_KAFKAJS_PATCHES: "", LOGWIRE_BROKERS: brokers.join(",") };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", body], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>);
    });
  });
}

test("an application's own kafkajs, required before and after logwire creates its transport, stays as published; logwire's transport produces through its patched copy", async () => {
  const out = await runChild(`
    import { createRequire } from "node:module";
    import { dirname } from "node:path";
    import { readFileSync } from "node:fs";
    import { compileFunction } from "node:vm";
    const require = createRequire(import.meta.url);
    const GROUPING = "kafkajs/src/producer/groupMessagesPerPartition";
    const V3 = "kafkajs/src/protocol/requests/produce/v3/request";
    const QUEUE = "kafkajs/src/network/requestQueue";
    const brokers = process.env.LOGWIRE_BROKERS.split(",");
    const topic = "kafkajs-isolation-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    /** kafkajs's function as its file defines it (the source text a patch would replace). */
    const fromFile = (id) => { const m = { exports: {} }; compileFunction(readFileSync(require.resolve(id), "utf8"), ["module", "exports", "require"])(m, m.exports, createRequire(require.resolve(id))); return m.exports; };
    /** Which code read the clock while fn ran: kafkajs's Produce request file, or logwire's. */
    async function encodedBy(fn) {
      const real = Date.now;
      const seen = { kafkajs: 0, logwire: 0 };
      Date.now = () => { const s = new Error().stack ?? ""; if (/produce\\/v3\\/request\\.js/.test(s)) seen.kafkajs++; if (/kafkajs-produce-request\\.ts/.test(s)) seen.logwire++; return real(); };
      try { await fn(); } finally { Date.now = real; }
      return seen;
    }

    // Before: the application loads kafkajs (its producer, its grouping, its request queue).
    const appBefore = require("kafkajs");
    const groupingBefore = require(GROUPING);
    const scheduleBefore = require(QUEUE).prototype.scheduleCheckPendingRequests;

    const { createKafkaTransport } = await import("./src/index.ts");
    const { loadKafkajsInstance, kafkajsPatchStatus } = await import("./src/runtime/kafka/kafkajs/kafkajs-module.ts");
    const { groupMessagesPerPartition } = await import("./src/runtime/kafka/kafkajs/kafkajs-partition-grouping.ts");
    const transport = createKafkaTransport({ brokers, clientId: "isolation", compression: "snappy", retries: 2, initialRetryTimeMs: 100, requestTimeoutMs: 10000 });
    const logwireKafkajs = loadKafkajsInstance();

    // After: the application requires kafkajs again, and a module it had not loaded yet (kafkajs loads it on first produce).
    const appAfter = require("kafkajs");
    const v3After = require(V3);
    const out = {
      status: kafkajsPatchStatus(),
      sameFiles: logwireKafkajs.root === dirname(require.resolve("kafkajs/package.json")),
      sameExports: appBefore === appAfter,
      logwireKafkaClassIsNotTheApps: logwireKafkajs.require("kafkajs").Kafka !== appAfter.Kafka,
      // The application's modules: kafkajs's own code, not logwire's.
      appGroupingUnchanged: require(GROUPING) === groupingBefore,
      appGroupingIsKafkajs: String(groupingBefore) === String(fromFile(GROUPING)) && groupingBefore !== groupMessagesPerPartition,
      appProduceRequestIsKafkajs: String(v3After) === String(fromFile(V3)) && v3After !== logwireKafkajs.require(V3),
      appScheduleUnchanged: require(QUEUE).prototype.scheduleCheckPendingRequests === scheduleBefore && !String(scheduleBefore).includes("Math.max(1"),
      // kafkajs's own Snappy entry throws "not implemented"; logwire's would return its codec.
      appSnappyCodec: (() => { try { return appAfter.CompressionCodecs[appAfter.CompressionTypes.Snappy]() !== undefined; } catch { return false; } })(),
      logwireSnappyCodec: (() => { try { const k = logwireKafkajs.require("kafkajs"); return k.CompressionCodecs[k.CompressionTypes.Snappy]() !== undefined; } catch { return false; } })(),
      // logwire's instance: its patches.
      logwireGrouping: logwireKafkajs.require(GROUPING) === groupMessagesPerPartition,
      logwireSchedule: String(logwireKafkajs.require(QUEUE).prototype.scheduleCheckPendingRequests).includes("Math.max(1"),
    };

    // On the broker: logwire's transport, then the application's own producer (gzip: its codec table has no Snappy).
    await transport.connect();
    out.logwireSend = await encodedBy(() => transport.send([{ topic, records: [{ key: Buffer.from("k"), value: Buffer.from("from logwire") }] }]));
    await transport.disconnect();
    const producer = new appAfter.Kafka({ clientId: "app", brokers, logLevel: appAfter.logLevel.NOTHING }).producer();
    await producer.connect();
    out.appSend = await encodedBy(() => producer.send({ topic, compression: appAfter.CompressionTypes.GZIP, messages: [{ key: "k", value: "from the app" }] }));
    await producer.disconnect();
    out.cachedAfter = Object.keys(require.cache).filter((f) => f.includes("/node_modules/kafkajs/")).every((f) => require.cache[f].loaded);
    console.log(JSON.stringify(out));
  `);
  assert.deepEqual(out["status"], { "partition-grouping": { state: "applied" }, "produce-request": { state: "applied" }, "timer-clamp": { state: "applied" } });
  assert.equal(out["sameFiles"], true, "the deduped case: logwire and the application resolve the same kafkajs files");
  assert.equal(out["sameExports"], true);
  assert.equal(out["logwireKafkaClassIsNotTheApps"], true);
  assert.equal(out["appGroupingUnchanged"], true);
  assert.equal(out["appGroupingIsKafkajs"], true, "the application's grouping is kafkajs's");
  assert.equal(out["appProduceRequestIsKafkajs"], true, "a module the application loads after logwire's transport exists is kafkajs's");
  assert.equal(out["appScheduleUnchanged"], true, "the application's RequestQueue keeps kafkajs's schedule");
  assert.equal(out["appSnappyCodec"], false, "logwire registers its codecs into its own kafkajs only");
  assert.equal(out["logwireSnappyCodec"], true);
  assert.equal(out["logwireGrouping"], true);
  assert.equal(out["logwireSchedule"], true);
  const logwireSend = out["logwireSend"] as { kafkajs: number; logwire: number };
  const appSend = out["appSend"] as { kafkajs: number; logwire: number };
  assert.ok(logwireSend.logwire > 0, "logwire's transport encoded with its patched Produce request");
  assert.equal(logwireSend.kafkajs, 0);
  assert.ok(appSend.kafkajs > 0, "the application's producer encoded with kafkajs's own Produce request");
  assert.equal(appSend.logwire, 0);
  assert.equal(out["cachedAfter"], true);
});
