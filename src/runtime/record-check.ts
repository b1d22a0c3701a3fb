import { ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";

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
      return "object";
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

function checkMessage(desc: DescMessage, value: unknown, path: string, problems: RecordProblem[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    add(problems, path, `message ${desc.typeName}`, value);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (problems.length >= MAX_PROBLEMS) return;
    const v = obj[key];
    if (key === "$typeName") {
      if (v !== desc.typeName) add(problems, join(path, key), desc.typeName, v);
      continue;
    }
    const field = desc.fields.find((f) => f.localName === key && f.oneof === undefined);
    if (field !== undefined) {
      if (v !== undefined) checkField(field, v, join(path, key), problems);
      continue;
    }
    const oneof = desc.oneofs.find((o) => o.localName === key);
    if (oneof !== undefined) {
      if (v === undefined) continue;
      if (typeof v !== "object" || v === null) {
        add(problems, join(path, key), `{ case, value } of oneof ${oneof.name}`, v);
        continue;
      }
      const sel = v as { case?: unknown; value?: unknown };
      if (sel.case === undefined) continue;
      const member = oneof.fields.find((f) => f.localName === sel.case);
      if (member === undefined) {
        add(problems, join(path, `${key}.case`), oneof.fields.map((f) => JSON.stringify(f.localName)).join(" | "), sel.case);
        continue;
      }
      checkField(member, sel.value, join(path, `${key}.value`), problems);
      continue;
    }
    add(problems, join(path, key), `no such field in ${desc.typeName}`, v);
  }
}

function checkField(field: DescField, value: unknown, path: string, problems: RecordProblem[]): void {
  switch (field.fieldKind) {
    case "scalar":
      checkScalar(field.scalar, value, path, problems);
      return;
    case "enum":
      checkEnum(field.enum, value, path, problems);
      return;
    case "message":
      checkMessage(field.message, value, path, problems);
      return;
    case "list": {
      if (!Array.isArray(value)) {
        add(problems, path, "array", value);
        return;
      }
      for (let i = 0; i < value.length && problems.length < MAX_PROBLEMS; i++) {
        const p = `${path}[${i}]`;
        if (field.listKind === "scalar") checkScalar(field.scalar, value[i], p, problems);
        else if (field.listKind === "enum") checkEnum(field.enum, value[i], p, problems);
        else checkMessage(field.message, value[i], p, problems);
      }
      return;
    }
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        add(problems, path, "object (map)", value);
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        if (problems.length >= MAX_PROBLEMS) return;
        const p = `${path}[${JSON.stringify(k)}]`;
        checkMapKey(field.mapKey, k, p, problems);
        if (field.mapKind === "scalar") checkScalar(field.scalar, v, p, problems);
        else if (field.mapKind === "enum") checkEnum(field.enum, v, p, problems);
        else checkMessage(field.message, v, p, problems);
      }
    }
  }
}

function checkEnum(desc: DescEnum, value: unknown, path: string, problems: RecordProblem[]): void {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    add(problems, path, `enum ${desc.typeName} number`, value);
  } else if (desc.value[value] === undefined) {
    add(problems, path, `one of ${desc.typeName}'s numbers (${desc.values.map((v) => v.number).join(", ")})`, value);
  }
}

function checkMapKey(type: ScalarType, key: string, path: string, problems: RecordProblem[]): void {
  if (type === ScalarType.STRING) return;
  if (type === ScalarType.BOOL) {
    if (key !== "true" && key !== "false") add(problems, path, "bool map key", key);
    return;
  }
  if (!/^-?\d+$/.test(key)) {
    add(problems, path, "integer map key", key);
    return;
  }
  checkScalar(type, is64(type) ? BigInt(key) : Number(key), path, problems);
}

function is64(type: ScalarType): boolean {
  return type === ScalarType.INT64 || type === ScalarType.UINT64 || type === ScalarType.SINT64 || type === ScalarType.FIXED64 || type === ScalarType.SFIXED64;
}

function checkScalar(type: ScalarType, value: unknown, path: string, problems: RecordProblem[]): void {
  switch (type) {
    case ScalarType.STRING:
      if (typeof value !== "string") add(problems, path, "string", value);
      return;
    case ScalarType.BOOL:
      if (typeof value !== "boolean") add(problems, path, "boolean", value);
      return;
    case ScalarType.BYTES:
      if (!(value instanceof Uint8Array)) add(problems, path, "Uint8Array", value);
      return;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (typeof value !== "number") add(problems, path, "number", value);
      return;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        add(problems, path, `int32 in [${INT32_MIN}, ${INT32_MAX}]`, value);
      }
      return;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
        add(problems, path, `uint32 in [0, ${UINT32_MAX}]`, value);
      }
      return;
    default: {
      const unsigned = type === ScalarType.UINT64 || type === ScalarType.FIXED64;
      const min = unsigned ? 0n : INT64_MIN;
      const max = unsigned ? UINT64_MAX : INT64_MAX;
      const expected = `${unsigned ? "uint64" : "int64"} bigint in [${min}, ${max}]`;
      let big: bigint;
      if (typeof value === "bigint") big = value;
      else if (typeof value === "number" && Number.isSafeInteger(value)) big = BigInt(value);
      else if (typeof value === "string" && /^-?\d{1,20}$/.test(value)) big = BigInt(value);
      else {
        add(problems, path, expected, value);
        return;
      }
      if (big < min || big > max) add(problems, path, expected, value);
    }
  }
}
