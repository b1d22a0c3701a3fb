/**
 * 64-bit integer kinds for the generated encoders (see `proto-writer.ts` for
 * the contract: validate, write at `pos`, return the new position).
 *
 * A value may be a `bigint` (protobuf-es's default), a `string` (fields with
 * `jstype = JS_STRING`) or a `number`, because `toBinary` accepts all three
 * and converts them with `BigInt(value)`; so do we, with the same range
 * checks. Safe integers, by far the common case, are split into 32-bit words
 * with number arithmetic and never allocate.
 */

const TWO_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Low and high 32-bit words of the value `split` last converted. */
let lo = 0;
let hi = 0;

function invalid(kind: string, value: unknown): Error {
  return new TypeError(`invalid ${kind}: ${typeof value === "bigint" ? `${value}n` : String(value)}`);
}

/** Splits `value` into `lo`/`hi` (two's complement), or throws as `toBinary` would reject it. */
function split(value: unknown, unsigned: boolean): void {
  let n: number;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      // BigInt() throws for fractions and NaN, as it does in protobuf-es.
      splitBig(BigInt(value), unsigned);
      return;
    }
    n = value;
  } else if (typeof value === "bigint") {
    // One conversion instead of two bigint comparisons: a bigint outside the
    // safe range converts to a number outside it too (rounding is monotonic).
    n = Number(value);
    if (!Number.isSafeInteger(n)) {
      splitBig(value, unsigned);
      return;
    }
  } else if (typeof value === "string") {
    split(BigInt(value), unsigned);
    return;
  } else {
    throw invalid(unsigned ? "uint64" : "int64", value);
  }
  if (unsigned && n < 0) throw invalid("uint64", value);
  lo = n >>> 0;
  hi = Math.floor(n / TWO_32) | 0;
}

function splitBig(value: bigint, unsigned: boolean): void {
  if (unsigned ? value < 0n || value > UINT64_MAX : value < INT64_MIN || value > INT64_MAX) {
    throw invalid(unsigned ? "uint64" : "int64", value);
  }
  lo = Number(BigInt.asUintN(32, value));
  hi = Number(BigInt.asIntN(32, value >> 32n));
}

function zigzag(): void {
  const sign = hi >> 31;
  const zlo = (lo << 1) ^ sign;
  hi = ((hi << 1) | (lo >>> 31)) ^ sign;
  lo = zlo >>> 0;
}

/** Port of protobuf-es `BinaryWriter.writeVarint64`, writing `lo`/`hi`. */
function writeVarint64(buf: Uint8Array, pos: number): number {
  const l = lo;
  const h = hi;
  for (let i = 0; i < 28; i += 7) {
    const shift = l >>> i;
    const hasNext = !(shift >>> 7 === 0 && h === 0);
    buf[pos++] = (hasNext ? shift | 0x80 : shift) & 0xff;
    if (!hasNext) return pos;
  }
  const splitBits = ((l >>> 28) & 0x0f) | ((h & 0x07) << 4);
  const hasMoreBits = !(h >> 3 === 0);
  buf[pos++] = (hasMoreBits ? splitBits | 0x80 : splitBits) & 0xff;
  if (!hasMoreBits) return pos;
  for (let i = 3; i < 31; i += 7) {
    const shift = h >>> i;
    const hasNext = !(shift >>> 7 === 0);
    buf[pos++] = (hasNext ? shift | 0x80 : shift) & 0xff;
    if (!hasNext) return pos;
  }
  buf[pos++] = (h >>> 31) & 0x01;
  return pos;
}

function writeWords(buf: Uint8Array, pos: number): number {
  const l = lo;
  const h = hi;
  buf[pos] = l & 0xff;
  buf[pos + 1] = (l >>> 8) & 0xff;
  buf[pos + 2] = (l >>> 16) & 0xff;
  buf[pos + 3] = (l >>> 24) & 0xff;
  buf[pos + 4] = h & 0xff;
  buf[pos + 5] = (h >>> 8) & 0xff;
  buf[pos + 6] = (h >>> 16) & 0xff;
  buf[pos + 7] = (h >>> 24) & 0xff;
  return pos + 8;
}

/** A 64-bit value as generated code holds it. */
export type Int64Value = bigint | string | number;

export function writeInt64(buf: Uint8Array, pos: number, value: Int64Value): number {
  split(value, false);
  return writeVarint64(buf, pos);
}

export function writeUint64(buf: Uint8Array, pos: number, value: Int64Value): number {
  split(value, true);
  return writeVarint64(buf, pos);
}

export function writeSint64(buf: Uint8Array, pos: number, value: Int64Value): number {
  split(value, false);
  zigzag();
  return writeVarint64(buf, pos);
}

export function writeFixed64(buf: Uint8Array, pos: number, value: Int64Value): number {
  split(value, true);
  return writeWords(buf, pos);
}

export function writeSfixed64(buf: Uint8Array, pos: number, value: Int64Value): number {
  split(value, false);
  return writeWords(buf, pos);
}
