import type { DeadLetterEntry } from "./batcher.ts";
import { createDeadLetterRecord, type DeadLetterValueFormat } from "./dead-letter.ts";
import { ErrorCode, LogwireError } from "./errors.ts";
import type { HeldLogRecord, LogType } from "./log-type.ts";
import type { PipelineMetrics } from "./metrics.ts";
import type { createStatsBook } from "./pipeline-stats.ts";
import type { Waiter } from "./record-buffer.ts";
import { frame } from "./wire-format.ts";

export interface RecordOutcomesOptions {
  readonly book: ReturnType<typeof createStatsBook>;
  readonly metrics: PipelineMetrics;
  /** The pipeline's `onError` hook; `report` calls it in a microtask, never in the caller's stack. */
  readonly onError: (error: LogwireError) => void;
  /** A record of flush epoch `e` settled (dropped or dead-lettered). */
  readonly settled: (e: number) => void;
  /** Hands a dead-letter record to the sender. */
  readonly sendDeadLetter: (entry: DeadLetterEntry) => void;
  /** Bound of bytes on their way to dead-letter topics; past it, records are dropped as `dlq_full`. */
  readonly dlqMaxBytes: number;
  /** The pipeline's maxRecordBytes: dead-letter values are cut to fit below it. */
  readonly maxRecordBytes: number;
}

/**
 * How a record that is not acked leaves the books: dropped (counted by
 * reason) or dead-lettered (counted by error code once the DLQ acked it).
 * Either way its `emitAndWait` caller is rejected and its flush epoch
 * settles, so `flush()` never waits for it.
 */
export function createRecordOutcomes(options: RecordOutcomesOptions) {
  const { book, metrics, settled } = options;
  let dlqBytes = 0;

  function report(error: LogwireError): void {
    queueMicrotask(() => options.onError(error));
  }

  /** `e` is undefined for a record that never got an epoch (emitted after close). */
  function drop(topic: string, reason: string, e: number | undefined, waiter: Waiter | undefined, error?: LogwireError): void {
    book.dropped(reason);
    metrics.dropped(topic, reason);
    waiter?.reject(error ?? new LogwireError(reason === "closed" ? ErrorCode.Closed : ErrorCode.BufferFull, `record for ${topic} dropped: ${reason}`, {
      fix: reason === "closed" ? "emit before close()" : "raise buffer.maxBytes, lower the emit rate, or choose another buffer.overflow policy",
    }));
    if (e !== undefined) settled(e);
  }

  function deadLetter(type: LogType, e: number, waiter: Waiter | undefined, error: LogwireError, key: Buffer | null, value: Uint8Array, format: DeadLetterValueFormat): void {
    const record = createDeadLetterRecord({
      error,
      originalTopic: type.topic,
      typeName: type.descriptor.typeName,
      subject: type.descriptor.subject,
      schemaId: type.schema?.id ?? (error.details?.["registeredId"] as number | undefined),
      key,
      value,
      valueFormat: format,
      maxValueBytes: Math.min(65536, options.maxRecordBytes - 16384),
    });
    const bytes = record.value.length + 4096;
    if (dlqBytes + bytes > options.dlqMaxBytes) {
      report(new LogwireError(ErrorCode.BufferFull, `dead-letter queue for ${type.dlqTopic} is full; record dropped`, { fix: "check why the dead-letter topic is slow or failing", cause: error }));
      drop(type.topic, "dlq_full", e, waiter, error);
      return;
    }
    dlqBytes += bytes;
    report(error);
    options.sendDeadLetter({
      topic: type.dlqTopic,
      record,
      bytes,
      done: (dlqError) => {
        dlqBytes -= bytes;
        if (dlqError === null) {
          book.deadLettered(error.code);
          metrics.deadLettered(type.topic, error.code);
          waiter?.reject(error);
          settled(e);
        } else {
          metrics.dlqFailed(type.topic);
          report(new LogwireError(ErrorCode.BrokerUnavailable, `could not write to dead-letter topic ${type.dlqTopic}: ${dlqError.message}`, { fix: "check the dead-letter topic exists and is writable", cause: dlqError }));
          drop(type.topic, "dlq_failed", e, waiter, error);
        }
      },
    });
  }

  /** Dead-letters an encoded payload: framed once the type has a header, else bare Protobuf (no schema id yet). */
  function deadLetterPayload(type: LogType, e: number, waiter: Waiter | undefined, error: LogwireError, key: Buffer | null, payload: Uint8Array): void {
    if (type.header === undefined) deadLetter(type, e, waiter, error, key, payload, "protobuf");
    else deadLetter(type, e, waiter, error, key, frame(type.header, payload), "framed");
  }

  return {
    report,
    drop,
    deadLetter,
    deadLetterPayload,
    deadLetterHeld(r: HeldLogRecord, error: LogwireError): void {
      deadLetterPayload(r.type, r.epoch, r.waiter, error, r.key, r.payload);
    },
  };
}

export type RecordOutcomes = ReturnType<typeof createRecordOutcomes>;
