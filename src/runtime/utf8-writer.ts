/**
 * Length-delimited kinds for the generated encoders: strings, bytes and the
 * unknown fields protobuf-es keeps in `$unknown` (see `proto-writer.ts` for
 * the size-pass / write-pass contract).
 *
 * Strings are encoded exactly as `TextEncoder` encodes them, which is what
 * `toBinary` uses: a lone surrogate becomes U+FFFD (EF BF BD). Short strings
 * are measured and copied with a plain loop, which beats a native call for
 * the few dozen characters log fields usually hold; long ones go native.
 */

import type { UnknownField } from "@bufbuild/protobuf";
import { sizeVarint32, writeVarint32 } from "./proto-writer.ts";

/** Strings at least this long are measured and encoded natively. */
const NATIVE_MIN_LENGTH = 64;

const encoder = new TextEncoder();

/**
 * UTF-8 byte length of `value`, not counting the length prefix. Throws for a
 * non-string (the generated encoder then falls back to `toBinary`, which
 * coerces with `String()`).
 */
export function sizeString(value: string): number {
  if (typeof value !== "string") throw new TypeError(`invalid string: ${typeof value}`);
  const length = value.length;
  if (length >= NATIVE_MIN_LENGTH) return Buffer.byteLength(value, "utf8");
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        // A surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes.
        bytes += 2;
        i++;
      } else {
        bytes += 2;
      }
    } else {
      // Other BMP characters and lone surrogates (written as U+FFFD): 3 bytes.
      bytes += 2;
    }
  }
  return bytes;
}

/** Writes the length prefix and the UTF-8 bytes; `byteLength` comes from `sizeString`. */
export function writeString(buf: Uint8Array, pos: number, value: string, byteLength: number): number {
  pos = writeVarint32(buf, pos, byteLength);
  const length = value.length;
  if (length >= NATIVE_MIN_LENGTH) {
    encoder.encodeInto(value, buf.subarray(pos, pos + byteLength));
    return pos + byteLength;
  }
  if (byteLength === length) {
    for (let i = 0; i < length; i++) buf[pos++] = value.charCodeAt(i);
    return pos;
  }
  for (let i = 0; i < length; i++) {
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
      }
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
      buf[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

/** Length prefix plus payload of a `bytes` value. Throws for a non-`Uint8Array`. */
export function sizeBytes(value: Uint8Array): number {
  if (!(value instanceof Uint8Array)) throw new TypeError(`invalid bytes: ${typeof value}`);
  return sizeVarint32(value.byteLength) + value.byteLength;
}

export function writeBytes(buf: Uint8Array, pos: number, value: Uint8Array): number {
  pos = writeVarint32(buf, pos, value.byteLength);
  buf.set(value, pos);
  return pos + value.byteLength;
}

/** Size of the unknown fields `toBinary` writes after the known ones (its default). */
export function sizeUnknown(fields: readonly UnknownField[]): number {
  let size = 0;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    size += sizeVarint32(((field.no << 3) | field.wireType) >>> 0) + field.data.byteLength;
  }
  return size;
}

export function writeUnknown(buf: Uint8Array, pos: number, fields: readonly UnknownField[]): number {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    pos = writeVarint32(buf, pos, ((field.no << 3) | field.wireType) >>> 0);
    buf.set(field.data, pos);
    pos += field.data.byteLength;
  }
  return pos;
}
