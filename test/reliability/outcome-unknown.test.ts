import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import kafkajs from "kafkajs";
import { Registry } from "prom-client";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { readPidFile } from "../../src/stack/process-control.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { registryUrl, uniqueName } from "../support/stack-env.ts";
import { createDedicatedStack, type DedicatedStack } from "./support/dedicated-stack.ts";
import { assertBooksBalance, report, total } from "./support/figures.ts";
import { createTopicsOn, readAll } from "./support/topic-reader.ts";

/**
 * The broker freezes (SIGSTOP) with a produce request on its socket, and
 * close() gives up on it: `closeTimeoutMs: 500`, `requestTimeoutMs: 1000`,
 * `retries: 1`. The broker is a dedicated one (its own ports and
 * LOGWIRE_HOME, started from the stack code); the shared dev stack is never
 * signalled.
 *
 * A frozen broker's kernel still takes the request's bytes, and once the
 * broker runs again (SIGCONT) it may write the records. So a record whose
 * request was on the wire when close() gave up is neither acked nor dropped:
 * it is counted `unknown`, and its emitAndWait rejects with `delivery_unknown`.
 * Records queued behind that request never left and are dropped as
 * `close_timeout`. Every record is sent with emitAndWait, so each one's
 * outcome is known and can be checked against the topic read back.
 *
 * Run once with the producer on its own thread (the default) and once on
 * the caller's thread: each ends the request in flight in its own way.
 */
const CLOSE_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
const WARM = 20;
const ON_THE_WIRE = 30;
const QUEUED = 10;
const { Kafka, logLevel } = kafkajs;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dedicated: DedicatedStack | undefined;
let frozen: number | undefined;
const pipelines: Pipeline[] = [];

before(async () => {
  dedicated = await createDedicatedStack("kafka");
  await dedicated.start();
});

after(async () => {
  if (frozen !== undefined) process.kill(frozen, "SIGCONT");
  await Promise.race([Promise.all(pipelines.map((p) => p.close().catch(() => undefined))), sleep(5_000)]);
  await dedicated?.dispose();
});

function brokerPid(d: DedicatedStack): number {
  const record = readPidFile(join(d.config.stateDir, "kafka.pid"));
  assert.ok(record !== undefined, "the dedicated broker's pid file");
  return record.pid;
}

/** Waits until the topic's end offset has not moved for a second (the thawed broker has worked off what its socket held), 20 s at most. */
async function endOffsetSettled(brokers: readonly string[], topic: string): Promise<number> {
  const admin = new Kafka({ clientId: "logwire-reliability", brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    let last = -1;
    let still = 0;
    for (const deadline = Date.now() + 20_000; Date.now() < deadline && still < 4; await sleep(250)) {
      const high = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
      still = high === last ? still + 1 : 0;
      last = high;
    }
    return last;
  } finally {
    await admin.disconnect();
  }
}

async function metricTotal(registry: Registry, name: string): Promise<number> {
  return (await registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
}

for (const producerThread of ["worker", "main"] as const) {
  test(`broker frozen with a request on its socket when close() gives up (producerThread: ${producerThread}): what reaches the topic was counted acked or unknown, never dropped; the books balance; close() keeps its deadline`, { timeout: 100_000 }, async (t) => {
    const d = dedicated!;
    const log = { ...PaymentErrorLog, topic: uniqueName(`outcome-unknown-${producerThread}`), subject: "" };
    log.subject = `${log.topic}-value`;
    await createTopicsOn(d.brokers, [log.topic], 1);

    const metrics = new Registry();
    const errors = new Map<string, number>();
    const pipeline = await createPipeline({
      brokers: d.brokers,
      registry: { url: registryUrl },
      producerThread,
      closeTimeoutMs: CLOSE_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      retries: { retries: 1 },
      metrics: { registry: metrics },
      onError: (e: LogwireError) => errors.set(e.code, (errors.get(e.code) ?? 0) + 1),
    });
    pipelines.push(pipeline);
    const emitter = pipeline.emitter(log);
    const outcomes = new Map<string, Promise<string>>();
    const emit = (id: string): Promise<string> => {
      const o = emitter.emitAndWait({ code: id, message: `record ${id}` }).then(
        () => "acked",
        (e: unknown) => (isLogwireError(e) ? e.code : `not a LogwireError: ${String(e)}`),
      );
      outcomes.set(id, o);
      return o;
    };

    // Connection, metadata, producer id and schema id are all in place before the freeze.
    const warm = await Promise.all(Array.from({ length: WARM }, (_, i) => emit(`warm-${i}`)));
    assert.deepEqual(warm, Array(WARM).fill("acked"));

    const pid = brokerPid(d);
    process.kill(pid, "SIGSTOP");
    frozen = pid;
    let closeMs: number;
    try {
      // One request: emitted in one tick, sent at once (emitAndWait skips the linger).
      for (let i = 0; i < ON_THE_WIRE; i++) void emit(`wire-${i}`);
      await sleep(200);
      // Behind it: the producer keeps one request in flight.
      for (let i = 0; i < QUEUED; i++) void emit(`queued-${i}`);
      const closeStarted = performance.now();
      await pipeline.close();
      closeMs = Math.round(performance.now() - closeStarted);
    } finally {
      process.kill(pid, "SIGCONT");
      frozen = undefined;
    }

    const stats = pipeline.stats();
    const byId = new Map<string, string>();
    for (const [id, o] of outcomes) byId.set(id, await o);
    const tally = new Map<string, number>();
    for (const code of byId.values()) tally.set(code, (tally.get(code) ?? 0) + 1);
    const unknownMetric = await metricTotal(metrics, "logwire_delivery_unknown_total");

    const endOffset = await endOffsetSettled(d.brokers, log.topic);
    const records = await readAll(d.brokers, [log.topic]);
    const onTopic = new Map<string, number>();
    for (const r of records) {
      const id = fromBinary(PaymentErrorSchema, decodeFrame(r.value).payload).code;
      onTopic.set(id, (onTopic.get(id) ?? 0) + 1);
    }
    const foundAs = new Map<string, number>();
    for (const id of onTopic.keys()) {
      const code = byId.get(id) ?? "never emitted";
      foundAs.set(code, (foundAs.get(code) ?? 0) + 1);
    }
    const unknownIds = [...byId].filter(([, code]) => code === "delivery_unknown").map(([id]) => id);

    report(t, `broker SIGSTOPped during close (producerThread: ${producerThread})`, {
      "closeTimeoutMs / requestTimeoutMs / retries": `${CLOSE_TIMEOUT_MS} / ${REQUEST_TIMEOUT_MS} / 1`,
      "close ms": closeMs,
      "records emitted (warm / on the wire / queued behind)": `${stats.emitted} (${WARM} / ${ON_THE_WIRE} / ${QUEUED})`,
      acked: stats.acked,
      unknown: stats.unknown,
      "dropped by reason": stats.dropped,
      "dead-lettered": stats.deadLettered,
      pending: stats.pending,
      "logwire_delivery_unknown_total": unknownMetric,
      "emitAndWait outcomes": Object.fromEntries(tally),
      "records on the topic after SIGCONT (end offset)": `${records.length} (${endOffset})`,
      "records on the topic, by their counted outcome": Object.fromEntries(foundAs),
      "unknown records on the topic / not on it": `${unknownIds.filter((id) => onTopic.has(id)).length} / ${unknownIds.filter((id) => !onTopic.has(id)).length}`,
      "onError by code": Object.fromEntries(errors),
    });

    for (const [id, n] of onTopic) {
      const code = byId.get(id);
      assert.ok(code === "acked" || code === "delivery_unknown", `${id} is on the topic (${n}×) but was counted ${code ?? "never emitted"}`);
    }
    for (const [id, code] of byId) if (code === "acked") assert.ok(onTopic.has(id), `acked ${id} is on the topic`);
    assertBooksBalance(stats);
    assert.equal(stats.acked, tally.get("acked") ?? 0, "acked as emitAndWait says");
    assert.equal(stats.unknown, tally.get("delivery_unknown") ?? 0, "unknown as emitAndWait says");
    assert.equal(total(stats.dropped) + total(stats.deadLettered), stats.emitted - stats.acked - stats.unknown);
    assert.equal(unknownMetric, stats.unknown, "logwire_delivery_unknown_total equals the books");
    assert.ok(stats.unknown > 0, "the request on the frozen broker's socket is counted unknown");
    assert.ok(unknownIds.every((id) => id.startsWith("wire-")), "only records of the request on the wire are unknown");
    assert.deepEqual(Object.keys(stats.dropped).filter((reason) => reason !== "close_timeout"), [], "whatever was dropped never left: close_timeout");
    assert.ok(closeMs < CLOSE_TIMEOUT_MS + REQUEST_TIMEOUT_MS, `close() took ${closeMs} ms: it gives up after closeTimeoutMs and ends the request in flight instead of waiting for its timeout`);
  });
}
