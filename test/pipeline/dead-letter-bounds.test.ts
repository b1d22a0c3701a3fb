import assert from "node:assert/strict";
import { after, test } from "node:test";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import { ErrorCode, LogwireError } from "../../src/runtime/errors.ts";
import type { ProduceTransport, TransportRecord } from "../../src/runtime/transport/transport.ts";
import type { PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";

/**
 * Dead letters against a memory transport that refuses what a broker
 * refuses: a topic's batch over its max.message.bytes, measured as Kafka's
 * record batch v2 counts it (uncompressed). The broker-side twin is
 * dead-letter-broker.test.ts.
 */

const ID = 41;
const DLQ = `${RequestPerformanceLog.topic}.dlq`;
/** Kafka's default max.message.bytes. */
const KAFKA_DEFAULT_LIMIT = 1048588;

function varintBytes(n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  let bytes = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    bytes++;
  }
  return bytes;
}

/** One record batch (v2) holding `records`: 61 bytes of batch header, then each record with its varint lengths. */
function batchBytes(records: readonly TransportRecord[]): number {
  let total = 61;
  records.forEach((r, i) => {
    let body = 1 + varintBytes(0) + varintBytes(i);
    body += r.key === null ? varintBytes(-1) : varintBytes(r.key.length) + r.key.length;
    body += varintBytes(r.value.length) + r.value.length;
    const headers = Object.entries(r.headers ?? {});
    body += varintBytes(headers.length);
    for (const [k, v] of headers) {
      const kb = Buffer.byteLength(k);
      const vb = Buffer.byteLength(v);
      body += varintBytes(kb) + kb + varintBytes(vb) + vb;
    }
    total += varintBytes(body) + body;
  });
  return total;
}

interface Limit {
  /** What `maxMessageBytes` answers (what logwire reads); undefined: unknown. */
  readonly reported: number | undefined;
  /** What the "broker" enforces. */
  readonly enforced: number;
}

/** A memory transport whose topics refuse batches over their limit with MESSAGE_TOO_LARGE, as the kafkajs transport classifies it. */
function strictTransport(limits: Record<string, Limit>) {
  const memory = createMemoryTransport();
  const refused: number[] = [];
  const transport: ProduceTransport = {
    connect: () => memory.connect(),
    disconnect: () => memory.disconnect(),
    async maxMessageBytes(topic) {
      return limits[topic]?.reported;
    },
    async send(batches) {
      for (const b of batches) {
        const limit = limits[b.topic]?.enforced ?? KAFKA_DEFAULT_LIMIT;
        const size = batchBytes(b.records);
        if (size > limit) {
          refused.push(size);
          throw new LogwireError(ErrorCode.ProduceRejected, `broker rejected the batch: MESSAGE_TOO_LARGE: The request included a message larger than the max message size the server will accept`, {
            fix: "lower maxRecordBytes/batch.maxBytes or raise the topic's max.message.bytes",
            details: { brokerError: "MESSAGE_TOO_LARGE" },
          });
        }
      }
      await memory.send(batches);
    },
  };
  const written = (topic: string): TransportRecord[] => memory.requests.flat().filter((b) => b.topic === topic).flatMap((b) => [...b.records]);
  return { transport, refused, written };
}

const started: Pipeline[] = [];
// A test that fails before its close() must not keep the process alive.
after(() => Promise.all(started.map((p) => p.close())));

async function start(transport: ProduceTransport, extra: Partial<PipelineOptions> = {}): Promise<{ pipeline: Pipeline; errors: LogwireError[] }> {
  const errors: LogwireError[] = [];
  const pipeline = await createPipeline({ transport, schema: { mode: "use-schema-id", ids: { [RequestPerformanceLog.subject]: ID } }, onError: (e) => errors.push(e), ...extra });
  started.push(pipeline);
  return { pipeline, errors };
}

/** The emitter as a plain-JS caller sees it: anything goes in. */
function plain(pipeline: Pipeline): { emit(x: unknown): void; emitAndWait(x: unknown): Promise<void> } {
  return pipeline.emitter(RequestPerformanceLog) as never;
}

function balanced(pipeline: Pipeline): void {
  const s = pipeline.stats();
  const sum = (r: Readonly<Record<string, number>>): number => Object.values(r).reduce((a, b) => a + b, 0);
  assert.equal(s.emitted, s.acked + sum(s.dropped) + sum(s.deadLettered) + s.unknown + s.pending, "the books balance");
  assert.equal(s.pending, 0);
}

/** Header bounds, in UTF-8 bytes. */
const BOUNDS: Record<string, number> = { [DLQ_HEADERS.message]: 2048, [DLQ_HEADERS.diagnostics]: 16384 };
function assertHeadersBounded(r: TransportRecord): void {
  for (const [name, value] of Object.entries(r.headers ?? {})) {
    assert.ok(Buffer.byteLength(value) <= (BOUNDS[name] ?? 1024), `${name} is ${Buffer.byteLength(value)} bytes`);
  }
}

/** An unknown key of `bytes` characters: record-check quotes it as the field path. */
function withUnknownKey(bytes: number, tag: string): Record<string, unknown> {
  return { route: tag, [`${tag}-${"k".repeat(bytes)}`]: true };
}

test("a dead letter with a 2 MiB unknown key fits the DLQ topic with every header bounded, and the invalid records in its request are dead-lettered too", async () => {
  const { transport, refused, written } = strictTransport({});
  const { pipeline } = await start(transport);
  const log = plain(pipeline);
  for (let i = 0; i < 2; i++) log.emit({ route: 42, statusCode: i });
  const huge = withUnknownKey(2 * 1048576, "huge");
  log.emit(huge);
  for (let i = 2; i < 5; i++) log.emit({ route: 42, statusCode: i });
  await pipeline.close();

  assert.deepEqual(pipeline.stats().deadLettered, { invalid_record: 6 });
  assert.deepEqual(pipeline.stats().dropped, {});
  balanced(pipeline);
  assert.deepEqual(refused, [], "no DLQ request was refused");
  const dlq = written(DLQ);
  assert.equal(dlq.length, 6);
  for (const r of dlq) {
    assertHeadersBounded(r);
    assert.ok(batchBytes([r]) <= KAFKA_DEFAULT_LIMIT - 512);
  }
  const big = dlq.find((r) => r.headers?.[DLQ_HEADERS.message]?.startsWith("[invalid_record] huge-"))!;
  assert.ok(big !== undefined, "the huge record's dead letter is there");
  assert.ok(batchBytes([big]) < 100_000, `${batchBytes([big])} bytes`);
  const message = big.headers![DLQ_HEADERS.message]!;
  assert.match(message, /…: .*record does not match its schema.*: pass values of the generated types/, "the path is cut, what went wrong and the fix are kept");
  assert.deepEqual(big.headers![DLQ_HEADERS.headersTruncated]!.split(",").sort(), [DLQ_HEADERS.diagnostics, DLQ_HEADERS.message]);
  const diagnostics = JSON.parse(big.headers![DLQ_HEADERS.diagnostics]!);
  assert.equal(diagnostics.truncated, true);
  assert.match(diagnostics.problems[0].path, /^huge-k+…$/);
  assert.equal(big.headers![DLQ_HEADERS.truncatedFrom], String(Buffer.byteLength(JSON.stringify(huge))));
  const value = JSON.parse(big.value.toString());
  assert.equal(value.route, "huge", "the value is shortened as JSON: its other fields are whole");
  // The ordinary ones are whole.
  for (const r of dlq.filter((x) => x !== big)) {
    assert.equal(r.headers![DLQ_HEADERS.headersTruncated], undefined);
    assert.equal(r.headers![DLQ_HEADERS.truncatedFrom], undefined);
    assert.equal(JSON.parse(r.value.toString()).route, 42);
  }
});

test("when the DLQ topic still refuses one dead letter, only that one is dropped (dlq_failed): the others in its request are written", async () => {
  // The topic's limit was lowered after logwire read it: what logwire builds no longer fits.
  const { transport, refused, written } = strictTransport({ [DLQ]: { reported: KAFKA_DEFAULT_LIMIT, enforced: 4096 } });
  const { pipeline, errors } = await start(transport);
  const log = plain(pipeline);
  for (let i = 0; i < 3; i++) log.emit({ route: 42, statusCode: i });
  log.emit(withUnknownKey(100_000, "big"));
  for (let i = 3; i < 5; i++) log.emit({ route: 42, statusCode: i });
  await pipeline.close();

  assert.deepEqual(pipeline.stats().deadLettered, { invalid_record: 5 });
  assert.deepEqual(pipeline.stats().dropped, { dlq_failed: 1 });
  balanced(pipeline);
  assert.ok(refused.length >= 2, "the whole request was refused first, then the dead letter alone");
  const dlq = written(DLQ);
  assert.deepEqual(dlq.map((r) => JSON.parse(r.value.toString()).statusCode), [0, 1, 2, 3, 4], "the five, in order");
  assert.ok(errors.some((e) => /could not write to dead-letter topic .*MESSAGE_TOO_LARGE/.test(e.message)));
});

test("maxRecordBytes 4096: a 57-byte JSON dead letter keeps its whole value; a larger one is shortened as JSON to fit 4096 bytes", async () => {
  const { transport, written } = strictTransport({});
  const { pipeline } = await start(transport, { maxRecordBytes: 4096 });
  const log = plain(pipeline);
  const small = { route: 42, method: "GET", labels: { a: "b".repeat(12) } };
  assert.equal(Buffer.byteLength(JSON.stringify(small)), 57);
  const rejection = await log.emitAndWait(small).then(() => undefined, (e: unknown) => e as LogwireError);
  assert.equal(rejection?.code, "invalid_record");
  const large = { route: 42, labels: Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`label-${i}`, "v".repeat(40)])) };
  log.emit(large);
  await pipeline.close();

  assert.deepEqual(pipeline.stats().deadLettered, { invalid_record: 2 });
  const [first, second] = written(DLQ);
  assert.equal(first!.value.toString(), JSON.stringify(small));
  assert.equal(first!.headers![DLQ_HEADERS.truncatedFrom], undefined);
  assert.ok(batchBytes([first!]) <= 4096);
  assert.equal(second!.headers![DLQ_HEADERS.truncatedFrom], String(Buffer.byteLength(JSON.stringify(large))));
  const shortened = JSON.parse(second!.value.toString());
  assert.equal(shortened.route, 42);
  assert.ok(Object.keys(shortened.labels).length > 0 && Object.keys(shortened.labels).length < 400, "labels left off at the end");
  assert.ok(batchBytes([second!]) <= 4096, `${batchBytes([second!])} bytes`);
});

test("a DLQ topic's own max.message.bytes is read, and every dead letter is built to fit it", async () => {
  const { transport, refused, written } = strictTransport({ [DLQ]: { reported: 2048, enforced: 2048 } });
  const { pipeline } = await start(transport);
  const log = plain(pipeline);
  log.emit({ route: 42 });
  log.emit(withUnknownKey(50_000, "wide"));
  log.emit({ route: "/x", labels: { blob: "x".repeat(2_000_000) } });
  await pipeline.close();
  assert.deepEqual(pipeline.stats().deadLettered, { invalid_record: 2, record_too_large: 1 });
  assert.deepEqual(refused, []);
  for (const r of written(DLQ)) assert.ok(batchBytes([r]) <= 2048 - 512, `${batchBytes([r])} bytes`);
});

test("a JSON value over 64 KiB is shortened as JSON with truncated-from; diagnostics over 16 KiB stay JSON with \"truncated\": true", async () => {
  const { transport, written } = strictTransport({});
  const { pipeline } = await start(transport);
  const log = plain(pipeline);
  const wide = { route: 42, labels: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`l${i}`, "v".repeat(100)])) };
  log.emit(wide);
  const many: Record<string, unknown> = { route: "/many" };
  for (let i = 0; i < 12; i++) many[`unknown-${i}-${"x".repeat(3000)}`] = i;
  log.emit(many);
  await pipeline.close();

  const [first, second] = written(DLQ);
  assert.equal(first!.headers![DLQ_HEADERS.valueFormat], "json");
  assert.equal(first!.headers![DLQ_HEADERS.truncatedFrom], String(Buffer.byteLength(JSON.stringify(wide))));
  assert.ok(first!.value.length <= 65536);
  assert.equal(JSON.parse(first!.value.toString()).route, 42);

  const diagnosticsText = second!.headers![DLQ_HEADERS.diagnostics]!;
  assert.ok(Buffer.byteLength(diagnosticsText) <= 16384);
  const diagnostics = JSON.parse(diagnosticsText);
  assert.equal(diagnostics.truncated, true);
  assert.ok(Array.isArray(diagnostics.problems) && diagnostics.problems.length > 0);
  assert.match(diagnostics.problems[0].path, /^unknown-0-x+…$/);
  assert.ok(second!.headers![DLQ_HEADERS.headersTruncated]!.split(",").includes(DLQ_HEADERS.diagnostics));
});

test("a key over 1 KiB is cut in its dead letter, and logwire.key.truncated-from says so", async () => {
  const { transport, refused, written } = strictTransport({});
  const keyed = { ...RequestPerformanceLog, key: (m: { route: string }) => m.route };
  const { pipeline } = await start(transport);
  const log = pipeline.emitter(keyed) as unknown as { emit(x: unknown): void; emitAndWait(x: unknown): Promise<void> };
  await log.emitAndWait({ route: "/ok" });
  const route = "r".repeat(1_500_000);
  log.emit({ route });
  await pipeline.close();
  assert.deepEqual(pipeline.stats().deadLettered, { record_too_large: 1 });
  assert.deepEqual(refused, []);
  const [r] = written(DLQ);
  assert.equal(r!.key!.length, 1024);
  assert.equal(r!.headers![DLQ_HEADERS.keyTruncatedFrom], String(route.length));
  assert.equal(r!.headers![DLQ_HEADERS.valueFormat], "framed");
  assert.ok(Number(r!.headers![DLQ_HEADERS.truncatedFrom]) > 1_500_000);
});
