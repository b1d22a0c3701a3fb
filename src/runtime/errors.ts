/**
 * logwire's one error class. Every error has a `code` from the fixed list
 * below, says whether retrying can help, names the offending option or field
 * path when there is one, and gives the fix in one sentence.
 *
 * The message reads `[code] what went wrong: fix`, lowercase, as in
 * protobuf-es and connect-es.
 */
export const ErrorCode = {
  /** An option passed to `createPipeline` (or a CLI flag) is invalid. */
  InvalidOption: "invalid_option",
  /** A record does not match its schema (wrong type, bad enum, overflow). */
  InvalidRecord: "invalid_record",
  /** A record breaks a protovalidate rule of its schema (`(logwire.v1.log).validate = true`); the violations are in `details`. */
  ValidationFailed: "validation_failed",
  /** An encoded record is larger than the batch or broker limit. */
  RecordTooLarge: "record_too_large",
  /** The registry rejected the schema as incompatible with a registered version. */
  SchemaIncompatible: "schema_incompatible",
  /** `use-latest`/`use-schema-id` found a registered schema that differs from the local one. */
  SchemaMismatch: "schema_mismatch",
  /** The registry subject or id does not exist. */
  SchemaNotFound: "schema_not_found",
  /** The registry refused the schema for another reason (HTTP 422 invalid schema, or another 4xx). */
  SchemaRejected: "schema_rejected",
  /** The registry could not be reached or answered with a server error. */
  RegistryUnavailable: "registry_unavailable",
  /** The broker could not be reached or a request timed out. */
  BrokerUnavailable: "broker_unavailable",
  /** The broker refused the record for good (corrupt, invalid, too large). */
  ProduceRejected: "produce_rejected",
  /**
   * The record's request reached the broker's socket and got no answer before
   * logwire gave up on it (close timed out): it may or may not be in the topic.
   */
  DeliveryUnknown: "delivery_unknown",
  /** The record was not acked within `deliveryTimeoutMs` of its `emit()`, across every retry (dropped `delivery_timeout`). */
  DeliveryTimeout: "delivery_timeout",
  /** The principal may not write to the topic or use idempotence. */
  NotAuthorized: "not_authorized",
  /** The in-memory buffer was full and the overflow policy dropped a record. */
  BufferFull: "buffer_full",
  /** The record was left out by its type's `sample_rate` (not a failure; counted as dropped `sampled`). */
  Sampled: "sampled",
  /** The pipeline was closed. */
  Closed: "closed",
  /** Bytes are not a valid Confluent frame (no magic byte, truncated, bad index). */
  MalformedFrame: "malformed_frame",
  /** The machine, not the input: a local tool (java, mvn, buf) or optional package is missing, a port is taken, the spool's disk is full or failing. */
  Environment: "environment",
  /** Anything else; a bug report is welcome. */
  Internal: "internal",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface LogwireErrorInit {
  /** Whether the same operation may succeed later. Default false. */
  readonly retriable?: boolean;
  /** Offending option or field path, e.g. `batch.maxBytes` or `payment.amount_minor`. */
  readonly path?: string;
  /** The fix, in one sentence. */
  readonly fix?: string;
  /** Structured details for the DLQ `logwire.diagnostics` header. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class LogwireError extends Error {
  override name = "LogwireError";
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly path: string | undefined;
  readonly fix: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  /** The message without the code prefix and the fix. */
  readonly rawMessage: string;

  constructor(code: ErrorCode, message: string, init: LogwireErrorInit = {}) {
    const where = init.path === undefined ? "" : `${init.path}: `;
    const fix = init.fix === undefined ? "" : `: ${init.fix}`;
    super(`[${code}] ${where}${message}${fix}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.rawMessage = message;
    this.retriable = init.retriable ?? false;
    this.path = init.path;
    this.fix = init.fix;
    this.details = init.details;
  }

  /** Wraps anything caught into a LogwireError, keeping LogwireErrors as they are. */
  static from(reason: unknown, code: ErrorCode = ErrorCode.Internal): LogwireError {
    if (isLogwireError(reason)) {
      return reason;
    }
    const message = reason instanceof Error ? reason.message : String(reason);
    return new LogwireError(code, message, { cause: reason });
  }
}

/**
 * Checks by name, not `instanceof`, so it holds when two copies of logwire are
 * loaded.
 */
export function isLogwireError(arg: unknown): arg is LogwireError {
  return (
    arg instanceof Error &&
    arg.name === "LogwireError" &&
    typeof (arg as { code?: unknown }).code === "string"
  );
}
