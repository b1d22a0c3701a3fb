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
 * for the types `RUNTIME_WRITERS` in src/codegen/writer-homes.ts lists
 * (those of the runtime symbol table, codegenv1/symbols.ts).
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
    switch (k) {
      case "seconds":
      case "nanos":
        continue;
      case "$typeName":
        if (v["$typeName"] === TimestampSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["seconds"];
  if (x !== undefined && !isInt64(x) && Object.prototype.propertyIsEnumerable.call(v, "seconds")) return false;
  x = v["nanos"];
  if (x !== undefined && (typeof x !== "number" || (x | 0) !== x) && Object.prototype.propertyIsEnumerable.call(v, "nanos")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.Duration record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Duration(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "seconds":
      case "nanos":
        continue;
      case "$typeName":
        if (v["$typeName"] === DurationSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["seconds"];
  if (x !== undefined && !isInt64(x) && Object.prototype.propertyIsEnumerable.call(v, "seconds")) return false;
  x = v["nanos"];
  if (x !== undefined && (typeof x !== "number" || (x | 0) !== x) && Object.prototype.propertyIsEnumerable.call(v, "nanos")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.Empty record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Empty(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "$typeName":
        if (v["$typeName"] === EmptySchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.FieldMask record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$FieldMask(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "paths":
        continue;
      case "$typeName":
        if (v["$typeName"] === FieldMaskSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["paths"];
  if (x !== undefined) {
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        const e: unknown = x[i];
        if (typeof e !== "string") {
          if (Object.prototype.propertyIsEnumerable.call(v, "paths")) return false;
          break;
        }
      }
    } else if (Object.prototype.propertyIsEnumerable.call(v, "paths")) return false;
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Any record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Any(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "typeUrl":
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === AnySchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["typeUrl"];
  if (x !== undefined && typeof x !== "string" && Object.prototype.propertyIsEnumerable.call(v, "typeUrl")) return false;
  x = v["value"];
  if (x !== undefined && !(x instanceof Uint8Array) && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "kind":
        continue;
      case "$typeName":
        if (v["$typeName"] === ValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["kind"];
  if (x !== undefined) {
    if (typeof x === "object" && x !== null) {
      const c: unknown = (x as { case?: unknown }).case;
      if (c === "nullValue") {
        const y: unknown = (x as { value?: unknown }).value;
        if (y !== 0 && Object.prototype.propertyIsEnumerable.call(v, "kind")) return false;
      } else if (c === "numberValue") {
        const y: unknown = (x as { value?: unknown }).value;
        if (typeof y !== "number" && Object.prototype.propertyIsEnumerable.call(v, "kind")) return false;
      } else if (c === "stringValue") {
        const y: unknown = (x as { value?: unknown }).value;
        if (typeof y !== "string" && Object.prototype.propertyIsEnumerable.call(v, "kind")) return false;
      } else if (c === "boolValue") {
        const y: unknown = (x as { value?: unknown }).value;
        if (typeof y !== "boolean" && Object.prototype.propertyIsEnumerable.call(v, "kind")) return false;
      } else if (c === "structValue") {
        const y: unknown = (x as { value?: unknown }).value;
        if (!check$google$protobuf$Struct(y) && Object.prototype.propertyIsEnumerable.call(v, "kind")) return false;
      } else if (c === "listValue") {
        const y: unknown = (x as { value?: unknown }).value;
        if (!check$google$protobuf$ListValue(y) && Object.prototype.propertyIsEnumerable.call(v, "kind")) return false;
      } else if (c !== undefined && Object.prototype.propertyIsEnumerable.call(v, "kind")) return false;
    } else if (Object.prototype.propertyIsEnumerable.call(v, "kind")) return false;
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.Struct record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Struct(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "fields":
        continue;
      case "$typeName":
        if (v["$typeName"] === StructSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["fields"];
  if (x !== undefined) {
    if (isRecordObject(x)) {
      for (const key in x) {
        if (!Object.prototype.hasOwnProperty.call(x, key)) continue;
        const e = x[key];
        if (!check$google$protobuf$Value(e)) {
          if (Object.prototype.propertyIsEnumerable.call(v, "fields")) return false;
          break;
        }
      }
    } else if (Object.prototype.propertyIsEnumerable.call(v, "fields")) return false;
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.ListValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$ListValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "values":
        continue;
      case "$typeName":
        if (v["$typeName"] === ListValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["values"];
  if (x !== undefined) {
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        const e: unknown = x[i];
        if (!check$google$protobuf$Value(e)) {
          if (Object.prototype.propertyIsEnumerable.call(v, "values")) return false;
          break;
        }
      }
    } else if (Object.prototype.propertyIsEnumerable.call(v, "values")) return false;
  }
  return true;
}

/** Whether `v` is a valid google.protobuf.DoubleValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$DoubleValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === DoubleValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && typeof x !== "number" && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.FloatValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$FloatValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === FloatValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && typeof x !== "number" && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.Int64Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Int64Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === Int64ValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && !isInt64(x) && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.UInt64Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$UInt64Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === UInt64ValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && !isUint64(x) && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.Int32Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$Int32Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === Int32ValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && (typeof x !== "number" || (x | 0) !== x) && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.UInt32Value record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$UInt32Value(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === UInt32ValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && (typeof x !== "number" || x >>> 0 !== x) && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.BoolValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$BoolValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === BoolValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && typeof x !== "boolean" && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.StringValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$StringValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === StringValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && typeof x !== "string" && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}

/** Whether `v` is a valid google.protobuf.BytesValue record: exactly when checkRecord finds no problem in it. */
export function check$google$protobuf$BytesValue(v: unknown): boolean {
  if (!isRecordObject(v)) return false;
  for (const k in v) {
    switch (k) {
      case "value":
        continue;
      case "$typeName":
        if (v["$typeName"] === BytesValueSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;
        return false;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return false;
    }
  }
  let x: unknown;
  x = v["value"];
  if (x !== undefined && !(x instanceof Uint8Array) && Object.prototype.propertyIsEnumerable.call(v, "value")) return false;
  return true;
}
