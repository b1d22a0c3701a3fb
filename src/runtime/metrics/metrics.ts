import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Live buffer numbers read at scrape time, so the hot path updates no gauge. */
export interface QueueSnapshot {
  /** Records held per topic (queued, waiting for a schema id, or in flight). */
  readonly lengthByTopic: ReadonlyMap<string, number>;
  readonly bytes: number;
  readonly capacityBytes: number;
}

/**
 * The pipeline's prom-client metrics behind a small interface, so the
 * pipeline does not depend on prom-client's classes and a caller can pass
 * its own `Registry`.
 *
 * The seed's four names are kept exactly (with the default empty prefix),
 * each with a `topic` label; the `*_requests/success/error_total` counters
 * count records (per produce attempt, per acked record, per failed
 * attempt). logwire's own metrics are named `logwire_*`.
 */
export interface PipelineMetrics {
  readonly registry: Registry;
  produceRequests(topic: string, records: number): void;
  produceSuccess(topic: string, records: number): void;
  produceError(topic: string, records: number): void;
  dropped(topic: string, reason: string): void;
  deadLettered(topic: string, reason: string): void;
  dlqFailed(topic: string): void;
  /** A record delivered with a value changed on the way: `lone_surrogate`, a lone UTF-16 surrogate in a string or key written as U+FFFD. */
  valuesAltered(topic: string, reason: string): void;
  /** Records whose outcome is unknown (pipeline-stats.ts `unknown`): the request reached the broker and got no answer before logwire gave up. */
  deliveryUnknown(topic: string, records: number): void;
  batchBytes(bytes: number): void;
  /**
   * Whether to time this record for `logwire_encode_seconds`: true for one
   * record in ENCODE_SAMPLE_EVERY. Two clock reads and a histogram observe
   * cost about 0.4 µs, 5% of the emit path, on every record (BENCHMARKS.md).
   */
  sampleEncode(): boolean;
  encodeSeconds(seconds: number): void;
  registryCall(op: string, outcome: string): void;
  /** A record went to the disk spool (only registered with `buffer.spool`). */
  spooled(topic: string): void;
  /**
   * Records restored from the disk spool that the previous process had
   * already read back without storing their acks: sent again, so the topic
   * may hold them twice (only registered with `buffer.spool`).
   */
  spoolReplayed(topic: string, records: number): void;
}

/** `logwire_encode_seconds` times one record in this many. */
export const ENCODE_SAMPLE_EVERY = 16;

export interface MetricsOptions {
  readonly registry: Registry | undefined;
  readonly prefix: string;
  readonly queue: () => QueueSnapshot;
  /** With `buffer.spool`: bytes of the spool file, read at scrape time. */
  readonly spoolBytes?: () => number;
}

export function createPipelineMetrics(options: MetricsOptions): PipelineMetrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix;
  const registers = [registry];
  const requests = new Counter({ name: `${p}produce_requests_total`, help: "Records handed to the Kafka producer, per attempt.", labelNames: ["topic"], registers });
  const success = new Counter({ name: `${p}produce_success_total`, help: "Records acked by the broker.", labelNames: ["topic"], registers });
  const error = new Counter({ name: `${p}produce_error_total`, help: "Records in failed produce attempts (retried or dead-lettered).", labelNames: ["topic"], registers });
  const queue = options.queue;
  new Gauge({
    name: `${p}producer_queue_len`,
    help: "Records held in the buffer (queued, waiting for a schema id, or in flight).",
    labelNames: ["topic"],
    registers,
    collect() {
      this.reset();
      for (const [topic, n] of queue().lengthByTopic) this.set({ topic }, n);
    },
  });
  new Gauge({
    name: `${p}logwire_producer_queue_bytes`,
    help: "Bytes held in the buffer, as buffer.maxBytes counts them (wire bytes plus the memory of each held record's objects).",
    registers,
    collect() {
      this.set(queue().bytes);
    },
  });
  new Gauge({
    name: `${p}logwire_producer_queue_capacity_bytes`,
    help: "The buffer's byte budget (buffer.maxBytes).",
    registers,
    collect() {
      this.set(queue().capacityBytes);
    },
  });
  // Drops are counted per record, and under overload there are hundreds of
  // thousands a second: they are tallied in plain maps and handed to
  // prom-client when the metric is read (collect), instead of building
  // prom-client's label key on every drop.
  const droppedTally = new Map<string, Map<string, number>>();
  new Counter({
    name: `${p}logwire_dropped_total`,
    help: "Records dropped, by reason (sampled, buffer_full, spool_full, spool_torn, spool_failed, block_timeout, closed, close_timeout, dlq_failed).",
    labelNames: ["topic", "reason"],
    registers,
    collect() {
      for (const [topic, byReason] of droppedTally) for (const [reason, n] of byReason) this.inc({ topic, reason }, n);
      droppedTally.clear();
    },
  });
  const dlq = new Counter({ name: `${p}logwire_dlq_total`, help: "Records written to the dead-letter topic, by reason (the error code).", labelNames: ["topic", "reason"], registers });
  const dlqFailed = new Counter({ name: `${p}logwire_dlq_failed_total`, help: "Dead-letter writes that failed; those records are counted as dropped with reason dlq_failed.", labelNames: ["topic"], registers });
  const valuesAltered = new Counter({ name: `${p}logwire_values_altered_total`, help: "Records sent with a value or key changed on the way, by reason (lone_surrogate: a lone UTF-16 surrogate written as U+FFFD).", labelNames: ["topic", "reason"], registers });
  const deliveryUnknown = new Counter({
    name: `${p}logwire_delivery_unknown_total`,
    help: "Records logwire gave up on after their request reached the broker and got no answer (close timed out, or a dead-letter write ran out of retries): they may or may not be in the topic.",
    labelNames: ["topic"],
    registers,
  });
  const batch = new Histogram({ name: `${p}logwire_batch_bytes`, help: "Uncompressed bytes per produce request.", buckets: [1024, 8192, 65536, 262144, 524288, 1048576, 4194304], registers });
  const encode = new Histogram({ name: `${p}logwire_encode_seconds`, help: `Time to check, redact, encode one record; sampled, one record in ${ENCODE_SAMPLE_EVERY}.`, buckets: [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 1e-3, 1e-2], registers });
  const registryCalls = new Counter({ name: `${p}logwire_registry_calls_total`, help: "Schema registry REST calls, by operation and outcome (ok, error, unavailable).", labelNames: ["op", "outcome"], registers });
  const spoolBytes = options.spoolBytes;
  let spooled: Counter<"topic"> | undefined;
  let spoolReplayed: Counter<"topic"> | undefined;
  if (spoolBytes !== undefined) {
    new Gauge({
      name: `${p}logwire_spool_bytes`,
      help: "Bytes of the disk spool file (buffer.spool), including queued writes.",
      registers,
      collect() {
        this.set(spoolBytes());
      },
    });
    spooled = new Counter({ name: `${p}logwire_spooled_total`, help: "Records written to the disk spool because the buffer was full.", labelNames: ["topic"], registers });
    spoolReplayed = new Counter({
      name: `${p}logwire_spool_replayed_total`,
      help: "Records restored from the disk spool that the previous process had already read back without storing their acks (it was killed): sent again, so the topic may hold them twice.",
      labelNames: ["topic"],
      registers,
    });
  }
  let encodeTick = 0;
  return {
    registry,
    produceRequests: (topic, n) => requests.inc({ topic }, n),
    produceSuccess: (topic, n) => success.inc({ topic }, n),
    produceError: (topic, n) => error.inc({ topic }, n),
    dropped: (topic, reason) => {
      let byReason = droppedTally.get(topic);
      if (byReason === undefined) {
        byReason = new Map();
        droppedTally.set(topic, byReason);
      }
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    },
    deadLettered: (topic, reason) => dlq.inc({ topic, reason }),
    dlqFailed: (topic) => dlqFailed.inc({ topic }),
    valuesAltered: (topic, reason) => valuesAltered.inc({ topic, reason }),
    deliveryUnknown: (topic, n) => deliveryUnknown.inc({ topic }, n),
    batchBytes: (bytes) => batch.observe(bytes),
    sampleEncode: () => ++encodeTick % ENCODE_SAMPLE_EVERY === 0,
    encodeSeconds: (s) => encode.observe(s),
    registryCall: (op, outcome) => registryCalls.inc({ op, outcome }),
    spooled: (topic) => spooled?.inc({ topic }),
    spoolReplayed: (topic, n) => spoolReplayed?.inc({ topic }, n),
  };
}
