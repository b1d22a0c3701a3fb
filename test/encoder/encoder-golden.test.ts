import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { protocGenLogwire } from "../../src/codegen/logwire-plugin.ts";
import { DEFAULT_PARAMETER, linesOf, runPlugin } from "../codegen/plugin-harness.ts";
import { buildEncoderFixtureImage } from "./fixture-image.ts";

/**
 * Exact lines of the encoder and check functions protoc-gen-logwire
 * generates for a small fixture (test/encoder/fixtures/golden/v1/golden.proto)
 * with one of each code shape: string, int64, nested message, packed list,
 * map of messages, oneof, unwrapped wrapper, a 2-byte tag, and the encode
 * function itself.
 */

const FILE = "golden/v1/golden_logwire.ts";
let lines: string[] = [];

before(() => {
  lines = linesOf(runPlugin(buildEncoderFixtureImage(), ["golden/v1/golden.proto"], DEFAULT_PARAMETER, protocGenLogwire), FILE);
});

/** Asserts that `expected` appears in the file as consecutive lines. */
function assertBlock(expected: string[]): void {
  const start = lines.indexOf(expected[0] as string);
  assert.notEqual(start, -1, `line not generated: ${expected[0]}\n---\n${lines.join("\n")}`);
  assert.deepEqual(lines.slice(start, start + expected.length), expected);
}

describe("generated encoder code", () => {
  it("imports the runtime primitives it uses from logwire", () => {
    assertBlock([
      "import { bufferFull, checkedUnknownFields, encodeWith, fallbackToBinary, isInt64, isRecordObject, writeBool, writeDouble, writeInt32, writeInt64, writeLength, writeSint32, writeTaggedString, writeUint32, writeUnknown } from \"logwire/codegenv1\";",
    ]);
  });

  it("takes a message or an init object, rejects a message of another type, then writes fields in field-number order, tags as literals", () => {
    assertBlock(['import type { MessageInitShape } from "@bufbuild/protobuf";']);
    assertBlock([
      "function write$golden$v1$Shape(m: MessageInitShape<typeof ShapeSchema>, b: Uint8Array, p: number): number {",
      "  const t = m.$typeName;",
      '  if (t !== undefined && t !== ShapeSchema.typeName) throw new TypeError("foreign message");',
      "  const v1 = m.name;",
      '  if (v1 !== undefined && v1 !== "") {',
      "    p = writeTaggedString(b, p, 10, v1);",
      "  }",
      "  const v2 = m.area;",
      "  if (v2 !== undefined && (v2 as unknown) != 0) {",
      "    if (p + 11 > b.length) throw bufferFull;",
      "    b[p++] = 16;",
      "    p = writeInt64(b, p, v2);",
      "  }",
    ]);
  });

  it("reserves one length byte for a nested message and fixes it up after", () => {
    assertBlock([
      "  if (v3 !== undefined) {",
      "    if (p + 2 > b.length) throw bufferFull;",
      "    b[p++] = 26;",
      "    const s1 = ++p;",
      "    p = write$golden$v1$Point(v3, b, p);",
      "    p = writeLength(b, s1, p);",
      "  }",
    ]);
  });

  it("packs repeated scalars", () => {
    assertBlock([
      "  if (a4 !== undefined && a4.length > 0) {",
      "    if (p + 2 > b.length) throw bufferFull;",
      "    b[p++] = 34;",
      "    const s2 = ++p;",
      "    for (let i = 0; i < a4.length; i++) {",
      "      if (p + 5 > b.length) throw bufferFull;",
      "      p = writeUint32(b, p, a4[i]!);",
      "    }",
      "    p = writeLength(b, s2, p);",
      "  }",
    ]);
  });

  it("writes map entries key first, value second, in Object.keys order", () => {
    assertBlock([
      "  const r5 = m.points as { [key: string]: MessageInitShape<typeof PointSchema> } | undefined;",
      "  if (r5 !== undefined) {",
      "    const k5 = Object.keys(r5);",
      "    for (let i = 0; i < k5.length; i++) {",
      "      const key = k5[i]!;",
    ]);
    assertBlock(["      p = write$golden$v1$Point(r5[key]!, b, p);", "      p = writeLength(b, s4, p);", "      p = writeLength(b, s3, p);", "    }", "  }"]);
  });

  it("writes oneof members by case, zero values included", () => {
    assertBlock(["  const o7 = m.fill;", '  if (o7 !== undefined && o7.case === "hollow") {', "    if (p + 2 > b.length) throw bufferFull;", "    b[p++] = 56;", "    p = writeBool(b, p, o7.value);", "  }"]);
  });

  it("writes an unwrapped wrapper as a message around its value", () => {
    assertBlock(["  if (v8 !== undefined) {", "    if (p + 13 > b.length) throw bufferFull;", "    b[p++] = 66;", "    const s5 = ++p;", "    if (v8 != 0) {", "      b[p++] = 8;", "      p = writeInt32(b, p, v8);", "    }"]);
  });

  it("writes proto3 optional fields when present, with multi-byte tags", () => {
    assertBlock(["  if (v2000 !== undefined) {", "    if (p + 10 > b.length) throw bufferFull;", "    b[p++] = 129; b[p++] = 125;", "    p = writeDouble(b, p, v2000);", "  }"]);
  });

  it("ends with the unknown fields of a message and wraps it all in an encoder with a toBinary fallback, for encode and encodeInit", () => {
    assertBlock(['  if (t !== undefined && "$unknown" in m) {', "    const u = m.$unknown;", "    if (u !== undefined) p = writeUnknown(b, p, u);", "  }", "  return p;", "}"]);
    assertBlock([
      "function encode$golden$v1$Shape(m: MessageInitShape<typeof ShapeSchema>): Uint8Array {",
      "  try {",
      "    return encodeWith(write$golden$v1$Shape, m);",
      "  } catch {",
      "    return fallbackToBinary(ShapeSchema, m);",
      "  }",
      "}",
    ]);
    assert.ok(lines.includes("  encode: encode$golden$v1$Shape,"));
    assert.ok(lines.includes("  encodeInit: encode$golden$v1$Shape,"));
  });

  it("checks a record's keys in one pass, then reads each member once by name, each rule inlined, and returns the copy of what it read", () => {
    assertBlock([
      "function check$golden$v1$Shape(v: unknown, d = 1): object | undefined {",
      "  if (d > 100 || !isRecordObject(v)) return undefined;",
      "  for (const k in v) {",
      "    switch (k) {",
      "      case \"name\":",
      "      case \"area\":",
      "      case \"origin\":",
      "      case \"sides\":",
      "      case \"points\":",
      "      case \"layer\":",
      "      case \"weight\":",
      "      case \"fill\":",
      "      case \"$typeName\":",
      "      case \"$unknown\":",
      "        continue;",
      "      default:",
      "        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;",
      "    }",
      "  }",
      "  const t: unknown = v[\"$typeName\"];",
      "  if (t !== undefined && t !== ShapeSchema.typeName) return undefined;",
      "  const x1: unknown = v[\"name\"];",
      "  if (x1 !== undefined && typeof x1 !== \"string\") return undefined;",
      "  const x2: unknown = v[\"area\"];",
      "  if (x2 !== undefined && !isInt64(x2)) return undefined;",
      "  let x3: unknown = v[\"origin\"];",
      "  if (x3 !== undefined && (x3 = check$golden$v1$Point(x3, d + 1)) === undefined) return undefined;",
      "  let x4: unknown = v[\"sides\"];",
      "  if (x4 !== undefined) {",
      "    if (!Array.isArray(x4)) return undefined;",
      "    const a: unknown[] = [];",
      "    for (let i = 0, n = x4.length; i < n; i++) {",
      "      const e: unknown = x4[i];",
      "      if (typeof e !== \"number\" || e >>> 0 !== e) return undefined;",
      "      a.push(e);",
      "    }",
      "    x4 = a;",
      "  }",
      "  let x5: unknown = v[\"points\"];",
      "  if (x5 !== undefined) {",
      "    if (!isRecordObject(x5)) return undefined;",
      "    const r: { [key: string]: unknown } = { ...x5 };",
      "    for (const key in r) {",
      "      if (!Object.prototype.hasOwnProperty.call(r, key)) continue;",
      "      const e = check$golden$v1$Point(r[key], d + 2);",
      "      if (e === undefined) return undefined;",
      "      r[key] = e;",
      "    }",
      "    x5 = r;",
      "  }",
      "  const x6: unknown = v[\"layer\"];",
      "  if (x6 !== undefined && (typeof x6 !== \"number\" || (x6 | 0) !== x6)) return undefined;",
      "  const x7: unknown = v[\"weight\"];",
      "  if (x7 !== undefined && typeof x7 !== \"number\") return undefined;",
      "  let x8: unknown = v[\"fill\"];",
      "  if (x8 !== undefined) {",
      "    if (typeof x8 !== \"object\" || x8 === null) return undefined;",
      "    for (const k in x8) if (k !== \"case\" && k !== \"value\" && Object.prototype.hasOwnProperty.call(x8, k)) return undefined;",
      "    const c: unknown = (x8 as { case?: unknown }).case;",
      "    const y: unknown = (x8 as { value?: unknown }).value;",
      "    if (c === \"color\") {",
      "      if (typeof y !== \"string\") return undefined;",
      "    } else if (c === \"hollow\") {",
      "      if (typeof y !== \"boolean\") return undefined;",
      "    } else if (c !== undefined || y !== undefined || !(\"case\" in x8)) return undefined;",
      "    x8 = c === undefined ? undefined : { case: c, value: y };",
      "  }",
      "  let u: unknown = v[\"$unknown\"];",
      "  if (u !== undefined && (u = checkedUnknownFields(ShapeSchema, v, t, u, d)) === undefined) return undefined;",
      "  return { $typeName: t, name: x1, area: x2, origin: x3, sides: x4, points: x5, layer: x6, weight: x7, fill: x8, $unknown: u };",
      "}",
    ]);
    assert.ok(lines.includes("  check: check$golden$v1$Shape,"));
  });
});
