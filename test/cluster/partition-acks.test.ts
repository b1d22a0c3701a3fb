import { test } from "node:test";
import assert from "node:assert/strict";
import type { Message, PartitionMetadata, RecordMetadata } from "kafkajs";
import { createPartitionTracker } from "../../src/runtime/kafka/kafkajs/partition-acks.ts";
import { PackedMessage } from "../../src/runtime/kafka/kafkajs/packed-message.ts";

const metadata = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));

const ack = (topicName: string, partition: number): RecordMetadata => ({ topicName, partition, errorCode: 0 });

test("messages whose partition got no response are returned pinned to that partition; acked ones are not", () => {
  const tracker = createPartitionTracker();
  const partitioner = tracker.createPartitioner();
  const messages: Message[] = Array.from({ length: 40 }, (_, i) => ({ key: Buffer.from(`k-${i}`), value: Buffer.from(String(i)) }));
  // kafkajs partitions every message on each internal attempt; the last assignment counts.
  const partitionOf = new Map<Message, number>();
  for (const m of messages) partitionOf.set(m, partitioner({ topic: "t", partitionMetadata: metadata(3), message: m }));
  assert.deepEqual(new Set(partitionOf.values()), new Set([0, 1, 2]), "the keys spread over all partitions");

  assert.deepEqual(tracker.unacked([{ topic: "t", messages }], [ack("t", 0), ack("t", 1), ack("t", 2)]), []);

  // The kafkajs skip: partition 2 moved to the broker that had answered for 0 and 1, and was never sent.
  const missing = tracker.unacked([{ topic: "t", messages }], [ack("t", 0), ack("t", 1)]);
  const expected = messages.filter((m) => partitionOf.get(m) === 2);
  assert.equal(missing.length, 1);
  assert.equal(missing[0]!.topic, "t");
  assert.deepEqual(missing[0]!.messages.map((m) => m.value), expected.map((m) => m.value), "in emit order");
  assert.ok(missing[0]!.messages.every((m) => m.partition === 2), "pinned to the partition they were given");

  // A response for the same partition number of another topic does not count.
  assert.equal(tracker.unacked([{ topic: "t", messages }], [ack("other", 0), ack("other", 1), ack("other", 2)])[0]!.messages.length, 40);
});

test("the wrapped partitioner is kafkajs's Java-compatible default: same key, same partition; explicit partitions are kept", () => {
  const partitioner = createPartitionTracker().createPartitioner();
  const a = partitioner({ topic: "t", partitionMetadata: metadata(6), message: { key: "pay-000001", value: "x" } });
  const b = partitioner({ topic: "t", partitionMetadata: metadata(6), message: { key: "pay-000001", value: "y" } });
  assert.equal(a, b);
  assert.equal(partitioner({ topic: "t", partitionMetadata: metadata(6), message: { key: "pay-000001", value: "z", partition: 4 } }), 4);
});

test("after startSend, unacked answers as it does without it: [] when every partition given out was acked, else the same messages pinned", () => {
  const messages = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ key: Buffer.from(`k-${i}`), value: Buffer.from(String(i)) }));
  // Keyed only: keyless records go round-robin from a random start, different per partitioner.
  const acks = [[0, 1, 2], [0, 1], [2], [], [0, 1, 2, 3]];
  for (const acked of acks) {
    const plain = createPartitionTracker();
    const started = createPartitionTracker();
    const [p1, p2] = [plain.createPartitioner(), started.createPartitioner()];
    const [a, b] = [messages(60), messages(60)];
    const [c, d] = [messages(7), messages(7)];
    // An earlier send on the started tracker gave out partitions the next one does not use: they do not count.
    started.startSend();
    p2({ topic: "u", partitionMetadata: metadata(4), message: { key: "x", value: "y" } });
    started.startSend();
    // kafkajs partitions every message on each of its attempts; two attempts here.
    for (let attempt = 0; attempt < 2; attempt++) {
      for (const m of a) p1({ topic: "t", partitionMetadata: metadata(3), message: m });
      for (const m of b) p2({ topic: "t", partitionMetadata: metadata(3), message: m });
      for (const m of c) p1({ topic: "u", partitionMetadata: metadata(4), message: m });
      for (const m of d) p2({ topic: "u", partitionMetadata: metadata(4), message: m });
    }
    const responses = [...acked.map((p) => ack("t", p)), ...[0, 1, 2, 3].map((p) => ack("u", p))];
    const shape = (ts: { topic: string; messages: Message[] }[]) => ts.map((t) => ({ topic: t.topic, messages: t.messages.map((m) => ({ value: String(m.value), partition: m.partition })) }));
    assert.deepEqual(
      shape(started.unacked([{ topic: "t", messages: b }, { topic: "u", messages: d }], responses)),
      shape(plain.unacked([{ topic: "t", messages: a }, { topic: "u", messages: c }], responses)),
      `acked ${acked.join(",")}`,
    );
  }
});

test("a PackedMessage left unacked comes back as a plain message with its key, value, headers and partition (a spread would lose the getters' key and value)", () => {
  const tracker = createPartitionTracker();
  const partitioner = tracker.createPartitioner();
  const data = Buffer.from("k-1v-1k-2v-2");
  const messages = [new PackedMessage(data, 0, 3, 3, 3, { h: "1" }), new PackedMessage(data, 6, 3, 9, 3, undefined)] as unknown as Message[];
  const given = messages.map((m) => partitioner({ topic: "t", partitionMetadata: metadata(3), message: m }));
  const [missing] = tracker.unacked([{ topic: "t", messages }], []);
  assert.deepEqual(
    missing!.messages.map((m) => ({ key: String(m.key), value: String(m.value), headers: m.headers, partition: m.partition })),
    [
      { key: "k-1", value: "v-1", headers: { h: "1" }, partition: given[0] },
      { key: "k-2", value: "v-2", headers: undefined, partition: given[1] },
    ],
  );
  assert.ok(missing!.messages.every((m) => Object.getPrototypeOf(m) === Object.prototype), "plain objects, as kafkajs's checks and encoder take them");
});
