import { boundJsonText, boundedJson, shortText, utf8Length } from "../bounded-json.ts";
import type { LogwireError } from "../errors.ts";
import type { RecordHeaders } from "../record-headers.ts";
import type { TransportRecord } from "../transport/transport.ts";

export { safeJson } from "../bounded-json.ts";

/** Header names on every dead-letter record. */
export const DLQ_HEADERS = {
  code: "logwire.error.code",
  message: "logwire.error.message",
  originalTopic: "logwire.original.topic",
  type: "logwire.type",
  subject: "logwire.schema.subject",
  schemaId: "logwire.schema.id",
  diagnostics: "logwire.diagnostics",
  timestamp: "logwire.timestamp",
  /** `framed` (Confluent frame), `protobuf` (payload without frame: no schema id), or `json` (the input; encoding failed). */
  valueFormat: "logwire.value.format",
  /** Present when the value was shortened to fit the DLQ topic; gives the original byte length. */
  truncatedFrom: "logwire.value.truncated-from",
  /** Present when the key was cut to fit; gives the original byte length. */
  keyTruncatedFrom: "logwire.key.truncated-from",
  /** Present when headers were shortened (or a record's own header left off): their names, comma-separated (`logwire.error.message,logwire.diagnostics`). */
  headersTruncated: "logwire.headers.truncated",
} as const;

export type DeadLetterValueFormat = "framed" | "protobuf" | "json";

/**
 * Upper bounds of a dead letter's parts, in UTF-8 bytes. Together with the
 * other headers they come to under 90 KiB, a fraction of Kafka's default
 * 1 MiB `max.message.bytes`; a smaller `maxBytes` shrinks them further.
 */
export const DEAD_LETTER_BOUNDS = {
  /** The value: enough of a record to see what it was. */
  value: 65536,
  /** `logwire.diagnostics`: field paths, sizes, the registry's answer. */
  diagnostics: 16384,
  /** `logwire.error.message`: the path, what went wrong and the fix. */
  message: 2048,
  /** The key (a dead letter's key only picks its partition). */
  key: 1024,
  /** Any other header (topic, type, subject, ..., and the record's own: `traceparent`, `tracestate`). */
  header: 1024,
} as const;

/**
 * Bytes a record costs in a record batch besides its key, value and header
 * names and values: Kafka's length, attributes, timestamp and offset deltas
 * and length varints, rounded up.
 */
const RECORD_OVERHEAD_BYTES = 64;
const HEADER_OVERHEAD_BYTES = 10;
/** Room kept for headers added after the budget is set (truncation markers). */
const MARKER_ROOM_BYTES = 384;

export interface DeadLetterInit {
  readonly error: LogwireError;
  readonly originalTopic: string;
  readonly typeName: string;
  readonly subject: string;
  readonly schemaId: number | undefined;
  readonly key: Buffer | null;
  /** The original key's length when `key` was already cut (`boundValue`). */
  readonly keyBytes?: number;
  readonly value: Uint8Array;
  /** The original value's length when `value` was already shortened (`boundValue`). */
  readonly valueBytes?: number;
  readonly valueFormat: DeadLetterValueFormat;
  /** The dead letter's whole size (key, value, headers) stays at or under this, as far as the parts' floors allow. */
  readonly maxBytes: number;
  /** The record's own headers (`traceparent`, `tracestate`), carried after the `logwire.*` ones; undefined for none. */
  readonly headers?: RecordHeaders | undefined;
}

/** A dead letter's size in a record batch, as `DeadLetterInit.maxBytes` counts it. */
export function deadLetterBytes(record: TransportRecord): number {
  let n = RECORD_OVERHEAD_BYTES + (record.key?.length ?? 0) + record.value.length;
  for (const [k, v] of Object.entries(record.headers ?? {})) n += HEADER_OVERHEAD_BYTES + utf8Length(k) + utf8Length(v);
  return n;
}

/**
 * `value` in at most `maxBytes`: a JSON value shortened as JSON, others cut.
 * The result is what a dead letter may keep of it.
 */
export function boundValue(value: Uint8Array, format: DeadLetterValueFormat, maxBytes: number): Uint8Array {
  if (value.length <= maxBytes) return value;
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.length);
  return format === "json" ? Buffer.from(boundJsonText(bytes.toString("utf8"), maxBytes).text) : bytes.subarray(0, maxBytes);
}

/** A `tracestate` list member longer than this is the first to go when one must be shortened. */
const TRACESTATE_LONG_MEMBER = 128;

/**
 * A record's own header value in at most `maxBytes`, or undefined when it
 * is left off. A `tracestate` is shortened by whole list members, as the
 * spec says (W3C Trace Context, "Tracestate Limits"): members longer than
 * 128 characters go first, then members from the end. Any other header is
 * left off whole: a cut `traceparent` would name no trace, or another.
 */
function boundRecordHeader(name: string, value: string, maxBytes: number): string | undefined {
  if (utf8Length(value) <= maxBytes) return value;
  if (name !== "tracestate") return undefined;
  const members = value.split(",").filter((m) => m.length <= TRACESTATE_LONG_MEMBER);
  while (members.length > 0 && utf8Length(members.join(",")) > maxBytes) members.pop();
  return members.length === 0 ? undefined : members.join(",");
}

/**
 * The error message in at most `maxBytes`: a long path and fix are cut
 * first, so what went wrong stays readable; the `[code]` prefix is kept.
 */
function boundedMessage(e: LogwireError, maxBytes: number): string {
  if (utf8Length(e.message) <= maxBytes) return e.message;
  const rawMessage = (e as { rawMessage?: unknown }).rawMessage;
  if (typeof rawMessage !== "string") return shortText(e.message, maxBytes);
  const where = e.path === undefined ? "" : `${shortText(e.path, Math.floor(maxBytes / 8))}: `;
  const fix = e.fix === undefined ? "" : `: ${shortText(e.fix, Math.floor(maxBytes / 4))}`;
  const head = `[${e.code}] ${where}`;
  const raw = shortText(rawMessage, Math.max(0, maxBytes - utf8Length(head) - utf8Length(fix)));
  return shortText(`${head}${raw}${fix}`, maxBytes);
}

/**
 * Builds the dead-letter record for a record that cannot be delivered.
 *
 * Every header has a bound, and the whole record is kept under `maxBytes`
 * (the DLQ topic's limit): the message and diagnostics get shares of it
 * that grow up to their bounds, the value what is left. Whatever is cut
 * says so: `logwire.value.truncated-from`, `logwire.key.truncated-from`,
 * `logwire.headers.truncated`, and diagnostics shortened as JSON with
 * `"truncated": true`. A JSON value is shortened as JSON too.
 */
export function createDeadLetterRecord(init: DeadLetterInit): TransportRecord {
  const e = init.error;
  const B = DEAD_LETTER_BOUNDS;
  const cutHeaders: string[] = [];
  const headers: Record<string, string> = {};
  const put = (name: string, value: string, maxBytes: number): void => {
    const bounded = shortText(value, maxBytes);
    if (bounded !== value) cutHeaders.push(name);
    headers[name] = bounded;
  };

  let key = init.key;
  const keyBytes = init.keyBytes ?? key?.length ?? 0;
  if (key !== null && key.length > B.key) key = key.subarray(0, B.key);
  if (key !== null && keyBytes > key.length) headers[DLQ_HEADERS.keyTruncatedFrom] = String(keyBytes);
  put(DLQ_HEADERS.code, e.code, B.header);
  put(DLQ_HEADERS.originalTopic, init.originalTopic, B.header);
  put(DLQ_HEADERS.type, init.typeName, B.header);
  put(DLQ_HEADERS.subject, init.subject, B.header);
  put(DLQ_HEADERS.schemaId, init.schemaId === undefined ? "" : String(init.schemaId), B.header);
  put(DLQ_HEADERS.timestamp, new Date().toISOString(), B.header);
  put(DLQ_HEADERS.valueFormat, init.valueFormat, B.header);
  // The record's own headers, so that a dead letter joins its trace; the
  // `logwire.*` names are logwire's, whatever the record carried.
  const own: Record<string, string> = {};
  if (init.headers !== undefined) {
    for (const name in init.headers) {
      if (name.startsWith("logwire.")) continue;
      const value = init.headers[name]!;
      const bounded = boundRecordHeader(name, value, B.header);
      if (bounded !== value) cutHeaders.push(name);
      if (bounded !== undefined) own[name] = bounded;
    }
  }

  // What is left for the message, the diagnostics and the value.
  const fixed = deadLetterBytes({ key, value: Buffer.alloc(0), headers: { ...headers, ...own } }) + MARKER_ROOM_BYTES + 2 * HEADER_OVERHEAD_BYTES + utf8Length(DLQ_HEADERS.message) + utf8Length(DLQ_HEADERS.diagnostics);
  const room = Math.max(0, init.maxBytes - fixed);

  const message = boundedMessage(e, Math.min(B.message, Math.max(256, Math.floor(room / 8))));
  if (message !== e.message) cutHeaders.push(DLQ_HEADERS.message);
  headers[DLQ_HEADERS.message] = message;

  const diagnostics = boundedJson({ path: e.path, fix: e.fix, ...e.details }, Math.min(B.diagnostics, Math.max(512, Math.floor(room / 4))), { mark: true });
  if (diagnostics.truncated) cutHeaders.push(DLQ_HEADERS.diagnostics);
  headers[DLQ_HEADERS.diagnostics] = diagnostics.text;

  const valueRoom = Math.min(B.value, Math.max(0, room - utf8Length(message) - utf8Length(diagnostics.text)));
  const value = boundValue(init.value, init.valueFormat, valueRoom);
  const valueBytes = init.valueBytes ?? init.value.length;
  if (valueBytes > value.length) headers[DLQ_HEADERS.truncatedFrom] = String(valueBytes);
  if (cutHeaders.length > 0) headers[DLQ_HEADERS.headersTruncated] = cutHeaders.join(",");
  // In DLQ_HEADERS' order, as a reader (tail) shows them, then the record's own.
  const ordered: Record<string, string> = {};
  for (const name of Object.values(DLQ_HEADERS)) if (headers[name] !== undefined) ordered[name] = headers[name];
  Object.assign(ordered, own);
  return { key, value: Buffer.from(value.buffer, value.byteOffset, value.length), headers: ordered };
}
