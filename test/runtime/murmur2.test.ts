import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fc from "fast-check";
import kafkajs, { type PartitionMetadata } from "kafkajs";
import { murmur2 } from "../../src/runtime/kafka/murmur2.ts";
import { createPartitionTracker } from "../../src/runtime/kafka/kafkajs/partition-acks.ts";

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2") as (key: Buffer | string) => number;

test("murmur2 equals kafkajs's Java-compatible murmur2 on arbitrary bytes and strings (every key length mod 4)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 67 }), (bytes) => {
      const b = Buffer.from(bytes);
      assert.equal(murmur2(b), kafkajsMurmur2(b));
      assert.equal(murmur2(new Uint8Array(bytes)), kafkajsMurmur2(b), "a plain Uint8Array hashes like the Buffer");
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => assert.equal(murmur2(s), kafkajsMurmur2(s))),
    { numRuns: 1000 },
  );
});

test("known values: Kafka's Java Utils.murmur2 test vectors", () => {
  // From Kafka's UtilsTest.testMurmur2 (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
  const cases: [string, number][] = [
    ["21", -973932308],
    ["foobar", -790332482],
    ["a-little-bit-long-string", -985981536],
    ["a-little-bit-longer-string", -1486304829],
    ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ["abc", 479470107],
  ];
  for (const [key, expected] of cases) assert.equal(murmur2(Buffer.from(key)), expected, key);
});

test("the tracker's partitioner gives every message the partition kafkajs's DefaultPartitioner gives it", () => {
  const metadata = (n: number, down: readonly number[]): PartitionMetadata[] =>
    Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: down.includes(i) ? -1 : 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 12 }),
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)), fc.string({ maxLength: 16 })), { minLength: 1, maxLength: 30 }),
      fc.option(fc.nat(11), { nil: undefined }),
      (n, keys, explicit) => {
        const partitionMetadata = metadata(n, [0]);
        const ours = createPartitionTracker().createPartitioner();
        const theirs = kafkajs.Partitioners.DefaultPartitioner();
        for (const key of keys) {
          const message = explicit === undefined ? { key, value: "v" } : { key, value: "v", partition: explicit };
          assert.equal(ours({ topic: "t", partitionMetadata, message }), theirs({ topic: "t", partitionMetadata, message }));
        }
      },
    ),
    { numRuns: 500 },
  );
});

test("keyless messages go round-robin over the partitions that have a leader, as in kafkajs", () => {
  const partitionMetadata: PartitionMetadata[] = [0, 1, 2, 3].map((i) => ({ partitionId: i, leader: i === 2 ? -1 : 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));
  const ours = createPartitionTracker().createPartitioner();
  const seen = Array.from({ length: 30 }, () => ours({ topic: "t", partitionMetadata, message: { key: null, value: "v" } }));
  assert.deepEqual(new Set(seen), new Set([0, 1, 3]), "never the leaderless partition 2, every other one");
  for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], "consecutive keyless records rotate");
});
