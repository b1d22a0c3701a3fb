/**
 * Check functions of the well-known types (google/protobuf/*.proto), for
 * generated code: every `<file>_logwire.ts` whose log message reaches a
 * Timestamp, a Duration, ... imports these from the runtime, next to their
 * write functions (wkt-writers.ts), instead of printing its own copy.
 *
 * Contract: each body is exactly what protoc-gen-logwire's check generator
 * prints for the type (src/codegen/encoder/message-check.ts), so each
 * accepts exactly what `checkRecord` accepts; test/encoder/wkt-writers.test.ts
 * compares the text and test/encoder/generated-check.test.ts the verdicts.
 * The names are the generated ones (`check$` + type name with `$` for `.`),
 * for the types `RUNTIME_WRITERS` in src/codegen/writer-homes.ts lists.
 */

import {
  AnySchema, BoolValueSchema, BytesValueSchema, DoubleValueSchema, DurationSchema, EmptySchema, FieldMaskSchema,
  FloatValueSchema, Int32ValueSchema, Int64ValueSchema, ListValueSchema, StringValueSchema, StructSchema,
  TimestampSchema, UInt32ValueSchema, UInt64ValueSchema, ValueSchema,
} from "@bufbuild/protobuf/wkt";
import { isInt64, isRecordObject, isUint64 } from "./record-check.ts";

/** Whether `v` is a valid google.protobuf.Timestamp record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Timestamp(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "seconds":
        if (x !== undefined && !isInt64(x)) return false;
        break;
      case "nanos":
        if (x !== undefined && (typeof x !== "number" || (x | 0) !== x)) return false;
        break;
      case "$typeName":
        if (x !== TimestampSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Duration record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Duration(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "seconds":
        if (x !== undefined && !isInt64(x)) return false;
        break;
      case "nanos":
        if (x !== undefined && (typeof x !== "number" || (x | 0) !== x)) return false;
        break;
      case "$typeName":
        if (x !== DurationSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Empty record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Empty(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "$typeName":
        if (x !== EmptySchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.FieldMask record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$FieldMask(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "paths":
        if (x !== undefined) {
          if (!Array.isArray(x)) return false;
          for (let i = 0; i < x.length; i++) {
            const e: unknown = x[i];
            if (typeof e !== "string") return false;
          }
        }
        break;
      case "$typeName":
        if (x !== FieldMaskSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Any record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Any(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "typeUrl":
        if (x !== undefined && typeof x !== "string") return false;
        break;
      case "value":
        if (x !== undefined && !(x instanceof Uint8Array)) return false;
        break;
      case "$typeName":
        if (x !== AnySchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "kind":
        if (x !== undefined) {
          if (typeof x !== "object" || x === null) return false;
          const c: unknown = (x as { case?: unknown }).case;
          if (c === "nullValue") {
            const y: unknown = (x as { value?: unknown }).value;
            if (y !== 0) return false;
          } else if (c === "numberValue") {
            const y: unknown = (x as { value?: unknown }).value;
            if (typeof y !== "number") return false;
          } else if (c === "stringValue") {
            const y: unknown = (x as { value?: unknown }).value;
            if (typeof y !== "string") return false;
          } else if (c === "boolValue") {
            const y: unknown = (x as { value?: unknown }).value;
            if (typeof y !== "boolean") return false;
          } else if (c === "structValue") {
            const y: unknown = (x as { value?: unknown }).value;
            if (!check$google$protobuf$Struct(y)) return false;
          } else if (c === "listValue") {
            const y: unknown = (x as { value?: unknown }).value;
            if (!check$google$protobuf$ListValue(y)) return false;
          } else if (c !== undefined) return false;
        }
        break;
      case "$typeName":
        if (x !== ValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Struct record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Struct(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "fields":
        if (x !== undefined) {
          if (!isRecordObject(x)) return false;
          for (const key in x) {
            if (!Object.prototype.hasOwnProperty.call(x, key)) continue;
            const e = x[key];
            if (!check$google$protobuf$Value(e)) return false;
          }
        }
        break;
      case "$typeName":
        if (x !== StructSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.ListValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$ListValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "values":
        if (x !== undefined) {
          if (!Array.isArray(x)) return false;
          for (let i = 0; i < x.length; i++) {
            const e: unknown = x[i];
            if (!check$google$protobuf$Value(e)) return false;
          }
        }
        break;
      case "$typeName":
        if (x !== ListValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.DoubleValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$DoubleValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && typeof x !== "number") return false;
        break;
      case "$typeName":
        if (x !== DoubleValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.FloatValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$FloatValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && typeof x !== "number") return false;
        break;
      case "$typeName":
        if (x !== FloatValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Int64Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Int64Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && !isInt64(x)) return false;
        break;
      case "$typeName":
        if (x !== Int64ValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.UInt64Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$UInt64Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && !isUint64(x)) return false;
        break;
      case "$typeName":
        if (x !== UInt64ValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Int32Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Int32Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && (typeof x !== "number" || (x | 0) !== x)) return false;
        break;
      case "$typeName":
        if (x !== Int32ValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.UInt32Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$UInt32Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && (typeof x !== "number" || x >>> 0 !== x)) return false;
        break;
      case "$typeName":
        if (x !== UInt32ValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.BoolValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$BoolValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && typeof x !== "boolean") return false;
        break;
      case "$typeName":
        if (x !== BoolValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.StringValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$StringValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && typeof x !== "string") return false;
        break;
      case "$typeName":
        if (x !== StringValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.BytesValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$BytesValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = v[k];
    switch (k) {
      case "value":
        if (x !== undefined && !(x instanceof Uint8Array)) return false;
        break;
      case "$typeName":
        if (x !== BytesValueSchema.typeName) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
