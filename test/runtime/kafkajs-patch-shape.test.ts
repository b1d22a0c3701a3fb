import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { brokers } from "../support/stack-env.ts";

// A kafkajs whose modules are not shaped as the patches expect (a fork, a
// future release, a patched install) must not break the transport: each patch
// that cannot apply stands down, the transport says so once through `logger`,
// and produces on kafkajs as it is. Simulated with a copy of kafkajs 2.2.4
// whose three patched spots are reshaped, consistently for kafkajs itself.

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const kafkajsRoot = dirname(createRequire(import.meta.url).resolve("kafkajs/package.json"));

/** Replaces `from` by `to` in one file of the copy; fails if `from` is not there (kafkajs changed under the test). */
function edit(copy: string, file: string, from: string | RegExp, to: string): void {
  const path = join(copy, file);
  const text = readFileSync(path, "utf8");
  assert.ok(typeof from === "string" ? text.includes(from) : from.test(text), `${file} has ${String(from)}`);
  writeFileSync(path, text.replaceAll(from, to));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** A copy of the installed kafkajs in a temp folder; `reshape` edits it. Returns its package.json. */
function kafkajsCopy(tmp: string, reshape: (copy: string) => void): string {
  const copy = join(tmp, "node_modules", "kafkajs");
  cpSync(kafkajsRoot, copy, { recursive: true });
  reshape(copy);
  return join(copy, "package.json");
}

/** Reshapes all three spots: the grouping exports an object, the request queue's method is renamed, the codec lookup is renamed. */
function reshapeAll(copy: string): void {
  edit(copy, "src/producer/groupMessagesPerPartition.js", "module.exports = ", "module.exports.groupMessagesPerPartition = ");
  edit(copy, "src/producer/sendMessages.js", "const groupMessagesPerPartition = require('./groupMessagesPerPartition')", "const { groupMessagesPerPartition } = require('./groupMessagesPerPartition')");
  edit(copy, "src/network/requestQueue/index.js", "scheduleCheckPendingRequests", "scheduleThrottleCheck");
  for (const file of filesUnder(join(copy, "src")).filter((f) => /\blookupCodec\b/.test(readFileSync(f, "utf8")))) {
    edit(copy, file.slice(copy.length + 1), /\blookupCodec\b/g, "findCodec");
  }
}

/** Runs `body` in a fresh process with logwire's kafkajs taken from `packageJson`; returns its last stdout line, parsed. */
function runChild(packageJson: string, body: string): Promise<Record<string, unknown>> {
  const script = `
    import { setKafkajsPackageForTests, kafkajsPatchStatus } from "./src/runtime/kafka/kafkajs/kafkajs-module.ts";
    setKafkajsPackageForTests(${JSON.stringify(packageJson)});
    const { createKafkaTransport } = await import("./src/index.ts");
    const lines = [];
    const logger = { level: "warn", log: (entry) => { if (entry.namespace === "logwire.transport") lines.push(entry); } };
    const options = { brokers: process.env.LOGWIRE_BROKERS.split(","), clientId: "shape", compression: "snappy", retries: 2, initialRetryTimeMs: 100, requestTimeoutMs: 10000, logger };
    ${body}
  `;
  const env = { ...process.env, LOGWIRE_KAFKAJS_PATCHES: "", LOGWIRE_BROKERS: brokers.join(",") };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>);
    });
  });
}

interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly fields: { readonly kafkajs: string; readonly patches: Record<string, string> };
}

test("patches that meet an unexpected module shape stand down; the transport logs that once and produces on kafkajs as it is", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "logwire-kafkajs-shape-"));
  try {
    const packageJson = kafkajsCopy(tmp, reshapeAll);
    const out = await runChild(
      packageJson,
      `
      const topic = "kafkajs-shape-" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
      const first = createKafkaTransport(options);
      const second = createKafkaTransport(options);
      await first.connect();
      // Which Produce request file read the clock: the copy's own (kafkajs's code) or logwire's.
      const real = Date.now;
      const seen = { kafkajs: 0, logwire: 0 };
      Date.now = () => { const s = new Error().stack ?? ""; if (s.includes(${JSON.stringify(join(tmp, "node_modules/kafkajs/src/protocol/requests/produce/v3/request.js"))})) seen.kafkajs++; if (/kafkajs-produce-request\\.ts/.test(s)) seen.logwire++; return real(); };
      try {
        await first.send([{ topic, records: Array.from({ length: 50 }, (_, i) => ({ key: Buffer.from("k" + (i % 7)), value: Buffer.from("v" + i) })) }]);
      } finally {
        Date.now = real;
      }
      await first.disconnect();
      await second.disconnect();
      console.log(JSON.stringify({ lines, status: kafkajsPatchStatus(), seen }));
      `,
    );
    const lines = out["lines"] as LogEntry[];
    assert.equal(lines.length, 1, `one line for two transports: ${JSON.stringify(lines)}`);
    const line = lines[0]!;
    assert.equal(line.level, "warn");
    assert.match(line.message, /partition-grouping, produce-request, timer-clamp could not apply to kafkajs 2\.2\.4/);
    assert.match(line.message, /runs as published/);
    assert.equal(line.fields.kafkajs, "2.2.4");
    assert.deepEqual(Object.keys(line.fields.patches), ["partition-grouping", "produce-request", "timer-clamp"]);
    assert.match(line.fields.patches["partition-grouping"]!, /does not export the function it replaces/);
    assert.match(line.fields.patches["produce-request"]!, /not shaped as in kafkajs 2\.2\.4/);
    assert.match(line.fields.patches["timer-clamp"]!, /scheduleCheckPendingRequests/);
    const status = out["status"] as Record<string, { state: string }>;
    for (const name of ["partition-grouping", "produce-request", "timer-clamp"]) assert.equal(status[name]!.state, "not-applied", name);
    // The send was acked (it did not throw), encoded by the copy's own Produce request.
    const seen = out["seen"] as { kafkajs: number; logwire: number };
    assert.ok(seen.kafkajs > 0, "kafkajs's own Produce request encoded the send");
    assert.equal(seen.logwire, 0);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("another kafkajs version runs as published, said once; a logger at level error hears nothing", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "logwire-kafkajs-version-"));
  try {
    const packageJson = kafkajsCopy(tmp, (copy) => edit(copy, "package.json", '"version": "2.2.4"', '"version": "2.2.5"'));
    const out = await runChild(
      packageJson,
      `
      createKafkaTransport({ ...options, logger: { level: "error", log: (entry) => lines.push(entry) } });
      const quiet = lines.length;
      createKafkaTransport(options);
      createKafkaTransport(options);
      console.log(JSON.stringify({ quiet, lines, status: kafkajsPatchStatus() }));
      `,
    );
    // "once" is per thread: the first transport with a logger decides; at level error it drops the warning.
    assert.equal(out["quiet"], 0);
    assert.deepEqual(out["lines"], []);
    const status = out["status"] as Record<string, { state: string; reason: string }>;
    for (const s of Object.values(status)) assert.deepEqual(s, { state: "not-applied", reason: "kafkajs 2.2.5 is not 2.2.4" });
    const logged = await runChild(packageJson, `createKafkaTransport(options); createKafkaTransport(options); console.log(JSON.stringify({ lines }));`);
    const lines = logged["lines"] as LogEntry[];
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.message, /could not apply to kafkajs 2\.2\.5/);
    assert.deepEqual(lines[0]!.fields.patches, { "partition-grouping": "kafkajs 2.2.5 is not 2.2.4", "produce-request": "kafkajs 2.2.5 is not 2.2.4", "timer-clamp": "kafkajs 2.2.5 is not 2.2.4" });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
