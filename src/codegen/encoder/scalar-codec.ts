import { ScalarType } from "@bufbuild/protobuf";

/**
 * How the generated encoder handles one scalar kind: its wire type, the
 * runtime function of the size pass (which validates) and of the write pass.
 * Names refer to exports of logwire's runtime (`proto-writer.ts`,
 * `int64-writer.ts`, `utf8-writer.ts`).
 */
export interface ScalarCodec {
  readonly wireType: WireType;
  /** Runtime size function, or a constant size for kinds that need no check. */
  readonly size: string | number;
  readonly write: string;
  /** Whether `size` returns the payload size that the write pass needs again (strings). */
  readonly cached: boolean;
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

function codec(wireType: WireType, size: string | number, write: string, tsType: string, nonZero: (v: string) => string): ScalarCodec {
  return { wireType, size, write, cached: false, tsType, nonZero };
}

export function scalarCodec(type: ScalarType): ScalarCodec {
  switch (type) {
    case ScalarType.DOUBLE:
      return codec(1, "sizeDouble", "writeDouble", "number", floatNonZero);
    case ScalarType.FLOAT:
      return codec(5, "sizeFloat", "writeFloat", "number", floatNonZero);
    case ScalarType.INT64:
      return codec(0, "sizeInt64", "writeInt64", "Int64Value", looseNonZero);
    case ScalarType.UINT64:
      return codec(0, "sizeUint64", "writeUint64", "Int64Value", looseNonZero);
    case ScalarType.SINT64:
      return codec(0, "sizeSint64", "writeSint64", "Int64Value", looseNonZero);
    case ScalarType.FIXED64:
      return codec(1, "sizeFixed64", "writeFixed64", "Int64Value", looseNonZero);
    case ScalarType.SFIXED64:
      return codec(1, "sizeSfixed64", "writeSfixed64", "Int64Value", looseNonZero);
    case ScalarType.INT32:
      return codec(0, "sizeInt32", "writeInt32", "number", numberNonZero);
    case ScalarType.UINT32:
      return codec(0, "sizeUint32", "writeVarint32", "number", numberNonZero);
    case ScalarType.SINT32:
      return codec(0, "sizeSint32", "writeSint32", "number", numberNonZero);
    case ScalarType.FIXED32:
      return codec(5, "sizeFixed32", "writeFixed32", "number", numberNonZero);
    case ScalarType.SFIXED32:
      return codec(5, "sizeSfixed32", "writeFixed32", "number", numberNonZero);
    case ScalarType.BOOL:
      // toBinary writes `value ? 1 : 0` without checking the type; so do we.
      return codec(0, 1, "writeBool", "boolean", (v) => `${v} !== false`);
    case ScalarType.STRING:
      return { ...codec(2, "sizeString", "writeString", "string", (v) => `${v} !== ""`), cached: true };
    case ScalarType.BYTES:
      // As toBinary: a non-Uint8Array counts as set, so it reaches sizeBytes and falls back.
      return codec(2, "sizeBytes", "writeBytes", "Uint8Array", (v) => `(!(${v} instanceof Uint8Array) || ${v}.byteLength > 0)`);
  }
}

/** Codec of enum values: int32 varints, negative values in 10 bytes. */
export function enumCodec(zero: number): ScalarCodec {
  return codec(0, "sizeInt32", "writeInt32", "number", (v) => `${v} !== ${zero}`);
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
