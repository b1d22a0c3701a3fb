import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { metricGroup } from "./shared-registry.ts";

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
 *
 * Every series also carries a `pipeline` label (the `name` option, by
 * default the clientId), first among its labels, so pipelines that share a
 * registry report distinct series (shared-registry.ts).
 */
export interface PipelineMetrics {
  readonly registry: Registry;
  /**
   * A log type of `topic` became known to the pipeline (its first
   * `emitter()`): creates that topic's series at 0 in every counter labelled
   * only by `pipeline` and `topic`. prom-client creates a labelled series at
   * its first increment, and PromQL's `rate()`/`increase()` see no increase
   * in a series that appears at its first value; a series at 0 from the start
   * is what Prometheus advises for label values known in advance
   * (https://prometheus.io/docs/practices/instrumentation/#avoid-missing-metrics).
   * Counters with a `reason` label are not touched: their label values are
   * not known in advance. Idempotent.
   */
  initTopic(topic: string): void;
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
   * record in ENCODE_SAMPLE_EVERY (the histogram's help text says so). The
   * two clock reads and the observe are kept off most records because they
   * sit on the emit path (BENCHMARKS.md, "What was changed" 9).
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
  /**
   * Called once the pipeline is closed: its gauges stop reporting, and its
   * name may be taken by another pipeline on the same registry. Its counters
   * and histograms keep their series (a counter does not go back), and
   * what is counted after this (records emitted after close) still reaches
   * them.
   */
  release(): void;
}

/** `logwire_encode_seconds` times one record in this many. */
export const ENCODE_SAMPLE_EVERY = 16;

export interface MetricsOptions {
  readonly registry: Registry | undefined;
  readonly prefix: string;
  /** The `pipeline` label's value; unique among the open pipelines on one registry and prefix. */
  readonly pipeline: string;
  readonly queue: () => QueueSnapshot;
  /** With `buffer.spool`: bytes of the spool file, read at scrape time. */
  readonly spoolBytes?: () => number;
}

/** What a shared gauge or collected counter reads of one open pipeline at scrape time. */
interface PipelineSource {
  readonly pipeline: string;
  readonly queue: () => QueueSnapshot;
  readonly spoolBytes: (() => number) | undefined;
  /** Drops by topic and reason not yet handed to prom-client. */
  readonly droppedTally: Map<string, Map<string, number>>;
}

type TopicLabels = "pipeline" | "topic";

/**
 * Registers the pipeline's metrics in `options.registry` (a new `Registry`
 * if none), or joins the ones another pipeline registered there. Throws
 * `invalid_option` when an open pipeline on the registry has the same
 * `pipeline` name (path `name`), or when a metric of logwire's names is
 * held by something else (path `metrics.registry`); nothing is registered
 * then.
 */
export function createPipelineMetrics(options: MetricsOptions): PipelineMetrics {
  const registry = options.registry ?? new Registry();
  const p = options.prefix;
  const pipeline = options.pipeline;
  const withSpool = options.spoolBytes !== undefined;
  const group = metricGroup<PipelineSource>(registry, p);
  const registers = [registry];
  const source: PipelineSource = { pipeline, queue: options.queue, spoolBytes: options.spoolBytes, droppedTally: new Map() };
  const names = ["produce_requests_total", "produce_success_total", "produce_error_total", "producer_queue_len", ...LOGWIRE_NAMES, ...(withSpool ? SPOOL_NAMES : [])];
  group.claim(pipeline, source, names.map((n) => p + n));
  try {
    const live = group.live;
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
      group.ensure(p + name, () => new Counter<L>({ name: p + name, help, labelNames, registers }));
    const histogram = (name: string, help: string, buckets: number[]): Histogram<"pipeline"> =>
      group.ensure(p + name, () => new Histogram<"pipeline">({ name: p + name, help, labelNames: ["pipeline"], buckets, registers }));
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], read: (g: Gauge<L>, s: PipelineSource) => void): Gauge<L> =>
      group.ensure(p + name, () => new Gauge<L>({
        name: p + name,
        help,
        labelNames,
        registers,
        collect() {
          // Every open pipeline on this registry, read now; a closed one is no longer in `live`.
          this.reset();
          for (const s of live.values()) read(this, s);
        },
      }));

    const requests = counter("produce_requests_total", "Records handed to the Kafka producer, per attempt.", ["pipeline", "topic"]);
    const success = counter("produce_success_total", "Records acked by the broker.", ["pipeline", "topic"]);
    const error = counter("produce_error_total", "Records in failed produce attempts (retried or dead-lettered).", ["pipeline", "topic"]);
    gauge("producer_queue_len", "Records held in the buffer (queued, waiting for a schema id, or in flight).", ["pipeline", "topic"], (g, s) => {
      for (const [topic, n] of s.queue().lengthByTopic) g.set({ pipeline: s.pipeline, topic }, n);
    });
    gauge(
      "logwire_producer_queue_bytes",
      "Bytes held in the buffer, as buffer.maxBytes counts them (wire bytes plus the memory of each held record's objects).",
      ["pipeline"],
      (g, s) => g.set({ pipeline: s.pipeline }, s.queue().bytes),
    );
    gauge("logwire_producer_queue_capacity_bytes", "The buffer's byte budget (buffer.maxBytes).", ["pipeline"], (g, s) => g.set({ pipeline: s.pipeline }, s.queue().capacityBytes));
    // Drops are counted per record, and under overload there are hundreds of
    // thousands a second: they are tallied in plain maps and handed to
    // prom-client when the metric is read (collect), instead of building
    // prom-client's label key on every drop.
    const dropped = group.ensure(p + "logwire_dropped_total", () => new Counter<TopicLabels | "reason">({
      name: p + "logwire_dropped_total",
      help: "Records dropped, by reason (sampled, buffer_full, spool_full, spool_torn, spool_failed, block_timeout, closed, close_timeout, dlq_failed).",
      labelNames: ["pipeline", "topic", "reason"],
      registers,
      collect() {
        for (const s of live.values()) drainDrops(this, s);
      },
    }));
    const dlq = counter("logwire_dlq_total", "Records written to the dead-letter topic, by reason (the error code).", ["pipeline", "topic", "reason"]);
    const dlqFailed = counter("logwire_dlq_failed_total", "Dead-letter writes that failed; those records are counted as dropped with reason dlq_failed.", ["pipeline", "topic"]);
    const valuesAltered = counter("logwire_values_altered_total", "Records sent with a value or key changed on the way, by reason (lone_surrogate: a lone UTF-16 surrogate written as U+FFFD).", ["pipeline", "topic", "reason"]);
    const deliveryUnknown = counter(
      "logwire_delivery_unknown_total",
      "Records logwire gave up on after their request reached the broker and got no answer (close timed out, or a dead-letter write ran out of retries): they may or may not be in the topic.",
      ["pipeline", "topic"],
    );
    const batch = histogram("logwire_batch_bytes", "Uncompressed bytes per produce request.", [1024, 8192, 65536, 262144, 524288, 1048576, 4194304]);
    const encode = histogram("logwire_encode_seconds", `Time to check, redact, encode one record; sampled, one record in ${ENCODE_SAMPLE_EVERY}.`, [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 1e-3, 1e-2]);
    const registryCalls = counter("logwire_registry_calls_total", "Schema registry REST calls, by operation and outcome (ok, error, unavailable).", ["pipeline", "op", "outcome"]);
    let spooled: Counter<TopicLabels> | undefined;
    let spoolReplayed: Counter<TopicLabels> | undefined;
    if (withSpool) {
      gauge("logwire_spool_bytes", "Bytes of the disk spool file (buffer.spool), including queued writes.", ["pipeline"], (g, s) => {
        if (s.spoolBytes !== undefined) g.set({ pipeline: s.pipeline }, s.spoolBytes());
      });
      spooled = counter("logwire_spooled_total", "Records written to the disk spool because the buffer was full.", ["pipeline", "topic"]);
      spoolReplayed = counter(
        "logwire_spool_replayed_total",
        "Records restored from the disk spool that the previous process had already read back without storing their acks (it was killed): sent again, so the topic may hold them twice.",
        ["pipeline", "topic"],
      );
    }
    /** The counters whose labels are only `pipeline` and `topic`, which `initTopic` creates at 0. */
    const topicCounters: Counter<TopicLabels>[] = [requests, success, error, dlqFailed, deliveryUnknown];
    if (spooled !== undefined) topicCounters.push(spooled);
    if (spoolReplayed !== undefined) topicCounters.push(spoolReplayed);
    let encodeTick = 0;
    let released = false;
    return {
      registry,
      initTopic: (topic) => {
        for (const c of topicCounters) c.inc({ pipeline, topic }, 0);
      },
      produceRequests: (topic, n) => requests.inc({ pipeline, topic }, n),
      produceSuccess: (topic, n) => success.inc({ pipeline, topic }, n),
      produceError: (topic, n) => error.inc({ pipeline, topic }, n),
      dropped: (topic, reason) => {
        // After release nothing collects this pipeline's tally: straight to prom-client (records emitted after close).
        if (released) return dropped.inc({ pipeline, topic, reason });
        let byReason = source.droppedTally.get(topic);
        if (byReason === undefined) {
          byReason = new Map();
          source.droppedTally.set(topic, byReason);
        }
        byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
      },
      deadLettered: (topic, reason) => dlq.inc({ pipeline, topic, reason }),
      dlqFailed: (topic) => dlqFailed.inc({ pipeline, topic }),
      valuesAltered: (topic, reason) => valuesAltered.inc({ pipeline, topic, reason }),
      deliveryUnknown: (topic, n) => deliveryUnknown.inc({ pipeline, topic }, n),
      batchBytes: (bytes) => batch.observe({ pipeline }, bytes),
      sampleEncode: () => ++encodeTick % ENCODE_SAMPLE_EVERY === 0,
      encodeSeconds: (s) => encode.observe({ pipeline }, s),
      registryCall: (op, outcome) => registryCalls.inc({ pipeline, op, outcome }),
      spooled: (topic) => spooled?.inc({ pipeline, topic }),
      spoolReplayed: (topic, n) => spoolReplayed?.inc({ pipeline, topic }, n),
      release: () => {
        if (released) return;
        released = true;
        group.release(pipeline, source);
        drainDrops(dropped, source);
      },
    };
  } catch (caught) {
    group.release(pipeline, source);
    throw caught;
  }
}

/** The metrics besides the seed's four, without the prefix. */
const LOGWIRE_NAMES = [
  "logwire_producer_queue_bytes",
  "logwire_producer_queue_capacity_bytes",
  "logwire_dropped_total",
  "logwire_dlq_total",
  "logwire_dlq_failed_total",
  "logwire_values_altered_total",
  "logwire_delivery_unknown_total",
  "logwire_batch_bytes",
  "logwire_encode_seconds",
  "logwire_registry_calls_total",
] as const;
/** Registered only with `buffer.spool`. */
const SPOOL_NAMES = ["logwire_spool_bytes", "logwire_spooled_total", "logwire_spool_replayed_total"] as const;

function drainDrops(counter: Counter<TopicLabels | "reason">, s: PipelineSource): void {
  for (const [topic, byReason] of s.droppedTally) for (const [reason, n] of byReason) counter.inc({ pipeline: s.pipeline, topic, reason }, n);
  s.droppedTally.clear();
}
