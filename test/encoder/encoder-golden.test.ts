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
      'import { bufferFull, encodeWith, fallbackToBinary, isInt64, isRecordObject, writeBool, writeDouble, writeInt32, writeInt64, writeLength, writeSint32, writeTaggedString, writeUint32, writeUnknown } from "logwire/codegenv1";',
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

  it("checks a record's keys in one pass, then each member by name, each rule inlined; a failure counts only for an own enumerable key", () => {
    assertBlock([
      "function check$golden$v1$Shape(v: unknown): boolean {",
      "  if (!isRecordObject(v)) return false;",
      "  for (const k in v) {",
      "    switch (k) {",
      '      case "name":',
      '      case "area":',
      '      case "origin":',
      '      case "sides":',
      '      case "points":',
      '      case "layer":',
      '      case "weight":',
      '      case "fill":',
      "        continue;",
      '      case "$typeName":',
      '        if (v["$typeName"] === ShapeSchema.typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;',
      "        return false;",
      "      default:",
      "        if (Object.prototype.hasOwnProperty.call(v, k)) return false;",
      "    }",
      "  }",
      "  let x: unknown;",
      '  x = v["name"];',
      '  if (x !== undefined && typeof x !== "string" && Object.prototype.propertyIsEnumerable.call(v, "name")) return false;',
      '  x = v["area"];',
      '  if (x !== undefined && !isInt64(x) && Object.prototype.propertyIsEnumerable.call(v, "area")) return false;',
      '  x = v["origin"];',
      '  if (x !== undefined && !check$golden$v1$Point(x) && Object.prototype.propertyIsEnumerable.call(v, "origin")) return false;',
      '  x = v["sides"];',
      "  if (x !== undefined) {",
      "    if (Array.isArray(x)) {",
      "      for (let i = 0; i < x.length; i++) {",
      "        const e: unknown = x[i];",
      '        if (typeof e !== "number" || e >>> 0 !== e) {',
      '          if (Object.prototype.propertyIsEnumerable.call(v, "sides")) return false;',
      "          break;",
      "        }",
      "      }",
      '    } else if (Object.prototype.propertyIsEnumerable.call(v, "sides")) return false;',
      "  }",
      '  x = v["points"];',
      "  if (x !== undefined) {",
      "    if (isRecordObject(x)) {",
      "      for (const key in x) {",
      "        if (!Object.prototype.hasOwnProperty.call(x, key)) continue;",
      "        const e = x[key];",
      "        if (!check$golden$v1$Point(e)) {",
      '          if (Object.prototype.propertyIsEnumerable.call(v, "points")) return false;',
      "          break;",
      "        }",
      "      }",
      '    } else if (Object.prototype.propertyIsEnumerable.call(v, "points")) return false;',
      "  }",
      '  x = v["layer"];',
      '  if (x !== undefined && (typeof x !== "number" || (x | 0) !== x) && Object.prototype.propertyIsEnumerable.call(v, "layer")) return false;',
    ]);
    assertBlock([
      '  x = v["fill"];',
      "  if (x !== undefined) {",
      '    if (typeof x === "object" && x !== null) {',
      "      const c: unknown = (x as { case?: unknown }).case;",
      '      if (c === "color") {',
      "        const y: unknown = (x as { value?: unknown }).value;",
      '        if (typeof y !== "string" && Object.prototype.propertyIsEnumerable.call(v, "fill")) return false;',
      '      } else if (c === "hollow") {',
      "        const y: unknown = (x as { value?: unknown }).value;",
      '        if (typeof y !== "boolean" && Object.prototype.propertyIsEnumerable.call(v, "fill")) return false;',
      '      } else if (c !== undefined && Object.prototype.propertyIsEnumerable.call(v, "fill")) return false;',
      '    } else if (Object.prototype.propertyIsEnumerable.call(v, "fill")) return false;',
      "  }",
      "  return true;",
      "}",
    ]);
    assert.ok(lines.includes("  check: check$golden$v1$Shape,"));
  });
});
