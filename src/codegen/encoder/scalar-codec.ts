import { ScalarType } from "@bufbuild/protobuf";

/**
 * How the generated encoder handles one scalar kind: its wire type and the
 * runtime function that validates and writes a value (exports of logwire's
 * runtime: `proto-writer.ts`, `int64-writer.ts`, `utf8-writer.ts`).
 */
export interface ScalarCodec {
  readonly wireType: WireType;
  readonly write: string;
  /**
   * Most bytes a value takes, for the caller's capacity check; 0 for strings
   * and bytes, whose writers check their own.
   */
  readonly maxSize: number;
  /** TypeScript type of a value as generated code holds it, for map casts. */
  readonly tsType: string;
  /** Implicit-presence test that the value is not its zero value, as `toBinary` tests it. */
  readonly nonZero: (value: string) => string;
}

/** Protobuf wire types. */
export type WireType = 0 | 1 | 2 | 5;

const looseNonZero = (v: string): string => `(${v} as unknown) != 0`;
const numberNonZero = (v: string): string => `${v} != 0`;
// toBinary uses Object.is(value, 0): -0 is written, NaN is written.
const floatNonZero = (v: string): string => `(${v} !== 0 || 1 / ${v} < 0)`;

function codec(wireType: WireType, write: string, maxSize: number, tsType: string, nonZero: (v: string) => string): ScalarCodec {
  return { wireType, write, maxSize, tsType, nonZero };
}

export function scalarCodec(type: ScalarType): ScalarCodec {
  switch (type) {
    case ScalarType.DOUBLE:
      return codec(1, "writeDouble", 8, "number", floatNonZero);
    case ScalarType.FLOAT:
      return codec(5, "writeFloat", 4, "number", floatNonZero);
    case ScalarType.INT64:
      return codec(0, "writeInt64", 10, "Int64Value", looseNonZero);
    case ScalarType.UINT64:
      return codec(0, "writeUint64", 10, "Int64Value", looseNonZero);
    case ScalarType.SINT64:
      return codec(0, "writeSint64", 10, "Int64Value", looseNonZero);
    case ScalarType.FIXED64:
      return codec(1, "writeFixed64", 8, "Int64Value", looseNonZero);
    case ScalarType.SFIXED64:
      return codec(1, "writeSfixed64", 8, "Int64Value", looseNonZero);
    case ScalarType.INT32:
      return codec(0, "writeInt32", 10, "number", numberNonZero);
    case ScalarType.UINT32:
      return codec(0, "writeUint32", 5, "number", numberNonZero);
    case ScalarType.SINT32:
      return codec(0, "writeSint32", 5, "number", numberNonZero);
    case ScalarType.FIXED32:
      return codec(5, "writeFixed32", 4, "number", numberNonZero);
    case ScalarType.SFIXED32:
      return codec(5, "writeSfixed32", 4, "number", numberNonZero);
    case ScalarType.BOOL:
      // toBinary writes `value ? 1 : 0` without checking the type; so do we.
      return codec(0, "writeBool", 1, "boolean", (v) => `${v} !== false`);
    case ScalarType.STRING:
      return codec(2, "writeString", 0, "string", (v) => `${v} !== ""`);
    case ScalarType.BYTES:
      // As toBinary: a non-Uint8Array counts as set, so it reaches writeBytes and falls back.
      return codec(2, "writeBytes", 0, "Uint8Array", (v) => `(!(${v} instanceof Uint8Array) || ${v}.byteLength > 0)`);
  }
}

/** Codec of enum values: int32 varints, negative values in 10 bytes. */
export function enumCodec(zero: number): ScalarCodec {
  return codec(0, "writeInt32", 10, "number", (v) => `${v} !== ${zero}`);
}

/** The bytes of a field tag, as literal numbers. */
export function tagBytes(fieldNo: number, wireType: WireType | 3 | 4): number[] {
  let value = ((fieldNo << 3) | wireType) >>> 0;
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}
