import type { ConnectionOptions } from "node:tls";
import type { Registry } from "prom-client";
import { ErrorCode, LogwireError } from "../errors.ts";
import type { CompressionName, ProduceTransport } from "../transport/transport.ts";
import type { OverflowPolicy } from "../buffer/record-buffer.ts";
import type { SchemaMode } from "../registry/schema-registration.ts";
import { REGISTRY_TIMEOUT_MS } from "../registry/registry-fetch.ts";
import { collectSecrets, withRedactedView } from "../kafka/secret-scrub.ts";
import { resolveSasl, resolveSsl, resolveLogger, type KafkaLogger, type SaslOptions } from "../kafka/security-options.ts";
import type { TraceMode } from "./trace-context.ts";

/** Compression codecs for record batches. */
export type { CompressionName };

export type { OverflowPolicy };

export type { SchemaMode };

/** Where the Kafka producer runs (see worker-transport.ts). */
export type ProducerThread = "worker" | "main";

/** When `createPipeline` resolves: once the producer connected, or at once with the producer connecting behind it. */
export type ConnectMode = "wait" | "background";

export type { TraceMode };

/** `validation` pipeline option: "schema" checks the types whose schema asks for it; "off" checks none. */
export type ValidationMode = "schema" | "off";

/** Options of `createPipeline`. Every default is stated on its option. */
export interface PipelineOptions {
  /** Kafka bootstrap brokers, `host:port`. Required unless `transport` is given. */
  readonly brokers?: readonly string[];
  /** Kafka client id. The default is `"logwire"`. */
  readonly clientId?: string;
  /**
   * The pipeline's name: the value of the `pipeline` label on its metrics.
   * Pipelines that share a `metrics.registry` need different names while
   * open (a second open pipeline with the same name is an `invalid_option`).
   * The default is `clientId`.
   */
  readonly name?: string;
  /**
   * SASL authentication with the brokers: `{ mechanism: "plain" | "scram-sha-256" | "scram-sha-512", username, password }`.
   * Over plaintext, PLAIN sends the password in clear; pair it with `ssl`. The default is none.
   */
  readonly sasl?: SaslOptions;
  /**
   * TLS to the brokers: `true` (system CAs) or Node's `tls.ConnectionOptions`
   * (`ca`, `cert`, `key`, `passphrase`, `servername`, `rejectUnauthorized`), handed to kafkajs as is. The default is plaintext.
   */
  readonly ssl?: boolean | ConnectionOptions;
  /**
   * Receives the Kafka client's own log lines (connection errors, SASL
   * failures, retries) at `level` and above, with secrets scrubbed. The
   * default drops them; failures still reach `onError` and the metrics.
   */
  readonly logger?: KafkaLogger;
  /** The Confluent-compatible schema registry. Required unless `schema.mode` is `use-schema-id`. */
  readonly registry?: {
    /** Base URL, e.g. `http://127.0.0.1:18081/apis/ccompat/v7`. */
    readonly url: string;
    /** HTTP basic auth for every registry call. The default is none. */
    readonly auth?: { readonly username: string; readonly password: string };
    /**
     * Time one registry call may take before it counts as unanswered
     * (retriable `registry_unavailable`; the pipeline backs off and asks
     * again). The default value is 10000 ms.
     */
    readonly requestTimeoutMs?: number;
  };
  readonly schema?: {
    /**
     * `auto-register` registers each type's schema (with references) on its
     * first emit; `use-latest` uses the latest registered version and
     * dead-letters the type if it differs from the local schema;
     * `use-schema-id` uses `ids` as given. The default is `"auto-register"`.
     */
    readonly mode?: SchemaMode;
    /** For `use-schema-id`: schema id by subject (or by fully-qualified type name). */
    readonly ids?: Readonly<Record<string, number>>;
  };
  readonly batch?: {
    /** A topic's batch is sent once it holds this many bytes. The default is 1048576 (1 MiB). */
    readonly maxBytes?: number;
    /** A batch is sent at the latest this long after its first record. The default is 5. */
    readonly lingerMs?: number;
  };
  /** Record-batch compression. The default is `"snappy"`. */
  readonly compression?: CompressionName;
  readonly buffer?: {
    /**
     * Memory held by records (queued, waiting for a schema id, or in flight):
     * each counts its wire bytes plus the objects that carry it
     * (HELD_RECORD_MEMORY_BYTES, record-buffer.ts). After it is reached, the
     * overflow policy applies. The default is 5242880 (5 MiB).
     */
    readonly maxBytes?: number;
    /**
     * `drop-newest` drops the record being emitted, `drop-oldest` evicts queued
     * records, `block` holds records past the budget (up to a second budget of
     * the same size) until space frees or `blockTimeoutMs` passes; see
     * record-buffer.ts. Every drop is counted. The default is `"drop-newest"`.
     */
    readonly overflow?: OverflowPolicy;
    /** For `block`: how long a record may wait for space. The default is 1000. */
    readonly blockTimeoutMs?: number;
    /**
     * Optional disk spool, off by default (see disk-spool.ts): with
     * `drop-newest`, records past `maxBytes` go to an append-only file in
     * `dir` (created if missing; one pipeline per dir) instead of being
     * dropped, and replay in order as memory frees; while anything is
     * spooled, new records queue behind it on disk. Past `spool.maxBytes`
     * (default 1073741824, 1 GiB; at least 1 MiB) records are dropped
     * (`spool_full`). What `close()` leaves on disk is kept for the next
     * pipeline on `dir`, counted as `spooled`, not dropped.
     *
     * Delivery from the spool is at least once: the restart point is stored
     * before each read from the file and at least every 1000 settled records
     * (SPOOL_POSITION_EVERY); after a crash the next pipeline starts at the
     * oldest record not stored as settled, so records the crashed one had
     * read back may reach the topic twice (`logwire_spool_replayed_total`
     * counts them). A disk that
     * fails (full: set `maxBytes` below its free space) is reported once as
     * an `environment` error; the spool is then skipped, records that do not
     * fit in memory are dropped (`spool_failed`), and it is retried every
     * second.
     */
    readonly spool?: { readonly dir: string; readonly maxBytes?: number };
  };
  /** Retries of a failed produce inside kafkajs. The default is `{ retries: 5, initialRetryTimeMs: 100 }`, as the seed. */
  readonly retries?: { readonly retries?: number; readonly initialRetryTimeMs?: number };
  /** Broker request timeout. The default is 30000. */
  readonly requestTimeoutMs?: number;
  /**
   * Bound of the time from `emit()` to the broker's ack, across every retry,
   * resend and producer-thread restart (Java's `delivery.timeout.ms`,
   * librdkafka's `message.timeout.ms`). Past it a record is dropped as
   * `delivery_timeout` (counted unknown if an attempt may have written it),
   * or, with `buffer.spool`, goes to the spool to be sent again. At least
   * `batch.lingerMs + requestTimeoutMs`, so one attempt always fits. The
   * default is 120000 (Java's default: two minutes rides out a broker
   * restart or a leader election, yet an outage longer than that shows as
   * drops instead of a buffer that stays full), raised to `batch.lingerMs +
   * requestTimeoutMs` when those add up to more.
   */
  readonly deliveryTimeoutMs?: number;
  /**
   * Only `-1`/`"all"` is accepted: the producer is always idempotent, and
   * Kafka requires acks=all for an idempotent producer. The default is -1.
   */
  readonly acks?: -1 | "all" | 0 | 1;
  /** Only `true` is accepted. The default is true. */
  readonly idempotent?: boolean;
  /**
   * Largest framed record (value + key + headers). Bigger records are
   * dead-lettered before sending. The default is 1048064: the broker's default
   * `message.max.bytes` (1048588) less room for the batch header.
   */
  readonly maxRecordBytes?: number;
  readonly dlq?: {
    /** Dead-letter topic for records of `topic`. The default is `<topic>.dlq`. */
    readonly topic?: string | ((topic: string) => string);
  };
  readonly metrics?: {
    /** prom-client registry to register the metrics in. The default is a new `Registry`, exposed as `pipeline.metricsRegistry`. */
    readonly registry?: Registry;
    /** Prefix of every metric name. The default is `""`, so the seed's names are kept exactly. */
    readonly prefix?: string;
  };
  /** Called for every failure, never on the caller's stack. The default ignores them (they are still counted). */
  readonly onError?: (error: LogwireError) => void;
  /** Flush and close on SIGTERM and SIGINT. The default is false. */
  readonly handleSignals?: boolean;
  /** How long `close()` waits for undeliverable records before dropping them (counted `close_timeout`). The default is 30000. */
  readonly closeTimeoutMs?: number;
  /**
   * Where the Kafka producer (partitioning, record batches, compression,
   * sockets) runs: `"worker"`, a thread of its own, so it runs on another
   * core than `emit()` and the encoding; or `"main"`, the calling thread.
   * TLS options that hold functions or native objects (e.g.
   * `checkServerIdentity`) cannot cross to a thread and keep the producer on
   * the calling thread. The default is `"worker"`.
   */
  readonly producerThread?: ProducerThread;
  /**
   * When `createPipeline` resolves. `"wait"`: once the producer connected
   * (the producer thread started, kafkajs loaded, the broker's producer id
   * obtained); it rejects with `broker_unavailable` or `not_authorized` when
   * it cannot, after kafkajs's retries. `"background"`: at once; the
   * producer connects behind it, records wait in the buffer (or the spool)
   * until it has, a failed connect is reported through `onError` and tried
   * again with the next request, and records not acked within
   * `deliveryTimeoutMs` are dropped (`delivery_timeout`) or spooled. For
   * apps that must start, and keep their logs, while Kafka is down or slow to
   * answer. The default is `"wait"`.
   */
  readonly connect?: ConnectMode;
  /**
   * W3C trace context from OpenTelemetry. `"auto"`: when `@opentelemetry/api`
   * is installed (an optional peer dependency) and a span is active at
   * `emit()`, the record gets a `traceparent` header (and `tracestate` when
   * the span has one), and its `(logwire.v1.field).trace_id` / `.span_id`
   * fields left empty are filled from the span. Without the package or a
   * span, nothing is added. `"off"`: never. The default is `"auto"`.
   */
  readonly trace?: TraceMode;
  /**
   * protovalidate rules. `"schema"`: records of types whose schema sets
   * `(logwire.v1.log).validate = true` are checked against the message's
   * `buf.validate` rules at `emit()` (needs `@bufbuild/protovalidate`), and
   * one that breaks a rule is dead-lettered as `validation_failed`. `"off"`:
   * no record is checked, whatever the schema says. The default is `"schema"`.
   */
  readonly validation?: ValidationMode;
  /** For tests and other libraries: replaces the kafkajs producer. */
  readonly transport?: ProduceTransport;
}

export interface ResolvedOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The `pipeline` label of the metrics. */
  readonly name: string;
  readonly sasl: SaslOptions | undefined;
  readonly ssl: boolean | ConnectionOptions | undefined;
  readonly logger: KafkaLogger | undefined;
  /** Strings that must never appear in errors, logs, metrics or DLQ headers (see secret-scrub.ts). */
  readonly secrets: readonly string[];
  readonly registry: { readonly url: string; readonly auth: { readonly username: string; readonly password: string } | undefined; readonly requestTimeoutMs: number } | undefined;
  readonly schemaMode: SchemaMode;
  readonly schemaIds: Readonly<Record<string, number>>;
  readonly batchMaxBytes: number;
  readonly lingerMs: number;
  readonly compression: CompressionName;
  readonly bufferMaxBytes: number;
  readonly overflow: OverflowPolicy;
  readonly blockTimeoutMs: number;
  readonly spool: { readonly dir: string; readonly maxBytes: number } | undefined;
  readonly retries: number;
  readonly initialRetryTimeMs: number;
  readonly requestTimeoutMs: number;
  readonly deliveryTimeoutMs: number;
  readonly maxRecordBytes: number;
  readonly dlqTopic: (topic: string) => string;
  readonly metricsRegistry: Registry | undefined;
  readonly metricsPrefix: string;
  readonly onError: (error: LogwireError) => void;
  readonly handleSignals: boolean;
  readonly closeTimeoutMs: number;
  readonly producerThread: ProducerThread;
  readonly connect: ConnectMode;
  readonly trace: TraceMode;
  readonly validation: ValidationMode;
  readonly transport: ProduceTransport | undefined;
}

const COMPRESSIONS: readonly CompressionName[] = ["snappy", "gzip", "lz4", "zstd", "none"];
const OVERFLOWS: readonly OverflowPolicy[] = ["drop-newest", "drop-oldest", "block"];
const MODES: readonly SchemaMode[] = ["auto-register", "use-latest", "use-schema-id"];
const PRODUCER_THREADS: readonly ProducerThread[] = ["worker", "main"];
const CONNECT_MODES: readonly ConnectMode[] = ["wait", "background"];
const TRACE_MODES: readonly TraceMode[] = ["auto", "off"];
const VALIDATION_MODES: readonly ValidationMode[] = ["schema", "off"];
const TOPIC_RE = /^[a-zA-Z0-9._-]{1,249}$/;

function bad(path: string, message: string, fix: string): LogwireError {
  return new LogwireError(ErrorCode.InvalidOption, message, { path, fix });
}

function int(value: unknown, path: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) {
    return dflt;
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw bad(path, `${String(value)} is not an integer in [${min}, ${max}]`, `set ${path} to an integer between ${min} and ${max}, or leave it out for the default ${dflt}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[], dflt: T): T {
  if (value === undefined) {
    return dflt;
  }
  if (!allowed.includes(value as T)) {
    throw bad(path, `"${String(value)}" is not one of ${allowed.map((a) => `"${a}"`).join(", ")}`, `set ${path} to one of them, or leave it out for "${dflt}"`);
  }
  return value as T;
}

/** Validates options once and fills in defaults. Throws an `invalid_option` LogwireError naming the path and the fix. */
export function resolveOptions(options: PipelineOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw bad("options", "options must be an object", "pass createPipeline({ brokers, registry })");
  }
  const o = options;
  if (o.acks !== undefined && o.acks !== -1 && o.acks !== "all") {
    throw bad("acks", `acks=${String(o.acks)} cannot be used: logwire's producer is idempotent, and Kafka requires acks=all for an idempotent producer (acks=1 would let a leader ack records that a new leader never had, breaking the de-duplication)`, "remove acks or set it to -1 (\"all\")");
  }
  if (o.idempotent !== undefined && o.idempotent !== true) {
    throw bad("idempotent", "idempotence cannot be turned off: it is what lets retries happen without duplicates", "remove idempotent or set it to true");
  }
  const transport = o.transport;
  const brokers = o.brokers ?? [];
  if (transport === undefined) {
    if (!Array.isArray(brokers) || brokers.length === 0) {
      throw bad("brokers", "no brokers given", "pass brokers: [\"host:port\"], e.g. [\"127.0.0.1:19092\"]");
    }
    brokers.forEach((b, i) => {
      if (typeof b !== "string" || !/^[^:\s]+:\d{1,5}$/.test(b)) {
        throw bad(`brokers[${i}]`, `"${String(b)}" is not host:port`, "write each broker as host:port, e.g. 127.0.0.1:19092");
      }
    });
  }
  const schemaMode = oneOf(o.schema?.mode, "schema.mode", MODES, "auto-register");
  const schemaIds = o.schema?.ids ?? {};
  for (const [subject, id] of Object.entries(schemaIds)) {
    int(id, `schema.ids.${subject}`, 0, 0, 0xffffffff);
  }
  let registry: ResolvedOptions["registry"];
  if (o.registry !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(o.registry.url);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
      throw bad("registry.url", `"${String(o.registry.url)}" is not an http(s) URL`, "set registry.url to the registry's base URL, e.g. http://127.0.0.1:18081/apis/ccompat/v7");
    }
    const auth = o.registry.auth;
    if (auth !== undefined && (typeof auth !== "object" || auth === null || typeof auth.username !== "string" || typeof auth.password !== "string")) {
      throw bad("registry.auth", "username and password must be strings", "pass registry.auth: { username, password }");
    }
    // Credentials in the URL would be echoed by every registry error message; move them to auth.
    let plainUrl = o.registry.url;
    let resolvedAuth = auth;
    if (url.username !== "" || url.password !== "") {
      if (auth !== undefined) {
        throw bad("registry.url", "holds credentials and registry.auth is set too", "keep the credentials in registry.auth only");
      }
      resolvedAuth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
      url.username = "";
      url.password = "";
      plainUrl = url.toString();
    }
    registry = { url: plainUrl.replace(/\/+$/, ""), auth: resolvedAuth, requestTimeoutMs: int(o.registry.requestTimeoutMs, "registry.requestTimeoutMs", REGISTRY_TIMEOUT_MS, 100, 600000) };
  } else if (schemaMode !== "use-schema-id") {
    throw bad("registry", `schema.mode "${schemaMode}" needs a schema registry`, "pass registry: { url }, or use schema.mode \"use-schema-id\" with schema.ids");
  }
  if (schemaMode === "use-schema-id" && Object.keys(schemaIds).length === 0) {
    throw bad("schema.ids", "schema.mode \"use-schema-id\" needs ids", "pass schema.ids: { \"<subject>\": <id> }");
  }
  const batchMaxBytes = int(o.batch?.maxBytes, "batch.maxBytes", 1048576, 1024, 64 * 1048576);
  const lingerMs = int(o.batch?.lingerMs, "batch.lingerMs", 5, 0, 60000);
  const bufferMaxBytes = int(o.buffer?.maxBytes, "buffer.maxBytes", 5 * 1048576, 1024, 2 ** 31);
  const maxRecordBytes = int(o.maxRecordBytes, "maxRecordBytes", 1048064, 64, 64 * 1048576);
  if (maxRecordBytes > batchMaxBytes) {
    throw bad("maxRecordBytes", `${maxRecordBytes} is larger than batch.maxBytes ${batchMaxBytes}, so a record could never fit a batch`, "lower maxRecordBytes or raise batch.maxBytes");
  }
  if (batchMaxBytes > bufferMaxBytes) {
    throw bad("batch.maxBytes", `${batchMaxBytes} is larger than buffer.maxBytes ${bufferMaxBytes}, so a batch could never fill`, "raise buffer.maxBytes (the seed advises 5 MiB) or lower batch.maxBytes");
  }
  const overflow = oneOf(o.buffer?.overflow, "buffer.overflow", OVERFLOWS, "drop-newest");
  const requestTimeoutMs = int(o.requestTimeoutMs, "requestTimeoutMs", 30000, 100, 600000);
  const oneAttemptMs = lingerMs + requestTimeoutMs;
  const deliveryTimeoutMs = int(o.deliveryTimeoutMs, "deliveryTimeoutMs", Math.max(120000, oneAttemptMs), 1, 2147483647);
  if (deliveryTimeoutMs < oneAttemptMs) {
    throw bad("deliveryTimeoutMs", `${deliveryTimeoutMs} is less than batch.lingerMs + requestTimeoutMs (${lingerMs} + ${requestTimeoutMs}), so a record could run out of time within one attempt`, `raise deliveryTimeoutMs to at least ${oneAttemptMs}, or lower requestTimeoutMs or batch.lingerMs`);
  }
  let spool: ResolvedOptions["spool"];
  const spoolOpt = o.buffer?.spool;
  if (spoolOpt !== undefined) {
    if (typeof spoolOpt !== "object" || spoolOpt === null) {
      throw bad("buffer.spool", "must be an object", "pass buffer.spool: { dir, maxBytes? } or leave it out");
    }
    if (typeof spoolOpt.dir !== "string" || spoolOpt.dir.length === 0) {
      throw bad("buffer.spool.dir", `${JSON.stringify(spoolOpt.dir) ?? "undefined"} is not a directory path`, "set buffer.spool.dir to a non-empty path (created if missing)");
    }
    if (overflow !== "drop-newest") {
      throw bad("buffer.spool", `cannot be used with buffer.overflow "${overflow}": the spool takes the records drop-newest would drop, and replaying evicted (drop-oldest) or waiting (block) records would break their order`, "set buffer.overflow to \"drop-newest\" or remove buffer.spool");
    }
    spool = { dir: spoolOpt.dir, maxBytes: int(spoolOpt.maxBytes, "buffer.spool.maxBytes", 1073741824, 1048576) };
  }
  const dlq = o.dlq?.topic;
  let dlqTopic: (topic: string) => string;
  if (dlq === undefined) {
    dlqTopic = (t) => `${t}.dlq`;
  } else if (typeof dlq === "string") {
    if (!TOPIC_RE.test(dlq) || dlq === "." || dlq === "..") {
      throw bad("dlq.topic", `"${dlq}" is not a valid Kafka topic name`, "use 1 to 249 characters of [a-zA-Z0-9._-]");
    }
    dlqTopic = () => dlq;
  } else if (typeof dlq === "function") {
    dlqTopic = dlq;
  } else {
    throw bad("dlq.topic", "must be a topic name or a function of the record's topic", "pass a string, or (topic) => string");
  }
  const prefix = o.metrics?.prefix ?? "";
  if (typeof prefix !== "string" || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    throw bad("metrics.prefix", `"${String(prefix)}" is not a valid Prometheus name prefix`, "use letters, digits, '_' and ':', not starting with a digit");
  }
  const clientId = typeof o.clientId === "string" && o.clientId.length > 0 ? o.clientId : "logwire";
  if (o.name !== undefined && (typeof o.name !== "string" || o.name.length === 0 || o.name.length > 200)) {
    throw bad("name", typeof o.name === "string" ? `"${o.name.slice(0, 40)}" is not a pipeline name (${o.name.length} characters)` : `must be a string, not ${typeof o.name}`, "pass a string of 1 to 200 characters, or leave it out to use clientId");
  }
  const registryObj = o.metrics?.registry;
  if (registryObj !== undefined && (typeof registryObj !== "object" || typeof (registryObj as { registerMetric?: unknown }).registerMetric !== "function")) {
    throw bad("metrics.registry", "is not a prom-client Registry", "pass new Registry() from prom-client, or leave it out");
  }
  if (o.onError !== undefined && typeof o.onError !== "function") {
    throw bad("onError", "must be a function", "pass (error) => { ... } or leave it out");
  }
  if (transport !== undefined && (typeof transport.send !== "function" || typeof transport.connect !== "function")) {
    throw bad("transport", "does not implement ProduceTransport", "pass a transport from createKafkaTransport or createMemoryTransport");
  }
  const sasl = resolveSasl(o.sasl);
  const ssl = resolveSsl(o.ssl);
  const logger = resolveLogger(o.logger);
  const secrets = collectSecrets({ sasl, registryAuth: registry?.auth, sslPassphrase: typeof ssl === "object" ? ssl.passphrase : undefined });
  const userOnError = o.onError;
  // The redacted view keeps passwords out of console.log(options) and JSON dumps.
  return withRedactedView<ResolvedOptions>({
    brokers,
    clientId,
    name: o.name ?? clientId,
    sasl,
    ssl,
    logger,
    secrets,
    registry,
    schemaMode,
    schemaIds,
    batchMaxBytes,
    lingerMs,
    compression: oneOf(o.compression, "compression", COMPRESSIONS, "snappy"),
    bufferMaxBytes,
    overflow,
    blockTimeoutMs: int(o.buffer?.blockTimeoutMs, "buffer.blockTimeoutMs", 1000, 0, 600000),
    spool,
    // At least 1: kafkajs refuses an idempotent producer without retries, and
    // retrying is what idempotence makes safe.
    retries: int(o.retries?.retries, "retries.retries", 5, 1, 100),
    initialRetryTimeMs: int(o.retries?.initialRetryTimeMs, "retries.initialRetryTimeMs", 100, 1, 60000),
    requestTimeoutMs,
    deliveryTimeoutMs,
    maxRecordBytes,
    dlqTopic,
    metricsRegistry: registryObj,
    metricsPrefix: prefix,
    onError: userOnError === undefined ? () => {} : (e) => {
      try {
        userOnError(e);
      } catch {
        // A throwing hook must not break delivery.
      }
    },
    handleSignals: o.handleSignals === true,
    closeTimeoutMs: int(o.closeTimeoutMs, "closeTimeoutMs", 30000, 0, 3600000),
    producerThread: oneOf(o.producerThread, "producerThread", PRODUCER_THREADS, "worker"),
    connect: oneOf(o.connect, "connect", CONNECT_MODES, "wait"),
    trace: oneOf(o.trace, "trace", TRACE_MODES, "auto"),
    validation: oneOf(o.validation, "validation", VALIDATION_MODES, "schema"),
    transport,
  });
}
