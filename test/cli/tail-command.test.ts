import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import kafkajs from "kafkajs";
import protobuf from "protobufjs";
import { encodeFrameHeader, frame } from "../../src/runtime/registry/wire-format.ts";
import { BROKERS, REGISTRY_URL, registerDirect, runCli, runId } from "./support/cli-harness.ts";
import { FIXTURES, buildDescriptorSet, fixtureDescriptor } from "./support/fixture-descriptors.ts";
import { requestTimeout } from "../support/registry-call.ts";

// `logwire tail` against the real broker and registry: well-formed records
// of a logwire-registered (base64, with a reference) schema, records of a
// schema another client registered as .proto text, and four kinds of
// malformed values, each of which must print one clear line.

const id = runId();
const topic = `cli-tail-${id}`;
const scratch = mkdtempSync(join(tmpdir(), "logwire-tail-"));
const kafka = new kafkajs.Kafka({ clientId: "logwire-tail-test", brokers: BROKERS.split(","), logLevel: kafkajs.logLevel.NOTHING });

// A schema registered by another client, as text: the tail must decode it
// from the registry alone (nested message at index [1] exercises the path).
const OTHER_CLIENT_PROTO = `syntax = "proto3";
package othervendor${id}.v1;

message Unused { string x = 1; }

message Shipment {
  string shipment_id = 1;
  Carrier carrier = 2;
  map<string, string> tags = 3;
  repeated Parcel parcels = 4;
  optional uint32 attempts = 5;

  message Parcel { double weight_kg = 1; }
}

enum Carrier {
  CARRIER_UNSPECIFIED = 0;
  CARRIER_POST = 1;
}
`;

let expectedLogId = 0;
let textSchemaId = 0;

before(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();

  const descriptor = fixtureDescriptor(buildDescriptorSet(join(FIXTURES, "v1"), scratch), "fixture.v1.CheckoutLog", topic);
  expectedLogId = (await registerDirect(descriptor)).id;
  const log = create(descriptor.schema, {});
  Object.assign(log, { orderId: "o-1", customer: "c-9", quantity: 3n, outcome: 1 });
  const logFrame = frame(encodeFrameHeader(expectedLogId, descriptor.messageIndexes), toBinary(descriptor.schema, log));

  const registry = new SchemaRegistry({ host: REGISTRY_URL, middlewares: [requestTimeout] });
  textSchemaId = (await registry.register({ type: SchemaType.PROTOBUF, schema: OTHER_CLIENT_PROTO }, { subject: `cli-tail-text-${id}-value` })).id;
  // Encoded by protobufjs, independently of logwire's code.
  const shipmentType = protobuf.parse(OTHER_CLIENT_PROTO, { keepCase: true }).root.lookupType(`othervendor${id}.v1.Shipment`);
  const shipment = shipmentType.encode(shipmentType.fromObject({ shipment_id: "s-7", carrier: 1, tags: { fragile: "yes" }, parcels: [{ weight_kg: 1.5 }], attempts: 0 })).finish();
  const textFrame = frame(encodeFrameHeader(textSchemaId, [1]), shipment);

  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [
      { key: "o-1", value: Buffer.from(logFrame) },
      { key: "s-7", value: Buffer.from(textFrame) },
      { key: "no-magic", value: Buffer.from("plain text, not a frame") },
      { key: "unknown-id", value: Buffer.from(frame(encodeFrameHeader(2_000_000_000, [0]), toBinary(descriptor.schema, log))) },
      { key: "truncated", value: Buffer.from([0, 0, 0]) },
      { key: "bad-index", value: Buffer.from(frame(encodeFrameHeader(expectedLogId, [4]), toBinary(descriptor.schema, log))) },
      {
        key: "dead-letter",
        value: Buffer.from(logFrame),
        headers: { "logwire.error.code": "record_too_large", "logwire.original.topic": "payments.audit" },
      },
    ],
  });
  await producer.disconnect();
});

after(() => rmSync(scratch, { recursive: true, force: true }));

test("tail --json decodes every schema id through the registry and prints one error line per malformed record", async () => {
  const result = await runCli(["tail", topic, "--from-beginning", "--max", "7", "--json", "--brokers", BROKERS, "--registry", REGISTRY_URL]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, any>);
  assert.equal(lines.length, 7, result.stdout);
  const [log, text, noMagic, unknownId, truncated, badIndex, deadLetter] = lines;

  assert.equal(log!["schemaId"], expectedLogId);
  assert.equal(log!["type"], "fixture.v1.CheckoutLog");
  assert.deepEqual(log!["value"], { orderId: "o-1", customer: "c-9", quantity: "3", outcome: "OUTCOME_OK" });
  assert.equal(log!["headers"], undefined, "no headers shown without logwire.* headers on a non-DLQ topic");

  assert.equal(text!["schemaId"], textSchemaId);
  assert.deepEqual(text!["messageIndexes"], [1]);
  assert.equal(text!["type"], `othervendor${id}.v1.Shipment`);
  assert.deepEqual(text!["value"], { shipmentId: "s-7", carrier: "CARRIER_POST", tags: { fragile: "yes" }, parcels: [{ weightKg: 1.5 }], attempts: 0 });

  assert.equal(noMagic!["error"].code, "malformed_frame");
  assert.match(noMagic!["error"].message, /first byte is 0x70, not the magic byte 0x00/);
  assert.equal(unknownId!["error"].code, "schema_not_found");
  assert.match(unknownId!["error"].message, /schema id 2000000000 is not in the registry/);
  assert.equal(truncated!["error"].code, "malformed_frame");
  assert.match(truncated!["error"].message, /frame is 3 bytes, shorter than the 5-byte header/);
  assert.equal(badIndex!["error"].code, "malformed_frame");
  assert.match(badIndex!["error"].message, new RegExp(`message index \\[4\\] does not exist in schema id ${expectedLogId}, which has 1 top-level messages`));

  assert.deepEqual(deadLetter!["headers"], { "logwire.error.code": "record_too_large", "logwire.original.topic": "payments.audit" });
  assert.equal(deadLetter!["type"], "fixture.v1.CheckoutLog");
});

test("tail text lines: one line per record, errors marked, headers shown, exits after --idle-ms", async () => {
  // --max above the record count: the tail must stop on its own after idling.
  const result = await runCli(["tail", topic, "--from-beginning", "--max", "50", "--idle-ms", "1500", "--brokers", BROKERS, "--registry", REGISTRY_URL]);
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trim().split("\n");
  assert.equal(lines.length, 7, result.stdout);
  assert.equal(lines[0], `${topic}/0@0 key=o-1 id=${expectedLogId} fixture.v1.CheckoutLog {"orderId":"o-1","customer":"c-9","quantity":"3","outcome":"OUTCOME_OK"}`);
  assert.match(lines[2]!, new RegExp(`^${topic}/0@2 key=no-magic ERROR malformed_frame: first byte is 0x70, .* \\(23 bytes: 70 6c 61 69 6e 20 74 65 78 74 2c 20 6e 6f 74 20 \\.\\.\\.\\)$`));
  assert.match(lines[4]!, /key=truncated ERROR malformed_frame: frame is 3 bytes, shorter than the 5-byte header \(at byte 3\) \(3 bytes: 00 00 00\)$/);
  assert.match(lines[6]!, /key=dead-letter id=\d+ fixture\.v1\.CheckoutLog .* headers=\{"logwire\.error\.code":"record_too_large","logwire\.original\.topic":"payments\.audit"\}$/);
  assert.ok(!lines[0]!.includes("\x1b["), "no colour when stdout is not a TTY");
  assert.match(result.stderr, /no record for 1500 ms, stopping after 7 record\(s\)/);
});

test("tail exits 2 for a topic that does not exist", async () => {
  const result = await runCli(["tail", `cli-tail-missing-${id}`, "--max", "1", "--brokers", BROKERS, "--registry", REGISTRY_URL]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /topic cli-tail-missing-\w+ does not exist/);
});
