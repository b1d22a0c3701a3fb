import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createMutableRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { AvroSerializer } from "@confluentinc/schemaregistry/dist/serde/avro.js";
import { JsonSerializer } from "@confluentinc/schemaregistry/dist/serde/json.js";
import { ProtobufSerializer } from "@confluentinc/schemaregistry/dist/serde/protobuf.js";
import { SerdeType, SubjectNameStrategyType } from "@confluentinc/schemaregistry/dist/serde/serde.js";
import { SchemaRegistryClient } from "@confluentinc/schemaregistry/dist/schemaregistry-client.js";
import kafkajs from "kafkajs";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { createSchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";
import type { DecodedRecord } from "../../src/cli/decode/schema-decoder.ts";
import { BROKERS, REGISTRY_URL, runCli, runId } from "../cli/support/cli-harness.ts";
import { buildRegistry, hoistNestedMessages, writePaymentsTree } from "./support/payments-protos.ts";
import type { ProtoTree } from "./support/payments-protos.ts";
import { AUDIT_BANK, AUDIT_CARD, BANK_TRANSFER, CARD, ERROR, FAR_FUTURE, PERFORMANCE, STACK_FRAME, sampleMessage } from "./support/payments-samples.ts";
import type { Sample } from "./support/payments-samples.ts";
import { producePython } from "./support/python-producer.ts";
import { ensurePythonVenv } from "./support/python-venv.ts";

// `logwire tail` and the schema decoder read what Confluent's own clients
// write: the payments schemas, registered and framed by Confluent's Python
// ProtobufSerializer (confluent-kafka 2.16, in a venv the test creates) and
// by its JS serializers (@confluentinc/schemaregistry), each configured as
// an app would. Every topic and subject is new to the run. Each client's
// records are produced once, on first use, and read by the tests after.

const id = runId();
const scratch = mkdtempSync(join(tmpdir(), "logwire-interop-"));
const kafka = new kafkajs.Kafka({ clientId: "logwire-interop", brokers: BROKERS.split(","), logLevel: kafkajs.logLevel.NOTHING });
const topics = { python: `interop-py-${id}`, js: `interop-js-${id}`, jsText: `interop-js-text-${id}`, jsOther: `interop-js-other-${id}` };
const decoder = createSchemaDecoder({ registryUrl: REGISTRY_URL });
const client = new SchemaRegistryClient({ baseURLs: [REGISTRY_URL], createAxiosDefaults: { timeout: 10_000 } });

/** Python's index paths: PaymentAudit's nested types are LabelsEntry, Card, BankTransfer; PaymentError's LabelsEntry, StackFrame. */
const PYTHON: readonly (readonly [Sample, readonly number[]])[] = [
  [AUDIT_CARD, [0]],
  [AUDIT_BANK, [0]],
  [ERROR, [0]],
  [PERFORMANCE, [0]],
  [CARD, [0, 1]],
  [BANK_TRANSFER, [0, 2]],
  [STACK_FRAME, [0, 1]],
  [FAR_FUTURE, [0]],
];
/**
 * The JS serializer's index paths. It counts nested messages without map
 * entries (Java and Python count them), so it writes Card as [0, 0], where
 * the descriptor has LabelsEntry; the decoder reads a path that lands on a
 * map entry the JS way. BankTransfer is left out: JS writes [0, 1], which is
 * Card for every other client, and no reader can tell the two apart.
 */
const JS: readonly (readonly [Sample, readonly number[]])[] = [
  [AUDIT_CARD, [0]],
  [CARD, [0, 0]],
  [ERROR, [0]],
  [STACK_FRAME, [0, 0]],
  [PERFORMANCE, [0]],
  [FAR_FUTURE, [0]],
];
/** audit.proto as .proto text, nested messages above the fields: protoc's nested types are Card, BankTransfer, LabelsEntry. */
const JS_TEXT: readonly (readonly [Sample, readonly number[]])[] = [
  [AUDIT_CARD, [0]],
  [CARD, [0, 0]],
  [BANK_TRANSFER, [0, 1]],
];

before(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
  await admin.disconnect();
});

after(() => {
  client.close();
  rmSync(scratch, { recursive: true, force: true });
});

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

const python = once(async () => {
  const venv = await ensurePythonVenv();
  const tree = writePaymentsTree(join(scratch, "py"), `interop_${id}`);
  const frames = await producePython({
    venv,
    tree,
    registry: buildRegistry(tree, scratch),
    outDir: scratch,
    registryUrl: REGISTRY_URL,
    brokers: BROKERS,
    topic: topics.python,
    samples: PYTHON.map(([s]) => s),
    // The defaults otherwise: auto-registration of protoc's descriptors, base64. One topic holds several types, so TOPIC_RECORD subjects.
    serializerConfig: { "auto.register.schemas": true, "use.deprecated.format": false, "subject.name.strategy.type": "TOPIC_RECORD" },
  });
  assert.equal(frames.size, PYTHON.length);
  return frames;
});

const javascript = once(async () => {
  // 1. Registered by the serializer itself: base64 descriptors (with json_name).
  const registry = buildRegistry(writePaymentsTree(join(scratch, "js"), `interop_${id}_js`), scratch);
  // One topic, several files: a subject per file. (TOPIC_RECORD makes this
  // serializer fetch references with ?format=serialized, which Apicurio
  // 3.3.3 answers with HTTP 500 for base64 schemas.)
  const subjectPerFile = (topic: string, _type: SerdeType, info?: { schema: string }) => `${topic}-${fromBinary(FileDescriptorProtoSchema, Buffer.from(info!.schema, "base64")).name}`;
  const serializer = new ProtobufSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: true, registry: createMutableRegistry(registry), subjectNameStrategy: subjectPerFile });
  const descriptorFrames = new Map<string, Buffer>();
  for (const [sample] of JS) descriptorFrames.set(sample.key, await serializer.serialize(topics.js, sampleMessage(registry, sample)));

  // 2. Registered as .proto text (as Java's serializer and schema tooling
  //    register), with an import in a comment and the nested messages
  //    declared above the fields; the JS serializer frames records with the
  //    registered id (useLatestVersion), as an app that does not register.
  const textTree = writePaymentsTree(join(scratch, "text"), `interop_${id}_text`, (file, text) => {
    if (file !== "example/payments/v1/audit.proto") return text;
    const commented = text.replace('syntax = "proto3";\n', `syntax = "proto3";\n\n/*\n * Moved into common.proto; kept for the record:\nimport "interop_${id}_text/example/payments/v1/legacy.proto";\n */\n`);
    return hoistNestedMessages(commented, "PaymentAudit");
  });
  const textId = await registerAuditText(textTree, `${topics.jsText}-value`);
  const textRegistry = buildRegistry(textTree, scratch);
  const textSerializer = new ProtobufSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: false, useLatestVersion: true, registry: createMutableRegistry(textRegistry) });
  const textFrames = new Map<string, Buffer>();
  for (const [sample] of JS_TEXT) {
    const frame = await textSerializer.serialize(topics.jsText, sampleMessage(textRegistry, sample));
    assert.equal(frame.readUInt32BE(1), textId, "framed with the id of the .proto text");
    textFrames.set(sample.key, frame);
  }

  // 3. Other schema types: Avro (the registry answers its id without schemaType) and JSON Schema.
  const avro = await new AvroSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: true, subjectNameStrategyType: SubjectNameStrategyType.TOPIC }).serialize(topics.jsOther, { paymentId: "pay-avro", amountMinor: 1250 });
  const json = await new JsonSerializer(client, SerdeType.VALUE, { autoRegisterSchemas: true, subjectNameStrategy: (topic) => `${topic}-json-value` }).serialize(topics.jsOther, { paymentId: "pay-json" });
  const other = [
    { key: "avro", value: avro, schemaId: avro.readUInt32BE(1), schemaType: "AVRO" },
    { key: "json-schema", value: json, schemaId: json.readUInt32BE(1), schemaType: "JSON" },
  ];
  for (const { schemaId, schemaType } of other) {
    const answer = (await (await fetch(`${REGISTRY_URL}/schemas/ids/${schemaId}`, { signal: AbortSignal.timeout(10_000) })).json()) as { schemaType?: string };
    assert.equal(answer.schemaType, schemaType === "AVRO" ? undefined : schemaType, "the registry answers an Avro id without schemaType");
  }

  for (const [topic, frames] of [[topics.js, descriptorFrames], [topics.jsText, textFrames]] as const) {
    await produce(topic, [...frames].map(([key, value]) => ({ key, value })));
  }
  await produce(topics.jsOther, other);
  return { descriptorFrames, textFrames, other };
});

/** logwire tail --json over a whole topic, once per topic: lines by key. */
const tails = new Map<string, Promise<Map<string, Record<string, any>>>>();
function tailJson(topic: string, count: number): Promise<Map<string, Record<string, any>>> {
  let lines = tails.get(topic);
  if (lines === undefined) {
    lines = (async () => {
      const result = await runCli(["tail", topic, "--from-beginning", "--max", String(count), "--json", "--brokers", BROKERS, "--registry", REGISTRY_URL]);
      assert.equal(result.code, 0, result.stderr);
      const parsed = result.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
      assert.equal(parsed.length, count, result.stdout);
      return new Map(parsed.map((l) => [String(l["key"]), l]));
    })();
    tails.set(topic, lines);
  }
  return lines;
}

/** What one record must decode to, in-process or as a tail --json line: the sample's type and JSON, under the index path its producer wrote. */
function assertDecoded(decoded: DecodedRecord | Record<string, any>, sample: Sample, indexes: readonly number[], who: string): void {
  const line = decoded as Record<string, any>;
  assert.equal(line["typeName"] ?? line["type"], sample.type, `${who} ${sample.key}: type (${JSON.stringify(line["error"] ?? "")})`);
  assert.deepEqual(line["messageIndexes"], [...indexes], `${who} ${sample.key}: the index path the producer wrote`);
  assert.deepEqual(line["json"] ?? line["value"], sample.json, `${who} ${sample.key}: JSON`);
  const problems = line["problems"] as { path: string; message: string }[] | undefined;
  if (sample.problem === undefined) {
    assert.equal(problems, undefined, `${who} ${sample.key}: no problems`);
  } else {
    assert.equal(problems?.length, 1, `${who} ${sample.key}: one problem`);
    assert.equal(problems![0]!.path, sample.problem.path);
    assert.match(problems![0]!.message, sample.problem.message);
  }
}

async function assertDecodes(frames: Map<string, Buffer>, expected: readonly (readonly [Sample, readonly number[]])[], who: string): Promise<void> {
  for (const [sample, indexes] of expected) {
    let decoded: DecodedRecord;
    try {
      decoded = await decoder.decode(frames.get(sample.key)!);
    } catch (error) {
      assert.fail(`${who} ${sample.key}: ${(error as Error).message}`);
    }
    assertDecoded(decoded, sample, indexes, who);
  }
}

async function produce(topic: string, records: readonly { key: string; value: Buffer }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: records.map(({ key, value }) => ({ key, value })) });
  await producer.disconnect();
}

/** Registers options.proto and common.proto, then audit.proto, all as .proto text, with references by subject and version. */
async function registerAuditText(tree: ProtoTree, subject: string): Promise<number> {
  const refs: { name: string; subject: string; version: number }[] = [];
  for (const name of [`${tree.prefix}/logwire/v1/options.proto`, `${tree.prefix}/example/payments/v1/common.proto`]) {
    await client.register(name, { schemaType: "PROTOBUF", schema: tree.text.get(name)! });
    refs.push({ name, subject: name, version: (await client.getLatestSchemaMetadata(name)).version! });
  }
  return client.register(subject, { schemaType: "PROTOBUF", schema: tree.text.get(`${tree.prefix}/example/payments/v1/audit.proto`)!, references: refs });
}

test("Python: a schema Python registered (protoc's descriptor, no json_name) decodes with protoc's JSON names", { timeout: 600_000 }, async () => {
  const frames = await python();
  const subject = `${topics.python}-example.payments.v1.PaymentAudit`;
  const registered = (await (await fetch(`${REGISTRY_URL}/subjects/${encodeURIComponent(subject)}/versions/latest`, { signal: AbortSignal.timeout(10_000) })).json()) as { schema: string };
  assert.match(registered.schema, /^[A-Za-z0-9+/=]+$/, "Python registers a base64 FileDescriptorProto");
  assert.ok(!Buffer.from(registered.schema, "base64").includes("paymentId"), "without json_name");
  await assertDecodes(frames, PYTHON.slice(0, 4), "decoder (Python)");
});

test("Python: nested types by Confluent's index paths, which count map entries (PaymentAudit.Card is [0, 1], BankTransfer [0, 2])", { timeout: 600_000 }, async () => {
  await assertDecodes(await python(), PYTHON.filter(([, indexes]) => indexes.length > 1), "decoder (Python)");
});

test("Python: a Timestamp after year 9999 decodes, written as its fields, with the field's problem named", { timeout: 600_000 }, async () => {
  await assertDecodes(await python(), [[FAR_FUTURE, [0]]], "decoder (Python)");
});

test("Python: logwire tail --json prints every record as the decoder does; text lines stay one line per record", { timeout: 600_000 }, async () => {
  await python();
  const lines = await tailJson(topics.python, PYTHON.length);
  for (const [sample, indexes] of PYTHON) assertDecoded(lines.get(sample.key)!, sample, indexes, "tail --json (Python)");

  const text = await runCli(["tail", topics.python, "--from-beginning", "--max", String(PYTHON.length), "--brokers", BROKERS, "--registry", REGISTRY_URL]);
  assert.equal(text.code, 0, text.stderr);
  const textLines = text.stdout.trim().split("\n");
  assert.equal(textLines.length, PYTHON.length, text.stdout);
  assert.doesNotMatch(text.stdout, / ERROR /);
  assert.match(textLines.find((l) => l.includes(" key=card "))!, / id=\d+ example\.payments\.v1\.PaymentAudit\.Card \{"brand":"amex","last4":"0005","expiryMonth":1,"expiryYear":2031\}$/);
  assert.match(
    textLines.find((l) => l.includes(" key=far-future "))!,
    / id=\d+ example\.payments\.v1\.PaymentAudit \{"paymentId":"pay-3","occurredAt":\{"seconds":"253402300800"\},"wallet":"apple-pay"\} PROBLEM occurredAt: cannot encode message google\.protobuf\.Timestamp to JSON: must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z inclusive$/,
  );
});

test("JS: records the JS serializer registered and framed, a Timestamp after 9999 among them, through the decoder and tail", async () => {
  const { descriptorFrames } = await javascript();
  await assertDecodes(descriptorFrames, JS, "decoder (JS)");
  const lines = await tailJson(topics.js, JS.length);
  for (const [sample, indexes] of JS) assertDecoded(lines.get(sample.key)!, sample, indexes, "tail --json (JS)");
});

test("JS: a schema registered as .proto text, with an import in a comment and nested messages above the fields, through the decoder and tail", async () => {
  const { textFrames } = await javascript();
  await assertDecodes(textFrames, JS_TEXT, "decoder (JS, .proto text)");
  const lines = await tailJson(topics.jsText, JS_TEXT.length);
  for (const [sample, indexes] of JS_TEXT) assertDecoded(lines.get(sample.key)!, sample, indexes, "tail --json (JS, .proto text)");
});

test("JS: Avro and JSON Schema ids are reported as not Protobuf, naming the schemaType, in the decoder and tail", async () => {
  const { other } = await javascript();
  const lines = await tailJson(topics.jsOther, other.length);
  for (const { key, value, schemaId, schemaType } of other) {
    const message = `schema id ${schemaId} is not a Protobuf schema (schemaType ${schemaType}): its records are ${schemaType}, not Protobuf`;
    await assert.rejects(decoder.decode(value), (e: unknown) => {
      assert.ok(isLogwireError(e), String(e));
      assert.equal(e.code, "malformed_frame");
      assert.equal(e.rawMessage, message);
      assert.deepEqual(e.details, { schemaId, schemaType });
      return true;
    });
    assert.deepEqual(lines.get(key)!["error"], { code: "malformed_frame", message, bytes: value.length }, key);
  }
});
