import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AnySchema, BoolValueSchema, BytesValueSchema, DoubleValueSchema, DurationSchema, EmptySchema, FieldMaskSchema,
  FloatValueSchema, Int32ValueSchema, Int64ValueSchema, ListValueSchema, StringValueSchema, StructSchema,
  TimestampSchema, UInt32ValueSchema, UInt64ValueSchema, ValueSchema,
} from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { createLogwirePlugin } from "../../src/codegen/logwire-plugin.ts";
import { printEncoder } from "../../src/codegen/encoder/print-encoder.ts";
import { RUNTIME_WRITERS } from "../../src/codegen/writer-homes.ts";
import * as codegenv1 from "../../src/runtime/codegenv1/index.ts";
import type { WriteFn } from "../../src/runtime/encode/output-slab.ts";
import { DEFAULT_PARAMETER, linesOf, REPO, runPlugin } from "../codegen/plugin-harness.ts";
import { buildEncoderFixtureImage } from "./fixture-image.ts";
import { messageArb } from "./message-arbitrary.ts";

/**
 * The runtime's write and check functions of the well-known types
 * (src/runtime/encode/wkt-writers.ts, wkt-checks.ts), which generated modules
 * import instead of printing their own: the writers byte-identical to
 * toBinary on arbitrary values (the checks are held to checkRecord by
 * generated-check.test.ts), each exported from the runtime under the name
 * generated code imports, and exactly the code the generator prints for the
 * type.
 */

const SCHEMAS: DescMessage[] = [
  AnySchema, BoolValueSchema, BytesValueSchema, DoubleValueSchema, DurationSchema, EmptySchema, FieldMaskSchema,
  FloatValueSchema, Int32ValueSchema, Int64ValueSchema, ListValueSchema, StringValueSchema, StructSchema,
  TimestampSchema, UInt32ValueSchema, UInt64ValueSchema, ValueSchema,
];

const writerName = (typeName: string): string => `write$${typeName.replace(/\./g, "$")}`;

function writerOf(typeName: string): WriteFn<Message> {
  const fn = (codegenv1 as unknown as Record<string, unknown>)[writerName(typeName)];
  assert.equal(typeof fn, "function", `${writerName(typeName)} is not exported from src/runtime/codegenv1/index.ts`);
  return fn as WriteFn<Message>;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

describe("runtime writers of well-known types", () => {
  it("cover exactly the types the generator imports from the runtime", () => {
    assert.deepEqual(SCHEMAS.map((s) => s.typeName).sort(), [...RUNTIME_WRITERS].sort());
  });

  for (const schema of SCHEMAS) {
    it(`${schema.typeName}: byte-identical to toBinary on 150 arbitrary values`, () => {
      const write = writerOf(schema.typeName);
      fc.assert(
        fc.property(messageArb(schema), (init) => {
          const message = create(schema, init);
          assert.equal(hex(codegenv1.encodeWith(write, message)), hex(toBinary(schema, message)));
        }),
        { numRuns: 150 },
      );
    });
  }

  it("throw on a message of another type, so the encoder falls back to toBinary", () => {
    const write = writerOf("google.protobuf.Timestamp");
    assert.throws(() => codegenv1.encodeWith(write, create(DurationSchema, { seconds: 1n })), /foreign message/);
  });
});

describe("src/runtime/encode/wkt-writers.ts and wkt-checks.ts are what the generator prints", () => {
  let generated: string[] = [];
  before(() => {
    // Without shared writers, every module prints each writer it needs itself.
    const plugin = createLogwirePlugin({ printEncoder: (f, message, runtime) => printEncoder(f, message, runtime) });
    generated = linesOf(runPlugin(buildEncoderFixtureImage(), ["wkt/v1/wkt.proto"], DEFAULT_PARAMETER, plugin), "wkt/v1/wkt_logwire.ts");
  });

  /** The lines of the function `name`, from its signature to its closing brace. */
  function functionLines(lines: readonly string[], name: string): string[] {
    const start = lines.findIndex((l) => l.startsWith(`function ${name}(`) || l.startsWith(`export function ${name}(`));
    assert.notEqual(start, -1, `${name} not found`);
    const end = lines.indexOf("}", start);
    return lines.slice(start, end + 1).map((l, i) => (i === 0 ? l.replace(/^export /, "") : l));
  }

  for (const typeName of RUNTIME_WRITERS) {
    it(`${typeName}`, () => {
      const writers = readFileSync(join(REPO, "src", "runtime", "encode", "wkt-writers.ts"), "utf8").split("\n");
      assert.deepEqual(functionLines(writers, writerName(typeName)), functionLines(generated, writerName(typeName)));
      const checks = readFileSync(join(REPO, "src", "runtime", "check", "wkt-checks.ts"), "utf8").split("\n");
      const checkName = writerName(typeName).replace(/^write/, "check");
      assert.deepEqual(functionLines(checks, checkName), functionLines(generated, checkName));
    });
  }
});
