import kafkajs from "kafkajs";
import type { Admin, Producer } from "kafkajs";
import { compressionType, registerCompressionCodecs } from "./compression.ts";
import { ErrorCode, LogwireError } from "./errors.ts";
import type { CompressionName } from "./pipeline-options.ts";

const { Kafka, Partitioners, logLevel } = kafkajs;

/** One record as the transport ships it: value already framed. */
export interface TransportRecord {
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TransportTopicBatch {
  readonly topic: string;
  readonly records: readonly TransportRecord[];
}

/**
 * The small interface the pipeline produces through: the kafkajs producer
 * below, or the in-memory transport in unit tests. `send` ships several
 * topics in one request and resolves when the broker acked all of them. It
 * rejects with a LogwireError: `retriable` true for errors that may pass
 * (the pipeline retries the same request), false for permanent ones
 * (`produce_rejected`, `not_authorized`), which the pipeline dead-letters.
 */
export interface ProduceTransport {
  connect(): Promise<void>;
  send(batches: readonly TransportTopicBatch[]): Promise<void>;
  /** The topic's `max.message.bytes`, or undefined when unknown (e.g. not created yet). */
  maxMessageBytes?(topic: string): Promise<number | undefined>;
  disconnect(): Promise<void>;
}

export interface KafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly compression: CompressionName;
  readonly retries: number;
  readonly initialRetryTimeMs: number;
  readonly requestTimeoutMs: number;
}

/** Broker error types that no retry can fix: the records go to the DLQ. */
const PERMANENT = new Set([
  "MESSAGE_TOO_LARGE",
  "INVALID_RECORD",
  "CORRUPT_MESSAGE",
  "RECORD_LIST_TOO_LARGE",
  "INVALID_TIMESTAMP",
  "INVALID_REQUIRED_ACKS",
  "UNSUPPORTED_COMPRESSION_TYPE",
  "UNSUPPORTED_FOR_MESSAGE_FORMAT",
]);
const UNAUTHORIZED = new Set(["TOPIC_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "SASL_AUTHENTICATION_FAILED"]);

/** Finds the broker's error type anywhere in kafkajs's cause chain. */
function brokerErrorType(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && typeof e === "object" && e !== null; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === "string") {
      return type;
    }
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/** Turns a kafkajs failure into a LogwireError whose `retriable` flag the pipeline acts on. */
export function classifyProduceError(error: unknown): LogwireError {
  const type = brokerErrorType(error);
  const message = error instanceof Error ? error.message : String(error);
  if (type !== undefined && UNAUTHORIZED.has(type)) {
    return new LogwireError(ErrorCode.NotAuthorized, `broker refused the write: ${type}: ${message}`, {
      fix: "grant the principal WRITE on the topic and IDEMPOTENT_WRITE on the cluster",
      details: { brokerError: type },
      cause: error,
    });
  }
  if (type !== undefined && PERMANENT.has(type)) {
    return new LogwireError(ErrorCode.ProduceRejected, `broker rejected the batch: ${type}: ${message}`, {
      fix: type === "MESSAGE_TOO_LARGE" ? "lower maxRecordBytes/batch.maxBytes or raise the topic's max.message.bytes" : "check the topic's configuration (cleanup policy, timestamps, message format)",
      details: { brokerError: type },
      cause: error,
    });
  }
  return new LogwireError(ErrorCode.BrokerUnavailable, `produce failed: ${type === undefined ? "" : `${type}: `}${message}`, {
    retriable: true,
    fix: "check that the brokers are reachable; logwire keeps retrying while the records fit the buffer",
    details: type === undefined ? {} : { brokerError: type },
    cause: error,
  });
}

/**
 * The kafkajs producer as the seed configures Sarama's: idempotent, acks=-1,
 * one request in flight (kafkajs's idempotent producer requires it), retries
 * 5 from 100 ms, Java-compatible murmur2 partitioning for keyed records.
 */
export function createKafkaTransport(options: KafkaTransportOptions): ProduceTransport {
  registerCompressionCodecs();
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    requestTimeout: options.requestTimeoutMs,
    retry: { retries: options.retries, initialRetryTime: options.initialRetryTimeMs },
    // kafkajs logs every broker error (e.g. while a topic is auto-created) and
    // warns that limiting an idempotent producer's retries may weaken EoS;
    // logwire reports failures through onError and metrics instead, and
    // retries the same request itself after kafkajs gives up.
    logLevel: logLevel.NOTHING,
  });
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: options.retries, initialRetryTime: options.initialRetryTimeMs },
  });
  // For the optional max.message.bytes lookup only: no retries, so a topic
  // that does not exist yet (auto-created on first produce) costs one round trip.
  let admin: Promise<Admin> | undefined;
  const codec = compressionType(options.compression);
  return {
    async connect() {
      try {
        await producer.connect();
      } catch (error) {
        throw new LogwireError(ErrorCode.BrokerUnavailable, `cannot connect to ${options.brokers.join(",")}: ${error instanceof Error ? error.message : String(error)}`, {
          path: "brokers",
          retriable: true,
          fix: "start Kafka (npx logwire dev) or fix the broker addresses",
          cause: error,
        });
      }
    },
    async send(batches) {
      try {
        await producer.sendBatch({
          acks: -1,
          timeout: options.requestTimeoutMs,
          compression: codec,
          topicMessages: batches.map((b) => ({
            topic: b.topic,
            messages: b.records.map((r) => (r.headers === undefined ? { key: r.key, value: r.value } : { key: r.key, value: r.value, headers: { ...r.headers } })),
          })),
        });
      } catch (error) {
        throw classifyProduceError(error);
      }
    },
    async maxMessageBytes(topic) {
      try {
        admin ??= (async () => {
          const a = kafka.admin({ retry: { retries: 0 } });
          await a.connect();
          return a;
        })();
        const res = await (await admin).describeConfigs({ includeSynonyms: false, resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ["max.message.bytes"] }] });
        const value = res.resources[0]?.configEntries.find((c) => c.configName === "max.message.bytes")?.configValue;
        return value === undefined ? undefined : Number(value);
      } catch {
        return undefined;
      }
    },
    async disconnect() {
      await Promise.allSettled([producer.disconnect(), admin?.then((a) => a.disconnect())]);
    },
  };
}
