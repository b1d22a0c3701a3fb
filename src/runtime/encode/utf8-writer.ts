/**
 * Length-delimited kinds for the generated encoders: strings, bytes and the
 * unknown fields protobuf-es keeps in `$unknown` (see `proto-writer.ts` for
 * the contract). Each checks its own capacity.
 *
 * Strings are encoded exactly as `TextEncoder` encodes them, which is what
 * `toBinary` uses: a lone surrogate becomes U+FFFD (EF BF BD). A string of
 * up to 42 UTF-16 units takes at most 126 bytes, so its length prefix is one
 * byte whatever it holds: it is written in a single pass, the prefix filled
 * in afterwards. Longer strings get their UTF-8 length first; from
 * NATIVE_MIN_LENGTH units on, both the length (`Buffer.byteLength`) and the
 * bytes (`TextEncoder.encodeInto`) come from native code.
 *
 * A replaced lone surrogate changes the value, so each is counted
 * (`loneSurrogateCount`): the runtime compares the count before and after a
 * record and reports the record in `logwire_values_altered_total`.
 */

import type { UnknownField } from "@bufbuild/protobuf";
import { bufferFull, sizeVarint32, writeVarint32 } from "./proto-writer.ts";
import { bytesLength, isBytes } from "./value-rules.ts";

/** Longest string whose UTF-8 length surely fits a 1-byte prefix (3 x 42 < 128). */
const ONE_BYTE_PREFIX_MAX = 42;
/** Strings at least this long are sized and encoded natively. */
const NATIVE_MIN_LENGTH = 64;

const encoder = new TextEncoder();

/** Lone surrogates written as U+FFFD (or strings holding them, see `countLoneSurrogates`) in this process. */
let loneSurrogates = 0;

/** How many lone surrogates were replaced so far: a record altered some of its strings when this changed while it was encoded. */
export function loneSurrogateCount(): number {
  return loneSurrogates;
}

// String.prototype.isWellFormed (ES2024, Node 20): native, and immediate for
// one-byte strings, which cannot hold a surrogate.
const isWellFormed = (String.prototype as unknown as { isWellFormed: (this: string) => boolean }).isWellFormed;

/** Whether `value` holds no lone surrogate, so UTF-8 writes it unchanged. */
export function isWellFormedString(value: string): boolean {
  return isWellFormed.call(value);
}

/** Counts `value` when it holds a lone surrogate: for strings another encoder (toBinary, Buffer.from) writes. */
export function countLoneSurrogates(value: string): void {
  if (!isWellFormed.call(value)) loneSurrogates++;
}

/**
 * Writes a string field's length prefix and UTF-8 bytes. Throws for a
 * non-string. Only short ASCII is handled here, so that the JIT can inline
 * this into generated code; the rest goes to `writeStringSlow`.
 */
export function writeString(buf: Uint8Array, pos: number, value: string): number {
  if (typeof value === "string") {
    const length = value.length;
    if (length <= ONE_BYTE_PREFIX_MAX && pos + 1 + length <= buf.length) {
      let p = pos + 1;
      for (let i = 0; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) return writeStringSlow(buf, pos, value);
        buf[p++] = c;
      }
      buf[pos] = length;
      return p;
    }
  }
  return writeStringSlow(buf, pos, value);
}

/** `tag` (one byte) and a string field, with one capacity check. */
export function writeTaggedString(buf: Uint8Array, pos: number, tag: number, value: string): number {
  if (typeof value === "string") {
    const length = value.length;
    if (length <= ONE_BYTE_PREFIX_MAX && pos + 2 + length <= buf.length) {
      let p = pos + 2;
      for (let i = 0; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) return writeTaggedStringSlow(buf, pos, tag, value);
        buf[p++] = c;
      }
      buf[pos] = tag;
      buf[pos + 1] = length;
      return p;
    }
  }
  return writeTaggedStringSlow(buf, pos, tag, value);
}

function writeTaggedStringSlow(buf: Uint8Array, pos: number, tag: number, value: string): number {
  if (pos + 1 > buf.length) throw bufferFull;
  buf[pos] = tag;
  return writeStringSlow(buf, pos + 1, value);
}

/** `tag` (one byte) and a bytes field, with one capacity check. */
export function writeTaggedBytes(buf: Uint8Array, pos: number, tag: number, value: Uint8Array): number {
  if (pos + 1 > buf.length) throw bufferFull;
  buf[pos] = tag;
  return writeBytes(buf, pos + 1, value);
}

function writeStringSlow(buf: Uint8Array, pos: number, value: string): number {
  if (typeof value !== "string") throw new TypeError(`invalid string: ${typeof value}`);
  const length = value.length;
  if (pos + 5 + 3 * length > buf.length) throw bufferFull;
  if (length <= ONE_BYTE_PREFIX_MAX) {
    // Any content fits 126 bytes: one pass, the prefix filled in afterwards.
    const end = writeUtf8(buf, pos + 1, value, 0);
    buf[pos] = end - pos - 1;
    return end;
  }
  if (length >= NATIVE_MIN_LENGTH) {
    if (!isWellFormed.call(value)) loneSurrogates++;
    const byteLength = Buffer.byteLength(value, "utf8");
    pos = writeVarint32(buf, pos, byteLength);
    encoder.encodeInto(value, buf.subarray(pos, pos + byteLength));
    return pos + byteLength;
  }
  pos = writeVarint32(buf, pos, utf8Length(value));
  return writeUtf8(buf, pos, value, 0);
}

/** UTF-8 byte length of `value`, as TextEncoder would write it. */
function utf8Length(value: string): number {
  const length = value.length;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // A surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes.
        i++;
      }
    }
    // Other BMP characters and lone surrogates (written as U+FFFD): 3 bytes.
    bytes += 2;
  }
  return bytes;
}

/** Encodes `value` from unit `from` on. */
function writeUtf8(buf: Uint8Array, pos: number, value: string, from: number): number {
  const length = value.length;
  for (let i = from; i < length; i++) {
    let c = value.charCodeAt(i);
    if (c < 0x80) {
      buf[pos++] = c;
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = c <= 0xdbff && i + 1 < length ? value.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          buf[pos++] = 0xf0 | (c >> 18);
          buf[pos++] = 0x80 | ((c >> 12) & 0x3f);
          buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
          buf[pos++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
        loneSurrogates++;
      }
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
      buf[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

/**
 * Writes a `bytes` field's length prefix and payload. Throws for anything
 * but a real Uint8Array. Its length is read from the array's own slots, not
 * through its prototype chain, so no code of the caller's runs here.
 */
export function writeBytes(buf: Uint8Array, pos: number, value: Uint8Array): number {
  if (!isBytes(value)) throw new TypeError(`invalid bytes: ${typeof value}`);
  const length = bytesLength(value);
  if (pos + 5 + length > buf.length) throw bufferFull;
  pos = writeVarint32(buf, pos, length);
  buf.set(value, pos);
  return pos + length;
}

/**
 * Writes the unknown fields after the known ones, as `toBinary` does by
 * default. They come from the check (unknown-fields.ts), which made sure each
 * holds one well-formed value; anything but bytes throws.
 */
export function writeUnknown(buf: Uint8Array, pos: number, fields: readonly UnknownField[]): number {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as UnknownField;
    const data = field.data;
    if (!isBytes(data)) throw new TypeError(`invalid unknown field data: ${typeof data}`);
    const length = bytesLength(data);
    const tag = ((field.no << 3) | field.wireType) >>> 0;
    if (pos + sizeVarint32(tag) + length > buf.length) throw bufferFull;
    pos = writeVarint32(buf, pos, tag);
    buf.set(data, pos);
    pos += length;
  }
  return pos;
}
