import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import type { Plugin } from "@bufbuild/protoplugin";
import { createLogwirePlugin } from "../../src/codegen/logwire-plugin.ts";

/**
 * Runs protoc-gen-logwire in-process on real .proto files, as protobuf-es
 * tests its plugins: `buf build` compiles them to a FileDescriptorSet with
 * imports, the test builds the CodeGeneratorRequest and calls `run()`.
 */

export const REPO = join(import.meta.dirname, "..", "..");
export const BUF = join(REPO, "node_modules", ".bin", "buf");
export const DEFAULT_PARAMETER = "target=ts,import_extension=ts";

const images = new Map<string, FileDescriptorSet>();

/** Compiles a buf module directory (with its imports) to a FileDescriptorSet, once per directory and process. */
export function buildImage(dir: string): FileDescriptorSet {
  const cached = images.get(dir);
  if (cached !== undefined) {
    return cached;
  }
  const image = compile(dir);
  images.set(dir, image);
  return image;
}

function compile(dir: string): FileDescriptorSet {
  const tmp = mkdtempSync(join(tmpdir(), "logwire-image-"));
  try {
    const out = join(tmp, "image.binpb");
    execFileSync(BUF, ["build", dir, "-o", out], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
    return fromBinary(FileDescriptorSetSchema, readFileSync(out));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Compiles test/codegen/fixtures together with logwire's options.proto (the
 * fixtures import it as `logwire/v1/options.proto`).
 */
export function buildFixtureImage(): FileDescriptorSet {
  fixtureImage ??= compileFixtures();
  return fixtureImage;
}

let fixtureImage: FileDescriptorSet | undefined;

function compileFixtures(): FileDescriptorSet {
  const tmp = mkdtempSync(join(tmpdir(), "logwire-fixtures-"));
  try {
    cpSync(join(REPO, "test", "codegen", "fixtures"), tmp, { recursive: true });
    mkdirSync(join(tmp, "logwire", "v1"), { recursive: true });
    cpSync(join(REPO, "proto", "logwire", "v1", "options.proto"), join(tmp, "logwire", "v1", "options.proto"));
    return compile(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * protoc-gen-logwire without specialized encoders (`encode: undefined`): the
 * descriptor printer's output, independent of the encoder generator, which
 * has its own tests. generated-up-to-date.test.ts covers the full plugin.
 */
export const descriptorOnlyPlugin: Plugin = createLogwirePlugin({});

/** Runs a plugin and returns the generated files by name. Throws what the plugin throws. */
export function runPlugin(
  image: FileDescriptorSet,
  fileToGenerate: readonly string[],
  parameter = DEFAULT_PARAMETER,
  plugin: Plugin = descriptorOnlyPlugin,
): Map<string, string> {
  const request = create(CodeGeneratorRequestSchema, {
    fileToGenerate: [...fileToGenerate],
    parameter,
    protoFile: image.file,
  });
  const response = plugin.run(request);
  if (response.error !== undefined && response.error !== "") {
    throw new Error(response.error);
  }
  return new Map(response.file.map((f) => [f.name, f.content]));
}

/** The generated file's lines, for exact-line assertions. */
export function linesOf(files: Map<string, string>, name: string): string[] {
  const content = files.get(name);
  if (content === undefined) {
    throw new Error(`${name} was not generated; got ${[...files.keys()].join(", ")}`);
  }
  return content.split("\n");
}
