/**
 * Check functions of the well-known types (google/protobuf/*.proto), for
 * generated code: every `<file>_logwire.ts` whose log message reaches a
 * Timestamp, a Duration, ... imports these from the runtime, next to their
 * write functions (wkt-writers.ts), instead of printing its own copy.
 *
 * Contract: each body is exactly what protoc-gen-logwire's check generator
 * prints for the type (src/codegen/encoder/message-check.ts), so each
 * accepts exactly what `checkRecord` accepts and returns the copy of the
 * value the encoder writes (the contract is in record-check.ts); test/encoder/wkt-writers.test.ts
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
import { checkedUnknownFields } from "../encode/unknown-fields.ts";
import { isBytes, isDurationSeconds, isDurationSigned, isInt64, isRecordObject, isTimestampSeconds, isUint64 } from "../encode/value-rules.ts";

/** `v` as a google.protobuf.Timestamp record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$Timestamp(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "seconds":
      case "nanos":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== TimestampSchema.typeName) return undefined;
  const x1: unknown = v["seconds"];
  if (x1 !== undefined && !isTimestampSeconds(x1)) return undefined;
  const x2: unknown = v["nanos"];
  if (x2 !== undefined && (typeof x2 !== "number" || (x2 | 0) !== x2 || x2 < 0 || x2 > 999999999)) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(TimestampSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, seconds: x1, nanos: x2, $unknown: u };
}

/** `v` as a google.protobuf.Duration record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$Duration(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "seconds":
      case "nanos":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== DurationSchema.typeName) return undefined;
  const x1: unknown = v["seconds"];
  if (x1 !== undefined && !isDurationSeconds(x1)) return undefined;
  const x2: unknown = v["nanos"];
  if (x2 !== undefined && (typeof x2 !== "number" || (x2 | 0) !== x2 || x2 < -999999999 || x2 > 999999999)) return undefined;
  if (!isDurationSigned(x1, x2)) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(DurationSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, seconds: x1, nanos: x2, $unknown: u };
}

/** `v` as a google.protobuf.Empty record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$Empty(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== EmptySchema.typeName) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(EmptySchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, $unknown: u };
}

/** `v` as a google.protobuf.FieldMask record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$FieldMask(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "paths":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== FieldMaskSchema.typeName) return undefined;
  let x1: unknown = v["paths"];
  if (x1 !== undefined) {
    if (!Array.isArray(x1)) return undefined;
    const a: unknown[] = [];
    for (let i = 0, n = x1.length; i < n; i++) {
      const e: unknown = x1[i];
      if (typeof e !== "string") return undefined;
      a.push(e);
    }
    x1 = a;
  }
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(FieldMaskSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, paths: x1, $unknown: u };
}

/** `v` as a google.protobuf.Any record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$Any(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "typeUrl":
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== AnySchema.typeName) return undefined;
  const x1: unknown = v["typeUrl"];
  if (x1 !== undefined && typeof x1 !== "string") return undefined;
  const x2: unknown = v["value"];
  if (x2 !== undefined && !isBytes(x2)) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(AnySchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, typeUrl: x1, value: x2, $unknown: u };
}

/** `v` as a google.protobuf.Value record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$Value(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "kind":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== ValueSchema.typeName) return undefined;
  let x1: unknown = v["kind"];
  if (x1 !== undefined) {
    if (typeof x1 !== "object" || x1 === null) return undefined;
    for (const k in x1) if (k !== "case" && k !== "value" && Object.prototype.hasOwnProperty.call(x1, k)) return undefined;
    const c: unknown = (x1 as { case?: unknown }).case;
    let y: unknown = (x1 as { value?: unknown }).value;
    if (c === "nullValue") {
      if (y !== 0) return undefined;
    } else if (c === "numberValue") {
      if (typeof y !== "number") return undefined;
    } else if (c === "stringValue") {
      if (typeof y !== "string") return undefined;
    } else if (c === "boolValue") {
      if (typeof y !== "boolean") return undefined;
    } else if (c === "structValue") {
      if ((y = check$google$protobuf$Struct(y, d + 1)) === undefined) return undefined;
    } else if (c === "listValue") {
      if ((y = check$google$protobuf$ListValue(y, d + 1)) === undefined) return undefined;
    } else if (c !== undefined || y !== undefined || !("case" in x1)) return undefined;
    x1 = c === undefined ? undefined : { case: c, value: y };
  }
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(ValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, kind: x1, $unknown: u };
}

/** `v` as a google.protobuf.Struct record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$Struct(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "fields":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== StructSchema.typeName) return undefined;
  let x1: unknown = v["fields"];
  if (x1 !== undefined) {
    if (!isRecordObject(x1)) return undefined;
    const r: { [key: string]: unknown } = { ...x1 };
    for (const key in r) {
      if (!Object.prototype.hasOwnProperty.call(r, key)) continue;
      const e = check$google$protobuf$Value(r[key], d + 2);
      if (e === undefined) return undefined;
      r[key] = e;
    }
    x1 = r;
  }
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(StructSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, fields: x1, $unknown: u };
}

/** `v` as a google.protobuf.ListValue record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$ListValue(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "values":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== ListValueSchema.typeName) return undefined;
  let x1: unknown = v["values"];
  if (x1 !== undefined) {
    if (!Array.isArray(x1)) return undefined;
    const a: unknown[] = [];
    for (let i = 0, n = x1.length; i < n; i++) {
      const e = check$google$protobuf$Value(x1[i], d + 1);
      if (e === undefined) return undefined;
      a.push(e);
    }
    x1 = a;
  }
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(ListValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, values: x1, $unknown: u };
}

/** `v` as a google.protobuf.DoubleValue record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$DoubleValue(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== DoubleValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && typeof x1 !== "number") return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(DoubleValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}

/** `v` as a google.protobuf.FloatValue record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$FloatValue(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== FloatValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && (typeof x1 !== "number" || (!Number.isFinite(Math.fround(x1)) && Number.isFinite(x1)))) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(FloatValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}

/** `v` as a google.protobuf.Int64Value record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$Int64Value(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== Int64ValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && !isInt64(x1)) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(Int64ValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}

/** `v` as a google.protobuf.UInt64Value record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$UInt64Value(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== UInt64ValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && !isUint64(x1)) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(UInt64ValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}

/** `v` as a google.protobuf.Int32Value record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$Int32Value(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== Int32ValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && (typeof x1 !== "number" || (x1 | 0) !== x1)) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(Int32ValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}

/** `v` as a google.protobuf.UInt32Value record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$UInt32Value(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== UInt32ValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && (typeof x1 !== "number" || x1 >>> 0 !== x1)) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(UInt32ValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}

/** `v` as a google.protobuf.BoolValue record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$BoolValue(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== BoolValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && typeof x1 !== "boolean") return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(BoolValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}

/** `v` as a google.protobuf.StringValue record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$StringValue(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== StringValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && typeof x1 !== "string") return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(StringValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}

/** `v` as a google.protobuf.BytesValue record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */
export function check$google$protobuf$BytesValue(v: unknown, d = 1): object | undefined {
  if (d > 100 || !isRecordObject(v)) return undefined;
  for (const k in v) {
    switch (k) {
      case "value":
      case "$typeName":
      case "$unknown":
        continue;
      default:
        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    }
  }
  const t: unknown = v["$typeName"];
  if (t !== undefined && t !== BytesValueSchema.typeName) return undefined;
  const x1: unknown = v["value"];
  if (x1 !== undefined && !isBytes(x1)) return undefined;
  let u: unknown = v["$unknown"];
  if (u !== undefined && (u = checkedUnknownFields(BytesValueSchema, v, t, u, d)) === undefined) return undefined;
  return { $typeName: t, value: x1, $unknown: u };
}
