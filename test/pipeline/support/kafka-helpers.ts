import kafkajs from "kafkajs";
import { readTopics, type ReadRecord } from "../../support/topic-reader.ts";
import { brokers } from "../../support/stack-env.ts";

const { Kafka, logLevel } = kafkajs;

export type ConsumedRecord = ReadRecord;

const kafka = new Kafka({ clientId: "logwire-test", brokers, logLevel: logLevel.NOTHING });

/** Creates topics with the given partition count (idempotent). */
export async function createTopics(topics: readonly string[], numPartitions: number, config: Record<string, string> = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions, replicationFactor: 1, configEntries })) });
  } finally {
    await admin.disconnect();
  }
}

/** Partition count and end offsets of a topic. */
export async function topicOffsets(topic: string): Promise<{ partition: number; high: bigint }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, high: BigInt(o.high) }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads every record of the topics from the beginning, until the end offsets
 * seen at the start are reached. Bounded by `timeoutMs`.
 */
export function consumeAll(topics: readonly string[], timeoutMs = 30000): Promise<ConsumedRecord[]> {
  return readTopics({ clientId: "logwire-test", brokers }, topics, timeoutMs);
}
