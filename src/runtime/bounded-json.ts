/**
 * JSON and text with a byte bound that stay readable: a dead letter's
 * headers and value must fit its topic, and a reader must still parse what
 * it gets. Text is cut on a code point and ends in "…"; JSON is shortened
 * structurally (long strings and keys cut, list and object entries left
 * off past a count, deep nesting emptied), never cut mid-token.
 */

/** What marks a cut string or text. */
export const ELLIPSIS = "…";

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/**
 * `text` in at most `maxBytes` UTF-8 bytes: as it is when it fits, else its
 * longest prefix that fits with "…" after it (cut between code points).
 */
export function shortText(text: string, maxBytes: number): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most texts need no encoding to know they fit.
  if (text.length * 3 <= maxBytes || utf8Length(text) <= maxBytes) return text;
  const room = maxBytes - utf8Length(ELLIPSIS);
  if (room <= 0) return "";
  const bytes = Buffer.from(text.slice(0, room), "utf8");
  let end = room;
  // Back up to the first byte of a code point (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8") + ELLIPSIS;
}

/**
 * JSON that survives what a plain-JS caller can pass: bigints become decimal
 * strings, bytes become base64, cycles become "[circular]", functions and
 * symbols their names. With `maxBytes`, the JSON is shortened to fit as
 * `boundedJson` does (an object gets `"truncated": true`); without, it is
 * whole.
 */
export function safeJson(value: unknown, maxBytes?: number): string {
  if (maxBytes !== undefined) return boundedJson(value, maxBytes, { mark: true }).text;
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, (_k, v: unknown) => {
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
    return JSON.stringify({ unserializable: String(error) });
  }
}

export interface BoundedJson {
  /** Valid JSON of at most `maxBytes` UTF-8 bytes, or "" when not even an emptied value fits. */
  readonly text: string;
  /** True when anything was shortened or left off. */
  readonly truncated: boolean;
}

export interface BoundedJsonOptions {
  /** Adds `"truncated": true` to a shortened object at the top, so a reader of the JSON alone knows. */
  readonly mark?: boolean;
}

/** `value` as `safeJson` writes it, shortened to at most `maxBytes` UTF-8 bytes. */
export function boundedJson(value: unknown, maxBytes: number, options: BoundedJsonOptions = {}): BoundedJson {
  return boundJsonText(safeJson(value), maxBytes, options);
}

/** JSON text shortened to at most `maxBytes` UTF-8 bytes; text that is not JSON is cut as `shortText` does. */
export function boundJsonText(text: string, maxBytes: number, options: BoundedJsonOptions = {}): BoundedJson {
  if (text.length * 3 <= maxBytes || utf8Length(text) <= maxBytes) return { text, truncated: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text: shortText(text, maxBytes), truncated: true };
  }
  for (const caps of STEPS) {
    let shrunk = shrink(parsed, caps, 0);
    if (options.mark === true && isObject(shrunk)) shrunk = { ...shrunk, truncated: true };
    const out = JSON.stringify(shrunk);
    if (utf8Length(out) <= maxBytes) return { text: out, truncated: true };
  }
  return { text: "", truncated: true };
}

interface Caps {
  /** Longest string or object key, in UTF-16 code units (before the "…"). */
  readonly text: number;
  /** Most list items or object entries kept. */
  readonly items: number;
  /** Containers deeper than this are emptied. */
  readonly depth: number;
}

/**
 * Tried in order until the JSON fits. Each step keeps about a quarter of
 * the previous one, so at most six stringifications of an already bounded
 * tree follow the first parse.
 */
const STEPS: readonly Caps[] = [
  { text: 4096, items: 1024, depth: 32 },
  { text: 1024, items: 256, depth: 16 },
  { text: 256, items: 64, depth: 8 },
  { text: 64, items: 16, depth: 4 },
  { text: 16, items: 4, depth: 2 },
  { text: 0, items: 1, depth: 1 },
  { text: 0, items: 0, depth: 0 },
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function cut(s: string, n: number): string {
  if (s.length <= n) return s;
  let end = n;
  // Never split a surrogate pair: its first half alone is not well-formed.
  const c = s.charCodeAt(end - 1);
  if (end > 0 && c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + ELLIPSIS;
}

function shrink(v: unknown, caps: Caps, depth: number): unknown {
  if (typeof v === "string") return cut(v, caps.text);
  if (Array.isArray(v)) {
    if (depth >= caps.depth) return [];
    return v.slice(0, caps.items).map((item) => shrink(item, caps, depth + 1));
  }
  if (isObject(v)) {
    // No prototype: a "__proto__" key from JSON.parse stays a plain key.
    const out = Object.create(null) as Record<string, unknown>;
    if (depth >= caps.depth) return out;
    let n = 0;
    for (const key in v) {
      if (n >= caps.items) break;
      const k = cut(key, caps.text);
      if (Object.hasOwn(out, k)) continue;
      out[k] = shrink(v[key], caps, depth + 1);
      n++;
    }
    return out;
  }
  return v;
}
