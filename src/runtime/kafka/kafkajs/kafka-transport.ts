import type { ConnectionOptions } from "node:tls";
import type { Admin, ISocketFactory, KafkaConfig, Message, Producer, SASLOptions } from "kafkajs";
import { compressionType, registerCompressionCodecs } from "./compression.ts";
import { markDeliveryUnknown } from "../../transport/delivery-unknown.ts";
import { ErrorCode, LogwireError, isLogwireError } from "../../errors.ts";
import { kafkaLogCreator, kafkaLogLevel } from "./kafka-log.ts";
import { loadKafkajs } from "./kafkajs-module.ts";
import { createProduceWatch, type ProduceMark } from "./kafkajs-produce-watch.ts";
import type { CompressionName, ProduceTransport, TransportTopicBatch } from "../../transport/transport.ts";
import { readPacked, withPackedSend, type PackedBatches } from "../../transport/packed-batches.ts";
import { createPartitionTracker, type TopicMessages, type TrackedMessage } from "./partition-acks.ts";
import { PackedMessage } from "./packed-message.ts";
import { safeCause, scrubSecrets } from "../secret-scrub.ts";
import type { KafkaLogger, SaslOptions } from "../security-options.ts";

export interface KafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly compression: CompressionName;
  readonly retries: number;
  readonly initialRetryTimeMs: number;
  readonly requestTimeoutMs: number;
  /** Passed to kafkajs as `sasl`. */
  readonly sasl?: SaslOptions | undefined;
  /** Passed to kafkajs as `ssl`. */
  readonly ssl?: boolean | ConnectionOptions | undefined;
  /** Receives kafkajs's log lines; without it kafkajs logs nothing. */
  readonly logger?: KafkaLogger | undefined;
  /** Scrubbed from every error message and log line (see secret-scrub.ts). */
  readonly secrets?: readonly string[] | undefined;
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

/** True when kafkajs gave up because the broker refused the SASL credentials. */
function isSaslAuthFailure(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && typeof e === "object" && e !== null; depth++) {
    if ((e as { name?: unknown }).name === "KafkaJSSASLAuthenticationError" || (e as { type?: unknown }).type === "SASL_AUTHENTICATION_FAILED") return true;
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}

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
export function classifyProduceError(caught: unknown, secrets: readonly string[] = []): LogwireError {
  const type = brokerErrorType(caught);
  const message = scrubSecrets(caught instanceof Error ? caught.message : String(caught), secrets);
  const error = safeCause(caught, secrets);
  if (isSaslAuthFailure(caught)) {
    return saslRefused(message, error);
  }
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
    fix: "check that the brokers are reachable; logwire keeps retrying each record until its deliveryTimeoutMs",
    details: type === undefined ? {} : { brokerError: type },
    cause: error,
  });
}

function saslRefused(message: string, cause: unknown): LogwireError {
  return new LogwireError(ErrorCode.NotAuthorized, `broker refused the SASL credentials: ${message}`, {
    path: "sasl",
    fix: "check sasl.mechanism, sasl.username and sasl.password against the broker's users (SCRAM users are per mechanism)",
    details: { brokerError: "SASL_AUTHENTICATION_FAILED" },
    cause,
  });
}

/** The messages kafkajs gets for `batches`: one tracked message per record, headers copied. */
export function batchMessages(batches: readonly TransportTopicBatch[]): TopicMessages[] {
  return batches.map((b) => ({
    topic: b.topic,
    messages: b.records.map((r): TrackedMessage => (r.headers === undefined ? { key: r.key, value: r.value, lwPartition: -1 } : { key: r.key, value: r.value, headers: { ...r.headers }, lwPartition: -1 })),
  }));
}

/**
 * The same messages straight from a packed request (transport/packed-batches.ts):
 * each a `PackedMessage` that keeps its place in the request's buffer, and
 * no record object or view is made on the way.
 */
export function packedMessages(packed: PackedBatches): TopicMessages[] {
  return readPacked(packed, (data, keyOffset, keyLength, valueOffset, valueLength, headers) => new PackedMessage(data, keyOffset, keyLength, valueOffset, valueLength, headers === undefined ? undefined : { ...headers })).map((b) => ({
    topic: b.topic,
    messages: b.items as Message[],
  }));
}

/** The kafkajs client configuration of the transport; exported so tests can see what reaches kafkajs. */
export function kafkaClientConfig(options: KafkaTransportOptions, socketFactory?: ISocketFactory): KafkaConfig {
  const { logLevel } = loadKafkajs();
  return {
    clientId: options.clientId,
    brokers: [...options.brokers],
    requestTimeout: options.requestTimeoutMs,
    retry: { retries: options.retries, initialRetryTime: options.initialRetryTimeMs },
    ...(options.sasl === undefined ? {} : { sasl: { ...options.sasl } as SASLOptions }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    // kafkajs logs every broker error (e.g. while a topic is auto-created) and
    // warns that limiting an idempotent producer's retries may weaken EoS;
    // logwire reports failures through onError and metrics instead, and
    // retries the same request itself after kafkajs gives up, within each
    // record's deliveryTimeoutMs (buffer/record-route.ts). A caller's
    // `logger` still gets the lines, scrubbed.
    logLevel: options.logger === undefined ? logLevel.NOTHING : kafkaLogLevel(options.logger),
    ...(options.logger === undefined ? {} : { logCreator: kafkaLogCreator(options.logger, options.secrets ?? []) }),
    ...(socketFactory === undefined ? {} : { socketFactory }),
  };
}

/**
 * The kafkajs producer as the seed configures Sarama's: idempotent, acks=-1,
 * one request in flight (kafkajs's idempotent producer requires it), retries
 * 5 from 100 ms, Java-compatible murmur2 partitioning for keyed records.
 * Loads kafkajs, installing logwire's patches first (kafkajs-module.ts).
 */
export function createKafkaTransport(options: KafkaTransportOptions): ProduceTransport {
  const { Kafka } = loadKafkajs(options.logger); // logs once, to `logger`, patches that could not apply
  registerCompressionCodecs();
  const secrets = options.secrets ?? [];
  // Which Produce requests reached a socket, and which were answered (kafkajs-produce-watch.ts).
  const watch = createProduceWatch();
  const kafka = new Kafka(kafkaClientConfig(options, watch.socketFactory));
  const tracker = createPartitionTracker();
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: tracker.createPartitioner,
    retry: { retries: options.retries, initialRetryTime: options.initialRetryTimeMs },
  });
  producer.on(producer.events.REQUEST, (e) => {
    if (e.payload.apiKey === 0) watch.answered();
  });
  /** The send in flight (the pipeline sends one at a time), which `disconnect()` ends. */
  let inFlight: { readonly mark: ProduceMark; readonly end: (error: LogwireError) => void; readonly done: Promise<void> } | undefined;
  // For the optional max.message.bytes lookup only: no retries, so a topic
  // that does not exist yet (auto-created on first produce) costs one round trip.
  let admin: Promise<Admin> | undefined;
  const codec = compressionType(options.compression);

  /**
   * One `send`: kafkajs's sendBatch, with its own retries, until every
   * partition acked. One attempt of the record route's loop
   * (buffer/record-route.ts), which retries it within `deliveryTimeoutMs`.
   */
  async function produce(messages: () => TopicMessages[]): Promise<void> {
    let pending = messages();
    for (let attempt = 0; ; attempt++) {
      let responses;
      try {
        tracker.startSend();
        responses = await producer.sendBatch({ acks: -1, timeout: options.requestTimeoutMs, compression: codec, topicMessages: pending });
      } catch (error) {
        throw classifyProduceError(error, secrets);
      }
      // See partition-acks.ts: kafkajs may succeed without sending every partition.
      pending = tracker.unacked(pending, responses);
      if (pending.length === 0) return;
      const skipped = pending.map((t) => `${t.topic}: ${t.messages.length}`).join(", ");
      if (options.logger !== undefined && options.logger.level !== "error") options.logger.log({ level: "warn", namespace: "logwire.transport", message: `resending records kafkajs acked without sending (partition leaders moved): ${skipped}`, fields: { attempt } });
      if (attempt >= options.retries) {
        const count = pending.reduce((n, t) => n + t.messages.length, 0);
        throw new LogwireError(ErrorCode.BrokerUnavailable, `${count} records got no ack after ${attempt + 1} sends while partition leaders moved`, {
          retriable: true,
          fix: "check the brokers' health; logwire sends the request again",
        });
      }
    }
  }

  /** One `send`, of the messages `messages()` builds, ended by `disconnect()` if it is still in flight then. */
  function sendMessages(messages: () => TopicMessages[]): Promise<void> {
    const mark = watch.mark();
    let end!: (error: LogwireError) => void;
    const ended = new Promise<never>((_, reject) => {
      end = reject;
    });
    const settle = (): void => {
      if (inFlight?.done === done) inFlight = undefined;
    };
    const done: Promise<void> = Promise.race([produce(messages), ended]).then(settle, (caught: unknown) => {
      settle();
      const error = isLogwireError(caught) ? caught : classifyProduceError(caught, secrets);
      // Bytes of this request reached a socket and not all got an answer: the broker may have written it.
      throw watch.unansweredSince(mark) > 0 ? markDeliveryUnknown(error) : error;
    });
    inFlight = { mark, end, done };
    return done;
  }

  const transport: ProduceTransport = {
    async connect() {
      watch.start();
      try {
        await producer.connect();
      } catch (caught) {
        const message = scrubSecrets(caught instanceof Error ? caught.message : String(caught), secrets);
        const error = safeCause(caught, secrets);
        if (isSaslAuthFailure(caught)) {
          throw saslRefused(message, error);
        }
        throw new LogwireError(ErrorCode.BrokerUnavailable, `cannot connect to ${options.brokers.join(",")}: ${message}`, {
          path: "brokers",
          retriable: true,
          fix: "start Kafka (npx logwire dev) or fix the broker addresses",
          cause: error,
        });
      }
    },
    send(batches) {
      return sendMessages(() => batchMessages(batches));
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
      const sending = inFlight;
      if (sending !== undefined) {
        // After stop() no Produce request is written, so one not written by now never is.
        watch.stop();
        const error = new LogwireError(ErrorCode.BrokerUnavailable, "the producer was disconnected with a request in flight", {
          retriable: true,
          fix: "close() gave up on the request: a longer closeTimeoutMs waits for its answer",
        });
        sending.end(watch.writtenSince(sending.mark) > 0 ? markDeliveryUnknown(error) : error);
        // Settled before kafkajs disconnects: on the producer thread, the send's answer is then posted before the disconnect's.
        await sending.done.catch(() => undefined);
      }
      await Promise.allSettled([producer.disconnect(), admin?.then((a) => a.disconnect())]);
    },
  };
  return withPackedSend(transport, (packed) => sendMessages(() => packedMessages(packed)));
}
