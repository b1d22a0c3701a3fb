import { ErrorCode, LogwireError } from "../errors.ts";

/**
 * Why a record was dropped: the `reason` label of `logwire_dropped_total`
 * and the keys of `stats().dropped`. Adding one means adding its row to
 * DROP_REASONS below; the compiler asks for it.
 */
export type DropReason =
  | "sampled"
  | "buffer_full"
  | "block_timeout"
  | "closed"
  | "close_timeout"
  | "delivery_timeout"
  | "dlq_full"
  | "dlq_failed"
  | "internal"
  | "spool_full"
  | "spool_failed"
  | "spool_torn";

export interface DropReasonInfo {
  /** The code of the error an `emitAndWait` caller gets when no other error caused the drop. */
  readonly code: ErrorCode;
  /** Whether emitting the same record later may succeed. */
  readonly retriable: boolean;
  /** What happened, after "record for <topic> dropped (<reason>): ". */
  readonly what: string;
  /** The fix, in one sentence. */
  readonly fix: string;
}

/** Every drop reason with its code and fix: the one place they are written. */
export const DROP_REASONS: { readonly [R in DropReason]: DropReasonInfo } = {
  sampled: {
    code: ErrorCode.Sampled,
    retriable: false,
    what: "its type's sample_rate left it out",
    fix: "raise the (logwire.v1.log).sample_rate option of the message, or leave it unset to keep every record",
  },
  buffer_full: {
    code: ErrorCode.BufferFull,
    retriable: true,
    what: "the buffer was full",
    fix: "raise buffer.maxBytes, lower the emit rate, or choose another buffer.overflow policy",
  },
  block_timeout: {
    code: ErrorCode.BufferFull,
    retriable: true,
    what: "it waited buffer.blockTimeoutMs for room in the buffer",
    fix: "raise buffer.blockTimeoutMs or buffer.maxBytes, lower the emit rate, or check why the broker is slow",
  },
  closed: {
    code: ErrorCode.Closed,
    retriable: false,
    what: "it was emitted after close()",
    fix: "emit before close()",
  },
  close_timeout: {
    code: ErrorCode.Closed,
    retriable: false,
    what: "close() gave up while it waited to be sent",
    fix: "raise closeTimeoutMs, or check why the broker is slow or unreachable",
  },
  delivery_timeout: {
    code: ErrorCode.DeliveryTimeout,
    retriable: true,
    what: "it was not acked within deliveryTimeoutMs of its emit(), across every retry",
    fix: "check why the brokers are unreachable or slow, raise deliveryTimeoutMs, or set buffer.spool to keep records on disk past it",
  },
  dlq_full: {
    code: ErrorCode.BufferFull,
    retriable: true,
    what: "the dead letters on their way to the dead-letter topic already filled buffer.maxBytes",
    fix: "check why the dead-letter topic is slow or failing",
  },
  dlq_failed: {
    code: ErrorCode.BrokerUnavailable,
    retriable: false,
    what: "its dead letter could not be written",
    fix: "check that the dead-letter topic exists, is writable and accepts records of the size given",
  },
  internal: {
    code: ErrorCode.Internal,
    retriable: false,
    what: "logwire failed on it (a bug)",
    fix: "report it with the error passed to onError",
  },
  spool_full: {
    code: ErrorCode.BufferFull,
    retriable: true,
    what: "the buffer and the disk spool were full",
    fix: "raise buffer.spool.maxBytes or buffer.maxBytes, or lower the emit rate",
  },
  spool_failed: {
    code: ErrorCode.Environment,
    retriable: true,
    what: "the disk spool could not write it",
    fix: "check the spool directory's disk: free space, permissions, errors passed to onError",
  },
  spool_torn: {
    code: ErrorCode.Environment,
    retriable: false,
    what: "it was in the disk spool behind a corrupt record",
    fix: "check the spool directory's disk for errors; the records behind a corrupt one cannot be read back",
  },
};

/** The error for an `emitAndWait` caller whose record was dropped for `reason`, when no other error caused it. */
export function dropError(topic: string, reason: DropReason): LogwireError {
  const info = DROP_REASONS[reason];
  return new LogwireError(info.code, `record for ${topic} dropped (${reason}): ${info.what}`, { retriable: info.retriable, fix: info.fix, details: { reason } });
}
