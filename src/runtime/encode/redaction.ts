import * as crypto from "node:crypto";

/**
 * Replacements for fields marked `(logwire.v1.field).redact`. Generated
 * `redact` functions call these before a record is encoded, so personal data
 * never reaches Kafka.
 *
 * Empty strings stay empty: there is nothing to hide, and replacing them would
 * make an unset field look set.
 */

/** Prefix of hashed values, so readers can tell a hash from a real value. */
export const REDACTED_HASH_PREFIX = "sha256:";

/** What a masked string becomes. */
export const REDACTED_MASK = "***";

/**
 * `REDACTION_HASH`: "sha256:" and the first 16 hex digits (64 bits) of the
 * SHA-256 of the UTF-8 value. Equal inputs give equal outputs, so redacted
 * values can still be joined and counted. This is pseudonymisation, not
 * anonymisation: low-entropy values (e-mail addresses) can be guessed by
 * hashing candidates.
 */
export function redactHash(value: string): string {
  if (value === "") {
    return "";
  }
  return REDACTED_HASH_PREFIX + sha256Hex(value).slice(0, 16);
}

/**
 * Hex SHA-256 of a string's UTF-8 bytes. `crypto.hash` (Node >= 20.12) is the
 * one-shot form: no `Hash` object per redacted value on this hot path
 * (BENCHMARKS.md, "What was changed" 3); older Node 20 releases lack it.
 */
const sha256Hex: (value: string) => string =
  typeof crypto.hash === "function"
    ? (value) => crypto.hash("sha256", value, "hex")
    : (value) => crypto.createHash("sha256").update(value, "utf8").digest("hex");

/** `REDACTION_MASK` for strings: any non-empty value becomes "***". */
export function redactMask(value: string): string {
  return value === "" ? "" : REDACTED_MASK;
}

/** Replaces every value of a `map<K, string>` in place. */
export function redactMapValues(map: Record<string, string>, replace: (value: string) => string): void {
  for (const key of Object.keys(map)) {
    map[key] = replace(map[key] as string);
  }
}

/**
 * `list` with `redact` applied to each item, for copy-on-write redaction:
 * `list` itself when no item changes, else a new array. Never changes `list`.
 */
export function redactedList<T>(list: readonly T[], redact: (value: T) => T): T[] {
  let out: T[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const value = list[i] as T;
    const replaced = redact(value);
    if (replaced !== value) {
      out ??= list.slice();
      out[i] = replaced;
    }
  }
  return out ?? (list as T[]);
}

/**
 * `map` with `redact` applied to each value, for copy-on-write redaction:
 * `map` itself when no value changes, else a copy (own keys, in order, made
 * by spreading, so a key such as `__proto__` stays an own key). Never
 * changes `map`.
 */
export function redactedMap<T>(map: { readonly [key: string]: T }, redact: (value: T) => T): { [key: string]: T } {
  let out: { [key: string]: T } | undefined;
  for (const key of Object.keys(map)) {
    const value = map[key] as T;
    const replaced = redact(value);
    if (replaced !== value) {
      out ??= { ...map };
      out[key] = replaced;
    }
  }
  return out ?? (map as { [key: string]: T });
}
