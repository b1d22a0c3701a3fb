import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import kafkajs from "kafkajs";
import { ErrorCode, LogwireError } from "../../src/runtime/errors.ts";
import { batchMessages, classifyProduceError, packedMessages } from "../../src/runtime/kafka/kafkajs/kafka-transport.ts";
import type { TopicMessages } from "../../src/runtime/kafka/kafkajs/partition-acks.ts";
import { packedSendOf, withPackedSend } from "../../src/runtime/transport/packed-batches.ts";
import { handedOver, type ProduceTransport, type TransportTopicBatch } from "../../src/runtime/transport/transport.ts";
import { errorFromWire, errorToWire, packBatches, unpackBatches } from "../../src/runtime/kafka/worker/transport-worker-protocol.ts";

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const headers = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 12 }), { maxKeys: 3 });
const record = fc.record(
  { key: fc.option(bytes(40), { nil: null }), value: bytes(300), headers },
  { requiredKeys: ["key", "value"] },
);
const batches = fc.array(fc.record({ topic: fc.stringMatching(/^[a-z0-9.-]{1,20}$/), records: fc.array(record, { maxLength: 40 }) }), { maxLength: 5 });

/** The batches as plain data, so that a Buffer and its view compare equal by content. */
function plain(bs: readonly TransportTopicBatch[]): unknown {
  return bs.map((b) => ({ topic: b.topic, records: b.records.map((r) => ({ key: r.key === null ? null : [...r.key], value: [...r.value], headers: r.headers === undefined ? undefined : { ...r.headers } })) }));
}

test("packed batches unpack to the same topics, keys (null kept), values and headers, in order", () => {
  fc.assert(
    fc.property(batches, (bs) => {
      const { packed, transfer } = packBatches(bs);
      assert.deepEqual(transfer, [packed.data, packed.lengths]);
      // Across the thread boundary, as postMessage delivers it.
      const moved = structuredClone(packed, { transfer });
      assert.equal(packed.data.byteLength, 0, "the buffers were moved, not copied");
      const out = unpackBatches(moved);
      assert.deepEqual(plain(out), plain(bs));
    }),
    { numRuns: 200 },
  );
});

test("a LogwireError crosses with its code, message, retriable flag, path, fix, details and cause", () => {
  const cause = Object.assign(new Error("This server does not host this topic-partition"), { name: "KafkaJSProtocolError", type: "UNKNOWN_TOPIC_OR_PARTITION" });
  const original = new LogwireError(ErrorCode.BrokerUnavailable, "produce failed: UNKNOWN_TOPIC_OR_PARTITION", {
    retriable: true,
    path: "brokers",
    fix: "check that the brokers are reachable",
    details: { brokerError: "UNKNOWN_TOPIC_OR_PARTITION", n: 3 },
    cause,
  });
  const back = errorFromWire(structuredClone(errorToWire(original)));
  assert.ok(back instanceof LogwireError);
  assert.equal(back.message, original.message);
  assert.equal(back.code, ErrorCode.BrokerUnavailable);
  assert.equal(back.retriable, true);
  assert.equal(back.path, "brokers");
  assert.equal(back.fix, original.fix);
  assert.deepEqual(back.details, original.details);
  const c = back.cause as Error & { type?: string };
  assert.equal(c.name, "KafkaJSProtocolError");
  assert.equal(c.message, cause.message);
  assert.equal(c.type, "UNKNOWN_TOPIC_OR_PARTITION");
  assert.equal(c.stack, cause.stack);
});

/** name, message and broker error type of each error down the cause chain. */
function chain(error: unknown): { name: string; message: string; type: unknown }[] {
  const out: { name: string; message: string; type: unknown }[] = [];
  for (let e = error; e instanceof Error; e = (e as { cause?: unknown }).cause) out.push({ name: e.name, message: e.message, type: (e as { type?: unknown }).type });
  return out;
}

test("a broker error kafkajs gave up retrying crosses with its whole cause chain, the broker's error type included, as the in-thread transport reports it", () => {
  const { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs as unknown as Record<string, new (...args: unknown[]) => Error>;
  const broker = new KafkaJSProtocolError({ message: "This server is not the leader for that topic-partition", type: "NOT_LEADER_FOR_PARTITION", code: 6, retriable: true });
  const inThread = classifyProduceError(new KafkaJSNumberOfRetriesExceeded(broker, { retryCount: 2, retryTime: 400 }));
  assert.equal(inThread.retriable, true);
  const crossed = errorFromWire(structuredClone(errorToWire(inThread)));
  assert.deepEqual(chain(crossed), chain(inThread));
  assert.deepEqual(chain(crossed).map((c) => c.type), [undefined, undefined, "NOT_LEADER_FOR_PARTITION"]);
});

test("a non-logwire failure crosses as an internal error; details that cannot be cloned are left out, not a crash", () => {
  const back = errorFromWire(structuredClone(errorToWire(new TypeError("boom"))));
  assert.equal(back.code, ErrorCode.Internal);
  assert.equal(back.retriable, false);
  assert.match(back.message, /boom/);
  const cyclic: Record<string, unknown> = {};
  cyclic["self"] = cyclic;
  const withCycle = errorFromWire(structuredClone(errorToWire(new LogwireError(ErrorCode.ProduceRejected, "x", { details: cyclic }))));
  assert.equal(withCycle.code, ErrorCode.ProduceRejected);
  assert.equal(withCycle.details, undefined);
  const unknownCode = errorFromWire({ ...errorToWire(new LogwireError(ErrorCode.Closed, "y")), code: "from_the_future" });
  assert.equal(unknownCode.code, ErrorCode.Internal);
});

test("a request framed into one handed-over buffer (the record route's) crosses as that buffer, with no copy; any other is copied", () => {
  const data = Buffer.allocUnsafeSlow(12);
  data.set([1, 2, 3, 0, 0, 0, 0, 7, 9, 0, 0, 5]);
  const framed: TransportTopicBatch[] = [{ topic: "t", records: [{ key: data.subarray(0, 3), value: data.subarray(3, 8) }, { key: null, value: data.subarray(8, 12) }] }];
  const expected = plain(framed);
  // Laid out back to back, but not handed over: copied.
  const copied = packBatches(framed);
  assert.notEqual(copied.packed.data, data.buffer);
  handedOver.add(data.buffer as ArrayBuffer);
  const { packed, transfer } = packBatches(framed);
  assert.equal(packed.data, data.buffer, "the route's buffer itself");
  const moved = structuredClone(packed, { transfer });
  assert.equal(data.buffer.byteLength, 0, "detached on the caller's thread");
  assert.deepEqual(plain(unpackBatches(moved)), expected);
  // Handed over but not in packing order (a gap): copied.
  const other = Buffer.allocUnsafeSlow(8);
  handedOver.add(other.buffer as ArrayBuffer);
  const gap: TransportTopicBatch[] = [{ topic: "t", records: [{ key: null, value: other.subarray(0, 3) }, { key: null, value: other.subarray(4, 8) }] }];
  assert.notEqual(packBatches(gap).packed.data, other.buffer);
});

test("kafkajs's messages made straight from a packed request are those made from its batches: keys, values, headers (copied), in order, no partition yet", () => {
  fc.assert(
    fc.property(batches, (bs) => {
      const { packed, transfer } = packBatches(bs);
      const moved = structuredClone(packed, { transfer });
      const direct = packedMessages(moved);
      const viaBatches = batchMessages(unpackBatches(moved));
      const shape = (ts: TopicMessages[]) =>
        // What kafkajs reads of a message (a PackedMessage's key and value are getters over the request's buffer).
        ts.map((t) => ({
          topic: t.topic,
          messages: t.messages.map((m) => ({ key: m.key == null ? m.key : [...(m.key as Buffer)], value: [...(m.value as Buffer)], headers: m.headers, partition: m.partition, timestamp: m.timestamp, lwPartition: (m as { lwPartition?: number }).lwPartition })),
        }));
      assert.deepEqual(shape(direct), shape(viaBatches));
      assert.deepEqual(shape(direct), shape(batchMessages(bs)));
      for (const t of direct) for (const m of t.messages) assert.equal((m as { lwPartition?: number }).lwPartition, -1);
      // Headers are the message's own copy, not the object that crossed.
      direct.flatMap((t) => t.messages).forEach((m) => m.headers !== undefined && assert.ok(!moved.headers.some(([, h]) => h === m.headers)));
    }),
    { numRuns: 200 },
  );
});

test("a packed send is used only on the transport it was registered with, while its send is the one it was created with", async () => {
  const sent: string[] = [];
  const transport: ProduceTransport = { connect: async () => {}, send: async () => void sent.push("send"), disconnect: async () => {} };
  const sendPacked = async () => void sent.push("packed");
  withPackedSend(transport, sendPacked);
  assert.equal(packedSendOf(transport), sendPacked);
  // A wrapper (a spread copy with a send of its own) keeps its send.
  const wrapper: ProduceTransport = { ...transport, send: async (b) => transport.send(b) };
  assert.equal(packedSendOf(wrapper), undefined);
  // A send replaced on the transport itself: the packed send no longer stands for it.
  transport.send = async () => void sent.push("replaced");
  assert.equal(packedSendOf(transport), undefined);
});
