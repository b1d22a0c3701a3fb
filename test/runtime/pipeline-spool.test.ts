import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary } from "@bufbuild/protobuf";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline.ts";
import { createMemoryTransport, type MemoryTransport } from "../../src/runtime/memory-transport.ts";
import { ErrorCode, LogwireError, isLogwireError } from "../../src/runtime/errors.ts";
import { decodeFrame } from "../../src/runtime/wire-format.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";

const ID = 4242;
const ids = { [PaymentErrorLog.subject]: ID };
const KEYS = 5;

function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** The books with a spool: emitted + restored = acked + dropped + dead-lettered + pending + spooled. */
function balanced(p: Pipeline): void {
  const s = p.stats();
  assert.equal(s.emitted + s.restored, s.acked + sum(s.dropped) + sum(s.deadLettered) + s.pending + s.spooled, JSON.stringify(s));
}

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
    balanced(pipeline);
    const metrics = await pipeline.metricsRegistry.getSingleMetricAsString("logwire_spool_bytes");
    assert.match(metrics, /logwire_spool_bytes [1-9]\d*/);
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
    balanced(pipeline);
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
    const flushed = await Promise.race([pipeline.flush().then(() => true), sleep(5000).then(() => false)]);
    assert.ok(flushed, `replay stalled: ${JSON.stringify(pipeline.stats())}`);
    assert.equal(pipeline.stats().acked, 600);
    assert.deepEqual(delivered(memory), ids);
    balanced(pipeline);
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
    balanced(a.pipeline);

    const b = await setup(dir);
    assert.equal(b.pipeline.stats().restored, left.spooled);
    const later = emitMany(b.pipeline, 1000, 50);
    await b.pipeline.flush();
    const s = b.pipeline.stats();
    assert.equal(s.acked, left.spooled + 50, JSON.stringify(s));
    assert.equal(s.spooled, 0);
    balanced(b.pipeline);
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
    balanced(pipeline);
    await pipeline.close();
    balanced(pipeline);
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
