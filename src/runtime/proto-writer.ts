/**
 * Wire-format primitives for the encoders `protoc-gen-logwire` generates.
 *
 * A generated encoder makes two passes over a message: a size pass, then a
 * write pass into a `Uint8Array` of exactly that size, which the caller owns.
 * `size*` functions validate the value and return its encoded size without the
 * tag; they throw on a value `toBinary` would not encode the same way, and the
 * generated encoder then falls back to `toBinary` (see `fallbackToBinary`), so
 * its output and its errors are always `toBinary`'s. `write*` functions take a
 * value the size pass has accepted, write it at `pos` and return the new
 * position; they do not check bounds or types again.
 *
 * Byte-for-byte, everything here matches `BinaryWriter` of @bufbuild/protobuf
 * 2.x: negative int32 and enum values are 10-byte varints, strings are UTF-8
 * as `TextEncoder` writes them (a lone surrogate becomes U+FFFD, 3 bytes),
 * floats and doubles are little-endian IEEE 754 as `DataView` writes them.
 */

/** Thrown by the size pass for a value the fast path does not encode. */
function invalid(kind: string, value: unknown): Error {
  return new TypeError(`invalid ${kind}: ${typeof value === "bigint" ? `${value}n` : String(value)}`);
}

// ---------------------------------------------------------------- varints

/** Bytes of `value` as an unsigned 32-bit varint; `value` must be a uint32. */
export function sizeVarint32(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Writes an unsigned 32-bit varint (also used for tags and lengths). */
export function writeVarint32(buf: Uint8Array, pos: number, value: number): number {
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

/** int32 and enum values: negative values are sign-extended to 10 bytes. */
export function sizeInt32(value: number): number {
  if ((value | 0) !== value) throw invalid("int32", value);
  return value < 0 ? 10 : sizeVarint32(value);
}

export function writeInt32(buf: Uint8Array, pos: number, value: number): number {
  if (value >= 0) return writeVarint32(buf, pos, value);
  for (let i = 0; i < 9; i++) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>= 7;
  }
  buf[pos++] = 1;
  return pos;
}

export function sizeUint32(value: number): number {
  if (value >>> 0 !== value) throw invalid("uint32", value);
  return sizeVarint32(value);
}

export function sizeSint32(value: number): number {
  if ((value | 0) !== value) throw invalid("int32", value);
  return sizeVarint32(((value << 1) ^ (value >> 31)) >>> 0);
}

export function writeSint32(buf: Uint8Array, pos: number, value: number): number {
  return writeVarint32(buf, pos, ((value << 1) ^ (value >> 31)) >>> 0);
}

// ---------------------------------------------------------------- fixed width

/** fixed32: always 4 bytes. Validates. */
export function sizeFixed32(value: number): number {
  if (value >>> 0 !== value) throw invalid("uint32", value);
  return 4;
}

/** sfixed32: always 4 bytes. Validates. */
export function sizeSfixed32(value: number): number {
  if ((value | 0) !== value) throw invalid("int32", value);
  return 4;
}

/** Writes 32 bits little-endian; serves fixed32 and sfixed32. */
export function writeFixed32(buf: Uint8Array, pos: number, value: number): number {
  buf[pos] = value & 0xff;
  buf[pos + 1] = (value >>> 8) & 0xff;
  buf[pos + 2] = (value >>> 16) & 0xff;
  buf[pos + 3] = (value >>> 24) & 0xff;
  return pos + 4;
}

const scratch = new DataView(new ArrayBuffer(8));

/** float: 4 bytes; rejects finite numbers that overflow float32, as protobuf-es does. */
export function sizeFloat(value: number): number {
  if (typeof value !== "number" || (!Number.isFinite(Math.fround(value)) && Number.isFinite(value))) {
    throw invalid("float32", value);
  }
  return 4;
}

export function writeFloat(buf: Uint8Array, pos: number, value: number): number {
  scratch.setFloat32(0, value, true);
  buf[pos] = scratch.getUint8(0);
  buf[pos + 1] = scratch.getUint8(1);
  buf[pos + 2] = scratch.getUint8(2);
  buf[pos + 3] = scratch.getUint8(3);
  return pos + 4;
}

/** double: 8 bytes; NaN, -0 and the infinities included. */
export function sizeDouble(value: number): number {
  if (typeof value !== "number") throw invalid("double", value);
  return 8;
}

export function writeDouble(buf: Uint8Array, pos: number, value: number): number {
  scratch.setFloat64(0, value, true);
  for (let i = 0; i < 8; i++) buf[pos + i] = scratch.getUint8(i);
  return pos + 8;
}

/** bool: written as `value ? 1 : 0` without a check, exactly as protobuf-es does. */
export function writeBool(buf: Uint8Array, pos: number, value: unknown): number {
  buf[pos] = value ? 1 : 0;
  return pos + 1;
}
