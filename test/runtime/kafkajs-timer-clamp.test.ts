import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { brokers } from "../support/stack-env.ts";

// kafkajs 2.2.4 schedules a negative setTimeout after each answer when no
// request is pending; Node >= 23 prints a TimeoutNegativeWarning for it into
// the app's stderr. The clamp keeps kafkajs's schedule and loses the warning.

const BROKERS = brokers.join(",");
const warns = Number(process.versions.node.split(".")[0]) >= 23;

/** A fresh process: kafkajs with logwire's patches (as the transport loads it), then a plain kafkajs producer sends a few records. */
function produceIn(env: NodeJS.ProcessEnv): Promise<{ stderr: string; timerClampInstalled: boolean }> {
  const script = `
    import { loadKafkajs } from "./src/runtime/kafka/kafkajs/kafkajs-module.ts";
    import { timerClampInstalled } from "./src/runtime/kafka/kafkajs/kafkajs-timer-clamp.ts";
    const kafkajs = loadKafkajs();
    const kafka = new kafkajs.Kafka({ brokers: [${JSON.stringify(BROKERS)}], logLevel: kafkajs.logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.send({ topic: "logwire-timer-clamp", messages: [{ value: "v" + i }] });
    await producer.disconnect();
    console.log(JSON.stringify({ timerClampInstalled: timerClampInstalled() }));
  `;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`${error.message}\n${stderr}`));
      resolve({ stderr, ...(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { timerClampInstalled: boolean }) });
    });
  });
}

test("with logwire's patches, kafkajs talks to a broker without a TimeoutNegativeWarning", async () => {
  const r = await produceIn({});
  assert.equal(r.timerClampInstalled, true);
  assert.doesNotMatch(r.stderr, /TimeoutNegativeWarning/);
});

test("LOGWIRE_KAFKAJS_PATCHES=off leaves kafkajs as published (and, on Node >= 23, the warning with it)", async () => {
  const r = await produceIn({ LOGWIRE_KAFKAJS_PATCHES: "off" });
  assert.equal(r.timerClampInstalled, false);
  if (warns) assert.match(r.stderr, /TimeoutNegativeWarning/, "the test would not notice a clamp that stopped working");
});
