import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport, type MemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { SPOOL_POSITION_EVERY } from "../../src/runtime/spool/disk-spool.ts";
import { ErrorCode, LogwireError, isLogwireError } from "../../src/runtime/errors.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { assertBalanced } from "../support/books.ts";

const ID = 4242;
const ids = { [PaymentErrorLog.subject]: ID };
const KEYS = 5;

async function setup(dir: string, extra: Partial<PipelineOptions> = {}): Promise<{ pipeline: Pipeline; memory: MemoryTransport }> {
  const memory = createMemoryTransport();
  const pipeline = await createPipeline({
    transport: memory,
    schema: { mode: "use-schema-id", ids },
    buffer: { maxBytes: 16 * 1024, spool: { dir } },
    batch: { maxBytes: 4096, lingerMs: 1 },
    maxRecordBytes: 1024,
    ...extra,
  });
  // Only records whose schema id is known can be spooled: let the type resolve first.
  pipeline.emitter(PaymentErrorLog);
  await sleep(20);
  return { pipeline, memory };
}

/** Delivered records as `key/seq`, in delivery order. */
function delivered(memory: MemoryTransport): string[] {
  return memory.requests.flatMap((r) => r.flatMap((b) => b.records.map((x) => {
    const frame = decodeFrame(x.value);
    assert.equal(frame.schemaId, ID, "replayed records keep their frame");
    const m = fromBinary(PaymentErrorSchema, frame.payload);
    return `${m.code}/${m.attempt}`;
  })));
}

function emitMany(pipeline: Pipeline, from: number, count: number): string[] {
  const log = pipeline.emitter(PaymentErrorLog);
  const ids: string[] = [];
  for (let n = from; n < from + count; n++) {
    const code = `key-${n % KEYS}`;
    log.emit({ code, attempt: n, message: `record ${n} ${"x".repeat(60)}` });
    ids.push(`${code}/${n}`);
  }
  return ids;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "logwire-pspool-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether `p` settles within `ms` (the timer does not keep the process alive). */
function within(ms: number, p: Promise<unknown>): Promise<boolean> {
  return Promise.race([p.then(() => true), sleep(ms, false, { ref: false })]);
}

const down = new LogwireError(ErrorCode.BrokerUnavailable, "broker down (test)", { retriable: true });

test("transport blocked past the memory budget: records spool instead of dropping, then all are acked in emit order once it recovers; the books balance throughout", async () => {
  await withDir(async (dir) => {
    const { pipeline, memory } = await setup(dir);
    memory.hold();
    const first = emitMany(pipeline, 0, 1500);
    await sleep(50);
    const mid = pipeline.stats();
    assert.ok(mid.spooled > 1000, `most records spooled: ${JSON.stringify(mid)}`);
    assert.deepEqual(mid.dropped, {}, "nothing dropped");
    assertBalanced(pipeline);
    const metrics = await pipeline.metricsRegistry.getSingleMetricAsString("logwire_spool_bytes");
    assert.match(metrics, /logwire_spool_bytes\{pipeline="logwire"\} [1-9]\d*/);
    const counted = await pipeline.metricsRegistry.getSingleMetricAsString("logwire_spooled_total");
    assert.match(counted, new RegExp(`topic="payments.errors"} ${mid.spooled}`));
    memory.release();
    const second = emitMany(pipeline, 1500, 200); // emitted while the spool drains: must queue behind it
    await pipeline.flush();
    const s = pipeline.stats();
    assert.equal(s.acked, 1700, JSON.stringify(s));
    assert.equal(s.spooled, 0);
    assert.equal(s.pending, 0);
    assert.deepEqual(delivered(memory), [...first, ...second], "emit order kept, across memory, spool and new records");
    assertBalanced(pipeline);
    await pipeline.close();
  });
});

test("replay goes on when one request takes most of the buffer: an acked request feeds the spool after it frees its space", async () => {
  await withDir(async (dir) => {
    // A batch as large as the buffer: each request frees (nearly) all of it at once.
    const { pipeline, memory } = await setup(dir, { buffer: { maxBytes: 16 * 1024, spool: { dir } }, batch: { maxBytes: 16 * 1024, lingerMs: 1 } });
    memory.hold();
    const ids = emitMany(pipeline, 0, 600);
    await sleep(50);
    assert.ok(pipeline.stats().spooled > 400, JSON.stringify(pipeline.stats()));
    memory.release();
    // No emit follows: only the acks can wake the spool.
    const flushed = await within(5000, pipeline.flush());
    assert.ok(flushed, `replay stalled: ${JSON.stringify(pipeline.stats())}`);
    assert.equal(pipeline.stats().acked, 600);
    assert.deepEqual(delivered(memory), ids);
    assertBalanced(pipeline);
    await pipeline.close();
  });
});

test("emitAndWait through the spool resolves on ack", async () => {
  await withDir(async (dir) => {
    const { pipeline, memory } = await setup(dir);
    memory.hold();
    emitMany(pipeline, 0, 400);
    const waited = pipeline.emitter(PaymentErrorLog).emitAndWait({ code: "key-0", attempt: 400 });
    await sleep(20);
    assert.ok(pipeline.stats().spooled > 0);
    memory.release();
    await waited;
    assert.equal(delivered(memory).at(-1), "key-0/400");
    await pipeline.close();
  });
});

test("close() leaves what it cannot send on disk (spooled, not dropped); a new pipeline on the same dir sends it first, in order", async () => {
  await withDir(async (dir) => {
    const a = await setup(dir, { closeTimeoutMs: 300 });
    a.memory.failNext(down, 1_000_000);
    const ids = emitMany(a.pipeline, 0, 1000);
    await a.pipeline.close();
    const left = a.pipeline.stats();
    assert.ok(left.spooled > 500, JSON.stringify(left));
    assert.equal(left.pending, 0);
    assert.equal(left.acked, 0);
    assert.deepEqual(Object.keys(left.dropped), ["close_timeout"], "only what was in memory is dropped");
    assertBalanced(a.pipeline);

    const b = await setup(dir);
    assert.equal(b.pipeline.stats().restored, left.spooled);
    const later = emitMany(b.pipeline, 1000, 50);
    await b.pipeline.flush();
    const s = b.pipeline.stats();
    assert.equal(s.acked, left.spooled + 50, JSON.stringify(s));
    assert.equal(s.spooled, 0);
    assertBalanced(b.pipeline);
    assert.deepEqual(delivered(b.memory), [...ids.slice(1000 - left.spooled), ...later], "the previous process's spooled records first, in order, then the new ones");
    await b.pipeline.close();
  });
});

test("past buffer.spool.maxBytes records are dropped and counted as spool_full", async () => {
  await withDir(async (dir) => {
    const { pipeline, memory } = await setup(dir, { buffer: { maxBytes: 16 * 1024, spool: { dir, maxBytes: 1048576 } }, closeTimeoutMs: 200 });
    memory.failNext(down, 1_000_000);
    emitMany(pipeline, 0, 12_000);
    await sleep(50);
    const s = pipeline.stats();
    assert.ok((s.dropped["spool_full"] ?? 0) > 0, JSON.stringify(s));
    assert.ok(s.spooled > 5000);
    assertBalanced(pipeline);
    await pipeline.close();
    assertBalanced(pipeline);
  });
});

test("buffer.spool is validated: dir, maxBytes and the overflow policy", async () => {
  const cases: [PipelineOptions["buffer"], string][] = [
    [{ spool: { dir: "" } }, "buffer.spool.dir"],
    [{ spool: { dir: "/tmp/x", maxBytes: 1000 } }, "buffer.spool.maxBytes"],
    [{ overflow: "block", spool: { dir: "/tmp/x" } }, "buffer.spool"],
    [{ overflow: "drop-oldest", spool: { dir: "/tmp/x" } }, "buffer.spool"],
  ];
  for (const [buffer, path] of cases) {
    await assert.rejects(
      createPipeline({ transport: createMemoryTransport(), schema: { mode: "use-schema-id", ids }, ...(buffer === undefined ? {} : { buffer }) }),
      (e: unknown) => isLogwireError(e) && e.code === ErrorCode.InvalidOption && e.path === path,
      path,
    );
  }
});

test("records a previous process left are all sent, even when the new process's own records, emitted while its schema id resolves, fill the buffer first", async () => {
  await withDir(async (dir) => {
    const a = await setup(dir, { closeTimeoutMs: 200 });
    a.memory.failNext(down, 1_000_000);
    const sent = emitMany(a.pipeline, 0, 3000);
    await a.pipeline.close();
    const left = sent.slice(3000 - a.pipeline.stats().spooled);
    assert.ok(left.length > 2000, `${left.length} left on disk`);

    // No pause after createPipeline: the burst is emitted while the type resolves
    // and while the first read of the spool is under way, and takes the buffer.
    // The transport holds its first request, as a broker takes longer than a
    // disk read to answer, so the burst still fills the buffer when the read ends.
    const memory = createMemoryTransport();
    memory.hold();
    const b = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids }, buffer: { maxBytes: 16 * 1024, spool: { dir } }, batch: { maxBytes: 4096, lingerMs: 1 }, maxRecordBytes: 1024 });
    emitMany(b, 10_000, 400);
    await sleep(50);
    memory.release();
    assert.ok(await within(10_000, b.flush()), `flush settled: ${JSON.stringify(b.stats())}`);
    const got = new Set(delivered(memory));
    const missing = left.filter((id) => !got.has(id));
    assert.deepEqual(missing.length, 0, `every restored record is sent; missing ${missing.length}, e.g. ${missing.slice(0, 3).join(", ")}; ${JSON.stringify(b.stats())}`);
    assert.equal(b.stats().restored, left.length);
    assertBalanced(b);
    await b.close();
  });
});

test("a process that dies while draining the spool: the next one sends again only the records not stored as settled, at most SPOOL_POSITION_EVERY plus the requests in flight, and counts them as replayed", async () => {
  await withDir(async (dir) => {
    const a = await setup(dir, { buffer: { maxBytes: 64 * 1024, spool: { dir } }, batch: { maxBytes: 8192, lingerMs: 1 } });
    a.memory.hold();
    const sent = emitMany(a.pipeline, 0, 6000);
    await sleep(50);
    assert.ok(a.pipeline.stats().spooled > 5000, JSON.stringify(a.pipeline.stats()));
    a.memory.release();
    // Drain about half, then freeze the process for good: it never acks again, never closes.
    while (a.pipeline.stats().acked < 3000) await sleep(1);
    a.memory.hold();
    const deliveredByA = delivered(a.memory);
    await sleep(20);

    const b = await setup(dir);
    const replayedN = (await b.pipeline.metricsRegistry.getSingleMetric("logwire_spool_replayed_total")?.get())?.values.find((v) => v.labels["topic"] === "payments.errors")?.value ?? 0;
    assert.ok(await within(10_000, b.pipeline.flush()), JSON.stringify(b.pipeline.stats()));
    const all = [...deliveredByA, ...delivered(b.memory)];
    const seen = new Map<string, number>();
    for (const id of all) seen.set(id, (seen.get(id) ?? 0) + 1);
    const twice = [...seen.values()].filter((n) => n > 1).length;
    assert.equal(seen.size, sent.length, "every record delivered at least once");
    assert.ok(twice <= SPOOL_POSITION_EVERY + 2 * 60, `${twice} duplicates: at most SPOOL_POSITION_EVERY + two requests of about 57 records`);
    assert.ok(twice <= replayedN, `duplicates (${twice}) are counted as replayed (${replayedN})`);
    assertBalanced(b.pipeline);
    await b.pipeline.close();
    await a.memory.disconnect();
  });
});

test("a spool disk that fails every write (ENOSPC): records are dropped as spool_failed, one environment error is reported, delivery from memory goes on, and flush, close and every emitAndWait settle", async () => {
  await withDir(async (dir) => {
    // Every write to /dev/full fails with ENOSPC.
    const { symlink } = await import("node:fs/promises");
    await symlink("/dev/full", join(dir, "logwire.spool"));
    const errors: LogwireError[] = [];
    const { pipeline, memory } = await setup(dir, { onError: (e) => errors.push(e) });
    let closedInTime = false;
    try {
      memory.hold();
      const first = emitMany(pipeline, 0, 1500);
      const waits = Array.from({ length: 20 }, (_, i) => pipeline.emitter(PaymentErrorLog).emitAndWait({ code: "key-0", attempt: 100_000 + i }).then(() => "acked", (e: unknown) => (isLogwireError(e) ? e.code : "other")));
      await sleep(50);
      const mid = pipeline.stats();
      assert.ok((mid.dropped["spool_failed"] ?? 0) > 0, JSON.stringify(mid));
      assert.equal(mid.spooled, 0, "nothing counted as on disk");
      assertBalanced(pipeline);
      memory.release();
      const flushed = await within(10_000, pipeline.flush());
      assert.ok(flushed, `flush settled: ${JSON.stringify(pipeline.stats())}`);
      // The 16 KiB buffer holds about 38 of these records: emitted in rounds that fit.
      const later: string[] = [];
      for (let round = 0; round < 5; round++) {
        later.push(...emitMany(pipeline, 1500 + 20 * round, 20));
        assert.ok(await within(10_000, pipeline.flush()), `flush settled: ${JSON.stringify(pipeline.stats())}`);
      }
      const outcomes = await Promise.race([Promise.all(waits), sleep(5_000, undefined, { ref: false })]);
      assert.ok(outcomes !== undefined, "every emitAndWait settled");
      // Rejected ones carry the drop's error code (buffer_full, or environment for spool_failed), never a raw error.
      assert.ok(outcomes.every((o) => o !== "other" && o !== "internal"), outcomes.join());
      const got = new Set(delivered(memory));
      assert.ok(later.every((id) => got.has(id)), `records emitted once the transport is back are delivered from memory: ${later.filter((id) => !got.has(id)).length} missing; ${JSON.stringify(pipeline.stats())}`);
      assert.ok(first.filter((id) => got.has(id)).length > 0);
      await sleep(10);
      const environment = errors.filter((e) => e.code === "environment");
      assert.equal(environment.length, 1, errors.map((e) => e.message).join("\n"));
      assert.equal(environment[0]!.path, "buffer.spool.maxBytes");
      assert.deepEqual(errors.filter((e) => e.code === "internal"), []);
      const s = pipeline.stats();
      assert.equal(s.acked + (s.dropped["spool_failed"] ?? 0) + (s.dropped["buffer_full"] ?? 0), s.emitted, JSON.stringify(s));
      assertBalanced(pipeline);
    } finally {
      closedInTime = await within(5_000, pipeline.close());
    }
    assert.ok(closedInTime, "close settled");
  });
});
