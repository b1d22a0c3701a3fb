/**
 * kafkajs has no linger: `send` is one produce request. A logging path on
 * kafkajs therefore batches in the application, which this does minimally,
 * the way bench/raw-producer.ts and logwire's buffer count bytes: up to
 * BATCH_BYTES of value + key + 24 B per record, or LINGER_MS after the
 * first record of a batch, one request in flight (kafkajs's idempotent
 * producer allows no more), acks=-1, Snappy through the native `snappy`
 * package (kafkajs ships no Snappy codec; logwire registers the same one).
 * kafkajs and snappy are bench/peers' own copies: kafkajs as published,
 * without logwire's patches.
 */
import { createRequire } from "node:module";
import { BATCH_BYTES, LINGER_MS, MAX_PENDING, createTally, type Sink } from "../sink.ts";

const require = createRequire(import.meta.url);

/** The parts of kafkajs 2.2.4 used here. */
interface KafkajsModule {
  Kafka: new (config: { clientId: string; brokers: string[]; logLevel: number }) => {
    producer(config: { idempotent: boolean; maxInFlightRequests: number; retry: { retries: number; initialRetryTime: number } }): KafkajsProducer;
  };
  logLevel: { NOTHING: number };
  CompressionTypes: { Snappy: number };
  CompressionCodecs: Record<number, () => { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> }>;
}
interface KafkajsProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(request: { topic: string; acks: number; compression: number; messages: { key: string; value: Buffer | string }[] }): Promise<unknown>;
}
interface SnappyModule {
  compressSync(input: Buffer): Buffer;
  uncompressSync(input: Buffer): Buffer | string;
}

const RECORD_OVERHEAD = 24;

export interface Batcher {
  push(key: string, value: Buffer | string): void;
  readonly sink: Omit<Sink, "log">;
}

export async function openKafkajsBatcher(topic: string, brokers: readonly string[]): Promise<Batcher> {
  const kafkajs = require("kafkajs") as KafkajsModule;
  const snappy = require("snappy") as SnappyModule;
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.Snappy] = () => ({
    compress: async (e) => snappy.compressSync(e.buffer),
    decompress: async (b) => Buffer.from(snappy.uncompressSync(b) as Buffer),
  });
  const producer = new kafkajs.Kafka({ clientId: "bench-peer", brokers: [...brokers], logLevel: kafkajs.logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 5, initialRetryTime: 100 },
  });
  await producer.connect();
  const tally = createTally();
  let batch: { key: string; value: Buffer | string }[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let inFlight = false;
  const full: { key: string; value: Buffer | string }[][] = [];

  const pump = (): void => {
    if (inFlight) return;
    const next = full.shift();
    if (next === undefined) return;
    inFlight = true;
    producer.send({ topic, acks: -1, compression: kafkajs.CompressionTypes.Snappy, messages: next }).then(
      () => tally.ack(next.length),
      (error: unknown) => tally.fail(error, next.length),
    ).finally(() => {
      inFlight = false;
      // Records that gathered while the request was out go next, full or not: they have waited at least a request's time.
      if (full.length === 0) seal();
      else pump();
    });
  };
  const seal = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (batch.length === 0) return;
    full.push(batch);
    batch = [];
    bytes = 0;
    pump();
  };
  // While a request is out the batch keeps filling; its completion sends it.
  const lingered = (): void => {
    timer = undefined;
    if (!inFlight) seal();
  };
  return {
    push(key, value) {
      const size = key.length + (typeof value === "string" ? Buffer.byteLength(value) : value.length) + RECORD_OVERHEAD;
      if (batch.length > 0 && bytes + size > BATCH_BYTES) seal();
      batch.push({ key, value });
      bytes += size;
      tally.sent();
      if (timer === undefined) timer = setTimeout(lingered, LINGER_MS);
    },
    sink: {
      backlogged: () => tally.pending() >= MAX_PENDING,
      acked: tally.acked,
      failed: tally.failed,
      errors: tally.errors,
      async close() {
        seal();
        await tally.drained();
        await producer.disconnect();
      },
    },
  };
}
