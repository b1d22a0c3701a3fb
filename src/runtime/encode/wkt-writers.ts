/**
 * Write functions of the well-known types (google/protobuf/*.proto), for
 * generated encoders: every `<file>_logwire.ts` whose log message reaches a
 * Timestamp, a Duration, ... imports these from the runtime instead of
 * printing its own copy.
 *
 * Contract: each body is exactly what protoc-gen-logwire's encoder generator
 * prints for the type (src/codegen/encoder/message-encoder.ts), so the bytes
 * are toBinary's (of `create()` of an init object); test/encoder/wkt-writers.test.ts compares them with
 * toBinary. The names are the generated ones (`write$` + type name with `$`
 * for `.`); a type added here must be added to the runtime symbol table
 * (codegenv1/symbols.ts, which `RUNTIME_WRITERS` in
 * src/codegen/writer-homes.ts reads) and exported from codegenv1/index.ts.
 * Singular wrapper fields outside a oneof never get here: the encoder writes
 * their value inline.
 */

import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  AnySchema, BoolValueSchema, BytesValueSchema, DoubleValueSchema, DurationSchema, EmptySchema, FieldMaskSchema,
  FloatValueSchema, Int32ValueSchema, Int64ValueSchema, ListValueSchema, StringValueSchema, StructSchema,
  TimestampSchema, UInt32ValueSchema, UInt64ValueSchema, ValueSchema,
} from "@bufbuild/protobuf/wkt";
import { writeInt64, writeUint64 } from "./int64-writer.ts";
import { bufferFull, writeBool, writeDouble, writeFloat, writeInt32, writeLength, writeUint32 } from "./proto-writer.ts";
import { writeTaggedBytes, writeTaggedString, writeUnknown } from "./utf8-writer.ts";

export function write$google$protobuf$Timestamp(m: MessageInitShape<typeof TimestampSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== TimestampSchema.typeName) throw new TypeError("foreign message");
  if (p + 22 > b.length) throw bufferFull;
  const v1 = m.seconds;
  if (v1 !== undefined && (v1 as unknown) != 0) {
    b[p++] = 8;
    p = writeInt64(b, p, v1);
  }
  const v2 = m.nanos;
  if (v2 !== undefined && v2 != 0) {
    b[p++] = 16;
    p = writeInt32(b, p, v2);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$Duration(m: MessageInitShape<typeof DurationSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== DurationSchema.typeName) throw new TypeError("foreign message");
  if (p + 22 > b.length) throw bufferFull;
  const v1 = m.seconds;
  if (v1 !== undefined && (v1 as unknown) != 0) {
    b[p++] = 8;
    p = writeInt64(b, p, v1);
  }
  const v2 = m.nanos;
  if (v2 !== undefined && v2 != 0) {
    b[p++] = 16;
    p = writeInt32(b, p, v2);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$Empty(m: MessageInitShape<typeof EmptySchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$FieldMask(m: MessageInitShape<typeof FieldMaskSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== FieldMaskSchema.typeName) throw new TypeError("foreign message");
  const a1 = m.paths;
  if (a1 !== undefined) {
    for (let i = 0; i < a1.length; i++) {
      p = writeTaggedString(b, p, 10, a1[i]!);
    }
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$Any(m: MessageInitShape<typeof AnySchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== AnySchema.typeName) throw new TypeError("foreign message");
  const v1 = m.typeUrl;
  if (v1 !== undefined && v1 !== "") {
    p = writeTaggedString(b, p, 10, v1);
  }
  const v2 = m.value;
  if (v2 !== undefined && (!(v2 instanceof Uint8Array) || v2.byteLength > 0)) {
    p = writeTaggedBytes(b, p, 18, v2);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$Value(m: MessageInitShape<typeof ValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== ValueSchema.typeName) throw new TypeError("foreign message");
  if (p + 20 > b.length) throw bufferFull;
  const o1 = m.kind;
  if (o1 !== undefined && o1.case === "nullValue") {
    b[p++] = 8;
    p = writeInt32(b, p, o1.value);
  }
  const o2 = m.kind;
  if (o2 !== undefined && o2.case === "numberValue") {
    b[p++] = 17;
    p = writeDouble(b, p, o2.value);
  }
  const o3 = m.kind;
  if (o3 !== undefined && o3.case === "stringValue") {
    p = writeTaggedString(b, p, 26, o3.value);
  }
  const o4 = m.kind;
  if (o4 !== undefined && o4.case === "boolValue") {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 32;
    p = writeBool(b, p, o4.value);
  }
  const o5 = m.kind;
  if (o5 !== undefined && o5.case === "structValue") {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 42;
    const s1 = ++p;
    p = write$google$protobuf$Struct(o5.value, b, p);
    p = writeLength(b, s1, p);
  }
  const o6 = m.kind;
  if (o6 !== undefined && o6.case === "listValue") {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 50;
    const s2 = ++p;
    p = write$google$protobuf$ListValue(o6.value, b, p);
    p = writeLength(b, s2, p);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$Struct(m: MessageInitShape<typeof StructSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== StructSchema.typeName) throw new TypeError("foreign message");
  const r1 = m.fields as { [key: string]: MessageInitShape<typeof ValueSchema> } | undefined;
  if (r1 !== undefined) {
    const k1 = Object.keys(r1);
    for (let i = 0; i < k1.length; i++) {
      const key = k1[i]!;
      if (p + 2 > b.length) throw bufferFull;
      b[p++] = 10;
      const s1 = ++p;
      p = writeTaggedString(b, p, 10, key);
      if (p + 2 > b.length) throw bufferFull;
      b[p++] = 18;
      const s2 = ++p;
      p = write$google$protobuf$Value(r1[key]!, b, p);
      p = writeLength(b, s2, p);
      p = writeLength(b, s1, p);
    }
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$ListValue(m: MessageInitShape<typeof ListValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== ListValueSchema.typeName) throw new TypeError("foreign message");
  const a1 = m.values;
  if (a1 !== undefined) {
    for (let i = 0; i < a1.length; i++) {
      if (p + 2 > b.length) throw bufferFull;
      b[p++] = 10;
      const s1 = ++p;
      p = write$google$protobuf$Value(a1[i]!, b, p);
      p = writeLength(b, s1, p);
    }
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$DoubleValue(m: MessageInitShape<typeof DoubleValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== DoubleValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && (v1 !== 0 || 1 / v1 < 0)) {
    if (p + 9 > b.length) throw bufferFull;
    b[p++] = 9;
    p = writeDouble(b, p, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$FloatValue(m: MessageInitShape<typeof FloatValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== FloatValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && (v1 !== 0 || 1 / v1 < 0)) {
    if (p + 5 > b.length) throw bufferFull;
    b[p++] = 13;
    p = writeFloat(b, p, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$Int64Value(m: MessageInitShape<typeof Int64ValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== Int64ValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && (v1 as unknown) != 0) {
    if (p + 11 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeInt64(b, p, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$UInt64Value(m: MessageInitShape<typeof UInt64ValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== UInt64ValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && (v1 as unknown) != 0) {
    if (p + 11 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeUint64(b, p, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$Int32Value(m: MessageInitShape<typeof Int32ValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== Int32ValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && v1 != 0) {
    if (p + 11 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeInt32(b, p, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$UInt32Value(m: MessageInitShape<typeof UInt32ValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== UInt32ValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && v1 != 0) {
    if (p + 6 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeUint32(b, p, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$BoolValue(m: MessageInitShape<typeof BoolValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== BoolValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && v1 !== false) {
    if (p + 2 > b.length) throw bufferFull;
    b[p++] = 8;
    p = writeBool(b, p, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$StringValue(m: MessageInitShape<typeof StringValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== StringValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && v1 !== "") {
    p = writeTaggedString(b, p, 10, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}

export function write$google$protobuf$BytesValue(m: MessageInitShape<typeof BytesValueSchema>, b: Uint8Array, p: number): number {
  const t = m.$typeName;
  if (t !== undefined && t !== BytesValueSchema.typeName) throw new TypeError("foreign message");
  const v1 = m.value;
  if (v1 !== undefined && (!(v1 instanceof Uint8Array) || v1.byteLength > 0)) {
    p = writeTaggedBytes(b, p, 10, v1);
  }
  if (t !== undefined && "$unknown" in m) {
    const u = m.$unknown;
    if (u !== undefined) p = writeUnknown(b, p, u);
  }
  return p;
}
