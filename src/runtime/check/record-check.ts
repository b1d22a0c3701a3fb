import { ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage, DescOneof } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { readUnknownFields } from "../encode/unknown-fields.ts";
import { describeValue, enumProblem, mapKeyProblem, mapKeyValue, scalarProblem, wktProblem } from "./value-problems.ts";
import { isDurationSigned, isRecordObject, MAX_DEPTH } from "../encode/value-rules.ts";

/**
 * The record contract: what `emit()` accepts, and how it reads it.
 *
 * A record is read once, the way `create()` reads an init object: each
 * member (field, oneof, `$typeName`, `$unknown`) by its name, through
 * getters, prototypes and Proxy traps alike. Every value read is checked,
 * and the check returns a copy made of exactly those values (plain objects
 * and arrays). Redaction, the partition key and the encoder all read that
 * copy, never the caller's objects: what was checked is what is written, and
 * a getter runs once. The generated check functions (`LogDescriptor.check`,
 * printed by src/codegen/encoder/message-check.ts) implement it; `checkRecord`
 * below states the same rules and names what a check rejects (a rejected
 * record is read again, to explain it and to keep it as JSON in the
 * dead-letter topic). Types without generated code (proto2 and editions
 * files, Struct fields) are checked by `checkRecord` and then read again by
 * `create()`. Valid, member by member:
 *
 * - a message: an object, neither an array nor a built-in that keeps its data
 *   elsewhere (Date, Map, ...), at most MAX_DEPTH levels deep (cycles end
 *   there). Each own enumerable key is a member; another own enumerable key
 *   is a problem (inherited and non-enumerable ones are never read);
 * - `$typeName`: undefined, or the message's type name;
 * - `$unknown`: undefined, or well-formed unknown fields of a protobuf-es
 *   message of the type, as an own property (see unknown-fields.ts);
 * - scalars of their JS type and range (float32's too), 64-bit integers as
 *   bigints, safe integers or decimal text; enums by a declared number;
 *   bytes as a real Uint8Array; Timestamp and Duration within the ranges
 *   their .proto files define;
 * - a list: an array of valid elements; a map: an object whose own
 *   enumerable keys are valid keys, with valid values;
 * - a oneof: `{ case, value }` with a member as `case` and its valid value,
 *   or `{ case: undefined }` (no value); no other own key;
 * - reading a value that throws (a getter, a revoked Proxy) is a problem at
 *   that value's path, never an error of logwire's.
 *
 * Stricter than protobuf-es on purpose: `null`, `NaN` or fractions for
 * integers, out-of-range values, enum numbers the schema does not declare
 * (proto3 enums are open on the wire, but a log producer writing one is a
 * bug) and keys the schema does not have are all problems.
 */

/** One reason a record does not match its schema. */
export interface RecordProblem {
  /** Path as the caller wrote it, e.g. `amount.amountMinor`, `stack[2].line`, `labels["k"]`. */
  readonly path: string;
  readonly expected: string;
  readonly received: string;
}

/** Stop after this many problems: a record this broken needs no longer report. */
const MAX_PROBLEMS = 10;

const TIMESTAMP = "google.protobuf.Timestamp";
const DURATION = "google.protobuf.Duration";

/**
 * Checks a record against a message schema by the contract above and
 * returns the problems, empty when it is valid: exactly when the generated
 * check accepts it (test/encoder/generated-check.test.ts holds the two
 * together). Never throws, whatever the record does when read. The runtime
 * runs it for records without a generated check, and to explain a rejection.
 */
export function checkRecord(desc: DescMessage, init: unknown): RecordProblem[] {
  const problems: RecordProblem[] = [];
  checkMessage(desc, init, "", 1, problems);
  return problems;
}

function add(problems: RecordProblem[], path: string, expected: string, value: unknown): void {
  addText(problems, path, expected, describeValue(value));
}

function addText(problems: RecordProblem[], path: string, expected: string, received: string): void {
  if (problems.length < MAX_PROBLEMS) problems.push({ path: path === "" ? "(record)" : path, expected, received });
}

function addThrown(problems: RecordProblem[], path: string): void {
  let text: string;
  try {
    text = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  } catch {
    text = "an exception";
  }
  addText(problems, path, "a value that can be read", `threw ${text}`);
}

function join(prefix: string, name: string): string {
  return prefix === "" ? name : `${prefix}.${name}`;
}

// Reads of the caller's objects: a read that throws gives THREW and leaves
// the exception in `thrown`, for addThrown.
const THREW: unique symbol = Symbol("threw");
let thrown: unknown;

function read(obj: object, key: string | number): unknown {
  try {
    return (obj as Record<string | number, unknown>)[key];
  } catch (error) {
    thrown = error;
    return THREW;
  }
}

/** Members by local name, and in the order they are read; built once per message type. */
interface MemberIndex {
  readonly byName: ReadonlyMap<string, DescField | DescOneof>;
  readonly members: readonly (DescField | DescOneof)[];
  /** A Timestamp or Duration, whose fields have ranges. */
  readonly time: boolean;
}

const indexes = new WeakMap<DescMessage, MemberIndex>();

function indexOf(desc: DescMessage): MemberIndex {
  let index = indexes.get(desc);
  if (index === undefined) {
    // The first member with a name wins, fields before oneofs, as in the generated check.
    const byName = new Map<string, DescField | DescOneof>();
    for (const m of [...desc.fields.filter((f) => f.oneof === undefined), ...desc.oneofs]) if (!byName.has(m.localName)) byName.set(m.localName, m);
    index = { byName, members: [...byName.values()], time: desc.typeName === TIMESTAMP || desc.typeName === DURATION };
    indexes.set(desc, index);
  }
  return index;
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

function checkMessage(desc: DescMessage, value: unknown, path: string, depth: number, problems: RecordProblem[]): void {
  if (depth > MAX_DEPTH) {
    addText(problems, path, `a message at most ${MAX_DEPTH} levels deep (readers stop there)`, `a message at level ${depth}`);
    return;
  }
  let isObject: boolean;
  try {
    isObject = isRecordObject(value);
  } catch (error) {
    thrown = error;
    addThrown(problems, path);
    return;
  }
  if (!isObject) {
    const hint = desc.typeName === TIMESTAMP && describeValue(value) === "Date" ? " (convert with timestampFromDate(date) from @bufbuild/protobuf/wkt)" : "";
    add(problems, path, `message ${desc.typeName}${hint}`, value);
    return;
  }
  const obj = value as Record<string, unknown>;
  const index = indexOf(desc);
  try {
    for (const key in obj) {
      if (problems.length >= MAX_PROBLEMS) return;
      if (index.byName.has(key) || key === "$typeName" || key === "$unknown") continue;
      if (Object.prototype.hasOwnProperty.call(obj, key)) add(problems, join(path, key), `no such field in ${desc.typeName}`, read(obj, key));
    }
  } catch (error) {
    thrown = error;
    addThrown(problems, path);
    return;
  }
  // Named loads, not read(obj, key): a load site that sees one key is cheaper.
  let typeName: unknown;
  try {
    typeName = obj["$typeName"];
  } catch (error) {
    thrown = error;
    typeName = THREW;
  }
  if (typeName === THREW) addThrown(problems, join(path, "$typeName"));
  else if (typeName !== undefined && typeName !== desc.typeName) add(problems, join(path, "$typeName"), desc.typeName, typeName);
  let seconds: unknown;
  let nanos: unknown;
  for (const member of index.members) {
    if (problems.length >= MAX_PROBLEMS) return;
    const v = read(obj, member.localName);
    if (v === THREW) addThrown(problems, join(path, member.localName));
    else if (v === undefined) continue;
    else if (member.kind === "oneof") checkOneof(member, v, join(path, member.localName), depth, problems);
    else {
      const before = problems.length;
      checkField(member, v, path, member.localName, depth, index.time, problems);
      // A Duration's seconds and nanos, when valid, for the rule that spans both.
      if (problems.length === before && index.time) {
        if (member.localName === "seconds") seconds = v;
        else nanos = v;
      }
    }
  }
  if (desc.typeName === DURATION && !isDurationSigned(seconds, nanos)) add(problems, join(path, "nanos"), "nanos of the sign of seconds (a Duration's nanos must not have the opposite sign)", nanos);
  let unknown: unknown;
  try {
    unknown = obj["$unknown"];
  } catch (error) {
    thrown = error;
    unknown = THREW;
  }
  if (unknown === THREW) addThrown(problems, join(path, "$unknown"));
  else if (unknown !== undefined) {
    try {
      const fields = readUnknownFields(desc, obj, typeName === THREW ? undefined : typeName, unknown, depth);
      if (!Array.isArray(fields)) add(problems, join(path, "$unknown") + fields.at, fields.expected, fields.received);
    } catch (error) {
      thrown = error;
      addThrown(problems, join(path, "$unknown"));
    }
  }
}

function checkOneof(oneof: DescOneof, value: unknown, path: string, depth: number, problems: RecordProblem[]): void {
  const shape = "{ case, value } of a oneof member, or { case: undefined }";
  if (typeof value !== "object" || value === null) {
    add(problems, path, shape, value);
    return;
  }
  let hasCase: boolean;
  try {
    for (const key in value) {
      if (key !== "case" && key !== "value" && Object.prototype.hasOwnProperty.call(value, key)) add(problems, join(path, key), "only case and value in a oneof", read(value, key));
    }
    hasCase = "case" in value;
  } catch (error) {
    thrown = error;
    addThrown(problems, path);
    return;
  }
  let c: unknown;
  let v: unknown;
  try {
    c = (value as { case?: unknown }).case;
  } catch (error) {
    thrown = error;
    addThrown(problems, join(path, "case"));
    return;
  }
  try {
    v = (value as { value?: unknown }).value;
  } catch (error) {
    thrown = error;
    addThrown(problems, join(path, "value"));
    return;
  }
  if (c === undefined) {
    if (v !== undefined) add(problems, join(path, "case"), `the case of the value: ${oneofCases(oneof)}`, c);
    else if (!hasCase) add(problems, path, shape, value);
    return;
  }
  let member: DescField | undefined;
  for (const f of oneof.fields) if (f.localName === c) member = f;
  if (member === undefined) {
    add(problems, join(path, "case"), oneofCases(oneof), c);
    return;
  }
  checkField(member, v, path, "value", depth, false, problems);
}

function oneofCases(oneof: DescOneof): string {
  return oneof.fields.map((f) => JSON.stringify(f.localName)).join(" | ");
}

/**
 * Checks field `key` of the message at `parent` (`depth` deep; `time`: a
 * Timestamp or Duration, whose fields have ranges); its path is
 * `join(parent, key)`, built only for a problem.
 */
function checkField(field: DescField, value: unknown, parent: string, key: string, depth: number, time: boolean, problems: RecordProblem[]): void {
  switch (field.fieldKind) {
    case "scalar": {
      const expected = (time ? wktProblem(field, value) : undefined) ?? scalarProblem(field.scalar, value);
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
        checkMessage(field.message, value, join(parent, key), depth + 1, problems);
        return;
      }
      const expected = scalarProblem(scalar, value);
      if (expected !== undefined) add(problems, join(parent, key), expected, value);
      return;
    }
    case "list":
      checkList(field, value, join(parent, key), depth, problems);
      return;
    case "map":
      checkMap(field, value, join(parent, key), depth, problems);
  }
}

function checkList(field: DescField & { fieldKind: "list" }, value: unknown, path: string, depth: number, problems: RecordProblem[]): void {
  let length: unknown;
  try {
    if (!Array.isArray(value)) {
      add(problems, path, "array", value);
      return;
    }
    length = value.length;
  } catch (error) {
    thrown = error;
    addThrown(problems, path);
    return;
  }
  for (let i = 0; i < (length as number) && problems.length < MAX_PROBLEMS; i++) {
    const item = read(value, i);
    if (item === THREW) addThrown(problems, `${path}[${i}]`);
    else if (field.listKind === "message") checkMessage(field.message, item, `${path}[${i}]`, depth + 1, problems);
    else {
      const expected = field.listKind === "scalar" ? scalarProblem(field.scalar, item) : enumProblem(field.enum, item);
      if (expected !== undefined) add(problems, `${path}[${i}]`, expected, item);
    }
  }
}

function checkMap(field: DescField & { fieldKind: "map" }, value: unknown, path: string, depth: number, problems: RecordProblem[]): void {
  try {
    if (!isRecordObject(value)) {
      add(problems, path, value instanceof Map ? "object (map), not a Map (convert with Object.fromEntries(map))" : "object (map)", value);
      return;
    }
    for (const k in value) {
      if (problems.length >= MAX_PROBLEMS) return;
      if (!Object.prototype.hasOwnProperty.call(value, k)) continue;
      const keyExpected = mapKeyProblem(field.mapKey, k);
      if (keyExpected !== undefined) add(problems, entryPath(path, k), keyExpected, mapKeyValue(field.mapKey, k));
      const v = read(value, k);
      if (v === THREW) addThrown(problems, entryPath(path, k));
      // A message value is two levels below the map's message: the entry, then the value.
      else if (field.mapKind === "message") checkMessage(field.message, v, entryPath(path, k), depth + 2, problems);
      else {
        const expected = field.mapKind === "scalar" ? scalarProblem(field.scalar, v) : enumProblem(field.enum, v);
        if (expected !== undefined) add(problems, entryPath(path, k), expected, v);
      }
    }
  } catch (error) {
    thrown = error;
    addThrown(problems, path);
  }
}

/** The path of map entry `key` of the map at `path` (a function, not a closure: no allocation unless called). */
function entryPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}
