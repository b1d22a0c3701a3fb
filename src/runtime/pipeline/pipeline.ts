import type { DescMessage } from "@bufbuild/protobuf";
import type { Registry } from "prom-client";
import { createEmitter, type Emitter } from "./emitter.ts";
import { ErrorCode, LogwireError } from "../errors.ts";
import { createKafkaTransport } from "../kafka/kafkajs/kafka-transport.ts";
import { createWorkerTransport, workerCanCarry } from "../kafka/worker/worker-transport.ts";
import { isLogDescriptor, type LogDescriptor } from "../registry/log-descriptor.ts";
import { createLogTypes } from "./log-types.ts";
import { createPipelineMetrics } from "../metrics/metrics.ts";
import { resolveOptions, type PipelineOptions } from "./pipeline-options.ts";
import { createStatsBook, type PipelineStats } from "../metrics/pipeline-stats.ts";
import { createRecordAdmission, type AdmittedType } from "./record-admission.ts";
import { createTraceReader } from "./trace-context.ts";
import type { Waiter } from "../buffer/record-buffer.ts";
import { RecordRoute } from "../buffer/record-route.ts";
import { REGISTRY_TIMEOUT_MS } from "../registry/registry-fetch.ts";
import { createSchemaResolver } from "../registry/schema-registration.ts";
import { installSignalHandlers } from "./signal-handlers.ts";
import { openSpool } from "../buffer/spool-bridge.ts";

export interface Pipeline {
  /** The emitter of one generated log type. Throws `invalid_option` for anything but a generated descriptor. */
  emitter<Desc extends DescMessage>(descriptor: LogDescriptor<Desc>): Emitter<Desc>;
  /** Resolves when every record emitted before the call is acked, dead-lettered, dropped or unknown (counted). */
  flush(): Promise<void>;
  /**
   * Flushes, then disconnects. Idempotent: every call returns the same
   * promise. After `closeTimeoutMs` it gives up: queued records are dropped
   * (`close_timeout`), and a request in flight is ended at once, its records
   * counted `unknown` when it reached the broker, else dropped.
   */
  close(): Promise<void>;
  /** The books: emitted = acked + dropped + deadLettered + unknown + pending. */
  stats(): PipelineStats;
  /** The prom-client registry holding the pipeline's metrics. */
  readonly metricsRegistry: Registry;
}

/**
 * Creates the pipeline: validates options (throws `invalid_option` naming the
 * option path), registers the compression codecs and connects the producer
 * (with `connect: "background"`, starts connecting it and resolves at once).
 *
 * A record goes emitter → admission (record-admission.ts) → the record route
 * (buffer/record-route.ts: buffer or disk spool, batches, retries within
 * `deliveryTimeoutMs`, settlement) → transport. The route's file lists every
 * state a record can be in.
 */
export async function createPipeline(options: PipelineOptions): Promise<Pipeline> {
  const o = resolveOptions(options);
  const transport = o.transport ?? (o.producerThread === "worker" && workerCanCarry(o) ? createWorkerTransport(o) : createKafkaTransport(o));
  // Opened before the metrics, so a spool that fails to open registers none in a caller's registry.
  const disk = o.spool === undefined ? undefined : await openSpool(o.spool);
  let route: RecordRoute;
  try {
    route = new RecordRoute({
      transport,
      book: createStatsBook(),
      createMetrics: (gauges) => createPipelineMetrics({ registry: o.metricsRegistry, prefix: o.metricsPrefix, pipeline: o.name, ...gauges }),
      spool: disk === undefined ? undefined : { disk, dir: o.spool!.dir },
      onError: o.onError,
      bufferMaxBytes: o.bufferMaxBytes,
      overflow: o.overflow,
      blockTimeoutMs: o.blockTimeoutMs,
      lingerMs: o.lingerMs,
      batchMaxBytes: o.batchMaxBytes,
      maxRecordBytes: o.maxRecordBytes,
      deliveryTimeoutMs: o.deliveryTimeoutMs,
      dlqTopic: o.dlqTopic,
    });
  } catch (caught) {
    // A name taken on a shared registry, or a foreign metric there (invalid_option).
    await disk?.close();
    throw caught;
  }
  const { metrics, outcomes } = route;

  const types = createLogTypes({
    transport,
    route,
    // Signs that the registry lost state go to the types: cached ids are re-verified (schema-reverify.ts).
    createResolver: (onSuspect) =>
      createSchemaResolver({
        url: o.registry?.url,
        auth: o.registry?.auth,
        requestTimeoutMs: o.registry?.requestTimeoutMs ?? REGISTRY_TIMEOUT_MS,
        mode: o.schemaMode,
        ids: o.schemaIds,
        onCall: (op, outcome) => metrics.registryCall(op, outcome),
        onSuspect,
      }),
    dlqTopic: o.dlqTopic,
    batchMaxBytes: o.batchMaxBytes,
    maxRecordBytes: o.maxRecordBytes,
    validation: o.validation,
  });

  const { admit } = createRecordAdmission({
    outcomes,
    metrics,
    enqueue: (t, r) => route.offer(t, r),
    refuses: (minBytes) => route.refuses(minBytes),
    // @opentelemetry/api is resolved once, here: without it (or with trace: "off") every emit skips the span lookup.
    traceReader: createTraceReader(o.trace),
  });

  /** Counts the record, gives it a flush epoch and admits it; see record-admission.ts. */
  function accept(t: AdmittedType, init: unknown, callerWaiter: Waiter | undefined): void {
    const begun = route.begin(t.topic, callerWaiter);
    if (begun === undefined) return;
    try {
      admit(t, init, begun.epoch, begun.waiter);
    } catch (bug) {
      // A logwire bug must neither reach the caller nor leave the record
      // pending (flush would wait for it forever): count it and report it.
      outcomes.report(LogwireError.from(bug));
      outcomes.drop(t.topic, "internal", begun.epoch, begun.waiter, LogwireError.from(bug));
    }
  }

  let removeSignalHandlers = (): void => {};
  let closePromise: Promise<void> | undefined;

  function close(): Promise<void> {
    closePromise ??= route.close(o.closeTimeoutMs).then(() => {
      removeSignalHandlers();
      metrics.release();
    });
    return closePromise;
  }

  if (o.connect === "background") {
    route.connectInBackground();
  } else {
    try {
      await route.connect();
    } catch (caught) {
      metrics.release();
      throw caught;
    }
  }
  if (o.handleSignals) removeSignalHandlers = installSignalHandlers(close);

  return {
    emitter<Desc extends DescMessage>(descriptor: LogDescriptor<Desc>): Emitter<Desc> {
      if (!isLogDescriptor(descriptor)) {
        throw new LogwireError(ErrorCode.InvalidOption, "not a generated log descriptor", {
          path: "emitter(descriptor)",
          fix: "pass a descriptor from a *_logwire.ts file generated by this version's protoc-gen-logwire (e.g. PaymentAuditLog); after upgrading logwire, run buf generate again",
        });
      }
      const t = types.typeOf(descriptor as LogDescriptor);
      return createEmitter(descriptor, (init, waiter) => accept(t, init, waiter), (bug) => outcomes.report(LogwireError.from(bug)));
    },
    flush: () => route.flush(),
    close,
    stats: () => route.stats(),
    metricsRegistry: metrics.registry,
  };
}
