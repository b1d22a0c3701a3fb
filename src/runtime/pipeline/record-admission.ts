import { clone, create, isMessage, type Message } from "@bufbuild/protobuf";
import { safeJson } from "../dead-letter/dead-letter.ts";
import { ErrorCode, LogwireError } from "../errors.ts";
import type { LogDescriptor } from "../registry/log-descriptor.ts";
import type { HeldLogRecord, LogType, RouteType } from "../buffer/log-type.ts";
import type { PipelineMetrics } from "../metrics/metrics.ts";
import { checkRecord } from "../check/record-check.ts";
import { HeldRecord, RECORD_OVERHEAD_BYTES, type Waiter } from "../buffer/record-buffer.ts";
import type { RecordOutcomes } from "../buffer/record-outcomes.ts";
import { isWellFormedString, loneSurrogateCount } from "../encode/utf8-writer.ts";
import { violationSummary, type RecordValidator } from "../check/record-validation.ts";
import type { TraceContext, TraceReader } from "./trace-context.ts";
import { fillTraceFieldsMessage, fillTraceFieldsOwned, traceHeaders } from "./trace-fields.ts";
import { headerBytes, type RecordHeaders } from "../record-headers.ts";

/** A log type as admission sees it: its route lane, plus what the pipeline compiled for it at emitter(). */
export interface AdmittedType extends LogType {
  /** The type's protovalidate rules, compiled; undefined when its schema does not ask for validation or `validation: "off"`. */
  readonly validator: RecordValidator | undefined;
}

export interface RecordAdmissionOptions {
  readonly outcomes: RecordOutcomes;
  readonly metrics: PipelineMetrics;
  /** Takes a record that passed every check (into the buffer or the spool; drops it when both are full). */
  readonly enqueue: (t: LogType, record: HeldLogRecord) => void;
  /**
   * Whether `enqueue` would surely drop any record of `minBytes` or more as
   * `buffer_full` (see RecordBuffer.refuses); absent when it never does
   * (with a spool, records past the buffer go to disk).
   */
  readonly refuses?: ((minBytes: number) => boolean) | undefined;
  /** Reads the active span (trace-context.ts); undefined with `trace: "off"` or without @opentelemetry/api, so emit() pays one check. */
  readonly traceReader?: TraceReader | undefined;
}

/** The dead-letter error of a record that broke rules of its schema. */
function validationFailed(d: LogDescriptor, violations: ReturnType<RecordValidator>): LogwireError {
  const first = violations[0]!;
  return new LogwireError(ErrorCode.ValidationFailed, `${d.typeName} record breaks ${violations.length === 1 ? "a rule" : `${violations.length} rules`} of its schema: ${violationSummary(violations)}`, {
    path: first.path === "" ? "(record)" : first.path,
    fix: "emit records that meet the schema's buf.validate rules (each violation is in logwire.diagnostics), or change the rules in the .proto and run buf generate",
    details: { violations: violations.map((v) => ({ path: v.path, ruleId: v.ruleId, rule: v.rule, message: v.message, ...(v.forKey ? { forKey: true } : {}) })) },
  });
}

/**
 * Why `init` is not a valid record of `d`, or `undefined` when it is.
 * `rejected`: the generated check rejected it. Should `checkRecord` then find
 * no problem, the two disagree (generated code from another logwire
 * version?), and the record is still treated as invalid: a disagreement
 * never lets a record through that one of them rejects.
 */
function invalidRecord(d: LogDescriptor, init: unknown, rejected: boolean): LogwireError | undefined {
  const problems = checkRecord(d.schema, init);
  const first = problems[0];
  if (first === undefined) {
    if (!rejected) return undefined;
    return new LogwireError(ErrorCode.InvalidRecord, `${d.typeName} record was rejected by the generated check, but checkRecord finds no problem in it: the generated code and the runtime disagree`, {
      fix: "regenerate the code with the installed logwire (npx buf generate); a record whose getters or Proxy traps answer differently on each read disagrees too: pass plain data; else report it with this record",
    });
  }
  return new LogwireError(ErrorCode.InvalidRecord, `${d.typeName} record does not match its schema: expected ${first.expected}, received ${first.received}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`, {
    path: first.path,
    fix: "pass values of the generated types (use TypeScript, or fix the caller)",
    details: { problems },
  });
}

/**
 * The hot path: check, sample, redact, encode, size-check, enqueue. A record
 * that fails a step is dead-lettered (with its input as JSON when it could
 * not be encoded) or dropped; nothing here throws at the caller.
 */
export function createRecordAdmission(options: RecordAdmissionOptions) {
  const { outcomes, metrics, enqueue, refuses, traceReader } = options;
  return {
    /** `e` is the record's flush epoch; `waiter` is set for `emitAndWait`. */
    admit(t: AdmittedType, init: unknown, e: number, waiter: Waiter | undefined): void {
      const d = t.descriptor;
      // logwire_encode_seconds times one record in ENCODE_SAMPLE_EVERY (metrics.ts).
      const started = metrics.sampleEncode() ? performance.now() : -1;
      const altered = loneSurrogateCount();
      // The generated check decides, and returns the copy of the record that
      // is redacted, keyed and encoded: the values it checked are the values
      // written (the contract is in record-check.ts). checkRecord only
      // explains a rejection, or checks records without a generated check.
      const check = d.check;
      let record: unknown = init;
      let rejected = check === undefined;
      if (check !== undefined) {
        let checked: unknown;
        try {
          checked = check(init);
        } catch {
          // A getter or Proxy trap of the caller's threw: checkRecord says where.
          checked = undefined;
        }
        if (checked === undefined) rejected = true;
        else record = checked;
      }
      if (rejected) {
        const error = invalidRecord(d, init, check !== undefined);
        if (error !== undefined) {
          // Its dead letter carries the span's headers too. The span is read
          // here, on this path only; a record that is kept reads it below.
          const tc = traceReader?.();
          outcomes.deadLetter(t, e, waiter, error, null, Buffer.from(safeJson(init)), "json", tc === undefined ? undefined : traceHeaders(tc));
          return;
        }
      }
      if (d.sampleRate < 1 && Math.random() >= d.sampleRate) {
        outcomes.drop(t.topic, "sampled", e, waiter);
        return;
      }
      // The span active at emit(), read once per record that is kept: its
      // ids fill the trace fields the caller left empty (before validation,
      // so rules see what is sent), and it becomes the record's headers,
      // which its dead letter carries too.
      let span: TraceContext | undefined;
      let headers: RecordHeaders | undefined;
      if (traceReader !== undefined && (span = traceReader()) !== undefined) {
        headers = traceHeaders(span);
        // The check's copy is the runtime's own: filled in place. Past this
        // point `rejected` means the type has no generated check (a rejected
        // record was dead-lettered above): the message is filled and
        // validated once it exists, below.
        if (d.traceFields.length > 0 && !rejected) fillTraceFieldsOwned(d.traceFields, record as Record<string, unknown>, span);
      }
      // protovalidate runs on the caller's values, before redaction (a
      // hashed email is no email address). A record that breaks a rule is
      // still redacted and encoded: its dead letter carries the redacted
      // frame, never the caller's values in clear.
      const validator = t.validator;
      let violation: LogwireError | undefined;
      if (validator !== undefined && !rejected) {
        const violations = validator(create(d.schema, record as never) as Message);
        if (violations.length > 0) violation = validationFailed(d, violations);
      }
      // Under overload with drop-newest, a record is dropped here, before
      // redaction and encoding (most of its cost), when the buffer lacks
      // room even for the smallest record of its type encoded so far: the
      // same `buffer_full` drop, counted the same, for a fraction of the CPU.
      // Only a record smaller than every one before it could have fitted in
      // that last sliver. It was checked above, so an invalid record is still
      // dead-lettered with its diagnostics; one that would have been too
      // large is counted as buffer_full instead of record_too_large.
      if (refuses !== undefined && violation === undefined && t.failure === undefined && t.smallestRecordBytes > 0 && refuses(t.smallestRecordBytes)) {
        outcomes.drop(t.topic, "buffer_full", e, waiter);
        return;
      }
      let key: Buffer | null = null;
      let keyAltered = false;
      let payload: Uint8Array;
      try {
        // Keys are taken after redaction: a redacted key field must not reach
        // the record key in clear (a hashed value still keys consistently).
        const encodeInit = d.encodeInit;
        if (encodeInit !== undefined) {
          // Generated code takes the check's copy: no message is created, and
          // the caller's object is never changed. The copy is the runtime's
          // own, so it is redacted in place; isLogDescriptor (at emitter())
          // guarantees redactCopy wherever redact is set.
          const redacted = d.redactCopy === undefined ? record : d.redactCopy(record as never, record !== init);
          if (d.key !== undefined) {
            const text = d.key(redacted as never);
            keyAltered = !isWellFormedString(text);
            key = Buffer.from(text);
          }
          payload = encodeInit(redacted as never);
        } else {
          let message = isMessage(init, d.schema) ? (init as Message) : (create(d.schema, init as never) as Message);
          if (span !== undefined && d.traceFields.length > 0) {
            if (message === init) message = clone(d.schema, message as never) as Message;
            fillTraceFieldsMessage(d.schema, d.traceFields, message as unknown as Record<string, unknown>, span);
          }
          if (t.validator !== undefined) {
            const violations = t.validator(message);
            if (violations.length > 0) violation = validationFailed(d, violations);
          }
          if (d.redact !== undefined) {
            if (message === init) message = clone(d.schema, message as never) as Message;
            d.redact(message as never);
          }
          if (d.key !== undefined) {
            const text = d.key(message as never);
            keyAltered = !isWellFormedString(text);
            key = Buffer.from(text);
          }
          payload = t.encode(message);
        }
      } catch (caught) {
        // Accepted, yet not encodable (toBinary refusing what checkRecord
        // allowed): checkRecord names the field where it can.
        const error =
          invalidRecord(d, init, false) ??
          new LogwireError(ErrorCode.InvalidRecord, `${d.typeName} record could not be encoded: ${caught instanceof Error ? caught.message : String(caught)}`, {
            path: "(record)",
            fix: "pass values of the generated types",
            cause: caught,
          });
        outcomes.deadLetter(t, e, waiter, error, key, Buffer.from(safeJson(init)), "json", headers);
        return;
      }
      if (started >= 0) metrics.encodeSeconds((performance.now() - started) / 1000);
      if (violation !== undefined) {
        outcomes.deadLetterPayload(t, e, waiter, violation, key, payload, headers);
        return;
      }
      const size = t.headerLength + payload.length + (key?.length ?? 0) + (headers === undefined ? 0 : headerBytes(headers));
      const bytes = size + RECORD_OVERHEAD_BYTES;
      if (t.smallestRecordBytes === 0 || bytes < t.smallestRecordBytes) t.smallestRecordBytes = bytes;
      if (size > t.maxRecordBytes) {
        const error = new LogwireError(ErrorCode.RecordTooLarge, `${d.typeName} record is ${size} bytes, larger than the limit of ${t.maxRecordBytes} bytes`, {
          fix: "log less per record (split it or trim large fields), or raise maxRecordBytes and the topic's max.message.bytes",
          details: { recordBytes: size, maxRecordBytes: t.maxRecordBytes },
        });
        outcomes.deadLetterPayload(t, e, waiter, error, key, payload, headers);
        return;
      }
      if (t.failure !== undefined) {
        outcomes.deadLetterPayload(t, e, waiter, t.failure, key, payload, headers);
        return;
      }
      // A lone surrogate is written as U+FFFD, as every protobuf runtime writes it: sent, but never silently.
      if (keyAltered || loneSurrogateCount() !== altered) metrics.valuesAltered(t.topic, "lone_surrogate");
      enqueue(t, new HeldRecord<RouteType>(t, t.topic, key, payload, headers, bytes, e, waiter));
    },
  };
}
