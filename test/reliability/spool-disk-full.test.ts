import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { registryUrl, uniqueName } from "../support/stack-env.ts";
import { createDedicatedStack, type DedicatedStack } from "./support/dedicated-stack.ts";
import { report, total } from "./support/figures.ts";
import { createBrokerPause, mountTmpfs, recordId, unmountTmpfs } from "./support/spool-fault.ts";
import { createTopicsOn, readAll } from "./support/topic-reader.ts";

/**
 * The disk spool on a disk smaller than `buffer.spool.maxBytes`: a real
 * 2 MiB tmpfs, maxBytes 64 MiB, and a dedicated broker frozen (SIGSTOP) for
 * 10 s under 2,000 records/s, so the disk fills. The pipeline must degrade
 * (drop with a counted reason, report the full disk once as an `environment`
 * error) and never wedge: once the broker is back, flush() settles, records
 * are delivered from memory, and the spool works again for a later outage.
 * Last, close() runs with the disk full and the broker frozen: it must
 * resolve within its deadline, and a second pipeline on the dir must send
 * exactly what it left, nothing twice. Needs root (mount).
 */
const KEYS = 20;
const TICK_MS = 10;

let dedicated: DedicatedStack | undefined;
let brokerPause: ReturnType<typeof createBrokerPause> | undefined;
const pipelines: Pipeline[] = [];
let mnt: string | undefined;
let mounted = false;

before(async () => {
  dedicated = await createDedicatedStack("kafka");
  await dedicated.start();
  brokerPause = createBrokerPause(dedicated);
});

after(async () => {
  brokerPause?.resume();
  for (const p of pipelines) await Promise.race([p.close().catch(() => undefined), sleep(5_000, undefined, { ref: false })]);
  await dedicated?.dispose();
  if (mounted) unmountTmpfs(mnt!);
  if (mnt !== undefined) await rm(mnt, { recursive: true, force: true });
});

/** Time `p` took to settle, or undefined when it did not within `ms`. */
async function timed(ms: number, p: Promise<unknown>): Promise<number | undefined> {
  const started = Date.now();
  const inTime = await Promise.race([p.then(() => true, () => true), sleep(ms, false, { ref: false })]);
  return inTime ? Date.now() - started : undefined;
}

/** How `p` settled and when, or undefined when it did not within `ms`. */
async function timedResult(ms: number, p: Promise<unknown>): Promise<{ outcome: string; ms: number } | undefined> {
  const started = Date.now();
  const outcome = await Promise.race([p.then(() => "resolved", (e: unknown) => `rejected: ${String(e)}`), sleep(ms, undefined, { ref: false })]);
  return outcome === undefined ? undefined : { outcome, ms: Date.now() - started };
}

/** Records of unknown outcome (0 where the books have no such count). */
function unknownOf(stats: object): number {
  return (stats as { unknown?: number }).unknown ?? 0;
}

async function metricTotal(p: Pipeline, name: string): Promise<number> {
  const m = await p.metricsRegistry.getSingleMetric(name)?.get();
  return m?.values.reduce((a, v) => a + v.value, 0) ?? 0;
}

test("spool disk full (2 MiB tmpfs, spool.maxBytes 64 MiB), broker frozen 10 s: drops are counted, the full disk is one environment error, and the pipeline recovers: flush settles, later records are delivered, the spool works again; close() on a full disk resolves in time and the next pipeline sends exactly what it left", { timeout: 120_000 }, async (t) => {
  mnt = await mkdtemp(join(tmpdir(), "logwire-spool-tmpfs-"));
  mountTmpfs(mnt, "2m");
  mounted = true;
  const log = { ...PaymentErrorLog, topic: uniqueName("spool-full"), subject: "" };
  log.subject = `${log.topic}-value`;
  await createTopicsOn(dedicated!.brokers, [log.topic], 3);

  const errors: LogwireError[] = [];
  const options = {
    brokers: dedicated!.brokers,
    registry: { url: registryUrl },
    buffer: { maxBytes: 256 * 1024, spool: { dir: mnt, maxBytes: 64 * 1048576 } },
    batch: { maxBytes: 128 * 1024 },
    maxRecordBytes: 64 * 1024,
    requestTimeoutMs: 3_000,
    closeTimeoutMs: 15_000,
  };
  const pipeline = await createPipeline({ ...options, onError: (e) => errors.push(e) });
  pipelines.push(pipeline);
  const emitter = pipeline.emitter(log);

  // Every record's id carries its phase; one in 50 goes through emitAndWait.
  const emittedBy = new Map<string, string[]>();
  const waits: Promise<string>[] = [];
  let phase = "before";
  let perTick = 20;
  let n = 0;
  const timer = setInterval(() => {
    const ids = emittedBy.get(phase) ?? [];
    emittedBy.set(phase, ids);
    for (let i = 0; i < perTick; i++, n++) {
      const record = { code: `${phase}-${n % KEYS}`, attempt: n, message: "z".repeat(100) };
      ids.push(`${record.code}/${n}`);
      if (n % 50 === 0) waits.push(emitter.emitAndWait(record).then(() => "acked", (e: unknown) => (isLogwireError(e) ? e.code : "other")));
      else emitter.emit(record);
    }
  }, TICK_MS);
  let peakSpoolBytes = 0;
  const sampler = setInterval(() => {
    void pipeline.metricsRegistry.getSingleMetric("logwire_spool_bytes")?.get().then((m) => (peakSpoolBytes = Math.max(peakSpoolBytes, m.values[0]?.value ?? 0)));
  }, 100);

  let flushMs: number | undefined;
  let flushRecoveredMs: number | undefined;
  let flushSecondMs: number | undefined;
  let closeResult: { outcome: string; ms: number } | undefined;
  let spooledInSecondOutage = 0;
  try {
    await sleep(2_000);
    phase = "outage";
    brokerPause!.pause();
    await sleep(10_000);
    brokerPause!.resume();
    phase = "after";
    await sleep(3_000);
    perTick = 0;
    flushMs = await timed(60_000, pipeline.flush());
    // Wedged (flush never settled): report what happened, the assertions below fail.
    if (flushMs !== undefined) {
      // The broker and the pipeline are back: 1,000 records/s, all delivered.
      phase = "recovered";
      perTick = 10;
      await sleep(5_000);
      perTick = 0;
      flushRecoveredMs = await timed(30_000, pipeline.flush());

      // A second, short outage: the spool is tried again, and this time the disk has room.
      const spooledBefore = await metricTotal(pipeline, "logwire_spooled_total");
      phase = "second outage";
      perTick = 10;
      brokerPause!.pause();
      await sleep(3_000);
      brokerPause!.resume();
      perTick = 0;
      spooledInSecondOutage = (await metricTotal(pipeline, "logwire_spooled_total")) - spooledBefore;
      flushSecondMs = await timed(30_000, pipeline.flush());

      // Last: the broker frozen again until the disk is full, and close() while it still is.
      phase = "closed on a full disk";
      perTick = 20;
      brokerPause!.pause();
      await sleep(6_000);
    }
  } finally {
    perTick = 0;
    clearInterval(timer);
    clearInterval(sampler);
    closeResult = await timedResult(options.closeTimeoutMs + 5_000, pipeline.close());
    brokerPause!.resume();
  }
  const outcomes = await Promise.race([Promise.all(waits), sleep(5_000, undefined, { ref: false })]);
  const stats = pipeline.stats();

  // A second pipeline on the same dir, the broker back: it sends what close() left on disk, and nothing delivered already.
  const again = await createPipeline(options);
  pipelines.push(again);
  const restoredAgain = again.stats().restored;
  const flushAgainMs = await timed(30_000, again.flush());
  await timed(20_000, again.close());
  const statsAgain = again.stats();

  const inTopic = new Map<string, number>();
  for (const r of await readAll(dedicated!.brokers, [log.topic])) {
    const id = recordId(r.value);
    inTopic.set(id, (inTopic.get(id) ?? 0) + 1);
  }
  const delivered = (p: string): string => `${(emittedBy.get(p) ?? []).filter((id) => inTopic.has(id)).length} of ${(emittedBy.get(p) ?? []).length}`;
  const all = (p: string): boolean => (emittedBy.get(p) ?? []).every((id) => inTopic.has(id));
  const duplicated = [...inTopic.values()].reduce((a, c) => a + c - 1, 0);
  const environment = errors.filter((e) => e.code === "environment");
  report(t, "disk spool: 2 MiB tmpfs, spool.maxBytes 64 MiB, broker frozen 10 s", {
    "records emitted": stats.emitted,
    "acked (first pipeline + second) / in the topic": `${stats.acked} + ${statsAgain.acked} / ${inTopic.size}`,
    "dropped by reason": stats.dropped,
    "unknown (given up in flight at close)": unknownOf(stats),
    "peak spool bytes (the disk holds 2 MiB)": peakSpoolBytes,
    "delivered: before / outage / after the broker came back": `${delivered("before")} / ${delivered("outage")} / ${delivered("after")}`,
    "delivered once recovered / in a second 3 s outage": `${delivered("recovered")} / ${delivered("second outage")}`,
    "spooled in the second outage": spooledInSecondOutage,
    "onError: environment / other": `${environment.length} / ${errors.length - environment.length}`,
    "first environment error": environment[0]?.message ?? "",
    "emitAndWait settled (acked / rejected)": outcomes === undefined ? "NOT ALL SETTLED" : `${outcomes.filter((o) => o === "acked").length} / ${outcomes.filter((o) => o !== "acked").length}`,
    "flush ms: after the outage / recovered / second outage": `${flushMs} / ${flushRecoveredMs} / ${flushSecondMs}`,
    "close on a full disk, broker frozen (closeTimeoutMs 15000)": closeResult === undefined ? "did not settle" : `${closeResult.outcome} in ${closeResult.ms} ms`,
    "left on disk at close / restored by a second pipeline / its acked": `${stats.spooled} / ${restoredAgain} / ${statsAgain.acked}`,
    "second pipeline flush ms": flushAgainMs,
    "duplicated in the topic": duplicated,
  });
  assert.ok(flushMs !== undefined, `flush() settled after the broker came back: ${JSON.stringify(stats)}`);
  assert.ok(flushRecoveredMs !== undefined && flushSecondMs !== undefined, "every later flush() settled");
  assert.ok(closeResult !== undefined, "close() settled within its deadline");
  assert.equal(closeResult.outcome, "resolved", "close() resolves: disk errors go to onError");
  assert.ok(outcomes !== undefined, "every emitAndWait settled");
  assert.ok((stats.dropped["spool_failed"] ?? 0) > 0, "the disk filled: records were dropped as spool_failed");
  assert.ok(environment.length >= 1 && environment.length <= 5, `the full disk is reported once per episode, not per write: ${environment.length}`);
  assert.equal(environment[0]!.path, "buffer.spool.maxBytes");
  assert.match(environment[0]!.message, /full.*free space on that disk, or lower buffer\.spool\.maxBytes/);
  assert.deepEqual(errors.filter((e) => e.code === "internal").map((e) => e.message), []);
  assert.ok(all("recovered"), "records emitted once the pipeline recovered are all delivered");
  assert.ok(spooledInSecondOutage > 0, "the spool was tried again and took records in the second outage");
  assert.ok(all("second outage"), "and all of them were delivered");
  assert.equal(stats.pending, 0);
  assert.equal(stats.emitted, stats.acked + total(stats.dropped) + total(stats.deadLettered) + unknownOf(stats) + stats.spooled, `books: ${JSON.stringify(stats)}`);
  assert.ok(stats.spooled > 0, "close() left records on the full disk");
  assert.equal(restoredAgain, stats.spooled, "the second pipeline restores exactly what close() left");
  assert.ok(flushAgainMs !== undefined && statsAgain.acked === restoredAgain, `and sends it: ${JSON.stringify(statsAgain)}`);
  assert.equal(duplicated, 0, "nothing delivered before is sent again");
  assert.ok(inTopic.size >= stats.acked + statsAgain.acked && inTopic.size <= stats.acked + statsAgain.acked + unknownOf(stats), "the topic holds the acked records (and perhaps those of unknown outcome)");
  assert.equal(total(stats.deadLettered), 0);
});
