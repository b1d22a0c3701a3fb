/**
 * Write functions of the well-known types (google/protobuf/*.proto), for
 * generated encoders: every `<file>_logwire.ts` whose log message reaches a
 * Timestamp, a Duration, ... imports these from the runtime instead of
 * printing its own copy.
 *
 * Contract: each body is exactly what protoc-gen-logwire's encoder generator
 * prints for the type (src/codegen/encoder/message-encoder.ts), so the bytes
 * are toBinary's; test/encoder/wkt-writers.test.ts compares them with
 * toBinary. The names are the generated ones (`write$` + type name with `$`
 * for `.`), and `RUNTIME_WRITERS` in src/codegen/writer-homes.ts lists the
 * types; a type added here must be added there and exported from index.ts.
 * Singular wrapper fields outside a oneof never get here: the encoder writes
 * their value inline.
 */

import type {
  Any, BoolValue, BytesValue, DoubleValue, Duration, Empty, FieldMask, FloatValue, Int32Value,
  Int64Value as Int64ValueMessage, ListValue, StringValue, Struct, Timestamp, UInt32Value, UInt64Value, Value,
} from "@bufbuild/protobuf/wkt";
import {
  AnySchema, BoolValueSchema, BytesValueSchema, DoubleValueSchema, DurationSchema, FieldMaskSchema,
  FloatValueSchema, Int32ValueSchema, Int64ValueSchema, ListValueSchema, StringValueSchema, StructSchema,
  TimestampSchema, UInt32ValueSchema, UInt64ValueSchema, ValueSchema,
} from "@bufbuild/protobuf/wkt";
import { writeInt64, writeUint64 } from "./int64-writer.ts";
import { bufferFull, writeBool, writeDouble, writeFloat, writeInt32, writeLength, writeUint32 } from "./proto-writer.ts";
import { writeTaggedBytes, writeTaggedString, writeUnknown } from "./utf8-writer.ts";

export function write$google$protobuf$Timestamp(m: Timestamp, b: Uint8Array, p: number): number {
  if (m.$typeName !== TimestampSchema.typeName) throw new TypeError("foreign message");
  if (p + 22 > b.length) throw bufferFull;
  const v1 = m.seconds;
  if ((v1 as unknown) != 0) {
    b[p++] = 8;
    p = writeInt64(b, p, v1);
  }
  const v2 = m.nanos;
  if (v2 != 0) {
    b[p++] = 16;
    p = writeInt32(b, p, v2);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$Duration(m: Duration, b: Uint8Array, p: number): number {
  if (m.$typeName !== DurationSchema.typeName) throw new TypeError("foreign message");
  if (p + 22 > b.length) throw bufferFull;
  const v1 = m.seconds;
  if ((v1 as unknown) != 0) {
    b[p++] = 8;
    p = writeInt64(b, p, v1);
  }
  const v2 = m.nanos;
  if (v2 != 0) {
    b[p++] = 16;
    p = writeInt32(b, p, v2);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$Empty(m: Empty, b: Uint8Array, p: number): number {
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$FieldMask(m: FieldMask, b: Uint8Array, p: number): number {
  if (m.$typeName !== FieldMaskSchema.typeName) throw new TypeError("foreign message");
  const a1 = m.paths;
  for (let i = 0; i < a1.length; i++) {
    p = writeTaggedString(b, p, 10, a1[i]);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$Any(m: Any, b: Uint8Array, p: number): number {
  if (m.$typeName !== AnySchema.typeName) throw new TypeError("foreign message");
  const v1 = m.typeUrl;
  if (v1 !== "") {
    p = writeTaggedString(b, p, 10, v1);
  }
  const v2 = m.value;
  if ((!(v2 instanceof Uint8Array) || v2.byteLength > 0)) {
    p = writeTaggedBytes(b, p, 18, v2);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$Value(m: Value, b: Uint8Array, p: number): number {
  if (m.$typeName !== ValueSchema.typeName) throw new TypeError("foreign message");
  if (p + 20 > b.length) throw bufferFull;
  const o1 = m.kind;
  if (o1.case === "nullValue") {
    b[p++] = 8;
    p = writeInt32(b, p, o1.value);
  }
  const o2 = m.kind;
  if (o2.case === "numberValue") {
    b[p++] = 17;
    p = writeDouble(b, p, o2.value);
  }
  const o3 = m.kind;
  if (o3.case === "stringValue") {
    p = writeTaggedString(b, p, 26, o3.value);
  }
  const o4 = m.kind;
  if (o4.case === "boolValue") {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 32;
    p = writeBool(b, p, o4.value);
  }
  const o5 = m.kind;
  if (o5.case === "structValue") {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 42;
    const s1 = ++p;
    p = write$google$protobuf$Struct(o5.value, b, p);
    p = writeLength(b, s1, p);
  }
  const o6 = m.kind;
  if (o6.case === "listValue") {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 50;
    const s2 = ++p;
    p = write$google$protobuf$ListValue(o6.value, b, p);
    p = writeLength(b, s2, p);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$Struct(m: Struct, b: Uint8Array, p: number): number {
  if (m.$typeName !== StructSchema.typeName) throw new TypeError("foreign message");
  const r1 = m.fields as { [key: string]: Value };
  const k1 = Object.keys(r1);
  for (let i = 0; i < k1.length; i++) {
    const key = k1[i];
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 10;
    const s1 = ++p;
    p = writeTaggedString(b, p, 10, key);
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 18;
    const s2 = ++p;
    p = write$google$protobuf$Value(r1[key], b, p);
    p = writeLength(b, s2, p);
    p = writeLength(b, s1, p);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$ListValue(m: ListValue, b: Uint8Array, p: number): number {
  if (m.$typeName !== ListValueSchema.typeName) throw new TypeError("foreign message");
  const a1 = m.values;
  for (let i = 0; i < a1.length; i++) {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 10;
    const s1 = ++p;
    p = write$google$protobuf$Value(a1[i], b, p);
    p = writeLength(b, s1, p);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$DoubleValue(m: DoubleValue, b: Uint8Array, p: number): number {
  if (m.$typeName !== DoubleValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if ((v1 !== 0 || 1 / v1 < 0)) {
    if (p + 9 > b.length) throw bufferFull;
    b[p++] = 9;
    p = writeDouble(b, p, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$FloatValue(m: FloatValue, b: Uint8Array, p: number): number {
  if (m.$typeName !== FloatValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if ((v1 !== 0 || 1 / v1 < 0)) {
    if (p + 5 > b.length) throw bufferFull;
    b[p++] = 13;
    p = writeFloat(b, p, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$Int64Value(m: Int64ValueMessage, b: Uint8Array, p: number): number {
  if (m.$typeName !== Int64ValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if ((v1 as unknown) != 0) {
    if (p + 11 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeInt64(b, p, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$UInt64Value(m: UInt64Value, b: Uint8Array, p: number): number {
  if (m.$typeName !== UInt64ValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if ((v1 as unknown) != 0) {
    if (p + 11 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeUint64(b, p, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$Int32Value(m: Int32Value, b: Uint8Array, p: number): number {
  if (m.$typeName !== Int32ValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 != 0) {
    if (p + 11 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeInt32(b, p, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$UInt32Value(m: UInt32Value, b: Uint8Array, p: number): number {
  if (m.$typeName !== UInt32ValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 != 0) {
    if (p + 6 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeUint32(b, p, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$BoolValue(m: BoolValue, b: Uint8Array, p: number): number {
  if (m.$typeName !== BoolValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== false) {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeBool(b, p, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$StringValue(m: StringValue, b: Uint8Array, p: number): number {
  if (m.$typeName !== StringValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== "") {
    p = writeTaggedString(b, p, 10, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}

export function write$google$protobuf$BytesValue(m: BytesValue, b: Uint8Array, p: number): number {
  if (m.$typeName !== BytesValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if ((!(v1 instanceof Uint8Array) || v1.byteLength > 0)) {
    p = writeTaggedBytes(b, p, 10, v1);
  }
  const u = m.$unknown;
  if (u !== undefined) p = writeUnknown(b, p, u);
  return p;
}
