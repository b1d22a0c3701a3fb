import type { DescMessage } from "@bufbuild/protobuf";
import type { Registry } from "prom-client";
import { createBatcher } from "../buffer/batcher.ts";
import { isDeliveryUnknown } from "../transport/delivery-unknown.ts";
import { createEmitter, type Emitter } from "./emitter.ts";
import { ErrorCode, LogwireError } from "../errors.ts";
import { createFlushEpochs } from "../buffer/flush-epochs.ts";
import { createKafkaTransport } from "../kafka/kafkajs/kafka-transport.ts";
import { createWorkerTransport, workerCanCarry } from "../kafka/worker/worker-transport.ts";
import { isLogDescriptor, type LogDescriptor } from "../registry/log-descriptor.ts";
import type { HeldLogRecord, LogType } from "../buffer/log-type.ts";
import { createLogTypes } from "./log-types.ts";
import { createPipelineMetrics } from "../metrics/metrics.ts";
import { resolveOptions, type PipelineOptions } from "./pipeline-options.ts";
import { createStatsBook, type PipelineStats } from "../metrics/pipeline-stats.ts";
import { createRecordAdmission } from "./record-admission.ts";
import { RecordBuffer, type Waiter } from "../buffer/record-buffer.ts";
import { createRecordOutcomes } from "../buffer/record-outcomes.ts";
import { REGISTRY_TIMEOUT_MS } from "../registry/registry-fetch.ts";
import { createSchemaResolver } from "../registry/schema-registration.ts";
import { installSignalHandlers } from "./signal-handlers.ts";
import { createSpoolBridge, openSpool, type SpoolBridge } from "./spool-bridge.ts";

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
 * option path), registers the compression codecs and connects the producer.
 *
 * A record goes emitter → admission (record-admission.ts) → buffer (or disk
 * spool, spool-bridge.ts) → batcher → transport; every record that is not
 * acked ends in record-outcomes.ts (dropped, dead-lettered or unknown).
 */
export async function createPipeline(options: PipelineOptions): Promise<Pipeline> {
  const o = resolveOptions(options);
  const transport = o.transport ?? (o.producerThread === "worker" && workerCanCarry(o) ? createWorkerTransport(o) : createKafkaTransport(o));
  const book = createStatsBook();
  let closed = false;
  let givingUp = false;
  let closePromise: Promise<void> | undefined;

  const epochs = createFlushEpochs();
  const epochDone = (e: number): void => epochs.done(e);

  const buffer: RecordBuffer<LogType> = new RecordBuffer<LogType>({
    maxBytes: o.bufferMaxBytes,
    overflow: o.overflow,
    blockTimeoutMs: o.blockTimeoutMs,
    onDrop: (r, reason) => outcomes.drop(r.topic, reason, r.epoch, r.waiter),
    onAdmit: () => batcher.kick(),
  });
  // Opened before the metrics, so a spool that fails to open registers none in a caller's registry.
  const spool = o.spool === undefined ? undefined : await openSpool(o.spool, () => spoolBridge!);
  const metrics = createPipelineMetrics({
    registry: o.metricsRegistry,
    prefix: o.metricsPrefix,
    queue: () => ({ lengthByTopic: buffer.lengthByTopic, bytes: buffer.heldBytes, capacityBytes: o.bufferMaxBytes }),
    ...(spool === undefined ? {} : { spoolBytes: () => spool.bytes }),
  });
  const resolver = createSchemaResolver({
    url: o.registry?.url,
    auth: o.registry?.auth,
    requestTimeoutMs: o.registry?.requestTimeoutMs ?? REGISTRY_TIMEOUT_MS,
    mode: o.schemaMode,
    ids: o.schemaIds,
    onCall: (op, outcome) => metrics.registryCall(op, outcome),
    // Signs that the registry lost state: cached ids are re-verified (schema-reverify.ts).
    onSuspect: (signal) => types.registrySignal(signal),
  });
  const outcomes = createRecordOutcomes({
    book,
    metrics,
    onError: (error) => o.onError(error),
    settled: epochDone,
    sendDeadLetter: (entry) => batcher.deadLetter(entry),
    dlqMaxBytes: o.bufferMaxBytes,
    maxRecordBytes: o.maxRecordBytes,
    maxMessageBytes: transport.maxMessageBytes?.bind(transport),
  });
  const { report, drop } = outcomes;

  const batcher = createBatcher<LogType>({
    buffer,
    transport,
    types: () => types.values(),
    lingerMs: o.lingerMs,
    batchMaxBytes: o.batchMaxBytes,
    urgent: () => epochs.waiting || closed || awaiting > 0,
    givingUp: () => givingUp,
    onRequest: (batches, bytes) => {
      for (const b of batches) metrics.produceRequests(b.topic, b.records.length);
      metrics.batchBytes(bytes);
    },
    onAcked: (records) => {
      book.acked(records.length);
      const byTopic = new Map<string, number>();
      for (const r of records) {
        byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1);
        buffer.settle(r);
        r.waiter?.resolve();
        epochDone(r.epoch);
      }
      for (const [topic, n] of byTopic) metrics.produceSuccess(topic, n);
      // After settling: feed() reads only once a quarter of the buffer is
      // free, and nothing else calls it when this request freed that quarter.
      spoolBridge?.feed();
    },
    onRetriableError: (records, error) => {
      countErrors(records);
      report(error);
    },
    onFailed: (records, error) => {
      countErrors(records);
      for (const r of records) buffer.settle(r);
      // Given up on after the request may have been written: neither dropped nor dead-lettered.
      if (givingUp && error.retriable && isDeliveryUnknown(error)) outcomes.unknown(records, error);
      else {
        for (const r of records) {
          if (givingUp && error.retriable) drop(r.topic, "close_timeout", r.epoch, r.waiter, error);
          else outcomes.deadLetterHeld(r, error);
        }
      }
      spoolBridge?.feed();
    },
  });

  function countErrors(records: readonly HeldLogRecord[]): void {
    const byTopic = new Map<string, number>();
    for (const r of records) byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1);
    for (const [topic, n] of byTopic) metrics.produceError(topic, n);
  }

  const types = createLogTypes({
    transport,
    resolver,
    buffer,
    outcomes,
    dlqTopic: o.dlqTopic,
    batchMaxBytes: o.batchMaxBytes,
    maxRecordBytes: o.maxRecordBytes,
    givingUp: () => givingUp,
    closed: () => closed,
    resolved: () => batcher.kick(),
  });

  const spoolBridge: SpoolBridge | undefined = spool === undefined ? undefined : createSpoolBridge({
    spool,
    dir: o.spool!.dir,
    buffer,
    types,
    epochs,
    outcomes,
    metrics,
    dlqTopic: o.dlqTopic,
    bufferMaxBytes: o.bufferMaxBytes,
    batchMaxBytes: o.batchMaxBytes,
    maxRecordBytes: o.maxRecordBytes,
    givingUp: () => givingUp,
  });

  const { admit } = createRecordAdmission({
    outcomes,
    metrics,
    enqueue: spoolBridge !== undefined ? spoolBridge.offer : (t, r) => {
      if (!buffer.offer(r)) drop(t.topic, "buffer_full", r.epoch, r.waiter);
    },
    refuses: spoolBridge !== undefined ? undefined : (minBytes) => buffer.refuses(minBytes),
  });

  /**
   * Records of `emitAndWait` callers not yet settled. While there are any,
   * batches go out without lingering: someone is awaiting the ack.
   */
  let awaiting = 0;

  /** Counts the record, gives it a flush epoch and admits it; see record-admission.ts. */
  function accept(t: LogType, init: unknown, callerWaiter: Waiter | undefined): void {
    book.emitted();
    let waiter = callerWaiter;
    if (callerWaiter !== undefined) {
      awaiting++;
      waiter = {
        resolve: () => {
          awaiting--;
          callerWaiter.resolve();
        },
        reject: (reason) => {
          awaiting--;
          callerWaiter.reject(reason);
        },
      };
    }
    if (closed) {
      drop(t.topic, "closed", undefined, waiter);
      return;
    }
    const e = epochs.begin();
    try {
      admit(t, init, e, waiter);
    } catch (bug) {
      // A logwire bug must neither reach the caller nor leave the record
      // pending (flush would wait for it forever): count it and report it.
      report(LogwireError.from(bug));
      drop(t.topic, "internal", e, waiter, LogwireError.from(bug));
    }
  }

  function flush(): Promise<void> {
    const flushed = epochs.flush();
    batcher.kick();
    return flushed;
  }

  let removeSignalHandlers = (): void => {};

  function close(): Promise<void> {
    closePromise ??= (async () => {
      closed = true;
      const flushed = flush().then(() => true);
      const timedOut = new Promise<boolean>((resolve) => setTimeout(resolve, o.closeTimeoutMs, false).unref());
      const inTime = await Promise.race([flushed, timedOut]);
      if (!inTime) {
        givingUp = true;
        if (spoolBridge !== undefined) await spoolBridge.leave();
        for (const r of buffer.drainQueued()) {
          drop(r.topic, "close_timeout", r.epoch, r.waiter);
        }
        const abandoned = batcher.abandonRetry();
        for (const r of abandoned.records) buffer.settle(r);
        if (abandoned.error !== undefined && isDeliveryUnknown(abandoned.error)) outcomes.unknown(abandoned.records, abandoned.error);
        else for (const r of abandoned.records) drop(r.topic, "close_timeout", r.epoch, r.waiter, abandoned.error);
        // Ends a request in flight now rather than at its timeout; the transport
        // says whether it may have been written (kafka-transport.ts), and onFailed
        // counts its records as unknown or dropped.
        const disconnected = transport.disconnect();
        await flushed;
        await disconnected;
      }
      // After everything settled, so the stored restart point is past every acked record.
      if (spool !== undefined) await spool.close();
      removeSignalHandlers();
      await transport.disconnect();
    })();
    return closePromise;
  }

  try {
    await transport.connect();
  } catch (caught) {
    await spool?.close();
    throw caught;
  }
  spoolBridge?.feed();
  if (o.handleSignals) removeSignalHandlers = installSignalHandlers(close);

  return {
    emitter<Desc extends DescMessage>(descriptor: LogDescriptor<Desc>): Emitter<Desc> {
      if (!isLogDescriptor(descriptor)) {
        throw new LogwireError(ErrorCode.InvalidOption, "not a generated log descriptor", {
          path: "emitter(descriptor)",
          fix: "pass a descriptor from a *_logwire.ts file generated by protoc-gen-logwire (e.g. PaymentAuditLog)",
        });
      }
      const t = types.typeOf(descriptor as LogDescriptor);
      return createEmitter(descriptor, (init, waiter) => accept(t, init, waiter), (bug) => report(LogwireError.from(bug)));
    },
    flush,
    close,
    stats: () => (spool === undefined ? book.snapshot(buffer.heldBytes, o.bufferMaxBytes) : book.snapshot(buffer.heldBytes, o.bufferMaxBytes, spool.records, spool.restored + spool.torn)),
    metricsRegistry: metrics.registry,
  };
}
