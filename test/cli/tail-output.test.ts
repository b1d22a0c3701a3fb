import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import kafkajs from "kafkajs";
import { terminalSafe } from "../../src/cli/tail-record-format.ts";
import { encodeFrameHeader, frame } from "../../src/runtime/registry/wire-format.ts";
import { BROKERS, REGISTRY_URL, registerDirect, runId } from "./support/cli-harness.ts";
import { FIXTURES, REPO_ROOT, buildDescriptorSet, fixtureDescriptor } from "./support/fixture-descriptors.ts";

// `logwire tail` through a real pipe (`logwire tail ... | consumer`): every
// record printed reaches the reader whole, however fast the CLI exits, and a
// producer's key cannot forge a line or reach the terminal as an escape.

const id = runId();
const topic = `cli-tail-pipe-${id}`;
const scratch = mkdtempSync(join(tmpdir(), "logwire-tail-pipe-"));
const kafka = new kafkajs.Kafka({ clientId: "logwire-tail-pipe-test", brokers: BROKERS.split(","), logLevel: kafkajs.logLevel.NOTHING });
const RECORDS = 6000;
/** Keys a hostile or careless producer may write; each must stay on its record's line. */
const HOSTILE_KEYS = ["line\nkey=forged id=1 fake.Type {}", "\u001b[2J\u001b[31mred", "\u202eevil", "tab\tand\rreturn", "C1\u009bcsi"];
const keyOf = (i: number): string => (i < HOSTILE_KEYS.length ? HOSTILE_KEYS[i]! : `k-${i}`);

before(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const descriptor = fixtureDescriptor(buildDescriptorSet(join(FIXTURES, "v1"), scratch), "fixture.v1.CheckoutLog", topic);
  const schemaId = (await registerDirect(descriptor)).id;
  const producer = kafka.producer();
  await producer.connect();
  for (let start = 0; start < RECORDS; start += 1000) {
    const messages = Array.from({ length: 1000 }, (_, j) => {
      const i = start + j;
      const log = create(descriptor.schema, {});
      // Long values, so the output is megabytes and outruns the pipe's buffer.
      Object.assign(log, { orderId: `o-${i}-${"x".repeat(400)}`, customer: `c-${i}`, quantity: BigInt(i), outcome: 1 });
      return { key: keyOf(i), value: Buffer.from(frame(encodeFrameHeader(schemaId, descriptor.messageIndexes), toBinary(descriptor.schema, log))) };
    });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
});

after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the CLI with stdout into a pipe whose reader is slow to start, as `| jq` can be. */
function tailThroughPipe(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), join(REPO_ROOT, "src/cli/bin.ts"), ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    const out: Buffer[] = [];
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // Start reading only after a while: the CLI has long finished writing into a full pipe by then.
    child.stdout.pause();
    setTimeout(() => child.stdout.on("data", (d: Buffer) => out.push(d)).resume(), 1500);
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr }));
  });
}

test("tail --json through a pipe: every record arrives, each line whole JSON", async () => {
  const r = await tailThroughPipe(["tail", topic, "--from-beginning", "--max", String(RECORDS), "--json", "-q", "--brokers", BROKERS, "--registry", REGISTRY_URL]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.equal(lines.pop(), "", "output ends with a newline");
  assert.equal(lines.length, RECORDS, `got ${lines.length} lines of ${RECORDS}`);
  lines.forEach((line, i) => {
    const record = JSON.parse(line) as { key: string; offset: string };
    assert.equal(record.key, keyOf(i));
    assert.equal(record.offset, String(i));
  });
});

test("tail text mode: one line per record; keys with newlines, escapes, C1 controls and bidi overrides are escaped", async () => {
  const r = await tailThroughPipe(["tail", topic, "--from-beginning", "--max", String(RECORDS), "-q", "--brokers", BROKERS, "--registry", REGISTRY_URL]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, RECORDS, "a key with a newline must not forge a second line");
  assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, "no control character reaches the terminal");
  for (let i = 0; i < HOSTILE_KEYS.length; i++) {
    assert.ok(lines[i]!.includes(` key=${terminalSafe(keyOf(i))} id=`), lines[i]);
  }
  assert.match(lines[0]!, / key="line\\u000akey=forged id=1 fake\.Type \{\}" id=\d+ fixture\.v1\.CheckoutLog /);
  assert.match(lines[HOSTILE_KEYS.length]!, / key=k-5 id=/, "ordinary keys print as they are");
});
