import { after, test } from "node:test";
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import type { LogwireError } from "../../src/runtime/errors.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { registryUrl, uniqueName } from "../support/stack-env.ts";
import { createDedicatedStack, type DedicatedStack } from "./support/dedicated-stack.ts";
import { assertBooksBalance, report, total } from "./support/figures.ts";
import { createTopicsOn, readAll } from "./support/topic-reader.ts";

/**
 * SIGKILL a broker under load and restart it on the same data dir, with the
 * pipeline emitting throughout. The broker is a dedicated one (its own ports
 * and LOGWIRE_HOME) started from the stack code; the shared dev stack is
 * never touched.
 *
 * Load: 20 keys, each record carrying its per-key sequence number in
 * `attempt`; 500 records/s; every 10th record goes through emitAndWait.
 * The buffer (1 MiB) is smaller than what the outage accumulates (~20 s of
 * restart × ~75 KB/s), so both fates of an outage record are exercised:
 * delivered after the restart, or dropped (`buffer_full`) and counted.
 */
const KEYS = 20;
const PER_TICK = 5;
const TICK_MS = 10;
const WAIT_EVERY = 10;

let dedicated: DedicatedStack | undefined;
let pipeline: Pipeline | undefined;
after(async () => {
  // Bounded: with the server gone, close() would wait for closeTimeoutMs.
  await Promise.race([pipeline?.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
  await dedicated?.dispose();
});

test("broker SIGKILLed and restarted under load: acked records are in the topic exactly once and in order per key; outage records are delivered or counted as dropped; the books balance", { timeout: 240_000 }, async (t) => {
  dedicated = await createDedicatedStack("kafka");
  const firstStartMs = await dedicated.start();
  const log = { ...PaymentErrorLog, topic: uniqueName("broker-restart"), subject: "" };
  log.subject = `${log.topic}-value`;
  await createTopicsOn(dedicated.brokers, [log.topic], 3);

  const errors = new Map<string, number>();
  pipeline = await createPipeline({
    brokers: dedicated.brokers,
    registry: { url: registryUrl },
    buffer: { maxBytes: 1024 * 1024 },
    batch: { maxBytes: 256 * 1024 },
    maxRecordBytes: 64 * 1024,
    requestTimeoutMs: 5_000,
    closeTimeoutMs: 90_000,
    onError: (e: LogwireError) => errors.set(e.code, (errors.get(e.code) ?? 0) + 1),
  });
  const emitter = pipeline.emitter(log);

  type Phase = "before" | "outage" | "after";
  let phase: Phase = "before";
  const nextSeq = new Array<number>(KEYS).fill(0);
  const emittedIn = new Map<string, Phase>();
  const waited: { id: string; phase: Phase; outcome: Promise<"acked" | string> }[] = [];
  let n = 0;
  const emitTick = (): void => {
    for (let i = 0; i < PER_TICK; i++) {
      const k = n % KEYS;
      const seq = nextSeq[k]!++;
      const init = { code: `key-${k}`, attempt: seq, message: `record ${n} of key ${k}: ${"x".repeat(80)}`, labels: { n: String(n) } };
      const id = `key-${k}/${seq}`;
      emittedIn.set(id, phase);
      if (n % WAIT_EVERY === 0) {
        waited.push({ id, phase, outcome: emitter.emitAndWait(init).then(() => "acked" as const, (e: LogwireError) => e.code ?? String(e)) });
      } else {
        emitter.emit(init);
      }
      n++;
    }
  };
  const timer = setInterval(emitTick, TICK_MS);
  try {
    await new Promise((r) => setTimeout(r, 3_000));
    const beforeKill = pipeline.stats();
    assert.ok(beforeKill.acked > 0, "records flow before the kill");
    const killedAt = Date.now();
    phase = "outage";
    await dedicated.kill();
    const restartMs = await dedicated.start();
    phase = "after";
    const outageMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 3_000));
    clearInterval(timer);
    const closeStarted = Date.now();
    await pipeline.close();
    const closeMs = Date.now() - closeStarted;

    const stats = pipeline.stats();
    const outcomes = await Promise.all(waited.map(async (w) => ({ ...w, result: await w.outcome })));
    const records = await readAll(dedicated.brokers, [log.topic]);

    // Decode every record with the local schema (the frame's schema id is the shared registry's).
    const seen = new Map<string, number>();
    const lastSeqOfKey = new Map<string, number>();
    let outOfOrder = 0;
    const byPartition = [...records].sort((a, b) => (a.partition - b.partition) || Number(a.offset - b.offset));
    for (const r of byPartition) {
      const m = fromBinary(PaymentErrorSchema, decodeFrame(r.value).payload);
      assert.equal(r.key?.toString(), m.code);
      const id = `${m.code}/${m.attempt}`;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const last = lastSeqOfKey.get(m.code);
      if (last !== undefined && m.attempt! <= last) outOfOrder++;
      lastSeqOfKey.set(m.code, m.attempt!);
    }
    const duplicates = [...seen.values()].filter((c) => c > 1).reduce((a, c) => a + c - 1, 0);
    const missing = [...emittedIn.keys()].filter((id) => !seen.has(id));
    const unknown = [...seen.keys()].filter((id) => !emittedIn.has(id));
    const outageIds = [...emittedIn].filter(([, p]) => p === "outage").map(([id]) => id);
    const outageDelivered = outageIds.filter((id) => seen.has(id)).length;
    const ackedWaits = outcomes.filter((o) => o.result === "acked");
    const failedWaits = outcomes.filter((o) => o.result !== "acked");

    report(t, "broker SIGKILL + restart", {
      "broker first start ms": firstStartMs,
      "broker restart ms": restartMs,
      "outage ms (kill to answering)": outageMs,
      "close ms": closeMs,
      "records emitted": stats.emitted,
      "acked": stats.acked,
      "delivered (read back)": records.length,
      "duplicated": duplicates,
      "out of order (per key)": outOfOrder,
      "dropped by reason": stats.dropped,
      "dead-lettered": stats.deadLettered,
      "emitted during outage": outageIds.length,
      "outage records delivered after restart": outageDelivered,
      "emitAndWait samples acked / failed": `${ackedWaits.length} / ${failedWaits.length}`,
      "onError by code": Object.fromEntries(errors),
    });

    assertBooksBalance(stats);
    assert.equal(stats.emitted, n);
    assert.equal(duplicates, 0, "the idempotent producer wrote no duplicate");
    assert.equal(outOfOrder, 0, "per-key order holds");
    assert.deepEqual(unknown, []);
    assert.equal(records.length, stats.acked, "every acked record is in the topic, exactly once");
    assert.equal(stats.unknown, 0, "close() had time for every answer: no outcome is unknown");
    assert.equal(missing.length, total(stats.dropped) + total(stats.deadLettered), "every record not in the topic is counted as dropped or dead-lettered");
    for (const o of ackedWaits) assert.equal(seen.get(o.id), 1, `emitAndWait-acked ${o.id} is in the topic once`);
    for (const o of failedWaits) assert.ok(!seen.has(o.id), `rejected ${o.id} (${o.result}) is not in the topic`);
    assert.ok(outageIds.length > 0 && outageDelivered > 0, "records emitted during the outage were delivered after the restart");
    assert.ok((errors.get("broker_unavailable") ?? 0) > 0, "the outage was reported through onError");
    // Whatever was not delivered is a counted buffer_full drop (the outage outgrew the 1 MiB budget), nothing else.
    assert.deepEqual(Object.keys(stats.dropped).filter((r) => r !== "buffer_full"), []);
    assert.deepEqual(stats.deadLettered, {});
  } finally {
    clearInterval(timer);
  }
});
