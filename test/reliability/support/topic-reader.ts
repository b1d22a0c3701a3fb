import kafkajs from "kafkajs";
import { readTopics, type ReadRecord } from "../../support/topic-reader.ts";

export type { ReadRecord };

const { Kafka, logLevel } = kafkajs;

/** Creates topics on the given brokers (no-op for topics that exist). */
export async function createTopicsOn(brokers: readonly string[], topics: readonly string[], numPartitions: number): Promise<void> {
  const admin = new Kafka({ clientId: "logwire-reliability", brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })) });
  } finally {
    await admin.disconnect();
  }
}

/** Every record of the topics on `brokers` (a dedicated broker too), from the beginning to the end offsets seen at the start. */
export function readAll(brokers: readonly string[], topics: readonly string[], timeoutMs = 60_000): Promise<ReadRecord[]> {
  return readTopics({ clientId: "logwire-reliability", brokers: [...brokers] }, topics, timeoutMs);
}
