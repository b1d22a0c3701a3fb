import type { LogwireError } from "./errors.ts";
import type { TransportRecord } from "./kafka-transport.ts";

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
  /** Present when the value was cut to fit the DLQ topic; gives the original byte length. */
  truncatedFrom: "logwire.value.truncated-from",
} as const;

export type DeadLetterValueFormat = "framed" | "protobuf" | "json";

export interface DeadLetterInit {
  readonly error: LogwireError;
  readonly originalTopic: string;
  readonly typeName: string;
  readonly subject: string;
  readonly schemaId: number | undefined;
  readonly key: Buffer | null;
  readonly value: Uint8Array;
  readonly valueFormat: DeadLetterValueFormat;
  /** Values longer than this are cut (a too-large record must still fit the DLQ). */
  readonly maxValueBytes: number;
}

/**
 * JSON that survives what a plain-JS caller can pass: bigints become decimal
 * strings, bytes become base64, cycles become "[circular]", and the output is
 * cut at `maxChars`.
 */
export function safeJson(value: unknown, maxChars = 65536): string {
  const seen = new WeakSet<object>();
  let out: string;
  try {
    out = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
      if (typeof v === "number" && !Number.isFinite(v)) return String(v);
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[circular]";
        seen.add(v);
      }
      if (typeof v === "function" || typeof v === "symbol") return String(v);
      return v;
    }) ?? "null";
  } catch (error) {
    out = JSON.stringify({ unserializable: String(error) });
  }
  return out.length > maxChars ? out.slice(0, maxChars) : out;
}

/** Builds the dead-letter record for a record that cannot be delivered. */
export function createDeadLetterRecord(init: DeadLetterInit): TransportRecord {
  const e = init.error;
  const details = { path: e.path, fix: e.fix, ...e.details };
  const headers: Record<string, string> = {
    [DLQ_HEADERS.code]: e.code,
    [DLQ_HEADERS.message]: e.message,
    [DLQ_HEADERS.originalTopic]: init.originalTopic,
    [DLQ_HEADERS.type]: init.typeName,
    [DLQ_HEADERS.subject]: init.subject,
    [DLQ_HEADERS.schemaId]: init.schemaId === undefined ? "" : String(init.schemaId),
    [DLQ_HEADERS.diagnostics]: safeJson(details, 16384),
    [DLQ_HEADERS.timestamp]: new Date().toISOString(),
    [DLQ_HEADERS.valueFormat]: init.valueFormat,
  };
  let value = init.value;
  if (value.length > init.maxValueBytes) {
    headers[DLQ_HEADERS.truncatedFrom] = String(value.length);
    value = value.subarray(0, init.maxValueBytes);
  }
  return { key: init.key, value: Buffer.from(value.buffer, value.byteOffset, value.length), headers };
}
