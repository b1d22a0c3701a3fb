import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { SPOOL_POSITION_EVERY } from "../../src/runtime/spool/disk-spool.ts";
import type { LogwireError } from "../../src/runtime/errors.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { registryUrl, uniqueName } from "../support/stack-env.ts";
import { createDedicatedStack, type DedicatedStack } from "./support/dedicated-stack.ts";
import { report, total } from "./support/figures.ts";
import { createBrokerPause, readSpoolDir, recordId, startSpoolChild, type SpoolChild } from "./support/spool-fault.ts";
import { createTopicsOn, readAll } from "./support/topic-reader.ts";

/**
 * The disk spool across a process crash, against real processes: a child
 * process (support/spool-child.ts) spools to disk while a dedicated broker
 * is frozen (SIGSTOP) and is SIGKILLed; then this process opens the same
 * dir with the broker back and must send every complete record the child
 * left. Records are ~1 KB; the child emits 10,000 a second.
 */
const PAD = 900;
const BATCH_MAX_BYTES = 128 * 1024;

let dedicated: DedicatedStack | undefined;
let brokerPause: ReturnType<typeof createBrokerPause> | undefined;
let child: SpoolChild | undefined;
let pipeline: Pipeline | undefined;
const dirs: string[] = [];

before(async () => {
  dedicated = await createDedicatedStack("kafka");
  await dedicated.start();
  brokerPause = createBrokerPause(dedicated);
});

after(async () => {
  brokerPause?.resume();
  await child?.kill();
  await Promise.race([pipeline?.close().catch(() => undefined), sleep(5_000, undefined, { ref: false })]);
  await dedicated?.dispose();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Settles within `ms`? Returns the time taken, or undefined when it did not. */
async function timed(ms: number, p: Promise<unknown>): Promise<number | undefined> {
  const started = Date.now();
  const inTime = await Promise.race([p.then(() => true), sleep(ms, false, { ref: false })]);
  return inTime ? Date.now() - started : undefined;
}

/** The pipeline of the second process: the same settings as the child's, on the dir it left. */
async function reopen(dir: string, errors: LogwireError[]): Promise<Pipeline> {
  return createPipeline({
    brokers: dedicated!.brokers,
    registry: { url: registryUrl },
    buffer: { maxBytes: 256 * 1024, spool: { dir, maxBytes: 512 * 1048576 } },
    batch: { maxBytes: BATCH_MAX_BYTES },
    maxRecordBytes: 64 * 1024,
    requestTimeoutMs: 5_000,
    closeTimeoutMs: 30_000,
    onError: (e) => errors.push(e),
  });
}

async function replayedMetric(p: Pipeline): Promise<number> {
  const m = await p.metricsRegistry.getSingleMetric("logwire_spool_replayed_total")?.get();
  return m?.values.reduce((a, v) => a + v.value, 0) ?? 0;
}

function count(ids: readonly string[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  return seen;
}

test("SIGKILL mid-write with the broker down: the next process sends every complete record of the spool file, while its own start-up records take the buffer; the torn tail costs one record", { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "logwire-spool-crash-"));
  dirs.push(dir);
  const log = { ...PaymentErrorLog, topic: uniqueName("spool-crash"), subject: "" };
  log.subject = `${log.topic}-value`;
  await createTopicsOn(dedicated!.brokers, [log.topic], 3);

  child = startSpoolChild({ brokers: dedicated!.brokers, topic: log.topic, dir, perTick: 50, pad: PAD });
  await child.waitFor((s) => s.acked > 0, 60_000, "records acked before the broker is frozen");
  brokerPause!.pause();
  const atKill = await child.waitFor((s) => s.spooled >= 20_000, 60_000, "20,000 records spooled");
  // Still emitting 10,000 records a second, all of them to the spool: the kill lands during its writes.
  await child.kill();
  brokerPause!.resume();

  const left = await readSpoolDir(dir);
  let tornBy = "the kill";
  if (left.tornAt === undefined) {
    // The kill fell between two writes: leave what a kill inside one leaves, a record header and part of its payload.
    tornBy = "the test (the kill fell between writes)";
    await appendFile(join(dir, "logwire.spool"), Buffer.from([0, 0, 0x03, 0xe8, 1, 2, 3, 4, 5, 6, 7, 8]));
  }

  const errors: LogwireError[] = [];
  pipeline = await reopen(dir, errors);
  // Its own records at once: their type's schema id is still resolving, so they go
  // straight to the buffer while the first read of the spool is under way.
  const own = pipeline.emitter(log);
  for (let i = 0; i < 2_000; i++) own.emit({ code: `own-${i % 20}`, attempt: i, message: "y".repeat(PAD) });
  const restored = pipeline.stats().restored;
  const flushMs = await timed(90_000, pipeline.flush());
  assert.ok(flushMs !== undefined, `flush() settled: ${JSON.stringify(pipeline.stats())}`);
  const closeMs = await timed(35_000, pipeline.close());
  assert.ok(closeMs !== undefined, "close() settled within its deadline");
  const stats = pipeline.stats();
  const replayed = await replayedMetric(pipeline);

  const inTopic = count((await readAll(dedicated!.brokers, [log.topic])).map((r) => recordId(r.value)));
  const missing = left.ids.filter((id) => !inTopic.has(id));
  const duplicated = [...inTopic.values()].reduce((a, n) => a + n - 1, 0);
  report(t, "disk spool: child SIGKILLed mid-write while the broker was frozen; the next process replays", {
    "child: emitted / acked / spooled at the kill": `${atKill.emitted} / ${atKill.acked} / ${atKill.spooled}`,
    "spool file bytes": left.fileBytes,
    "complete records in the file": left.ids.length,
    "torn tail made by": tornBy,
    "restored by the next process (torn included)": restored,
    "own records emitted at start-up": 2_000,
    "acked by the next process": stats.acked,
    "dropped by reason": stats.dropped,
    "complete records missing from the topic": missing.length,
    "duplicated in the topic": duplicated,
    "logwire_spool_replayed_total": replayed,
    "flush ms": flushMs,
    "close ms": closeMs,
    "onError codes": [...count(errors.map((e) => e.code))],
  });
  assert.equal(restored, left.ids.length + 1, "every complete record restored, plus the torn one");
  assert.equal(stats.dropped["spool_torn"], 1, "the torn tail costs that record only");
  assert.deepEqual(missing, [], "every complete record of the file reached the topic");
  assert.equal(stats.spooled, 0);
  assert.equal(stats.pending, 0);
  assert.equal(stats.emitted + stats.restored, stats.acked + total(stats.dropped) + total(stats.deadLettered) + stats.unknown, JSON.stringify(stats));
  // Only the start-up records of the new process may be dropped: the buffer had no room for them.
  assert.equal(total(stats.dropped) - 1, stats.dropped["buffer_full"] ?? 0, JSON.stringify(stats.dropped));
  assert.ok(duplicated <= replayed, `duplicates (${duplicated}) are all counted as replayed (${replayed})`);
});

test("SIGKILL while draining the spool: the next process sends again at most SPOOL_POSITION_EVERY records plus two requests, counts them as replayed, and loses none", { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "logwire-spool-drain-"));
  dirs.push(dir);
  const log = { ...PaymentErrorLog, topic: uniqueName("spool-drain"), subject: "" };
  log.subject = `${log.topic}-value`;
  await createTopicsOn(dedicated!.brokers, [log.topic], 3);

  child = startSpoolChild({ brokers: dedicated!.brokers, topic: log.topic, dir, perTick: 50, pad: PAD });
  await child.waitFor((s) => s.acked > 0, 60_000, "records acked before the broker is frozen");
  brokerPause!.pause();
  const spooledAtResume = (await child.waitFor((s) => s.spooled >= 15_000, 60_000, "15,000 records spooled")).spooled;
  child.stopEmitting();
  brokerPause!.resume();
  const ackedAtResume = child.stats!.acked;
  const atKill = await child.waitFor((s) => s.acked >= ackedAtResume + spooledAtResume / 2, 60_000, "half the spool drained");
  await child.kill();
  const left = await readSpoolDir(dir);

  const errors: LogwireError[] = [];
  pipeline = await reopen(dir, errors);
  const restored = pipeline.stats().restored;
  const replayed = await replayedMetric(pipeline);
  const flushMs = await timed(90_000, pipeline.flush());
  assert.ok(flushMs !== undefined, `flush() settled: ${JSON.stringify(pipeline.stats())}`);
  const closeMs = await timed(35_000, pipeline.close());
  assert.ok(closeMs !== undefined, "close() settled within its deadline");
  const stats = pipeline.stats();

  const inTopic = count((await readAll(dedicated!.brokers, [log.topic])).map((r) => recordId(r.value)));
  const missing = left.ids.filter((id) => !inTopic.has(id));
  const duplicated = [...inTopic.values()].reduce((a, n) => a + n - 1, 0);
  const perRequest = Math.ceil(BATCH_MAX_BYTES / (PAD + 40));
  report(t, "disk spool: child SIGKILLed while draining; the next process replays from the stored position", {
    "child: spooled when the broker came back": spooledAtResume,
    "child: acked at the kill (since the broker came back)": `${atKill.acked} (${atKill.acked - ackedAtResume})`,
    "restart point (byte) / file bytes": `${left.settled} / ${left.fileBytes}`,
    "restored by the next process": restored,
    "logwire_spool_replayed_total": replayed,
    "duplicated in the topic": duplicated,
    [`bound: SPOOL_POSITION_EVERY + 2 requests of ~${perRequest}`]: SPOOL_POSITION_EVERY + 2 * perRequest,
    "complete records missing from the topic": missing.length,
    "dropped by reason": stats.dropped,
    "flush ms": flushMs,
    "close ms": closeMs,
    "onError codes": [...count(errors.map((e) => e.code))],
  });
  assert.equal(restored, left.ids.length);
  assert.deepEqual(missing, [], "every record left in the file reached the topic");
  assert.equal(stats.acked, restored, JSON.stringify(stats));
  assert.deepEqual(stats.dropped, {});
  assert.ok(duplicated <= replayed, `duplicates (${duplicated}) are all counted as replayed (${replayed})`);
  assert.ok(duplicated <= SPOOL_POSITION_EVERY + 2 * perRequest, `${duplicated} duplicates: at most SPOOL_POSITION_EVERY + two requests`);
});
