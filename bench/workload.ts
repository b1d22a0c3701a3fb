/**
 * The benchmark's workload and settings, shared by every phase so each ratio
 * compares like with like: the seed's audit log (`PaymentAuditLog`, about
 * 250 B framed), keyed by payment id, on a fresh topic per measurement, with
 * the pipeline's defaults (acks=all, idempotent, Snappy, 1 MiB / 5 ms).
 */
import { create, toBinary, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { PaymentAuditLog } from "../proto/example/payments/v1/audit_logwire.ts";
import type { PaymentAuditSchema } from "../proto/example/payments/v1/audit_pb.ts";
import { simulatePaymentRequest } from "../examples/demo/demo-payments.ts";
import type { LogDescriptor } from "../src/runtime/registry/log-descriptor.ts";
import { loadKafkajs } from "../src/runtime/kafka/kafkajs/kafkajs-module.ts";
import { encodeFrameHeader, frame } from "../src/runtime/registry/wire-format.ts";

// The kafkajs the SDK runs (its patches), unless LOGWIRE_KAFKAJS_PATCHES=off.
const { Kafka, logLevel } = loadKafkajs();

export type AuditInit = MessageInitShape<typeof PaymentAuditSchema>;

/** `LOGWIRE_BROKERS` / `LOGWIRE_REGISTRY_URL`, defaulting to `logwire dev up`'s ports. */
export const brokers: string[] = (process.env["LOGWIRE_BROKERS"] ?? `127.0.0.1:${process.env["LOGWIRE_KAFKA_PORT"] ?? "19092"}`).split(",");
export const registryUrl: string = process.env["LOGWIRE_REGISTRY_URL"] ?? `http://127.0.0.1:${process.env["LOGWIRE_REGISTRY_PORT"] ?? "18081"}/apis/ccompat/v7`;

/** Partitions of every benchmark topic: records are keyed, so batches span partitions as in production. */
export const PARTITIONS = 3;
/** Distinct payment ids (keys) in the pool. */
const PAYMENTS = 1000;
/** Distinct records cycled through; more than one batch, so no batch repeats a pattern Snappy could exploit unfairly. */
export const POOL_SIZE = 8192;

/** The audit records every phase emits, as callers write them (plain init objects). */
export function auditPool(size = POOL_SIZE): AuditInit[] {
  const out: AuditInit[] = [];
  for (let i = 0; i < size; i++) out.push(simulatePaymentRequest(i, PAYMENTS).audit);
  return out;
}

/** A benchmark topic name no other run uses. */
export function benchTopic(label: string): string {
  return `logwire-bench-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** `PaymentAuditLog` moved to a topic (and `<topic>-value` subject) of its own. */
export function auditOn(topic: string): LogDescriptor<typeof PaymentAuditSchema> {
  return { ...PaymentAuditLog, topic, subject: `${topic}-value` };
}

/**
 * The pool as the pipeline would put it on the wire: redacted exactly as the
 * generated descriptor does, encoded, framed (the schema id's value does not
 * change the size), keyed. For the raw kafkajs baseline.
 */
export function preEncodedPool(pool: readonly AuditInit[]): { key: Buffer; value: Buffer }[] {
  const d = PaymentAuditLog;
  const header = encodeFrameHeader(1, d.messageIndexes);
  return pool.map((init) => {
    const m = create(d.schema, init);
    d.redact?.(m);
    const payload = d.encode === undefined ? toBinary(d.schema, m) : d.encode(m);
    const framed = frame(header, payload);
    return { key: Buffer.from(d.key!(m)), value: Buffer.from(framed.buffer, framed.byteOffset, framed.byteLength) };
  });
}

export function benchKafka() {
  return new Kafka({ clientId: "logwire-bench", brokers, logLevel: logLevel.NOTHING });
}

/** Creates the topics (PARTITIONS each unless told) and returns a function deleting them, so runs do not fill the disk. */
export async function withTopics(topics: readonly string[], partitions = PARTITIONS): Promise<() => Promise<void>> {
  const admin = benchKafka().admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
  return async () => {
    try {
      await admin.deleteTopics({ topics: [...topics], timeout: 10000 });
    } catch {
      // Best effort: a leftover bench topic costs disk, not correctness.
    } finally {
      await admin.disconnect();
    }
  };
}

/**
 * Records the broker holds on a fresh topic (sum of its partitions' high
 * watermarks). Every throughput phase compares it with the records it
 * counted as acked, so a figure can never count records the broker lacks.
 */
export async function recordsOnBroker(topic: string): Promise<number> {
  const admin = benchKafka().admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Throws when the broker holds a different number of records than the phase counted. */
export async function assertOnBroker(topic: string, counted: number): Promise<void> {
  const held = await recordsOnBroker(topic);
  if (held !== counted) throw new Error(`${topic}: counted ${counted} acked records, the broker holds ${held}`);
}

/** The same records as proto3 JSON (what a JSON logger writes for them), redacted and keyed the same way. */
export function jsonPool(pool: readonly AuditInit[]): { key: Buffer; value: Buffer }[] {
  const d = PaymentAuditLog;
  return pool.map((init) => {
    const m = create(d.schema, init);
    d.redact?.(m);
    return { key: Buffer.from(d.key!(m)), value: Buffer.from(toJsonString(d.schema, m)) };
  });
}
