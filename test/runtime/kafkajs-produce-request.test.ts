import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { compileFunction } from "node:vm";
import fc from "fast-check";
import { registerCompressionCodecs } from "../../src/runtime/kafka/kafkajs/compression.ts";
import kafkajsAsPublished, { type Message } from "kafkajs";
import { loadKafkajs, loadKafkajsInstance } from "../../src/runtime/kafka/kafkajs/kafkajs-module.ts";
import { produceRequestInstalled, type ProduceRequestArgs, type ProduceRequestV3 } from "../../src/runtime/kafka/kafkajs/kafkajs-produce-request.ts";
import { PackedMessage } from "../../src/runtime/kafka/kafkajs/packed-message.ts";
import { brokers, uniqueName } from "../support/stack-env.ts";
import { readTopics } from "../support/topic-reader.ts";

// kafkajs as logwire's transport loads it: its own instance, patches first. The oracle is the
// kafkajs this test process loads through Node (as an application would), with logwire's codecs.
const { CompressionTypes, Kafka, logLevel } = loadKafkajs();
const logwireKafkajs = loadKafkajsInstance();
const require = createRequire(import.meta.url);
const v3Path = require.resolve("kafkajs/src/protocol/requests/produce/v3/request");
const V3 = "kafkajs/src/protocol/requests/produce/v3/request";
const Long = require("kafkajs/src/utils/long") as { fromValue(v: unknown): unknown };
registerCompressionCodecs(kafkajsAsPublished);
const NOW = 1_764_000_000_123;

/**
 * kafkajs's own v3 request, compiled from its file on disk with the require
 * of the kafkajs Node loads for this process (not logwire's instance). Its
 * frames carry the file's name, which is how the tests see which code ran.
 */
function kafkajsOriginal(): ProduceRequestV3 {
  const module = { exports: {} as unknown };
  compileFunction(readFileSync(v3Path, "utf8"), ["module", "exports", "require"], { filename: v3Path })(module, module.exports, createRequire(v3Path));
  return module.exports as ProduceRequestV3;
}

const KAFKAJS_FRAME = /produce\/v3\/request\.js/;
const LOGWIRE_FRAME = /kafkajs-produce-request\.ts/;

/** Runs `fn` with `Date.now` replaced (both encoders read the clock once per partition). */
async function withClock<T>(now: () => number, fn: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = now;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

/** The encoded request's bytes, or the error it rejected with; and whether kafkajs's own code read the clock (it encoded a partition). */
async function outcome(request: ProduceRequestV3, args: ProduceRequestArgs): Promise<{ result: { bytes: Buffer } | { error: string }; kafkajsEncoded: boolean }> {
  let kafkajsEncoded = false;
  const clock = () => {
    kafkajsEncoded ||= KAFKAJS_FRAME.test(new Error().stack ?? "");
    return NOW;
  };
  try {
    return { result: { bytes: await withClock(clock, async () => (await request(args).encode()).buffer) }, kafkajsEncoded };
  } catch (e) {
    return { result: { error: String(e) }, kafkajsEncoded };
  }
}

// Strings with any code point, lone surrogates included (UTF-8 writes them as U+FFFD).
const text = (maxLength: number) => fc.string({ maxLength, unit: fc.oneof({ weight: 9, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) }, fc.constantFrom("\ud83d", "\ude00")) });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
const key = fc.oneof(fc.constant(null), fc.constant(undefined), bytes(40), text(40));
const value = fc.oneof({ weight: 20, arbitrary: fc.oneof(bytes(300), text(300)) }, { weight: 1, arbitrary: fc.oneof(bytes(20_000), fc.constant(null)) });
const headerValue = fc.oneof(text(20), bytes(20));
const headers = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  fc.dictionary(text(10), fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })), { maxKeys: 4 }),
);
// Numbers and numeric strings of different lengths, so kafkajs's lexicographic sort differs from a numeric one; 0 is falsy (kafkajs then uses Date.now for the delta).
const timestamp = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  fc.constant(null),
  fc.constant(0),
  fc.integer({ min: NOW - 100_000, max: NOW + 100_000 }),
  fc.integer({ min: 0, max: 99_999 }),
  fc.integer({ min: 0, max: 2 ** 52 - 1 }), // deltas up to 2^52 (logwire's fast path; larger ones are left to kafkajs)
  fc.integer({ min: 0, max: NOW * 2 }).map(String),
);
const message = fc.record({ key, value, headers, timestamp }, { requiredKeys: ["key", "value"] });
// Inputs the fast path leaves to kafkajs's own code: the request must come out (or fail) exactly as kafkajs's does.
const oddMessage = fc.oneof(
  fc.record({ key: key, value: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ key: fc.constant(Buffer.from("k")), value: bytes(8), timestamp: fc.constantFrom(1.5, "abc", " 12", "-3", Number.NaN, Number.MAX_SAFE_INTEGER) }),
  fc.record({ key: fc.constant("k"), value: fc.constant("v"), headers: fc.constantFrom(null, { h: null }, { h: 5 }, "ab") }),
  fc.constant(Object.assign(Object.create({ key: "from-prototype" }) as object, { value: Buffer.from("v") })),
);
const messages = (odd: boolean) =>
  fc.array(odd ? fc.oneof({ weight: 30, arbitrary: message }, oddMessage) : message, { minLength: 1, maxLength: 300, size: "max" });
const producerId = fc.oneof(fc.constant(undefined), fc.constant(-1), fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => Long.fromValue(v)));
const requestArgs = (odd: boolean) =>
  fc.record(
    {
      acks: fc.constantFrom(-1, 0, 1),
      timeout: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      transactionalId: fc.oneof(fc.constant(null), fc.constant(undefined), fc.constant(""), text(30)),
      producerId,
      producerEpoch: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 32767 })),
      compression: fc.constantFrom(CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD),
      topicData: fc.array(
        fc.record({
          topic: text(30),
          partitions: fc.array(
            fc.record({ partition: fc.integer({ min: 0, max: 1000 }), firstSequence: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 2 ** 31 - 1 })), messages: messages(odd) }, { requiredKeys: ["partition", "messages"] }),
            { minLength: 1, maxLength: 3 },
          ),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    },
    { requiredKeys: ["acks", "timeout", "topicData"] },
  ) as fc.Arbitrary<ProduceRequestArgs>;

/** Asserts logwire's request encodes `args` as kafkajs's does; returns whether it handed them to kafkajs's code. */
/** Timestamp deltas near the fast path's limit, both signs: "4503599627370495" (2^52 - 1) sorts first, before "5". */
const largestDeltas: ProduceRequestArgs = {
  acks: -1,
  timeout: 1,
  topicData: [{ topic: "t", partitions: [{ partition: 0, messages: [5, 2 ** 52 - 1, undefined, 0].map((timestamp) => ({ key: "k", value: "v", timestamp })) }] }],
};

async function assertSameAsKafkajs(original: ProduceRequestV3, patched: ProduceRequestV3, args: ProduceRequestArgs): Promise<boolean> {
  const { result: want } = await outcome(original, args);
  const { result: got, kafkajsEncoded: fellBack } = await outcome(patched, args);
  if ("bytes" in want && "bytes" in got) {
    let at = 0;
    while (at < want.bytes.length && want.bytes[at] === got.bytes[at]) at++;
    assert.ok(got.bytes.equals(want.bytes), `bytes differ at ${at} of ${want.bytes.length} (got ${got.bytes.length} bytes)`);
  } else {
    assert.deepEqual(got, want);
  }
  const [o, p] = [original(args), patched(args)];
  assert.deepEqual([p.apiKey, p.apiVersion, p.apiName, p.expectResponse()], [o.apiKey, o.apiVersion, o.apiName, o.expectResponse()]);
  return fellBack;
}

test("the Produce request logwire's kafkajs resolves is logwire's, and v3..v7 encode through it", async () => {
  registerCompressionCodecs();
  assert.equal(produceRequestInstalled(), true);
  const args: ProduceRequestArgs = { acks: -1, timeout: 1000, compression: CompressionTypes.Snappy, topicData: [{ topic: "t", partitions: [{ partition: 0, messages: [{ key: "k", value: "v" }] }] }] };
  const callers = async (request: ProduceRequestV3): Promise<string[]> => {
    const stacks: string[] = [];
    await withClock(() => (stacks.push(new Error().stack ?? ""), NOW), () => request(args).encode());
    return stacks;
  };
  // The stack tells the two apart: kafkajs's own module reads the clock from its file.
  assert.ok((await callers(kafkajsOriginal())).some((s) => KAFKAJS_FRAME.test(s)));
  for (const version of [3, 4, 5, 6, 7]) {
    const request = logwireKafkajs.require(`kafkajs/src/protocol/requests/produce/v${version}/request`) as ProduceRequestV3;
    assert.equal(request(args).apiVersion, version);
    const stacks = await callers(request);
    assert.ok(stacks.length > 0);
    for (const s of stacks) {
      assert.match(s, LOGWIRE_FRAME, `v${version}`);
      assert.doesNotMatch(s, KAFKAJS_FRAME, `v${version}`);
    }
  }
});

test("the request's bytes are kafkajs's: keys, values, headers, timestamps, producer fields, every codec", async () => {
  registerCompressionCodecs();
  const original = kafkajsOriginal();
  const patched = logwireKafkajs.require(V3) as ProduceRequestV3;
  await fc.assert(
    fc.asyncProperty(requestArgs(false), async (args) => {
      assert.equal(await assertSameAsKafkajs(original, patched, args), false, "encoded by logwire's code, not handed to kafkajs's");
    }),
    { numRuns: 60, examples: [[largestDeltas]] },
  );
});

test("inputs the fast path leaves to kafkajs come out (or fail) exactly as kafkajs's", async () => {
  registerCompressionCodecs();
  const original = kafkajsOriginal();
  const patched = logwireKafkajs.require(V3) as ProduceRequestV3;
  let fellBack = 0;
  await fc.assert(
    fc.asyncProperty(requestArgs(true), async (args) => {
      if (await assertSameAsKafkajs(original, patched, args)) fellBack++;
    }),
    { numRuns: 30 },
  );
  assert.ok(fellBack > 0);
  // An unknown codec and a topic that is not a string: kafkajs's own errors.
  const topicData = [{ topic: "t", partitions: [{ partition: 0, messages: [{ key: "k", value: "v" }] }] }];
  await assertSameAsKafkajs(original, patched, { acks: -1, timeout: 1, compression: 7, topicData });
  await assertSameAsKafkajs(original, patched, { acks: -1, timeout: 1, topicData: [{ topic: 5 as unknown as string, partitions: topicData[0]!.partitions }] });
});

test("requests encoded at the same time (one per broker) each come out as kafkajs's, with a codec that compresses after a turn (gzip) or at once (snappy)", async () => {
  registerCompressionCodecs();
  const original = kafkajsOriginal();
  const patched = logwireKafkajs.require(V3) as ProduceRequestV3;
  await fc.assert(
    fc.asyncProperty(fc.array(requestArgs(false), { minLength: 2, maxLength: 4 }), fc.constantFrom(CompressionTypes.GZIP, CompressionTypes.Snappy), async (all, compression) => {
      const requests = all.map((args) => ({ ...args, compression }));
      const want = await withClock(() => NOW, async () => {
        const out: Buffer[] = [];
        for (const args of requests) out.push((await original(args).encode()).buffer);
        return out;
      });
      const got = await withClock(() => NOW, () => Promise.all(requests.map(async (args) => (await patched(args).encode()).buffer)));
      got.forEach((bytes, i) => assert.ok(bytes.equals(want[i]!), `request ${i} of ${requests.length}`));
    }),
    { numRuns: 15 },
  );
});

/** Messages as the producer thread makes them (kafka-transport.ts `packedMessages`): keys and values in one buffer, headers as strings. */
const packedRecord = fc.record({ key: fc.oneof(fc.constant(null), bytes(40)), value: bytes(300), headers: fc.option(fc.dictionary(text(10), text(20), { maxKeys: 3 }), { nil: undefined }) });

/** The same records twice: as PackedMessages over one buffer, and as the plain messages kafkajs would get. */
function packedAndPlain(records: readonly { key: Buffer | null; value: Buffer; headers: Record<string, string> | undefined }[]): { packed: PackedMessage[]; plain: Message[] } {
  const data = Buffer.concat(records.flatMap((r) => (r.key === null ? [r.value] : [r.key, r.value])));
  let p = 0;
  const packed = records.map((r) => {
    const keyOffset = p;
    if (r.key !== null) p += r.key.length;
    const m = new PackedMessage(data, keyOffset, r.key === null ? -1 : r.key.length, p, r.value.length, r.headers);
    p += r.value.length;
    return m;
  });
  const plain = records.map((r) => (r.headers === undefined ? { key: r.key, value: r.value } : { key: r.key, value: r.value, headers: r.headers }));
  return { packed, plain };
}

test("messages over a packed request (PackedMessage) encode to kafkajs's bytes for the same keys, values and headers, without a view per record", async () => {
  registerCompressionCodecs();
  const original = kafkajsOriginal();
  const patched = logwireKafkajs.require(V3) as ProduceRequestV3;
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(packedRecord, { minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 3 }),
      fc.constantFrom(CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy),
      async (partitions, compression) => {
        const sets = partitions.map(packedAndPlain);
        const args = (packed: boolean): ProduceRequestArgs => ({
          acks: -1,
          timeout: 1000,
          compression,
          topicData: [{ topic: "t", partitions: sets.map((set, partition) => ({ partition, messages: packed ? (set.packed as unknown as Message[]) : set.plain })) }],
        });
        const { result: want } = await outcome(original, args(false));
        // The getters would make a view per read: the encoder must read the offsets instead.
        const views = sets.flatMap((set) => set.packed).map((m) => Object.defineProperty(m, "value", { get: () => assert.fail("value read through its getter") }));
        assert.ok(views.length > 0);
        const { result: got, kafkajsEncoded } = await outcome(patched, args(true));
        assert.equal(kafkajsEncoded, false, "encoded by logwire's code, not handed to kafkajs's");
        assert.ok("bytes" in want && "bytes" in got, JSON.stringify(got));
        assert.ok(got.bytes.equals(want.bytes));
      },
    ),
    { numRuns: 40 },
  );
});

test("on the real broker, an idempotent Snappy producer's records come back with their keys, values, headers and order", async () => {
  registerCompressionCodecs();
  const topic = uniqueName("produce-request");
  const kafka = new Kafka({ clientId: "logwire-test", brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const sent = Array.from({ length: 4000 }, (_, i) => ({
    key: Buffer.from(`key-${i % 61}`),
    value: i % 3 === 0 ? `value-${i}-${"é".repeat(i % 50)}` : Buffer.from(`value-${i}`),
    ...(i % 10 === 0 ? { headers: { n: String(i), tag: ["a", Buffer.from("b")] } } : {}),
  }));
  let encodedByLogwire = 0;
  let encodedByKafkajs = 0;
  const realNow = Date.now;
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true }), true);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await withClock(
        () => {
          const stack = new Error().stack ?? "";
          if (LOGWIRE_FRAME.test(stack)) encodedByLogwire++;
          if (KAFKAJS_FRAME.test(stack)) encodedByKafkajs++;
          return realNow();
        },
        async () => {
          for (let from = 0; from < sent.length; from += 1000) {
            await producer.sendBatch({ compression: CompressionTypes.Snappy, topicMessages: [{ topic, messages: sent.slice(from, from + 1000) }] });
          }
        },
      );
    } finally {
      await producer.disconnect();
    }
    assert.ok(encodedByLogwire >= 4, `logwire encoded ${encodedByLogwire} partition batches`);
    assert.equal(encodedByKafkajs, 0);

    const read = await readTopics({ clientId: "logwire-test", brokers }, [topic]);
    assert.equal(read.length, sent.length);
    const partitionOfKey = new Map<string, number>();
    const partitions = new Set<number>();
    const previous = new Map<number, number>();
    for (const r of [...read].sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset))) {
      const i = Number(/^value-(\d+)/.exec(r.value.toString("utf8"))?.[1]);
      const want = sent[i]!;
      assert.deepEqual(r.key, want.key);
      assert.equal(r.value.toString("utf8"), want.value.toString());
      assert.deepEqual(r.headers, i % 10 === 0 ? { n: String(i), tag: "a,b" } : {});
      assert.ok(i > (previous.get(r.partition) ?? -1), `partition ${r.partition}: record ${i} after ${previous.get(r.partition)}`);
      previous.set(r.partition, i);
      const k = want.key.toString();
      assert.equal(partitionOfKey.get(k) ?? r.partition, r.partition, `key ${k} on one partition`);
      partitionOfKey.set(k, r.partition);
      partitions.add(r.partition);
    }
    assert.equal(partitions.size, 3);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});
