import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fromBinary, toBinary, create } from "@bufbuild/protobuf";
import { context, createTraceState, trace, TraceFlags } from "@opentelemetry/api";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport, type MemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { createDiskSpool } from "../../src/runtime/spool/disk-spool.ts";
import { crc32, encodeSpoolRecord, scanSpoolBytes, type SpoolEntry } from "../../src/runtime/spool/spool-record-format.ts";
import { createDeadLetterRecord, deadLetterBytes, DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import { ErrorCode, LogwireError } from "../../src/runtime/errors.ts";
import { decodeFrame, encodeFrameHeader, frame } from "../../src/runtime/registry/wire-format.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { useOtelSdk } from "../support/otel-sdk.ts";

// A record's own headers (the span's traceparent and tracestate) through the
// disk spool and into dead letters: the spool's record formats (the first,
// which files written by earlier versions hold, and format 2 with headers),
// pipelines that spool inside a span, and the dead letter's header bounds.

const ID = 4242;
const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const TRACESTATE = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
const HEADERS = { traceparent: TRACEPARENT, tracestate: TRACESTATE };

/**
 * The first spool record format, as logwire wrote it before records kept
 * headers (frozen here, not imported): [u32 length][u32 CRC-32 of the
 * payload], then topic, type name, subject (u16 length each), key (i32
 * length, -1 for none), value.
 */
function encodeFirstFormat(e: { topic: string; typeName: string; subject: string; key: Buffer | null; value: Uint8Array }): Buffer {
  const strings = [e.topic, e.typeName, e.subject].map((s) => Buffer.from(s));
  const parts: Buffer[] = [];
  for (const s of strings) {
    const n = Buffer.alloc(2);
    n.writeUInt16BE(s.length);
    parts.push(n, s);
  }
  const k = Buffer.alloc(4);
  k.writeInt32BE(e.key === null ? -1 : e.key.length);
  parts.push(k);
  if (e.key !== null) parts.push(e.key);
  parts.push(Buffer.from(e.value));
  const payload = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length, 0);
  head.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

/** An earlier version's test of a record's first word: no record is longer than 65 MiB. */
const EARLIER_MAX_RECORD_BYTES = 65 * 1048576;

function entry(i: number, headers?: Record<string, string>): SpoolEntry {
  return { topic: "t.audit", typeName: "example.M", subject: "t.audit-value", key: i % 4 === 0 ? null : Buffer.from(`k${i % 3}`), value: Buffer.from(`value-${i}`), ...(headers === undefined ? {} : { headers }) };
}

/** A framed PaymentError, as a pipeline spools it. */
function framedError(n: number): Uint8Array {
  return frame(encodeFrameHeader(ID, [0]), toBinary(PaymentErrorSchema, create(PaymentErrorSchema, { code: `key-${n % 5}`, attempt: n, message: `record ${n}` })));
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "logwire-spool-headers-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function setup(dir: string, extra: Partial<PipelineOptions> = {}, memory: MemoryTransport = createMemoryTransport()): Promise<{ pipeline: Pipeline; memory: MemoryTransport }> {
  const pipeline = await createPipeline({
    transport: memory,
    schema: { mode: "use-schema-id", ids: { [PaymentErrorLog.subject]: ID } },
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

/** What reached `topic`, as `code/attempt` with the record's headers. */
function sent(memory: MemoryTransport, topic = PaymentErrorLog.topic): { id: string; headers: Record<string, string> }[] {
  return memory.requests.flatMap((r) =>
    r.filter((b) => b.topic === topic).flatMap((b) =>
      b.records.map((x) => {
        const m = fromBinary(PaymentErrorSchema, decodeFrame(x.value).payload);
        return { id: `${m.code}/${m.attempt}`, headers: { ...(x.headers ?? {}) } };
      }),
    ),
  );
}

describe("spool record formats", () => {
  it("a record without headers is written in the first format, byte for byte (a file of them is one an earlier version reads)", () => {
    for (let i = 0; i < 8; i++) assert.deepEqual(encodeSpoolRecord(entry(i)), encodeFirstFormat(entry(i)));
    assert.deepEqual(encodeSpoolRecord({ ...entry(1), headers: {} }), encodeFirstFormat(entry(1)), "no headers is none");
  });

  it("a record with headers (format 2) reads back with them; an earlier version's reader sees damage in it, never a record", () => {
    const records = [entry(0, HEADERS), entry(1), entry(2, { traceparent: TRACEPARENT, "x-é": "ünïcode" }), entry(3)];
    const bytes = Buffer.concat(records.map(encodeSpoolRecord));
    const scan = scanSpoolBytes(bytes);
    assert.equal(scan.tornAt, undefined);
    assert.deepEqual(
      scan.records.map((r) => r.entry),
      records.map((e) => ({ ...e, value: Buffer.from(e.value) })),
    );
    const v2 = encodeSpoolRecord(entry(0, HEADERS));
    assert.ok(v2.readUInt32BE(0) > EARLIER_MAX_RECORD_BYTES, "its first word is past any length an earlier version takes");
  });

  it("a flipped format bit fails the record's CRC, both ways", () => {
    for (const e of [entry(1), entry(2, HEADERS)]) {
      const b = encodeSpoolRecord(e);
      b[0]! ^= 0x10;
      assert.equal(scanSpoolBytes(b).tornAt, 0);
    }
    const unknownFormat = encodeSpoolRecord(entry(1));
    unknownFormat[0]! |= 0x20;
    assert.equal(scanSpoolBytes(unknownFormat).tornAt, 0, "a format this version does not know is not read");
  });

  it("a file written in the first format is restored whole, appended to with headers, and read back in order", async () => {
    await withDir(async (dir) => {
      const spoolDir = join(dir, "s");
      await mkdir(spoolDir);
      // As an earlier version left it: records, and no spool.pos (or one at 0).
      await writeFile(join(spoolDir, "logwire.spool"), Buffer.concat(Array.from({ length: 30 }, (_, i) => encodeFirstFormat(entry(i)))));
      const spool = await createDiskSpool<number>({ dir: spoolDir, maxBytes: 1048576, recordOverhead: 24, onLost: () => assert.fail("nothing lost"), onError: (e) => assert.fail(e.message) });
      assert.equal(spool.restored, 30);
      assert.equal(spool.torn, 0);
      for (let i = 30; i < 40; i++) assert.ok(spool.append(entry(i, HEADERS), i));
      const out: SpoolEntry[] = [];
      while (spool.records > 0) {
        const batch = await spool.read(1 << 20);
        for (const r of batch) spool.settle(r.seq);
        out.push(...batch.map((r) => r.entry));
      }
      assert.deepEqual(out.map((e) => Buffer.from(e.value).toString()), Array.from({ length: 40 }, (_, i) => `value-${i}`));
      assert.deepEqual(out.map((e) => e.headers?.["traceparent"]), Array.from({ length: 40 }, (_, i) => (i < 30 ? undefined : TRACEPARENT)));
      assert.equal(out[35]!.headers?.["tracestate"], TRACESTATE);
      await spool.close();
    });
  });

  it("pipeline: a spool file an earlier version left is delivered, in order, without headers; nothing is torn", async () => {
    await withDir(async (dir) => {
      await writeFile(
        join(dir, "logwire.spool"),
        Buffer.concat(Array.from({ length: 200 }, (_, n) => encodeFirstFormat({ topic: PaymentErrorLog.topic, typeName: PaymentErrorLog.typeName, subject: PaymentErrorLog.subject, key: Buffer.from(`key-${n % 5}`), value: framedError(n) }))),
      );
      const { pipeline, memory } = await setup(dir);
      try {
        assert.equal(pipeline.stats().restored, 200);
        await pipeline.flush();
        const s = pipeline.stats();
        assert.equal(s.acked, 200, JSON.stringify(s));
        assert.deepEqual(s.dropped, {}, "no spool_torn");
        const got = sent(memory);
        assert.deepEqual(got.map((g) => g.id), Array.from({ length: 200 }, (_, n) => `key-${n % 5}/${n}`));
        assert.ok(got.every((g) => Object.keys(g.headers).length === 0));
      } finally {
        await pipeline.close();
      }
    });
  });
});

describe("pipelines: spooled records keep their trace headers", () => {
  useOtelSdk();

  const parent = trace.wrapSpanContext({ traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: TraceFlags.SAMPLED, traceState: createTraceState(TRACESTATE) });
  const inSpan = <T>(f: () => T): T => context.with(trace.setSpan(context.active(), parent), f);

  /** Emits `count` records from `from`; even ones inside the span. */
  function emitMany(pipeline: Pipeline, from: number, count: number): string[] {
    const log = pipeline.emitter(PaymentErrorLog);
    const ids: string[] = [];
    for (let n = from; n < from + count; n++) {
      const record = { code: `key-${n % 5}`, attempt: n, message: `record ${n} ${"x".repeat(60)}` };
      if (n % 2 === 0) inSpan(() => log.emit(record));
      else log.emit(record);
      ids.push(`key-${n % 5}/${n}`);
    }
    return ids;
  }

  function assertHeaders(got: { id: string; headers: Record<string, string> }[]): void {
    for (const g of got) {
      const n = Number(g.id.split("/")[1]);
      assert.deepEqual(g.headers, n % 2 === 0 ? HEADERS : {}, g.id);
    }
  }

  it("records spooled past the buffer are delivered with their traceparent and tracestate (a real SDK span too)", async () => {
    await withDir(async (dir) => {
      const { pipeline, memory } = await setup(dir);
      try {
        memory.hold();
        const ids = emitMany(pipeline, 0, 1200);
        let real = "";
        trace.getTracer("test").startActiveSpan("s", (span) => {
          const sc = span.spanContext();
          real = `00-${sc.traceId}-${sc.spanId}-01`;
          pipeline.emitter(PaymentErrorLog).emit({ code: "key-0", attempt: 1200 });
          span.end();
        });
        await sleep(50);
        const spooled = pipeline.stats().spooled;
        assert.ok(spooled > 800, `most records spooled: ${JSON.stringify(pipeline.stats())}`);
        memory.release();
        await pipeline.flush();
        assert.equal(pipeline.stats().acked, 1201);
        const got = sent(memory);
        assert.deepEqual(got.map((g) => g.id), [...ids, "key-0/1200"], "emit order kept");
        assertHeaders(got.slice(0, 1200));
        assert.deepEqual(got[1200]!.headers, { traceparent: real }, "the last went through the spool too");
      } finally {
        memory.release();
        await pipeline.close();
      }
    });
  });

  it("records close() leaves on disk keep their headers for the next pipeline; a replayed record dead-lettered carries them", async () => {
    await withDir(async (dir) => {
      const a = await setup(dir, { closeTimeoutMs: 300 });
      a.memory.failNext(new LogwireError(ErrorCode.BrokerUnavailable, "broker down (test)", { retriable: true }), 1_000_000);
      emitMany(a.pipeline, 0, 1000);
      await a.pipeline.close();
      const left = a.pipeline.stats().spooled;
      assert.ok(left > 500, JSON.stringify(a.pipeline.stats()));

      // The next pipeline's first request (records from the file) is refused for good: they are dead-lettered.
      const memory = createMemoryTransport();
      memory.failNext(new LogwireError(ErrorCode.NotAuthorized, "not authorized to write (test)"), 1);
      // Room in memory for the dead letters of a whole request (their bound is buffer.maxBytes).
      const b = await setup(dir, { buffer: { maxBytes: 1048576, spool: { dir } } }, memory);
      try {
        assert.equal(b.pipeline.stats().restored, left);
        await b.pipeline.flush();
        const s = b.pipeline.stats();
        const dlq = memory.requests.flatMap((r) => r.filter((x) => x.topic === `${PaymentErrorLog.topic}.dlq`).flatMap((x) => x.records));
        assert.ok(dlq.length > 0, JSON.stringify(s));
        assert.deepEqual(s.dropped, {}, JSON.stringify(s));
        assert.equal(s.deadLettered["not_authorized"], dlq.length);
        assert.equal(s.acked + dlq.length, left, JSON.stringify(s));
        for (const d of dlq) {
          const n = fromBinary(PaymentErrorSchema, decodeFrame(d.value).payload).attempt ?? -1;
          assert.equal(d.headers?.[DLQ_HEADERS.code], "not_authorized");
          assert.equal(d.headers?.["traceparent"], n % 2 === 0 ? TRACEPARENT : undefined, `dead letter of ${n}`);
          assert.equal(d.headers?.["tracestate"], n % 2 === 0 ? TRACESTATE : undefined);
        }
        const got = sent(memory);
        assert.equal(got.length, s.acked);
        assertHeaders(got);
      } finally {
        await b.pipeline.close();
      }
    });
  });
});

describe("dead letters: the record's headers within the bounds", () => {
  const base = {
    error: new LogwireError(ErrorCode.RecordTooLarge, "too large (test)"),
    originalTopic: "t",
    typeName: "example.M",
    subject: "t-value",
    schemaId: 7,
    key: null,
    value: Buffer.alloc(100_000, 1),
    valueFormat: "framed" as const,
  };

  it("kept whole when they fit; the dead letter still fits its topic's limit", () => {
    for (const maxBytes of [4096, 20_000, 1_000_000]) {
      const d = createDeadLetterRecord({ ...base, maxBytes, headers: HEADERS });
      assert.equal(d.headers?.["traceparent"], TRACEPARENT);
      assert.equal(d.headers?.["tracestate"], TRACESTATE);
      assert.ok(deadLetterBytes(d) <= maxBytes, `${deadLetterBytes(d)} <= ${maxBytes}`);
      assert.equal(d.headers?.[DLQ_HEADERS.headersTruncated], undefined);
    }
  });

  it("a tracestate past 1 KiB loses whole list members, long ones first, then from the end; it is named as shortened", () => {
    const members = Array.from({ length: 32 }, (_, i) => `v${i}=${"a".repeat(i === 3 ? 200 : 40)}`);
    const d = createDeadLetterRecord({ ...base, maxBytes: 20_000, headers: { traceparent: TRACEPARENT, tracestate: members.join(",") } });
    const kept = d.headers!["tracestate"]!.split(",");
    assert.ok(Buffer.byteLength(d.headers!["tracestate"]!) <= 1024);
    assert.ok(!kept.includes(members[3]!), "the member longer than 128 characters goes first");
    assert.deepEqual(kept, members.filter((_, i) => i !== 3).slice(0, kept.length), "then members from the end");
    assert.equal(d.headers?.["traceparent"], TRACEPARENT);
    assert.match(d.headers![DLQ_HEADERS.headersTruncated]!, /(^|,)tracestate($|,)/);
  });

  it("a record header that cannot be cut (any but tracestate) is left off whole, and named; logwire.* names stay logwire's", () => {
    const d = createDeadLetterRecord({ ...base, maxBytes: 20_000, headers: { traceparent: "x".repeat(2000), [DLQ_HEADERS.code]: "forged" } });
    assert.equal(d.headers?.["traceparent"], undefined);
    assert.match(d.headers![DLQ_HEADERS.headersTruncated]!, /(^|,)traceparent($|,)/);
    assert.equal(d.headers?.[DLQ_HEADERS.code], "record_too_large");
  });
});
