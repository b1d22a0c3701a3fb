import kafkajs from "kafkajs";
import type { IHeaders } from "kafkajs";
import { registerCompressionCodecs } from "../../../src/runtime/compression.ts";
import { brokers } from "../../support/stack-env.ts";

const { Kafka, logLevel } = kafkajs;

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

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

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Buffer.isBuffer(v) ? v.toString("utf8") : String(v);
  return out;
}

/**
 * Reads every record of the topics from the beginning, until the end offsets
 * seen at the start are reached. Bounded by `timeoutMs`.
 */
export async function consumeAll(topics: readonly string[], timeoutMs = 30000): Promise<ConsumedRecord[]> {
  registerCompressionCodecs();
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    for (const p of await topicOffsets(topic)) ends.set(`${topic}/${p.partition}`, p.high);
  }
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([k]) => k));
  const out: ConsumedRecord[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `logwire-test-${Date.now()}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${out.length} records; partitions not drained: ${[...remaining].join(", ")}`)), timeoutMs);
      void consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const offset = BigInt(message.offset);
            out.push({ topic, partition, offset, key: message.key, value: message.value ?? Buffer.alloc(0), headers: headersOf(message.headers) });
            const k = `${topic}/${partition}`;
            if (offset + 1n >= (ends.get(k) ?? 0n)) remaining.delete(k);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
