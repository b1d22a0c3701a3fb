import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { clone, createFileRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { LogDescriptor, SchemaFile } from "../../../src/runtime/registry/log-descriptor.ts";

/**
 * LogDescriptor-shaped values for the CLI fixtures, built from
 * `npx buf build <dir>` (a FileDescriptorSet) the way protoc-gen-logwire
 * builds them: base64 `FileDescriptorProto` without source info, the root
 * file first, then its imports. The fixtures carry no logwire options, so
 * topic and subject come from the test (unique per run).
 */
export const REPO_ROOT = resolve(import.meta.dirname, "../../..");
export const FIXTURES = join(REPO_ROOT, "test/cli/fixtures");

/** Builds a fixture dir to a FileDescriptorSet file and returns its path. */
export function buildDescriptorSet(protoDir: string, outDir = mkdtempSync(join(tmpdir(), "logwire-fixture-"))): string {
  const out = join(outDir, "set.binpb");
  execFileSync(join(REPO_ROOT, "node_modules/.bin/buf"), ["build", protoDir, "-o", out], { cwd: REPO_ROOT, stdio: "pipe" });
  return out;
}

function schemaFile(file: DescFile): SchemaFile {
  const proto = clone(FileDescriptorProtoSchema, file.proto);
  proto.sourceCodeInfo = undefined;
  return { name: proto.name, schema: Buffer.from(toBinary(FileDescriptorProtoSchema, proto)).toString("base64"), dependencies: [...proto.dependency] };
}

function messageIndexes(desc: DescMessage): number[] {
  const path: number[] = [];
  let current: DescMessage | undefined = desc;
  while (current !== undefined) {
    const parent: DescMessage | undefined = current.parent;
    path.unshift((parent === undefined ? current.file.messages : parent.nestedMessages).indexOf(current));
    current = parent;
  }
  return path;
}

export function fixtureDescriptor(setPath: string, typeName: string, topic: string, subject = `${topic}-value`): LogDescriptor {
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(setPath));
  const registry = createFileRegistry(set);
  const schema = registry.getMessage(typeName);
  if (schema === undefined) {
    throw new Error(`${typeName} not in ${setPath}`);
  }
  const files: SchemaFile[] = [];
  const visit = (file: DescFile) => {
    if (files.some((f) => f.name === file.proto.name)) {
      return;
    }
    files.push(schemaFile(file));
    file.dependencies.forEach(visit);
  };
  visit(schema.file);
  return {
    kind: "logwire.log/v3",
    schema,
    typeName,
    topic,
    subjectStrategy: "topic",
    subject,
    messageIndexes: messageIndexes(schema),
    sampleRate: 1,
    check: undefined,
    key: undefined,
    redact: undefined,
    redactCopy: undefined,
    encode: undefined,
    encodeInit: undefined,
    validate: false,
    traceFields: [],
    files,
  };
}

/**
 * Writes a `<name>_logwire.ts` module into `genDir` exporting the fixture's
 * descriptor, so the CLI discovers it exactly as it discovers generated code.
 */
export function writeFixtureModule(genDir: string, setPath: string, typeName: string, topic: string, subject: string): string {
  const path = join(genDir, "fixture_logwire.ts");
  // Outside the repo there is no package.json saying "type": "module".
  writeFileSync(join(genDir, "package.json"), '{ "type": "module" }\n');
  const support = join(REPO_ROOT, "test/cli/support/fixture-descriptors.ts");
  writeFileSync(
    path,
    `import { fixtureDescriptor } from ${JSON.stringify(support)};\n` +
      `export const Fixture = fixtureDescriptor(${JSON.stringify(setPath)}, ${JSON.stringify(typeName)}, ${JSON.stringify(topic)}, ${JSON.stringify(subject)});\n`,
  );
  return path;
}
