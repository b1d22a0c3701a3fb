/**
 * Wire-format primitives for the encoders `protoc-gen-logwire` generates.
 *
 * A generated encoder writes a message in one pass into the free end of an
 * output slab (`output-slab.ts`). Every `write*` function validates its
 * value, writes it at `pos` and returns the new position. A value `toBinary`
 * would not encode the same way makes it throw; the generated encoder then
 * falls back to `toBinary` (`encoder-fallback.ts`), so its output and its
 * errors are always `toBinary`'s. Callers check capacity before fixed-size
 * writes (`if (p + n > b.length) throw bufferFull`); variable-size writes
 * (strings, bytes, unknown fields, length fix-ups) check it themselves.
 *
 * Byte-for-byte, everything here matches `BinaryWriter` of @bufbuild/protobuf
 * 2.x: negative int32 and enum values are 10-byte varints, floats and doubles
 * are little-endian IEEE 754 as `DataView` writes them.
 */

/**
 * Thrown when the output buffer has no room left; the encoder retries in a
 * larger one. Preallocated: it is a signal, not an error, and must be cheap.
 */
export const bufferFull: Error = new RangeError("logwire: output buffer full (internal signal, retried)");

function invalid(kind: string, value: unknown): Error {
  return new TypeError(`invalid ${kind}: ${String(value)}`);
}

// ---------------------------------------------------------------- varints

/** Bytes of `value` as an unsigned 32-bit varint; `value` must be a uint32. */
export function sizeVarint32(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Writes an unsigned 32-bit varint (tags and lengths); no check. */
export function writeVarint32(buf: Uint8Array, pos: number, value: number): number {
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

/**
 * Fixes the length prefix of a length-delimited payload written at
 * `start..end` after one reserved byte at `start - 1`. Payloads of 128 bytes
 * and more need a longer prefix: the payload moves right. Returns the new end.
 */
export function writeLength(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length < 0x80) {
    buf[start - 1] = length;
    return end;
  }
  const extra = sizeVarint32(length) - 1;
  if (end + extra > buf.length) throw bufferFull;
  buf.copyWithin(start + extra, start, end);
  writeVarint32(buf, start - 1, length);
  return end + extra;
}

/** int32 and enum values: negative values are sign-extended to 10 bytes. */
export function writeInt32(buf: Uint8Array, pos: number, value: number): number {
  if ((value | 0) !== value) throw invalid("int32", value);
  if (value >= 0) return writeVarint32(buf, pos, value);
  for (let i = 0; i < 9; i++) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>= 7;
  }
  buf[pos++] = 1;
  return pos;
}

export function writeUint32(buf: Uint8Array, pos: number, value: number): number {
  if (value >>> 0 !== value) throw invalid("uint32", value);
  return writeVarint32(buf, pos, value);
}

export function writeSint32(buf: Uint8Array, pos: number, value: number): number {
  if ((value | 0) !== value) throw invalid("int32", value);
  return writeVarint32(buf, pos, ((value << 1) ^ (value >> 31)) >>> 0);
}

// ---------------------------------------------------------------- fixed width

function writeWord(buf: Uint8Array, pos: number, value: number): number {
  buf[pos] = value & 0xff;
  buf[pos + 1] = (value >>> 8) & 0xff;
  buf[pos + 2] = (value >>> 16) & 0xff;
  buf[pos + 3] = (value >>> 24) & 0xff;
  return pos + 4;
}

export function writeFixed32(buf: Uint8Array, pos: number, value: number): number {
  if (value >>> 0 !== value) throw invalid("uint32", value);
  return writeWord(buf, pos, value);
}

export function writeSfixed32(buf: Uint8Array, pos: number, value: number): number {
  if ((value | 0) !== value) throw invalid("int32", value);
  return writeWord(buf, pos, value);
}

const scratch = new DataView(new ArrayBuffer(8));

/** float: rejects finite numbers that overflow float32, as protobuf-es does. */
export function writeFloat(buf: Uint8Array, pos: number, value: number): number {
  if (typeof value !== "number" || (!Number.isFinite(Math.fround(value)) && Number.isFinite(value))) {
    throw invalid("float32", value);
  }
  scratch.setFloat32(0, value, true);
  buf[pos] = scratch.getUint8(0);
  buf[pos + 1] = scratch.getUint8(1);
  buf[pos + 2] = scratch.getUint8(2);
  buf[pos + 3] = scratch.getUint8(3);
  return pos + 4;
}

/** double: NaN, -0 and the infinities included. */
export function writeDouble(buf: Uint8Array, pos: number, value: number): number {
  if (typeof value !== "number") throw invalid("double", value);
  scratch.setFloat64(0, value, true);
  for (let i = 0; i < 8; i++) buf[pos + i] = scratch.getUint8(i);
  return pos + 8;
}

/** bool: written as `value ? 1 : 0` without a check, exactly as protobuf-es does. */
export function writeBool(buf: Uint8Array, pos: number, value: unknown): number {
  buf[pos] = value ? 1 : 0;
  return pos + 1;
}
