import type { JsonValue } from "@bufbuild/protobuf";
import type { IHeaders } from "kafkajs";
import { isLogwireError } from "../runtime/errors.ts";
import type { DecodedRecord } from "./decode/schema-decoder.ts";
import type { Style } from "./output.ts";

/**
 * One line per record for `logwire tail`, in text or JSON.
 *
 * Text: `<topic>/<partition>@<offset> key=<key> id=<schema id> <type> <json>`;
 * keys, type names and messages are escaped (terminalSafe), so a record is one line.
 * and, for a record that does not decode, `... ERROR <code>: <reason>` with
 * the first bytes in hex, so a malformed record is visible without crashing.
 * Headers follow on the same line as `headers={...}` when shown.
 *
 * A decoded record with values that have no JSON form (a Timestamp after
 * year 9999) shows them as their plain fields, then `PROBLEM <path>: <why>`.
 *
 * A dead letter shows `dead letter (<format> value) <value>`, with
 * `, truncated from <n> bytes` when its value was shortened.
 *
 * JSON (`--json`): one object per line with `topic`, `partition`, `offset`,
 * `timestamp`, `key`, then `schemaId`, `messageIndexes`, `type`, `value` and
 * `problems: [{path, message}]` when there are any, or
 * `error: {code, message}`, or for a dead letter `valueFormat`, `value` and
 * `truncatedFrom` when shortened; and `headers` when shown.
 */
export interface TailRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders | undefined;
}

export type DecodeOutcome =
  | { readonly ok: true; readonly record: DecodedRecord }
  | { readonly ok: false; readonly error: unknown }
  /**
   * A dead letter whose value is not a frame (`logwire.value.format` json or
   * protobuf), or was shortened (`logwire.value.truncated-from`): shown as it is.
   */
  | { readonly ok: "dead-letter"; readonly format: string; readonly json: JsonValue | undefined; readonly truncatedFrom?: number };

/**
 * Dead letters of records that never became a frame carry
 * `logwire.value.format: json` (the caller's input) or `protobuf` (payload
 * without a frame: its schema id never resolved). They are not malformed,
 * and neither is a frame cut to fit the dead-letter topic
 * (`logwire.value.truncated-from`): it is shown as truncated, not decoded.
 */
export function deadLetterOutcome(headers: IHeaders | undefined, value: Buffer | null): DecodeOutcome | undefined {
  const format = headers?.["logwire.value.format"]?.toString();
  const from = Number(headers?.["logwire.value.truncated-from"]?.toString() ?? Number.NaN);
  const truncated = Number.isSafeInteger(from) && from >= 0 ? { truncatedFrom: from } : {};
  if (format === undefined || (format === "framed" && truncated.truncatedFrom === undefined) || value === null) {
    return undefined;
  }
  if (format === "json") {
    try {
      return { ok: "dead-letter", format, json: JSON.parse(value.toString("utf8")) as JsonValue, ...truncated };
    } catch {
      return { ok: "dead-letter", format, json: undefined, ...truncated };
    }
  }
  return { ok: "dead-letter", format, json: undefined, ...truncated };
}

/**
 * Headers are shown on a dead-letter topic (name ending in `dlq`, any case and
 * separator) and whenever a record carries `logwire.*` headers, so the
 * diagnostics the pipeline attaches are never hidden.
 */
export function shouldShowHeaders(topic: string, headers: IHeaders | undefined): boolean {
  if (/dlq$/i.test(topic) || /(^|[._-])dlq([._-]|$)/i.test(topic)) {
    return headers !== undefined && Object.keys(headers).length > 0;
  }
  return headers !== undefined && Object.keys(headers).some((k) => k.startsWith("logwire."));
}

export function headersAsStrings(headers: IHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) {
      continue;
    }
    out[key] = Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  }
  return out;
}

export function errorParts(error: unknown): { code: string; message: string } {
  if (isLogwireError(error)) {
    return { code: error.code, message: error.rawMessage };
  }
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}

function hexPreview(value: Buffer | null): string {
  if (value === null) {
    return "(null value)";
  }
  const shown = value.subarray(0, 16).toString("hex").replace(/(..)(?!$)/g, "$1 ");
  return `(${value.length} bytes: ${shown}${value.length > 16 ? " ..." : ""})`;
}

export function formatJsonLine(record: TailRecord, outcome: DecodeOutcome, showHeaders: boolean): string {
  const out: Record<string, JsonValue> = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(Number(record.timestamp)).toISOString(),
    key: record.key === null ? null : record.key.toString(),
  };
  if (outcome.ok === "dead-letter") {
    out["valueFormat"] = outcome.format;
    out["value"] = outcome.json ?? (record.value === null ? null : record.value.toString("base64"));
    if (outcome.truncatedFrom !== undefined) out["truncatedFrom"] = outcome.truncatedFrom;
  } else if (outcome.ok) {
    out["schemaId"] = outcome.record.schemaId;
    out["messageIndexes"] = [...outcome.record.messageIndexes];
    out["type"] = outcome.record.typeName;
    out["value"] = outcome.record.json;
    if (outcome.record.problems !== undefined) {
      out["problems"] = outcome.record.problems.map((p) => ({ path: p.path, message: p.message }));
    }
  } else {
    out["error"] = { ...errorParts(outcome.error), bytes: record.value === null ? 0 : record.value.length };
  }
  if (showHeaders && record.headers !== undefined) {
    out["headers"] = headersAsStrings(record.headers);
  }
  return JSON.stringify(out);
}

/**
 * Characters a terminal may act on instead of printing: C0 and C1 controls
 * (newline, ESC, CSI), DEL, the line and paragraph separators, and the
 * bidirectional overrides that reorder what follows them.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A producer's text (key, type name, error message) as one safe token: as
 * it is when it holds nothing a terminal acts on and no space or quote,
 * else quoted with those characters escaped. One record stays one line.
 */
export function terminalSafe(text: string): string {
  return text !== "" && !/[\s"\\]/.test(text) && text.match(UNSAFE) === null ? text : `"${escapeUnsafe(text.replace(/[\\"]/g, "\\$&"))}"`;
}

/** JSON for a text line: JSON.stringify escapes C0 controls; this also escapes C1, separators and bidi overrides (all inside strings, so it stays valid JSON). */
function safeJson(value: unknown): string {
  return escapeUnsafe(JSON.stringify(value));
}

export function formatTextLine(record: TailRecord, outcome: DecodeOutcome, showHeaders: boolean, style: Style): string {
  const where = style.dim(`${record.topic}/${record.partition}@${record.offset}`);
  const key = record.key === null ? "" : ` key=${terminalSafe(record.key.toString())}`;
  const headers = showHeaders && record.headers !== undefined ? ` headers=${safeJson(headersAsStrings(record.headers))}` : "";
  if (outcome.ok === "dead-letter") {
    const shown = outcome.json === undefined ? hexPreview(record.value) : safeJson(outcome.json);
    const truncated = outcome.truncatedFrom === undefined ? "" : `, truncated from ${outcome.truncatedFrom} bytes`;
    return `${where}${key} dead letter (${outcome.format} value${truncated}) ${shown}${headers}`;
  }
  if (outcome.ok) {
    const { schemaId, typeName, json, problems } = outcome.record;
    const shown = problems === undefined ? "" : ` ${style.red("PROBLEM")} ${escapeUnsafe(problems.map((p) => `${p.path}: ${p.message}`).join("; "))}`;
    return `${where}${key} id=${schemaId} ${style.bold(terminalSafe(typeName))} ${safeJson(json)}${shown}${headers}`;
  }
  const { code, message } = errorParts(outcome.error);
  return `${where}${key} ${style.red(`ERROR ${code}`)}: ${escapeUnsafe(message)} ${hexPreview(record.value)}${headers}`;
}
