import kafkajs from "kafkajs";
import type { IHeaders, KafkaConfig } from "kafkajs";
import { registerCompressionCodecs } from "../../../src/runtime/compression.ts";

const { Kafka, logLevel } = kafkajs;

/**
 * Reads topics from the beginning up to the end offsets seen at the start,
 * on any broker with any client config (SASL, TLS, a cluster), bounded by
 * `timeoutMs`. The pipeline tests' helper is bound to the shared dev broker.
 */
export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k] = Buffer.isBuffer(v) ? v.toString("utf8") : String(v);
  return out;
}

export async function readTopics(config: KafkaConfig, topics: readonly string[], timeoutMs = 30_000): Promise<ReadRecord[]> {
  registerCompressionCodecs();
  const kafka = new Kafka({ logLevel: logLevel.NOTHING, ...config });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([k]) => k));
  const out: ReadRecord[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `logwire-read-${Date.now()}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} records; partitions not drained: ${[...remaining].join(", ")}`)), timeoutMs);
      void consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const offset = BigInt(message.offset);
            const k = `${topic}/${partition}`;
            if (offset >= (ends.get(k) ?? 0n)) return;
            out.push({ topic, partition, offset, key: message.key, value: message.value ?? Buffer.alloc(0), headers: headersOf(message.headers) });
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
