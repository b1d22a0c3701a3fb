import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { create, fromBinary, toJson } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ProtobufDeserializer } from "@confluentinc/schemaregistry/dist/serde/protobuf.js";
import { SerdeType } from "@confluentinc/schemaregistry/dist/serde/serde.js";
import { SchemaRegistryClient } from "@confluentinc/schemaregistry/dist/schemaregistry-client.js";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { onUniqueTopic } from "../pipeline/support/descriptors.ts";
import { consumeAll, createTopics } from "../pipeline/support/kafka-helpers.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { REPO_ROOT } from "./support/payments-protos.ts";
import { AUDIT_BANK, AUDIT_CARD } from "./support/payments-samples.ts";
import { ensurePythonVenv } from "./support/python-venv.ts";

// A logwire pipeline writes PaymentAudit records; Confluent's stock
// deserializers read them back, unmodified, and must agree with logwire:
// - Python's ProtobufDeserializer as Confluent's example consumer builds it
//   (the generated class, no registry client);
// - Python's with a SchemaRegistryClient, and JS's (which always has one):
//   both fetch the writer schema with `GET /schemas/ids/{id}?format=serialized`
//   and need the base64 FileDescriptorProto back. Confluent's registry answers
//   that; Apicurio 3.3.3 does not (HTTP 500 for base64-registered schemas), so
//   `logwire dev` puts its registry front before it (src/stack/registry-front.ts).
//   A registry that answers wrongly fails this test, with its answer shown.

const scratch = mkdtempSync(join(tmpdir(), "logwire-stock-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The registry's `?format=serialized` answer for `id`, and whether it is base64 of the FileDescriptorProto of `file`. */
async function servesSerialized(id: number, file: string): Promise<{ sound: boolean; answer: string }> {
  const response = await fetch(`${registryUrl}/schemas/ids/${id}?format=serialized`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  const answer = `HTTP ${response.status}: ${text.slice(0, 160)}`;
  if (response.status !== 200) return { sound: false, answer };
  const schema = (JSON.parse(text) as { schema?: unknown }).schema;
  if (typeof schema !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(schema)) return { sound: false, answer };
  try {
    return { sound: fromBinary(FileDescriptorProtoSchema, Buffer.from(schema, "base64")).name === file, answer };
  } catch {
    return { sound: false, answer };
  }
}

test("Confluent's stock Python and JS deserializers read what a logwire pipeline wrote", { timeout: 600_000 }, async () => {
  const audit = onUniqueTopic(PaymentAuditLog, "interop-stock");
  await createTopics([audit.topic], 1);
  const pipeline = await createPipeline({ brokers, registry: { url: registryUrl } });
  try {
    const log = pipeline.emitter(audit);
    for (const sample of [AUDIT_CARD, AUDIT_BANK]) await log.emitAndWait(create(audit.schema, sample.init as never));
  } finally {
    await pipeline.close();
  }
  const records = await consumeAll([audit.topic]);
  assert.equal(records.length, 2);
  // What logwire wrote (after redaction), by key: the reference for every reader.
  const written = new Map(records.map((r) => [r.key!.toString(), fromBinary(audit.schema, decodeFrame(r.value).payload)]));
  const schemaId = decodeFrame(records[0]!.value).schemaId;
  const registry = await servesSerialized(schemaId, "example/payments/v1/audit.proto");
  assert.ok(registry.sound, `the registry at ${registryUrl} answers GET /schemas/ids/${schemaId}?format=serialized with ${registry.answer}, not the base64 FileDescriptorProto; Confluent's deserializers cannot read with that`);

  // Python, stock: classes from grpc_tools.protoc, confluent_python_consumer.py.
  const venv = await ensurePythonVenv();
  const pythonOut = join(scratch, "python");
  mkdirSync(pythonOut, { recursive: true });
  const protoRoot = join(REPO_ROOT, "proto");
  execFileSync(venv.python, ["-m", "grpc_tools.protoc", `-I${protoRoot}`, `--python_out=${pythonOut}`, "example/payments/v1/audit.proto", "example/payments/v1/common.proto", "logwire/v1/options.proto"], { stdio: "pipe", timeout: 120_000 });
  const job = { registryUrl, brokers: brokers.join(","), topic: audit.topic, count: 2, pythonOut, module: "example.payments.v1.audit_pb2", type: audit.typeName };
  const run = spawnSync(venv.python, [join(import.meta.dirname, "support", "confluent_python_consumer.py")], { input: JSON.stringify(job), encoding: "utf8", timeout: 180_000 });
  assert.equal(run.status, 0, `${run.stderr}${run.stdout}`);
  const python = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { key: string; plain: unknown; withRegistry: { error?: string } });
  assert.equal(python.length, 2);
  for (const line of python) {
    const expected = toJson(audit.schema, written.get(line.key)!);
    assert.deepEqual(line.plain, expected, `Python, no registry client, ${line.key}`);
    assert.deepEqual(line.withRegistry, expected, `Python with a registry client, ${line.key}`);
  }

  // JS, stock.
  const client = new SchemaRegistryClient({ baseURLs: [registryUrl], createAxiosDefaults: { timeout: 10_000 } });
  try {
    const deserializer = new ProtobufDeserializer(client, SerdeType.VALUE, {});
    for (const record of records) {
      assert.deepEqual(await deserializer.deserialize(audit.topic, record.value), written.get(record.key!.toString()), `JS ${record.key}`);
    }
  } finally {
    client.close();
  }
});
