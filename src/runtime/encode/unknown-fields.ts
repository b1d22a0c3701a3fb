/**
 * The unknown fields of a record (`$unknown`), as generated check functions
 * and `checkRecord` take them (record-check.ts has the record contract).
 *
 * `fromBinary` keeps the fields a message's schema does not declare in
 * `$unknown`, each as `{ no, wireType, data }` with `data` the field's bytes
 * after its tag, and `toBinary` writes them back after the known fields. So a
 * message read from bytes with unknown fields is a valid record, and its
 * unknown fields are written. They are taken only from where `fromBinary`
 * puts them: an own `$unknown` of a protobuf-es message of the record's type
 * (its `$typeName`). Their bytes are written as they are, so each is checked
 * the way a reader will parse it (a varint that ends, a length that the data
 * holds, a group closed by its own end tag): one malformed field makes every
 * reader of the record fail (`premature EOF`), not just skip the field.
 */

import type { DescMessage, UnknownField } from "@bufbuild/protobuf";
import { bytesLength, isBytes, MAX_DEPTH } from "./value-rules.ts";

/** Why `$unknown` was refused: where below it (`""`, `[2]`, `[2].data`), what it should be, what it is. */
export interface UnknownFieldsProblem {
  readonly at: string;
  readonly expected: string;
  readonly received: unknown;
}

const FIELD_NO_MAX = 2 ** 29 - 1;

/** Field numbers each message type declares, for refusing unknown fields that would shadow a declared one. */
const declared = new WeakMap<DescMessage, ReadonlySet<number>>();

function declaredNumbers(desc: DescMessage): ReadonlySet<number> {
  let numbers = declared.get(desc);
  if (numbers === undefined) {
    numbers = new Set(desc.fields.map((f) => f.number));
    declared.set(desc, numbers);
  }
  return numbers;
}

/**
 * Reads the unknown fields `value` of the message `owner` (its `$typeName`
 * was read as `typeName`, and it is `depth` messages deep) once, and returns
 * a copy of them, their bytes copied too, or why they are refused. Reads the
 * caller's objects only through property reads and `hasOwnProperty`.
 */
export function readUnknownFields(desc: DescMessage, owner: object, typeName: unknown, value: unknown, depth: number): UnknownField[] | UnknownFieldsProblem {
  if (typeName !== desc.typeName || !Object.prototype.hasOwnProperty.call(owner, "$unknown")) {
    return { at: "", expected: `unknown fields only as an own $unknown of a ${desc.typeName} message (what fromBinary returns)`, received: value };
  }
  if (!Array.isArray(value)) return { at: "", expected: "array of unknown fields", received: value };
  const numbers = declaredNumbers(desc);
  const out: UnknownField[] = [];
  for (let i = 0, n = value.length; i < n; i++) {
    const entry: unknown = value[i];
    if (typeof entry !== "object" || entry === null) return { at: `[${i}]`, expected: "{ no, wireType, data }", received: entry };
    const no: unknown = (entry as { no?: unknown }).no;
    const wireType: unknown = (entry as { wireType?: unknown }).wireType;
    const data: unknown = (entry as { data?: unknown }).data;
    if (typeof no !== "number" || !Number.isInteger(no) || no < 1 || no > FIELD_NO_MAX || numbers.has(no)) {
      return { at: `[${i}].no`, expected: `a field number ${desc.typeName} does not declare, in [1, ${FIELD_NO_MAX}]`, received: no };
    }
    if (wireType !== 0 && wireType !== 1 && wireType !== 2 && wireType !== 3 && wireType !== 5) {
      return { at: `[${i}].wireType`, expected: "wire type 0, 1, 2, 3 or 5", received: wireType };
    }
    if (!isBytes(data)) return { at: `[${i}].data`, expected: "Uint8Array", received: data };
    // Copied before it is looked at: the caller's array could change under a later getter.
    const bytes = new Uint8Array(bytesLength(data));
    bytes.set(data);
    if (skipValue(bytes, 0, bytes.length, wireType, no, MAX_DEPTH - depth) !== bytes.length) {
      return { at: `[${i}].data`, expected: `the bytes of one wire type ${wireType} value, as fromBinary keeps them`, received: data };
    }
    out.push({ no, wireType, data: bytes });
  }
  return out;
}

/** Position after the varint at `pos` of at most `max` bytes, or -1. `varintValue` holds its value when `max` <= 5. */
let varintValue = 0;

function varintEnd(b: Uint8Array, pos: number, end: number, max: number): number {
  varintValue = 0;
  for (let i = 0; i < max && pos + i < end; i++) {
    const byte = b[pos + i] as number;
    if (i < 5) varintValue += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return pos + i + 1;
  }
  return -1;
}

/**
 * Position after one value of `wireType` at `pos` (for a group: after its end
 * tag, which must carry `no`), or -1 when `b[pos..end)` does not hold one.
 * Groups nest at most `groups` deep, as protobuf-es's reader allows them.
 */
function skipValue(b: Uint8Array, pos: number, end: number, wireType: number, no: number, groups: number): number {
  switch (wireType) {
    case 0:
      return varintEnd(b, pos, end, 10);
    case 1:
      return pos + 8 <= end ? pos + 8 : -1;
    case 5:
      return pos + 4 <= end ? pos + 4 : -1;
    case 2: {
      const start = varintEnd(b, pos, end, 5);
      if (start < 0 || varintValue > 0x7fffffff) return -1;
      return start + varintValue <= end ? start + varintValue : -1;
    }
    case 3: {
      if (groups <= 0) return -1;
      let p = pos;
      for (;;) {
        const next = varintEnd(b, p, end, 5);
        if (next < 0 || varintValue > 0xffffffff) return -1;
        const fieldNo = Math.floor(varintValue / 8);
        const type = varintValue % 8;
        if (fieldNo < 1) return -1;
        if (type === 4) return fieldNo === no ? next : -1;
        p = skipValue(b, next, end, type, fieldNo, groups - 1);
        if (p < 0) return -1;
      }
    }
    default:
      return -1;
  }
}

/** `readUnknownFields` for generated check functions: the copy, or `undefined` when refused. */
export function checkedUnknownFields(desc: DescMessage, owner: object, typeName: unknown, value: unknown, depth: number): UnknownField[] | undefined {
  const fields = readUnknownFields(desc, owner, typeName, value, depth);
  return Array.isArray(fields) ? fields : undefined;
}
