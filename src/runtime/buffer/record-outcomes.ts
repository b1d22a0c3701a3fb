import { createDeadLetterLimits } from "../dead-letter/dead-letter-limits.ts";
import { boundValue, createDeadLetterRecord, deadLetterBytes, DEAD_LETTER_BOUNDS, type DeadLetterValueFormat } from "../dead-letter/dead-letter.ts";
import { deliveryUnknownError, isDeliveryUnknown } from "../transport/delivery-unknown.ts";
import { DROP_REASONS, dropError, type DropReason } from "./drop-reasons.ts";
import { ErrorCode, LogwireError } from "../errors.ts";
import type { HeldLogRecord, RouteLane } from "./log-type.ts";
import type { RecordHeaders } from "../record-headers.ts";
import type { PipelineMetrics } from "../metrics/metrics.ts";
import type { createStatsBook } from "../metrics/pipeline-stats.ts";
import type { Waiter } from "./record-buffer.ts";
import type { TransportRecord } from "../transport/transport.ts";
import { frame } from "../registry/wire-format.ts";

/** A dead-letter record waiting to be written. */
export interface DeadLetterEntry {
  readonly topic: string;
  readonly record: TransportRecord;
  readonly bytes: number;
  /** Most bytes of dead letters for `topic` in one request (the topic's limit); none when unknown. */
  readonly batchLimit?: number;
  /**
   * Called once: null when the DLQ acked it, else why it could not be written,
   * marked by `markDeliveryUnknown` when an attempt may have written it.
   */
  readonly done: (error: LogwireError | null) => void;
}

export interface RecordOutcomesOptions {
  readonly book: ReturnType<typeof createStatsBook>;
  readonly metrics: PipelineMetrics;
  /** The pipeline's `onError` hook; `report` calls it in a microtask, never in the caller's stack. */
  readonly onError: (error: LogwireError) => void;
  /** A record of flush epoch `e` settled (dropped, dead-lettered or unknown). */
  readonly settled: (e: number) => void;
  /** Hands a dead-letter record to the sender. */
  readonly sendDeadLetter: (entry: DeadLetterEntry) => void;
  /** Bound of bytes on their way to dead-letter topics; past it, records are dropped as `dlq_full`. */
  readonly dlqMaxBytes: number;
  /**
   * The pipeline's maxRecordBytes: dead letters stay under it (or 4 KiB)
   * when their topic's own limit cannot be read (dead-letter-limits.ts).
   */
  readonly maxRecordBytes: number;
  /** A dead-letter topic's `max.message.bytes` (the transport's `maxMessageBytes`): dead letters are built to fit it. */
  readonly maxMessageBytes?: ((topic: string) => Promise<number | undefined>) | undefined;
}

/** Counted for a dead letter's headers while it waits for its topic's limit (once built, its real size counts). */
const HEADERS_ESTIMATE_BYTES = 4096;

/**
 * How a record that is not acked leaves the books: dropped (counted by
 * reason), dead-lettered (counted by error code once the DLQ acked it), or
 * unknown (logwire gave up after its request reached the broker unanswered;
 * see delivery-unknown.ts). Whichever it is, its `emitAndWait` caller is
 * rejected and its flush epoch settles, so `flush()` never waits for it.
 */
export function createRecordOutcomes(options: RecordOutcomesOptions) {
  const { book, metrics, settled } = options;
  let dlqBytes = 0;
  const limits = createDeadLetterLimits({ lookup: options.maxMessageBytes, maxRecordBytes: options.maxRecordBytes });

  function report(error: LogwireError): void {
    queueMicrotask(() => options.onError(error));
  }

  /** `e` is undefined for a record that never got an epoch (emitted after close). */
  function drop(topic: string, reason: DropReason, e: number | undefined, waiter: Waiter | undefined, error?: LogwireError): void {
    book.dropped(reason);
    metrics.dropped(topic, reason);
    waiter?.reject(error ?? dropError(topic, reason));
    if (e !== undefined) settled(e);
  }

  /**
   * Records of one request that logwire gave up on although the broker may
   * have written them (`cause` is marked by `markDeliveryUnknown`): counted
   * `unknown`, never dropped. Their waiters, and `onError` once per topic,
   * get a `delivery_unknown` error.
   */
  function unknown(records: readonly HeldLogRecord[], cause: LogwireError): void {
    const byTopic = new Map<string, HeldLogRecord[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic);
      if (list === undefined) byTopic.set(r.topic, [r]);
      else list.push(r);
    }
    for (const [topic, list] of byTopic) {
      const error = deliveryUnknownError(topic, list.length, cause);
      metrics.deliveryUnknown(topic, list.length);
      for (const r of list) {
        book.unknown();
        r.waiter?.reject(error);
        settled(r.epoch);
      }
      report(error);
    }
  }

  /**
   * Writes a dead letter for the record to `type.dlqTopic`, built to fit
   * that topic (dead-letter.ts); the first one of a topic waits until the
   * topic's limit is read. Past `dlqMaxBytes` on their way, it is dropped
   * as `dlq_full`. `headers` are the record's own (its span's `traceparent`
   * and `tracestate`), carried by the dead letter; undefined for none.
   */
  function deadLetter(type: RouteLane, e: number, waiter: Waiter | undefined, error: LogwireError, key: Buffer | null, value: Uint8Array, format: DeadLetterValueFormat, headers: RecordHeaders | undefined): void {
    // Kept only as far as any dead letter can keep them, while it waits.
    const kept = boundValue(value, format, DEAD_LETTER_BOUNDS.value);
    const keptKey = key === null || key.length <= DEAD_LETTER_BOUNDS.key ? key : key.subarray(0, DEAD_LETTER_BOUNDS.key);
    const held = kept.length + (keptKey?.length ?? 0) + HEADERS_ESTIMATE_BYTES;
    if (dlqBytes + held > options.dlqMaxBytes) {
      dlqFull(type, e, waiter, error);
      return;
    }
    dlqBytes += held;
    // As known when the record failed, like the value's format.
    const schemaId = type.schema?.id ?? (error.details?.["registeredId"] as number | undefined);
    limits.withBound(type.dlqTopic, (maxBytes) => {
      dlqBytes -= held;
      const record = createDeadLetterRecord({
        error,
        originalTopic: type.topic,
        typeName: type.typeName,
        subject: type.subject,
        schemaId,
        key: keptKey,
        keyBytes: key?.length ?? 0,
        value: kept,
        valueBytes: value.length,
        valueFormat: format,
        maxBytes,
        headers,
      });
      send(type, e, waiter, error, record, deadLetterBytes(record), maxBytes);
    });
  }

  function dlqFull(type: RouteLane, e: number, waiter: Waiter | undefined, error: LogwireError): void {
    report(new LogwireError(ErrorCode.BufferFull, `dead-letter queue for ${type.dlqTopic} is full; record dropped`, { fix: DROP_REASONS.dlq_full.fix, cause: error }));
    drop(type.topic, "dlq_full", e, waiter, error);
  }

  function send(type: RouteLane, e: number, waiter: Waiter | undefined, error: LogwireError, record: TransportRecord, bytes: number, batchLimit: number): void {
    if (dlqBytes + bytes > options.dlqMaxBytes) {
      dlqFull(type, e, waiter, error);
      return;
    }
    dlqBytes += bytes;
    report(error);
    options.sendDeadLetter({
      topic: type.dlqTopic,
      record,
      bytes,
      batchLimit,
      done: (dlqError) => {
        dlqBytes -= bytes;
        if (dlqError === null) {
          book.deadLettered(error.code);
          metrics.deadLettered(type.topic, error.code);
          waiter?.reject(error);
          settled(e);
        } else if (isDeliveryUnknown(dlqError)) {
          // Its dead-letter record may be in the DLQ: neither dead-lettered nor dropped.
          const unknownError = deliveryUnknownError(type.topic, 1, dlqError, { topic: type.dlqTopic, error });
          book.unknown();
          metrics.deliveryUnknown(type.topic, 1);
          report(unknownError);
          waiter?.reject(unknownError);
          settled(e);
        } else {
          metrics.dlqFailed(type.topic);
          report(new LogwireError(dlqError.code, `could not write to dead-letter topic ${type.dlqTopic}: ${dlqError.rawMessage} (a dead letter of ${bytes} bytes, built to fit ${batchLimit})`, { fix: DROP_REASONS.dlq_failed.fix, details: { ...dlqError.details, deadLetterBytes: bytes, maxBytes: batchLimit }, cause: dlqError }));
          drop(type.topic, "dlq_failed", e, waiter, error);
        }
      },
    });
  }

  /** Dead-letters an encoded payload: framed once the type has a header, else bare Protobuf (no schema id yet). */
  function deadLetterPayload(type: RouteLane, e: number, waiter: Waiter | undefined, error: LogwireError, key: Buffer | null, payload: Uint8Array, headers: RecordHeaders | undefined): void {
    if (type.header === undefined) deadLetter(type, e, waiter, error, key, payload, "protobuf", headers);
    else deadLetter(type, e, waiter, error, key, frame(type.header, payload), "framed", headers);
  }

  return {
    report,
    drop,
    unknown,
    deadLetter,
    deadLetterPayload,
    deadLetterHeld(r: HeldLogRecord, error: LogwireError): void {
      deadLetterPayload(r.type, r.epoch, r.waiter, error, r.key, r.payload, r.headers);
    },
  };
}

export type RecordOutcomes = ReturnType<typeof createRecordOutcomes>;
