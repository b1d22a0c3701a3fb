import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FileRegistry } from "@bufbuild/protobuf";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { schemaFileClosure, toSchemaFile } from "../../src/codegen/schema-files.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import type { LogDescriptor } from "../../src/runtime/registry/log-descriptor.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { consumeAll, createTopics } from "../pipeline/support/kafka-helpers.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { REPO_ROOT, buildRegistry, writePaymentsTree } from "./support/payments-protos.ts";
import type { ProtoTree } from "./support/payments-protos.ts";
import { AUDIT_BANK, AUDIT_CARD, sampleMessage } from "./support/payments-samples.ts";
import { producePython } from "./support/python-producer.ts";
import { ensurePythonVenv } from "./support/python-venv.ts";
import type { PythonVenv } from "./support/python-venv.ts";

// Mixed fleets: a logwire service and a Python service (Confluent's stock
// ProtobufSerializer, auto.register.schemas, default subject strategies) log
// the same .proto files to one topic. Apicurio compares schemas by their
// bytes, so they share versions only if both register the same bytes: logwire
// registers what protoc embeds in generated code, which is what the Python
// serializer sends. Either may start first; the second registers nothing new.
// Each scenario uses its own copy of the payments tree, so every subject
// (the topic's and one per imported file) is new to the run.

const id = Math.random().toString(36).slice(2, 8);
const scratch = mkdtempSync(join(tmpdir(), "logwire-fleet-"));
const AUDIT = "example.payments.v1.PaymentAudit";
let venv: PythonVenv;

before(async () => {
  venv = await ensurePythonVenv();
});

after(() => rmSync(scratch, { recursive: true, force: true }));

/** The generated descriptor of PaymentAudit, for the tree's copy of audit.proto (what protoc-gen-logwire would print for it). */
function logwireDescriptor(registry: FileRegistry, topic: string): LogDescriptor {
  const schema = registry.getMessage(AUDIT);
  assert.ok(schema !== undefined);
  return {
    ...(PaymentAuditLog as unknown as LogDescriptor),
    schema,
    topic,
    subject: `${topic}-value`,
    check: undefined,
    key: undefined,
    redact: undefined,
    redactCopy: undefined,
    encode: undefined,
    encodeInit: undefined,
    files: schemaFileClosure(schema.file).map(toSchemaFile),
  };
}

/** Writes two records through a logwire pipeline (real Kafka and registry); returns their schema ids. */
async function produceLogwire(registry: FileRegistry, topic: string): Promise<number[]> {
  const errors: unknown[] = [];
  const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, onError: (e) => errors.push(e) });
  try {
    const log = pipeline.emitter(logwireDescriptor(registry, topic));
    for (const sample of [AUDIT_CARD, AUDIT_BANK]) await log.emitAndWait(sampleMessage(registry, sample) as never);
  } finally {
    await pipeline.close();
  }
  assert.deepEqual(errors, []);
  const records = await consumeAll([topic]);
  return records.filter((r) => r.headers["logwire.error.code"] === undefined).map((r) => decodeFrame(r.value).schemaId);
}

async function producePythonAudit(tree: ProtoTree, registry: FileRegistry, topic: string): Promise<number[]> {
  const frames = await producePython({
    venv,
    tree,
    registry,
    outDir: scratch,
    registryUrl,
    brokers: brokers.join(","),
    topic,
    samples: [AUDIT_CARD, AUDIT_BANK],
    // As an app configures it: registration on, the default (topic) subject strategy, the current framing.
    serializerConfig: { "auto.register.schemas": true, "use.deprecated.format": false },
  });
  return [...frames.values()].map((frame) => decodeFrame(frame).schemaId);
}

async function registryGet(path: string): Promise<unknown> {
  const response = await fetch(`${registryUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, `GET ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

/** Every subject the two services use, with the versions each has. */
async function versionsOf(tree: ProtoTree, topic: string): Promise<Record<string, unknown>> {
  const subjects = [`${topic}-value`, `${tree.prefix}/example/payments/v1/common.proto`, `${tree.prefix}/logwire/v1/options.proto`];
  const out: Record<string, unknown> = {};
  for (const subject of subjects) out[subject] = await registryGet(`/subjects/${encodeURIComponent(subject)}/versions`);
  return out;
}

function scenario(name: string): { tree: ProtoTree; registry: FileRegistry; topic: string } {
  const tree = writePaymentsTree(join(scratch, name), `fleet_${id}_${name}`);
  return { tree, registry: buildRegistry(tree, scratch), topic: `interop-fleet-${name}-${id}` };
}

/** `serialized_pb` of each file, base64, by import path: what Confluent's Python serializer registers for it. */
function pythonEmbedded(root: string, files: readonly string[], out: string): Record<string, string> {
  mkdirSync(out, { recursive: true });
  execFileSync(venv.python, ["-m", "grpc_tools.protoc", `-I${root}`, `--python_out=${out}`, ...files], { stdio: "pipe", timeout: 120_000 });
  const modules = files.map((f) => f.replace(/\.proto$/, "_pb2").replaceAll("/", "."));
  const script = `import base64, importlib, json, sys\nsys.path.insert(0, ${JSON.stringify(out)})\nprint(json.dumps({m.DESCRIPTOR.name: base64.b64encode(m.DESCRIPTOR.serialized_pb).decode() for m in map(importlib.import_module, ${JSON.stringify(modules)})}))`;
  return JSON.parse(execFileSync(venv.python, ["-c", script], { encoding: "utf8", timeout: 60_000 })) as Record<string, string>;
}

test("logwire's registered descriptors are the bytes protoc embeds in Python code (serialized_pb), in the committed generated code and from the generator", () => {
  const committed = pythonEmbedded(join(REPO_ROOT, "proto"), PaymentAuditLog.files.map((f) => f.name), join(scratch, "committed-python"));
  assert.deepEqual(PaymentAuditLog.files.map((f) => f.name), ["example/payments/v1/audit.proto", "example/payments/v1/common.proto", "logwire/v1/options.proto"]);
  for (const file of PaymentAuditLog.files) assert.equal(file.schema, committed[file.name], `${file.name}: the generated descriptor differs from Python's`);

  const { tree, registry } = scenario("bytes");
  const python = pythonEmbedded(tree.root, tree.files, join(scratch, "bytes-python"));
  const files = schemaFileClosure(registry.getMessage(AUDIT)!.file).map(toSchemaFile);
  assert.equal(files.length, 3);
  for (const file of files) assert.equal(file.schema, python[file.name], `${file.name}: logwire's registered bytes differ from Python's`);
});

test("logwire registers first, then Python's ProtobufSerializer with auto.register for the same files registers nothing new", async () => {
  const { tree, registry, topic } = scenario("lwfirst");
  await createTopics([topic], 1);
  const logwireIds = await produceLogwire(registry, topic);
  assert.equal(logwireIds.length, 2);
  const before = await versionsOf(tree, topic);
  assert.deepEqual(Object.values(before), [[1], [1], [1]], JSON.stringify(before));
  const pythonIds = await producePythonAudit(tree, registry, topic);
  assert.deepEqual(await versionsOf(tree, topic), before, "Python added no version to any subject");
  assert.deepEqual(new Set([...logwireIds, ...pythonIds]).size, 1, `one schema id for both: logwire ${logwireIds}, Python ${pythonIds}`);
});

test("Python registers first, then a logwire pipeline for the same files registers nothing new", async () => {
  const { tree, registry, topic } = scenario("pyfirst");
  await createTopics([topic], 1);
  const pythonIds = await producePythonAudit(tree, registry, topic);
  const before = await versionsOf(tree, topic);
  assert.deepEqual(Object.values(before), [[1], [1], [1]], JSON.stringify(before));
  const logwireIds = await produceLogwire(registry, topic);
  assert.deepEqual(await versionsOf(tree, topic), before, "logwire added no version to any subject");
  assert.deepEqual(new Set([...pythonIds, ...logwireIds]).size, 1, `one schema id for both: Python ${pythonIds}, logwire ${logwireIds}`);
});
