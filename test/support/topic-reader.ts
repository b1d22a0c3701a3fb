import kafkajs from "kafkajs";
import type { IHeaders, KafkaConfig } from "kafkajs";
import { registerCompressionCodecs } from "../../src/runtime/kafka/kafkajs/compression.ts";

const { Kafka, logLevel } = kafkajs;

/** One record as the tests read it back. */
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

/**
 * Every record of `topics`, from the beginning up to the end offsets seen at
 * the start, on any broker with any client config (the shared dev broker, a
 * dedicated one, SASL, TLS, a cluster). A topic that does not exist reads as
 * empty. Rejects after `timeoutMs` naming the partitions not drained.
 */
export async function readTopics(config: KafkaConfig, topics: readonly string[], timeoutMs = 30_000): Promise<ReadRecord[]> {
  registerCompressionCodecs(kafkajs); // this reader's own kafkajs: logwire registers into its private one only
  const kafka = new Kafka({ logLevel: logLevel.NOTHING, ...config });
  const admin = kafka.admin();
  const ends = new Map<string, bigint>();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter((t) => existing.has(t))) {
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
    await consumer.subscribe({ topics: [...new Set([...remaining].map((k) => k.slice(0, k.lastIndexOf("/"))))], fromBeginning: true });
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
