import { test } from "node:test";
import assert from "node:assert/strict";
import kafkajs from "kafkajs";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { murmur2 } from "../../src/runtime/kafka/murmur2.ts";
import { createPartitionTracker } from "../../src/runtime/kafka/kafkajs/partition-acks.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { onUniqueTopic } from "./support/descriptors.ts";
import { consumeAll, createTopics } from "./support/kafka-helpers.ts";

/**
 * Expected partitions computed with Kafka's own Java code (kafka-clients 4.4,
 * the default partitioner's `Utils.toPositive(Utils.murmur2(key)) % n`):
 *
 *   jshell --class-path '/tmp/warm/kafka/libs/*'
 *   Utils.toPositive(Utils.murmur2("p-1".getBytes(UTF_8))) % 6
 *
 * Columns: key, murmur2 (signed, as Java prints it), partition of 3, of 6, of 7.
 */
const JAVA_VECTORS: readonly [string, number, number, number, number][] = [
  ["key", -1079937367, 1, 1, 4],
  ["p-1", 1865926180, 1, 4, 6],
  ["p-2", 1225370368, 1, 4, 5],
  ["payment-42", 2104311365, 2, 5, 2],
  ["", 275646681, 0, 3, 2],
  ["a", -1563381124, 1, 4, 5],
  ["abc", 479470107, 0, 3, 4],
  ["héllo", 614509002, 0, 0, 2],
  ["/checkout|200", 185302855, 1, 1, 3],
  ["E_DECLINED", 1255941924, 0, 0, 6],
  ["0123456789abcdef0123456789", 1747589219, 2, 5, 5],
];

test("logwire's partitioner and kafkajs's DefaultPartitioner pick the partitions Java's default partitioner picks", () => {
  const partitioners = { logwire: createPartitionTracker().createPartitioner(), kafkajs: kafkajs.Partitioners.DefaultPartitioner() };
  for (const [key, hash, p3, p6, p7] of JAVA_VECTORS) {
    assert.equal(murmur2(Buffer.from(key)), hash, `murmur2 of ${JSON.stringify(key)}`);
    for (const [n, want] of [[3, p3], [6, p6], [7, p7]] as const) {
      const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
      for (const [name, partition] of Object.entries(partitioners)) {
        const got = partition({ topic: "t", partitionMetadata, message: { key: Buffer.from(key), value: null } });
        assert.equal(got, want, `${name}: key ${JSON.stringify(key)} of ${n} partitions`);
      }
    }
  }
});

test("on the real broker, a record's key lands on the partition Java computes", async () => {
  const log = onUniqueTopic(PaymentErrorLog, "partitioning");
  await createTopics([log.topic], 6);
  const pipeline = await createPipeline({ brokers, registry: { url: registryUrl } });
  const emitter = pipeline.emitter(log);
  for (const [code] of JAVA_VECTORS) emitter.emit({ code, message: "m" });
  await pipeline.close();
  assert.equal(pipeline.stats().acked, JAVA_VECTORS.length);
  const records = await consumeAll([log.topic]);
  assert.equal(records.length, JAVA_VECTORS.length);
  for (const [code, , , p6] of JAVA_VECTORS) {
    const r = records.find((x) => x.key?.toString() === code);
    assert.equal(r?.partition, p6, `key ${JSON.stringify(code)}`);
  }
});
