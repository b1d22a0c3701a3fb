/**
 * What each kind of value expects, as `checkRecord` reports it (the record
 * contract is in record-check.ts): the text of a problem, or `undefined`
 * when the value is fine. The rules are value-rules.ts's, shared with the
 * generated check functions; texts are built only for a problem.
 */

import { ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField } from "@bufbuild/protobuf";
import { countLoneSurrogates } from "../encode/utf8-writer.ts";
import {
  bytesLength, DURATION_SECONDS_MAX, isBytes, isDurationSeconds, isFloat32, isInt32, isInt64, isIntegerKey, isTimestampSeconds, isUint32, isUint64, NANOS_MAX,
  TIMESTAMP_SECONDS_MAX, TIMESTAMP_SECONDS_MIN,
} from "../encode/value-rules.ts";

const TIMESTAMP = "google.protobuf.Timestamp";
const DURATION = "google.protobuf.Duration";

/** A short description of a value for diagnostics; never the whole value, and never throws. */
export function describeValue(value: unknown): string {
  try {
    if (value === null) return "null";
    if (Array.isArray(value)) return `array(${value.length})`;
    if (isBytes(value)) return `Uint8Array(${bytesLength(value)})`;
    switch (typeof value) {
      case "string":
        return value.length > 40 ? `string(${value.length})` : JSON.stringify(value);
      case "bigint":
        return `${value}n`;
      case "number":
      case "boolean":
      case "undefined":
        return String(value);
      case "object":
        return value instanceof Date ? "Date" : value instanceof Map ? `Map(${value.size})` : "object";
      default:
        return typeof value;
    }
  } catch {
    return "object that throws when read";
  }
}

/** What a field of google.protobuf.Timestamp or Duration expects beyond its type, or undefined. */
export function wktProblem(field: DescField, value: unknown): string | undefined {
  const type = field.parent.typeName;
  if (type !== TIMESTAMP && type !== DURATION) return undefined;
  if (field.localName === "seconds" && isInt64(value)) {
    if (type === TIMESTAMP) return isTimestampSeconds(value) ? undefined : `seconds from 0001-01-01 to 9999-12-31 (int64 in [${TIMESTAMP_SECONDS_MIN}, ${TIMESTAMP_SECONDS_MAX}])`;
    return isDurationSeconds(value) ? undefined : `seconds of at most 10,000 years (int64 in [-${DURATION_SECONDS_MAX}, ${DURATION_SECONDS_MAX}])`;
  }
  if (field.localName === "nanos" && isInt32(value)) {
    const n = value as number;
    if (type === TIMESTAMP) return n >= 0 && n <= NANOS_MAX ? undefined : `nanos in [0, ${NANOS_MAX}]`;
    return n >= -NANOS_MAX && n <= NANOS_MAX ? undefined : `nanos in [-${NANOS_MAX}, ${NANOS_MAX}]`;
  }
  return undefined;
}

/** What an enum field expects, or undefined when `value` is fine. */
export function enumProblem(desc: DescEnum, value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return `enum ${desc.typeName} number`;
  }
  if (desc.value[value] === undefined) {
    return `one of ${desc.typeName}'s numbers (${desc.values.map((v) => v.number).join(", ")})`;
  }
  return undefined;
}

/** What a map key expects, or undefined when `key` is fine. */
export function mapKeyProblem(type: ScalarType, key: string): string | undefined {
  if (type === ScalarType.STRING) {
    countLoneSurrogates(key);
    return undefined;
  }
  if (type === ScalarType.BOOL) return key !== "true" && key !== "false" ? "bool map key" : undefined;
  if (!isIntegerKey(key)) return "integer map key";
  return scalarProblem(type, mapKeyValue(type, key));
}

/** The value a map key is reported as: the key itself, or its number once it parses as an integer. */
export function mapKeyValue(type: ScalarType, key: string): unknown {
  if (type === ScalarType.STRING || type === ScalarType.BOOL || !isIntegerKey(key)) return key;
  return is64(type) ? BigInt(key) : Number(key);
}

function is64(type: ScalarType): boolean {
  return type === ScalarType.INT64 || type === ScalarType.UINT64 || type === ScalarType.SINT64 || type === ScalarType.FIXED64 || type === ScalarType.SFIXED64;
}

/** What a scalar field expects, or undefined when `value` is fine. */
export function scalarProblem(type: ScalarType, value: unknown): string | undefined {
  switch (type) {
    case ScalarType.STRING:
      if (typeof value !== "string") return "string";
      // Valid, but written with U+FFFD for each lone surrogate: counted (see utf8-writer.ts).
      countLoneSurrogates(value);
      return undefined;
    case ScalarType.BOOL:
      return typeof value !== "boolean" ? "boolean" : undefined;
    case ScalarType.BYTES:
      return !isBytes(value) ? "Uint8Array" : undefined;
    case ScalarType.DOUBLE:
      return typeof value !== "number" ? "number" : undefined;
    case ScalarType.FLOAT:
      return isFloat32(value) ? undefined : "number in float32's range (finite values up to ±3.4028234663852886e38)";
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return isInt32(value) ? undefined : `int32 in [${-(2 ** 31)}, ${2 ** 31 - 1}]`;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return isUint32(value) ? undefined : `uint32 in [0, ${2 ** 32 - 1}]`;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return isUint64(value) ? undefined : `uint64 bigint in [0, ${2n ** 64n - 1n}]`;
    default:
      return isInt64(value) ? undefined : `int64 bigint in [${-(2n ** 63n)}, ${2n ** 63n - 1n}]`;
  }
}
