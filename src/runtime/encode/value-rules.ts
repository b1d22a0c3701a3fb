/**
 * Rules for single values that generated check functions and the runtime's
 * `checkRecord` share (see record-check.ts for the record contract). Each
 * takes a value the check has already read and reads no property of it, so
 * the check reads every value once (`isRecordObject` asks for the value's
 * prototype, which a Proxy answers with its trap).
 */

/**
 * How deep messages may nest in a record: the record itself is level 1, each
 * message below it (a field, a list element, a oneof value) one more, and a
 * map entry holding a message one more again, as protobuf-java reads map
 * entries as messages. Deeper records cannot be read back: protobuf-es
 * (Confluent's JavaScript deserializer, `logwire tail`), protobuf-java and
 * upb all stop at 100 levels.
 */
export const MAX_DEPTH = 100;

/**
 * Built-in objects whose data is not in own enumerable properties: read as an
 * init object they would encode as an empty message (a `Date` for a Timestamp
 * becomes 1970-01-01) or an empty map, a silent loss. Typed arrays
 * (`Uint8Array` included) are among them.
 */
function isOpaqueBuiltin(value: object): boolean {
  return value instanceof Date || value instanceof Map || value instanceof Set || value instanceof RegExp || value instanceof Promise || value instanceof Error || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * Whether a value can be read as a message or a map: an object that is not
 * an array nor an opaque built-in. A plain object (prototype
 * `Object.prototype` or `null`), what callers pass, is answered without the
 * eight `instanceof` tests.
 */
export function isRecordObject(value: unknown): value is { [key: string]: unknown } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || !isOpaqueBuiltin(value);
}

const INTEGER_KEY = /^-?\d+$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

/** Decimal text of a 64-bit integer: `toBinary` converts it with `BigInt()`. */
const INT64_TEXT = /^-?\d{1,20}$/;

// A bigint is in range exactly when truncating it to 64 bits leaves it
// unchanged: one BigInt.asIntN / asUintN, which V8 compiles for 64 bits,
// instead of two comparisons with bigint bounds or a Number(value) plus
// Number.isSafeInteger shortcut (BENCHMARKS.md, "What was changed" 11).

/** An int64, sint64 or sfixed64 value: a bigint in range, a safe integer, or its decimal text. */
export function isInt64(value: unknown): boolean {
  if (typeof value === "bigint") return BigInt.asIntN(64, value) === value;
  if (typeof value === "number") return Number.isSafeInteger(value);
  return typeof value === "string" && INT64_TEXT.test(value) && isInt64(BigInt(value));
}

/** A uint64 or fixed64 value: a bigint in range, a safe integer, or its decimal text, none negative. */
export function isUint64(value: unknown): boolean {
  if (typeof value === "bigint") return BigInt.asUintN(64, value) === value;
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0;
  return typeof value === "string" && INT64_TEXT.test(value) && isUint64(BigInt(value));
}

export function isInt32(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

export function isUint32(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= UINT32_MAX;
}

/**
 * A float field's value: a number that float32 can hold. A finite number
 * that rounds to infinity is refused, as protobuf-es's writer refuses it;
 * NaN and the infinities are values of their own.
 */
export function isFloat32(value: unknown): boolean {
  return typeof value === "number" && (Number.isFinite(Math.fround(value)) || !Number.isFinite(value));
}

// `%TypedArray%.prototype`'s own getters, called on the value itself: they
// read the array's internal slots, so a Proxy, a subclass that overrides
// `byteLength`, or an object that merely inherits from Uint8Array.prototype
// can neither pass for bytes nor make the encoder run its code.
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const toStringTagGetter = Object.getOwnPropertyDescriptor(typedArrayPrototype, Symbol.toStringTag)!.get as (this: unknown) => string | undefined;
const byteLengthGetter = Object.getOwnPropertyDescriptor(typedArrayPrototype, "byteLength")!.get as (this: Uint8Array) => number;

/** A bytes field's value: a real Uint8Array (a Buffer too), whatever its realm. */
export function isBytes(value: unknown): value is Uint8Array {
  return toStringTagGetter.call(value) === "Uint8Array";
}

/** The length of bytes that passed `isBytes`, read from the array itself, not through its prototype chain. */
export function bytesLength(value: Uint8Array): number {
  return byteLengthGetter.call(value);
}

// Map keys are object keys, always strings: an integer key must be written
// in decimal and, read as a number, be in the key type's range.

/** A key of a map with int32, sint32 or sfixed32 keys. */
export function isInt32MapKey(key: string): boolean {
  return INTEGER_KEY.test(key) && isInt32(Number(key));
}

/** A key of a map with uint32 or fixed32 keys. */
export function isUint32MapKey(key: string): boolean {
  return INTEGER_KEY.test(key) && isUint32(Number(key));
}

/** A key of a map with int64, sint64 or sfixed64 keys. */
export function isInt64MapKey(key: string): boolean {
  return INTEGER_KEY.test(key) && isInt64(BigInt(key));
}

/** A key of a map with uint64 or fixed64 keys. */
export function isUint64MapKey(key: string): boolean {
  return INTEGER_KEY.test(key) && isUint64(BigInt(key));
}

/** Whether `key` is written as an integer in decimal (the first test of an integer map key). */
export function isIntegerKey(key: string): boolean {
  return INTEGER_KEY.test(key);
}

// google.protobuf.Timestamp and Duration, as their .proto files define them:
// "Range is from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z";
// a Duration's seconds are "-315,576,000,000 to +315,576,000,000 inclusive",
// its nanos "-999,999,999 to +999,999,999 inclusive", and "for durations of
// one second or more, a non-zero value for the nanos field must be of the
// same sign as the seconds field". Values outside make every proto3 JSON
// writer fail. The bounds are far inside the safe integers, so a bigint is
// compared as a number.

/** Seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
export const TIMESTAMP_SECONDS_MIN = -62_135_596_800;
export const TIMESTAMP_SECONDS_MAX = 253_402_300_799;
export const DURATION_SECONDS_MAX = 315_576_000_000;
export const NANOS_MAX = 999_999_999;

/** The value of an int64 that passed `isInt64`, as a number (exact within the ranges above). */
function int64Number(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

/** A Timestamp's `seconds`: an int64 from 0001-01-01 to 9999-12-31. */
export function isTimestampSeconds(value: unknown): boolean {
  if (!isInt64(value)) return false;
  const n = int64Number(value);
  return n >= TIMESTAMP_SECONDS_MIN && n <= TIMESTAMP_SECONDS_MAX;
}

/** A Duration's `seconds`: an int64 within ±10,000 years. */
export function isDurationSeconds(value: unknown): boolean {
  if (!isInt64(value)) return false;
  const n = int64Number(value);
  return n >= -DURATION_SECONDS_MAX && n <= DURATION_SECONDS_MAX;
}

/** Whether a Duration's valid `seconds` and `nanos` (either undefined: zero) do not have opposite signs. */
export function isDurationSigned(seconds: unknown, nanos: unknown): boolean {
  if (seconds === undefined || nanos === undefined) return true;
  const s = int64Number(seconds);
  const n = nanos as number;
  return !((s > 0 && n < 0) || (s < 0 && n > 0));
}
