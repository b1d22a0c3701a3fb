import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { Worker } from "node:worker_threads";
import { ErrorCode, isLogwireError } from "../../src/runtime/errors.ts";
import { createKafkaTransport, type KafkaTransportOptions } from "../../src/runtime/kafka/kafkajs/kafka-transport.ts";
import type { TransportTopicBatch } from "../../src/runtime/transport/transport.ts";
import { murmur2 } from "../../src/runtime/kafka/murmur2.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import type { KafkaLogEntry } from "../../src/runtime/kafka/security-options.ts";
import { createWorkerTransport, workerCanCarry } from "../../src/runtime/kafka/worker/worker-transport.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { brokers, registryUrl, uniqueName } from "../support/stack-env.ts";
import { onUniqueTopic } from "./support/descriptors.ts";
import { consumeAll, createTopics } from "./support/kafka-helpers.ts";

const options = (over: Partial<KafkaTransportOptions> = {}): KafkaTransportOptions => ({
  brokers,
  clientId: "logwire-test",
  compression: "snappy",
  retries: 2,
  initialRetryTimeMs: 100,
  requestTimeoutMs: 10000,
  ...over,
});

/** A producer thread of test/runtime/fixtures/ that fails in some way. */
const fixture = (name: string): URL => new URL(`../runtime/fixtures/${name}`, import.meta.url);

function batch(topic: string, from: number, count: number): TransportTopicBatch {
  return {
    topic,
    records: Array.from({ length: count }, (_, i) => ({
      key: i % 5 === 4 ? null : Buffer.from(`k-${from + i}`),
      value: Buffer.from(`v-${from + i}`),
      ...(i % 7 === 0 ? { headers: { "logwire.n": String(from + i) } } : {}),
    })),
  };
}

test("the producer thread delivers what it is given: keys (and null keys), values and headers, keyed records on Java's partition, in order", async () => {
  const [a, b] = [uniqueName("worker-a"), uniqueName("worker-b")];
  await createTopics([a, b], 3);
  const transport = createWorkerTransport(options());
  await transport.connect();
  try {
    // Two topics in one request, then a second request.
    await transport.send([batch(a, 0, 300), batch(b, 0, 50)]);
    await transport.send([batch(a, 300, 200)]);
    assert.equal(await transport.maxMessageBytes?.(a), 1048588);
  } finally {
    await transport.disconnect();
  }
  const records = await consumeAll([a, b]);
  const of = (topic: string) => records.filter((r) => r.topic === topic);
  assert.equal(of(a).length, 500);
  assert.equal(of(b).length, 50);
  for (const r of records) {
    const n = Number(r.value.toString().slice(2));
    assert.equal(r.key === null, n % 5 === 4 || (r.topic === a && n >= 300 && (n - 300) % 5 === 4), `key of ${n}`);
    if (r.key !== null) {
      assert.equal(r.key.toString(), `k-${n}`);
      assert.equal(r.partition, (murmur2(r.key) & 0x7fffffff) % 3, `partition of ${r.key.toString()}`);
    }
  }
  // Order per partition is send order.
  for (const p of [0, 1, 2]) {
    const ns = of(a).filter((r) => r.partition === p).map((r) => Number(r.value.toString().slice(2)));
    assert.deepEqual(ns, [...ns].sort((x, y) => x - y));
  }
  const withHeaders = of(b).filter((r) => r.headers["logwire.n"] !== undefined);
  assert.deepEqual(withHeaders.map((r) => r.headers["logwire.n"]).sort(), ["0", "14", "21", "28", "35", "42", "49", "7"]);
});

test("a broker that cannot be reached fails connect with the same code, retriable flag and fix as the in-thread producer, and kafkajs's log lines reach the caller's logger", async () => {
  const lines: KafkaLogEntry[] = [];
  const refused = options({ brokers: ["127.0.0.1:1"], retries: 1, initialRetryTimeMs: 50, logger: { level: "error", log: (e) => lines.push(e) } });
  const viaWorker = await createWorkerTransport(refused).connect().then(() => undefined, (e: unknown) => e);
  const inThread = await createKafkaTransport({ ...refused, logger: undefined }).connect().then(() => undefined, (e: unknown) => e);
  assert.ok(isLogwireError(viaWorker) && isLogwireError(inThread));
  assert.equal(viaWorker.code, ErrorCode.BrokerUnavailable);
  assert.equal(viaWorker.message, inThread.message);
  assert.equal(viaWorker.retriable, true);
  assert.equal(viaWorker.path, "brokers");
  assert.ok(lines.length > 0, "kafkajs's error lines are forwarded from the thread");
  assert.ok(lines.every((l) => l.level === "error" && typeof l.namespace === "string" && typeof l.message === "string"));
});

test("when the producer thread dies, its request fails as retriable, and the next request starts a new thread, connects it and is delivered", async () => {
  const ok = uniqueName("worker-restarted");
  const crash = uniqueName("worker-crash");
  await createTopics([ok], 1);
  const transport = createWorkerTransport(options(), fixture("crashing-transport-worker.mjs"));
  await transport.connect();
  try {
    await transport.send([batch(ok, 0, 10)]);
    const failed = await transport.send([batch(crash, 0, 10)]).then(() => undefined, (e: unknown) => e);
    assert.ok(isLogwireError(failed), String(failed));
    assert.equal(failed.code, ErrorCode.Internal);
    assert.equal(failed.retriable, true);
    assert.match(failed.message, /producer thread exited with code 7/);
    await transport.send([batch(ok, 10, 10)]);
  } finally {
    await transport.disconnect();
  }
  const values = (await consumeAll([ok])).map((r) => r.value.toString());
  assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => `v-${i}`));
});

test("a thread that cannot load (a dependency missing) fails connect for good, naming producerThread and the fix, instead of as a retriable crash", async () => {
  const failed = await createWorkerTransport(options(), fixture("unloadable-transport-worker.mjs")).connect().then(() => undefined, (e: unknown) => e);
  assert.ok(isLogwireError(failed), String(failed));
  assert.equal(failed.code, ErrorCode.Environment);
  assert.equal(failed.retriable, false);
  assert.equal(failed.path, "producerThread");
  assert.match(failed.message, /the producer thread could not start: it failed: Cannot find package 'tsx-not-installed'/);
  assert.match(failed.fix ?? "", /installed where the app runs.*producerThread: "main"/);
});

test("a thread that cannot even be created (the Worker constructor throws) fails connect with a LogwireError on producerThread, not a raw error", async () => {
  const failed = await createWorkerTransport(options(), new URL("https://logwire.invalid/boot.mjs")).connect().then(() => undefined, (e: unknown) => e);
  assert.ok(isLogwireError(failed), String(failed));
  assert.equal(failed.code, ErrorCode.Environment);
  assert.equal(failed.path, "producerThread");
  assert.match(failed.message, /the producer thread could not start: The URL must be of scheme file/);
  assert.match(failed.fix ?? "", /producerThread: "main"/);
  assert.ok(failed.cause !== undefined, "the constructor's error is kept as the cause");
});

test("a thread that dies of an error quoting a secret fails the request with the secret scrubbed from the message and the cause", async () => {
  const secret = "Thread-Secret-7Kq2";
  const transport = createWorkerTransport(options({ secrets: [secret] }), fixture("crashing-transport-worker.mjs"));
  await transport.connect();
  try {
    const failed = await transport.send([batch(uniqueName("worker-throw"), 0, 1)]).then(() => undefined, (e: unknown) => e);
    assert.ok(isLogwireError(failed), String(failed));
    assert.equal(failed.retriable, true);
    assert.match(failed.message, /the producer thread failed: a dependency failed holding \[redacted\]/);
    assert.ok(!inspect(failed, { depth: 10 }).includes(secret), inspect(failed, { depth: 10 }));
  } finally {
    await transport.disconnect();
  }
});

test("a thread that ends after another took its place fails only its own requests", async () => {
  const topic = uniqueName("worker-late-exit");
  await createTopics([topic], 1);
  let asked: Promise<unknown> | undefined;
  const transport = createWorkerTransport(options({ brokers: ["127.0.0.1:1"], retries: 1, initialRetryTimeMs: 50 }));
  // The window under test: the transport has let go of the thread whose
  // connect failed (and is terminating it), and that thread's 'exit' has not
  // come yet. A question asked then goes to a new thread, and the old
  // thread's exit must not fail it. Asked from terminate() itself, so the
  // window is hit every time, not by timing.
  const terminate = Worker.prototype.terminate;
  Worker.prototype.terminate = function (this: Worker) {
    asked ??= transport.maxMessageBytes!(topic).then((v) => v, (e: unknown) => e);
    return terminate.call(this);
  };
  try {
    await assert.rejects(transport.connect(), (e: unknown) => isLogwireError(e) && e.code === ErrorCode.BrokerUnavailable);
  } finally {
    Worker.prototype.terminate = terminate;
  }
  assert.ok(asked !== undefined, "the question was asked while the failed thread was being ended");
  // The new thread answers (nothing is reachable, so the size is unknown) instead of failing with the old thread's exit.
  assert.equal(await asked, undefined);
  await transport.disconnect();
});

test("a connected transport whose thread crashed keeps the process alive, as the pipeline's unref()ed retry timer needs", async () => {
  const child = fileURLToPath(fixture("crash-keepalive-child.ts"));
  const proc = spawn(process.execPath, ["--import", "tsx", child], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  assert.match(out, /send: \[internal\] the producer thread exited with code 7/);
  assert.match(out, /retry timer fired/, "the process exited before the retry");
  assert.equal(code, 0);
});

test("producerThread: 'worker' by default, 'main' on request, anything else is an invalid_option; TLS options with functions stay on the calling thread", async () => {
  assert.equal(workerCanCarry(options({ ssl: { rejectUnauthorized: false, ca: ["-----BEGIN CERTIFICATE-----"] } })), true);
  assert.equal(workerCanCarry(options({ ssl: { checkServerIdentity: () => undefined } })), false);
  await assert.rejects(createPipeline({ brokers, registry: { url: registryUrl }, producerThread: "thread" as never }), (e: unknown) => isLogwireError(e) && e.code === ErrorCode.InvalidOption && e.path === "producerThread");
  for (const producerThread of ["main", "worker"] as const) {
    const log = onUniqueTopic(PaymentErrorLog, `thread-${producerThread}`);
    const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, producerThread });
    const emitter = pipeline.emitter(log);
    for (let i = 0; i < 100; i++) emitter.emit({ code: `E${i}`, message: "m" });
    await pipeline.close();
    assert.equal(pipeline.stats().acked, 100, producerThread);
    assert.equal((await consumeAll([log.topic])).length, 100, producerThread);
  }
});
