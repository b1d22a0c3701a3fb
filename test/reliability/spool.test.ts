import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { registryUrl, uniqueName } from "../support/stack-env.ts";
import { createDedicatedStack, type DedicatedStack } from "./support/dedicated-stack.ts";
import { assertBooksBalance, report, total } from "./support/figures.ts";
import { createTopicsOn, readAll } from "./support/topic-reader.ts";

/**
 * The disk spool against a real broker: a dedicated broker (its own ports,
 * never the shared one) is SIGKILLed under keyed load and restarted. The
 * memory budget (256 KiB) holds about 2 s of the load; the outage lasts
 * longer, so records spool to disk, and after the restart every record must
 * be in the topic exactly once, in order per key, with nothing dropped.
 */
const KEYS = 20;
const PER_TICK = 5;
const TICK_MS = 10;

let dedicated: DedicatedStack | undefined;
let pipeline: Pipeline | undefined;
let dir: string | undefined;
after(async () => {
  await Promise.race([pipeline?.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
  await dedicated?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test("broker down past the memory budget: records spool to disk and are all delivered after the restart, once each and in order per key; nothing dropped", { timeout: 120_000 }, async (t) => {
  dir = await mkdtemp(join(tmpdir(), "logwire-spool-it-"));
  dedicated = await createDedicatedStack("kafka");
  await dedicated.start();
  const log = { ...PaymentErrorLog, topic: uniqueName("spool"), subject: "" };
  log.subject = `${log.topic}-value`;
  await createTopicsOn(dedicated.brokers, [log.topic], 3);

  pipeline = await createPipeline({
    brokers: dedicated.brokers,
    registry: { url: registryUrl },
    buffer: { maxBytes: 256 * 1024, spool: { dir, maxBytes: 64 * 1048576 } },
    batch: { maxBytes: 128 * 1024 },
    maxRecordBytes: 64 * 1024,
    requestTimeoutMs: 5_000,
    closeTimeoutMs: 60_000,
  });
  const emitter = pipeline.emitter(log);
  const nextSeq = new Array<number>(KEYS).fill(0);
  let n = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < PER_TICK; i++) {
      const k = n % KEYS;
      emitter.emit({ code: `key-${k}`, attempt: nextSeq[k]!++, message: `record ${n} of key ${k}: ${"x".repeat(80)}` });
      n++;
    }
  }, TICK_MS);
  let peakSpooled = 0;
  let peakSpoolBytes = 0;
  const sampler = setInterval(() => {
    peakSpooled = Math.max(peakSpooled, pipeline!.stats().spooled);
    void pipeline!.metricsRegistry.getSingleMetric("logwire_spool_bytes")?.get().then((m) => (peakSpoolBytes = Math.max(peakSpoolBytes, m.values[0]?.value ?? 0)));
  }, 100);
  try {
    await new Promise((r) => setTimeout(r, 2_000));
    assert.ok(pipeline.stats().acked > 0, "records flow before the kill");
    const killedAt = Date.now();
    await dedicated.kill();
    await new Promise((r) => setTimeout(r, 3_000)); // at least 3 s down: past the ~2 s the memory budget holds
    await dedicated.start();
    const outageMs = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 2_000));
    clearInterval(timer);
    const closeStarted = Date.now();
    await pipeline.close();
    const closeMs = Date.now() - closeStarted;
    clearInterval(sampler);
    const stats = pipeline.stats();
    const records = await readAll(dedicated.brokers, [log.topic]);
    const seen = new Map<string, number>();
    const last = new Map<string, number>();
    let outOfOrder = 0;
    for (const r of [...records].sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset))) {
      const m = fromBinary(PaymentErrorSchema, decodeFrame(r.value).payload);
      const id = `${m.code}/${m.attempt}`;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      const prev = last.get(m.code);
      if (prev !== undefined && m.attempt! <= prev) outOfOrder++;
      last.set(m.code, m.attempt!);
    }
    const duplicates = [...seen.values()].reduce((a, c) => a + c - 1, 0);
    report(t, "disk spool: broker SIGKILL + restart past the memory budget", {
      "outage ms (kill to answering)": outageMs,
      "close ms": closeMs,
      "records emitted": stats.emitted,
      "acked": stats.acked,
      "delivered (read back)": records.length,
      "duplicated": duplicates,
      "out of order (per key)": outOfOrder,
      "spooled at peak (records)": peakSpooled,
      "spool bytes at peak": peakSpoolBytes,
      "spooled at close": stats.spooled,
      "dropped by reason": stats.dropped,
      "dead-lettered": stats.deadLettered,
    });
    assert.ok(peakSpooled > 0, "the outage outgrew the memory budget and records were spooled");
    assertBooksBalance(stats);
    assert.equal(stats.spooled, 0);
    assert.equal(stats.emitted, n);
    assert.equal(total(stats.dropped), 0, "nothing dropped: the spool held the overflow");
    assert.deepEqual(stats.deadLettered, {});
    assert.equal(stats.unknown, 0);
    assert.equal(stats.acked, n);
    assert.equal(records.length, n, "every record is in the topic");
    assert.equal(seen.size, n, "every emitted record, exactly once");
    assert.equal(duplicates, 0);
    assert.equal(outOfOrder, 0, "per-key order holds across memory, spool and new records");
  } finally {
    clearInterval(timer);
    clearInterval(sampler);
  }
});
