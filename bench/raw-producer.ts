/**
 * The baseline: raw kafkajs `sendBatch` of pre-encoded records, batched by a
 * minimal hand loop the way the pipeline batches (up to `batchBytes`
 * counted as value + key + 24 B per record, or `lingerMs`), on a producer
 * configured as logwire's transport configures it: idempotent, acks=-1,
 * one request in flight, retries 5 from 100 ms, Java-compatible murmur2
 * partitioning, the native Snappy codec. The supply never runs dry, so
 * every batch is full and linger never fires; the loop is as cheap as a
 * producer can be, which is the point of the ratio. Two flavours: kafkajs
 * as published, and kafkajs as logwire runs it (see `KafkajsFlavour`).
 */
import { kafkajsPatchesOff } from "../src/runtime/kafka/kafkajs/kafkajs-patches-off.ts";
import { loadKafkajs } from "../src/runtime/kafka/kafkajs/kafkajs-module.ts";
import { createPartitionTracker } from "../src/runtime/kafka/kafkajs/partition-acks.ts";
import { registerCompressionCodecs } from "../src/runtime/kafka/kafkajs/compression.ts";
import { RECORD_OVERHEAD_BYTES } from "../src/runtime/buffer/record-buffer.ts";
import { benchKafka } from "./workload.ts";

// The kafkajs the SDK runs, unless the phase runs with LOGWIRE_KAFKAJS_PATCHES=off (the stock baseline).
const { CompressionTypes, Partitioners } = loadKafkajs();

export interface RawRecord {
  readonly key: Buffer;
  readonly value: Buffer;
}

export interface RawRunOptions {
  readonly topic: string;
  readonly pool: readonly RawRecord[];
  readonly batchBytes: number;
  /** Stop starting requests after this `performance.now()`. */
  readonly until: number;
  /** Called after every acked request with the running count. */
  readonly onAcked?: (acked: number) => void;
}

/**
 * `stock`: kafkajs as published (the phase runs with
 * LOGWIRE_KAFKAJS_PATCHES=off) and its DefaultPartitioner. `logwire`: the
 * kafkajs the SDK runs (its patches) and the SDK's partitioner (same
 * partitions, integer murmur2), i.e. the SDK's transport without the SDK.
 */
export type KafkajsFlavour = "stock" | "logwire";

export async function createRawProducer(flavour: KafkajsFlavour) {
  if ((flavour === "stock") !== kafkajsPatchesOff) throw new Error(`raw producer "${flavour}" needs LOGWIRE_KAFKAJS_PATCHES=${flavour === "stock" ? "off" : "(unset)"} in its process`);
  registerCompressionCodecs();
  const producer = benchKafka().producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: flavour === "stock" ? Partitioners.DefaultPartitioner : createPartitionTracker().createPartitioner,
    retry: { retries: 5, initialRetryTime: 100 },
  });
  await producer.connect();
  let next = 0;
  return {
    /** Sends full batches back to back until `until`; returns records acked and requests sent. */
    async run(options: RawRunOptions): Promise<{ records: number; requests: number; bytes: number }> {
      const { pool, batchBytes } = options;
      let acked = 0;
      let requests = 0;
      let total = 0;
      while (performance.now() < options.until) {
        const messages: RawRecord[] = [];
        let bytes = 0;
        for (;;) {
          const r = pool[next % pool.length]!;
          const size = r.value.length + r.key.length + RECORD_OVERHEAD_BYTES;
          if (messages.length > 0 && bytes + size > batchBytes) break;
          messages.push(r);
          bytes += size;
          next++;
        }
        await producer.sendBatch({ acks: -1, compression: CompressionTypes.Snappy, topicMessages: [{ topic: options.topic, messages }] });
        acked += messages.length;
        requests++;
        total += bytes;
        options.onAcked?.(acked);
      }
      return { records: acked, requests, bytes: total };
    },
    disconnect: () => producer.disconnect(),
  };
}
