import { ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, DescOneof } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

/** One reason a record does not match its schema. */
export interface RecordProblem {
  /** Path as the caller wrote it, e.g. `amount.amountMinor`, `stack[2].line`, `labels["k"]`. */
  readonly path: string;
  readonly expected: string;
  readonly received: string;
}

/** Stop after this many problems: a record this broken needs no longer report. */
const MAX_PROBLEMS = 10;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** A short description of a value for diagnostics; never the whole value. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
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
}

/**
 * Checks a plain-JS init object against a message schema, for callers that
 * bypass the types (plain JS, `any`, JSON input). Returns the problems, empty
 * when the record is fine. The walk is one pass over the fields present, with
 * no allocation unless there is a problem, so it stays cheap on the hot path.
 *
 * Stricter than protobuf-es on purpose: `null`, `NaN` or fractions for
 * integers, out-of-range integers, enum numbers the schema does not declare
 * (proto3 enums are open on the wire, but a log producer writing an unknown
 * number is a bug) and fields the schema does not have are all problems.
 *
 * Generated code carries a compiled form of these rules per message
 * (`LogDescriptor.check`, printed by src/codegen/encoder/message-check.ts),
 * which must accept exactly what this accepts; the exported predicates below
 * are shared by both. The runtime calls this only for records the compiled
 * check rejects, for the problem list.
 */
export function checkRecord(desc: DescMessage, init: unknown): RecordProblem[] {
  const problems: RecordProblem[] = [];
  checkMessage(desc, init, "", problems);
  return problems;
}

function add(problems: RecordProblem[], path: string, expected: string, value: unknown): void {
  if (problems.length < MAX_PROBLEMS) {
    problems.push({ path: path === "" ? "(record)" : path, expected, received: describeValue(value) });
  }
}

function join(prefix: string, name: string): string {
  return prefix === "" ? name : `${prefix}.${name}`;
}

// Paths and "expected" texts are built only when a value fails: on the hot
// path (every emit of an init object) a passing record allocates nothing.

/** Field and oneof look-up by local name, built once per message type. */
interface FieldIndex {
  readonly fields: ReadonlyMap<string, DescField>;
  readonly oneofs: ReadonlyMap<string, DescOneof>;
}

const indexes = new WeakMap<DescMessage, FieldIndex>();

function indexOf(desc: DescMessage): FieldIndex {
  let index = indexes.get(desc);
  if (index === undefined) {
    const fields = new Map<string, DescField>();
    // The first field with the name wins, as `desc.fields.find` would.
    for (const f of desc.fields) if (f.oneof === undefined && !fields.has(f.localName)) fields.set(f.localName, f);
    const oneofs = new Map<string, DescOneof>();
    for (const o of desc.oneofs) if (!oneofs.has(o.localName)) oneofs.set(o.localName, o);
    index = { fields, oneofs };
    indexes.set(desc, index);
  }
  return index;
}

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

/**
 * Singular wrapper fields (google.protobuf.Int32Value, ...) outside a oneof
 * hold the bare scalar in protobuf-es (`create()` keeps it, `toBinary`
 * wraps it), so that is what they are checked as.
 */
function unwrappedScalar(field: DescField & { fieldKind: "message" }): ScalarType | undefined {
  if (field.oneof !== undefined || !isWrapperDesc(field.message)) return undefined;
  return (field.message.fields[0] as DescField & { fieldKind: "scalar" }).scalar;
}

function checkMessage(desc: DescMessage, value: unknown, path: string, problems: RecordProblem[]): void {
  if (!isRecordObject(value)) {
    const hint = value instanceof Date && desc.typeName === "google.protobuf.Timestamp" ? " (convert with timestampFromDate(date) from @bufbuild/protobuf/wkt)" : "";
    add(problems, path, `message ${desc.typeName}${hint}`, value);
    return;
  }
  const obj = value;
  const index = indexOf(desc);
  for (const key of Object.keys(obj)) {
    if (problems.length >= MAX_PROBLEMS) return;
    const v = obj[key];
    if (key === "$typeName") {
      if (v !== desc.typeName) add(problems, join(path, key), desc.typeName, v);
      continue;
    }
    const field = index.fields.get(key);
    if (field !== undefined) {
      if (v !== undefined) checkField(field, v, path, key, problems);
      continue;
    }
    const oneof = index.oneofs.get(key);
    if (oneof !== undefined) {
      if (v === undefined) continue;
      if (typeof v !== "object" || v === null) {
        add(problems, join(path, key), `{ case, value } of oneof ${oneof.name}`, v);
        continue;
      }
      const sel = v as { case?: unknown; value?: unknown };
      if (sel.case === undefined) continue;
      let member: DescField | undefined;
      for (const f of oneof.fields) {
        if (f.localName === sel.case) {
          member = f;
          break;
        }
      }
      if (member === undefined) {
        add(problems, join(path, `${key}.case`), oneof.fields.map((f) => JSON.stringify(f.localName)).join(" | "), sel.case);
        continue;
      }
      checkField(member, sel.value, join(path, key), "value", problems);
      continue;
    }
    add(problems, join(path, key), `no such field in ${desc.typeName}`, v);
  }
}

/** Checks field `key` of the message at `parent`; its path is `join(parent, key)`. */
function checkField(field: DescField, value: unknown, parent: string, key: string, problems: RecordProblem[]): void {
  switch (field.fieldKind) {
    case "scalar": {
      const expected = scalarProblem(field.scalar, value);
      if (expected !== undefined) add(problems, join(parent, key), expected, value);
      return;
    }
    case "enum": {
      const expected = enumProblem(field.enum, value);
      if (expected !== undefined) add(problems, join(parent, key), expected, value);
      return;
    }
    case "message": {
      const scalar = unwrappedScalar(field);
      if (scalar === undefined) {
        checkMessage(field.message, value, join(parent, key), problems);
        return;
      }
      const expected = scalarProblem(scalar, value);
      if (expected !== undefined) add(problems, join(parent, key), expected, value);
      return;
    }
    case "list": {
      if (!Array.isArray(value)) {
        add(problems, join(parent, key), "array", value);
        return;
      }
      for (let i = 0; i < value.length && problems.length < MAX_PROBLEMS; i++) {
        const item: unknown = value[i];
        if (field.listKind === "message") {
          checkMessage(field.message, item, `${join(parent, key)}[${i}]`, problems);
          continue;
        }
        const expected = field.listKind === "scalar" ? scalarProblem(field.scalar, item) : enumProblem(field.enum, item);
        if (expected !== undefined) add(problems, `${join(parent, key)}[${i}]`, expected, item);
      }
      return;
    }
    case "map": {
      if (!isRecordObject(value)) {
        add(problems, join(parent, key), value instanceof Map ? "object (map), not a Map (convert with Object.fromEntries(map))" : "object (map)", value);
        return;
      }
      for (const k of Object.keys(value)) {
        if (problems.length >= MAX_PROBLEMS) return;
        const v: unknown = (value as Record<string, unknown>)[k];
        const keyExpected = mapKeyProblem(field.mapKey, k);
        if (keyExpected !== undefined) add(problems, entryPath(parent, key, k), keyExpected, mapKeyValue(field.mapKey, k));
        if (field.mapKind === "message") {
          checkMessage(field.message, v, entryPath(parent, key, k), problems);
          continue;
        }
        const expected = field.mapKind === "scalar" ? scalarProblem(field.scalar, v) : enumProblem(field.enum, v);
        if (expected !== undefined) add(problems, entryPath(parent, key, k), expected, v);
      }
    }
  }
}

/** The path of map entry `k` of field `key` (a function, not a closure: no allocation unless called). */
function entryPath(parent: string, key: string, k: string): string {
  return `${join(parent, key)}[${JSON.stringify(k)}]`;
}

/** What an enum field expects, or undefined when `value` is fine. */
function enumProblem(desc: DescEnum, value: unknown): string | undefined {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return `enum ${desc.typeName} number`;
  }
  if (desc.value[value] === undefined) {
    return `one of ${desc.typeName}'s numbers (${desc.values.map((v) => v.number).join(", ")})`;
  }
  return undefined;
}

const INTEGER_KEY = /^-?\d+$/;

/** What a map key expects, or undefined when `key` is fine. */
function mapKeyProblem(type: ScalarType, key: string): string | undefined {
  if (type === ScalarType.STRING) return undefined;
  if (type === ScalarType.BOOL) return key !== "true" && key !== "false" ? "bool map key" : undefined;
  if (!INTEGER_KEY.test(key)) return "integer map key";
  return scalarProblem(type, mapKeyValue(type, key));
}

/** The value a map key is reported as: the key itself, or its number once it parses as an integer. */
function mapKeyValue(type: ScalarType, key: string): unknown {
  if (type === ScalarType.STRING || type === ScalarType.BOOL || !INTEGER_KEY.test(key)) return key;
  return is64(type) ? BigInt(key) : Number(key);
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

function isInt32(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

function isUint32(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= UINT32_MAX;
}

/** Decimal text of a 64-bit integer: `toBinary` converts it with `BigInt()`. */
const INT64_TEXT = /^-?\d{1,20}$/;

// A bigint is in range exactly when truncating it to 64 bits leaves it
// unchanged: one BigInt.asIntN / asUintN, which V8 compiles for 64 bits, is
// cheaper than the two comparisons with bigint bounds (and than a
// Number(value) plus Number.isSafeInteger shortcut, which measured dearer).

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

function is64(type: ScalarType): boolean {
  return type === ScalarType.INT64 || type === ScalarType.UINT64 || type === ScalarType.SINT64 || type === ScalarType.FIXED64 || type === ScalarType.SFIXED64;
}

/** What a scalar field expects, or undefined when `value` is fine. */
function scalarProblem(type: ScalarType, value: unknown): string | undefined {
  switch (type) {
    case ScalarType.STRING:
      return typeof value !== "string" ? "string" : undefined;
    case ScalarType.BOOL:
      return typeof value !== "boolean" ? "boolean" : undefined;
    case ScalarType.BYTES:
      return !(value instanceof Uint8Array) ? "Uint8Array" : undefined;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return typeof value !== "number" ? "number" : undefined;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return isInt32(value) ? undefined : `int32 in [${INT32_MIN}, ${INT32_MAX}]`;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return isUint32(value) ? undefined : `uint32 in [0, ${UINT32_MAX}]`;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return isUint64(value) ? undefined : `uint64 bigint in [0, ${UINT64_MAX}]`;
    default:
      return isInt64(value) ? undefined : `int64 bigint in [${INT64_MIN}, ${INT64_MAX}]`;
  }
}
