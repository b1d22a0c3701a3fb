import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import fc from "fast-check";
import { loadKafkajsInstance } from "../../src/runtime/kafka/kafkajs/kafkajs-module.ts";
import { groupMessagesPerPartition, linearGroupingInstalled } from "../../src/runtime/kafka/kafkajs/kafkajs-partition-grouping.ts";

const require = createRequire(import.meta.url);
const modulePath = require.resolve("kafkajs/src/producer/groupMessagesPerPartition");

/** kafkajs's own implementation, compiled from its file on disk (it has no requires). */
function kafkajsOriginal(): typeof groupMessagesPerPartition {
  const module = { exports: undefined as unknown };
  new Function("module", readFileSync(modulePath, "utf8"))(module);
  return module.exports as typeof groupMessagesPerPartition;
}

test("the linear grouping is what logwire's kafkajs producer uses, and only logwire's", () => {
  assert.equal(linearGroupingInstalled(), false, "not installed before kafkajs is needed");
  const kafkajs = loadKafkajsInstance();
  assert.equal(linearGroupingInstalled(), true);
  assert.equal(kafkajs.require("kafkajs/src/producer/groupMessagesPerPartition"), groupMessagesPerPartition);
  // kafkajs's producer module requires it by this relative path, which logwire's instance resolves to the same file.
  const sendMessages = readFileSync(require.resolve("kafkajs/src/producer/sendMessages"), "utf8");
  assert.match(sendMessages, /require\('\.\/groupMessagesPerPartition'\)/);
  // The kafkajs Node loads for this process is kafkajs's own.
  const own = require(modulePath) as unknown;
  assert.notEqual(own, groupMessagesPerPartition);
  assert.match(String(own), /Object\.assign/);
});

test("linear grouping gives exactly kafkajs's result: same partitions, same messages in the same order", () => {
  const original = kafkajsOriginal();
  fc.assert(
    fc.property(fc.array(fc.record({ key: fc.string(), value: fc.nat() }), { maxLength: 300 }), fc.integer({ min: 0, max: 8 }), (messages, partitions) => {
      const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i }));
      const partitioner = ({ message }: { message: unknown }) => ((message as { value: number }).value * 7 + (message as { key: string }).key.length) % Math.max(1, partitions);
      const input = { topic: "t", partitionMetadata, messages, partitioner };
      assert.deepEqual(groupMessagesPerPartition(input), original(input));
    }),
    { numRuns: 200 },
  );
});
