import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { create, createFileRegistry, toBinary } from "@bufbuild/protobuf";
import type { DescFile } from "@bufbuild/protobuf";
import * as wkt from "@bufbuild/protobuf/wkt";
import { DescriptorProtoSchema, FieldDescriptorProto_Label, FieldDescriptorProto_Type, FieldDescriptorProtoSchema, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import protobuf from "protobufjs";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { protoTextToDescriptor } from "../../src/cli/decode/proto-text-descriptor.ts";
import { createSchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";
import { encodeFrameHeader, frame } from "../../src/runtime/registry/wire-format.ts";

// The decoder against a registry stub, for the schema forms and values
// Confluent's clients write that the payments schemas do not reach: nested
// types interleaved with several map fields in .proto text, field names whose
// JSON name protoc derives in odd ways, values without a JSON form inside
// lists, maps and google.protobuf.Value, and an index path that names a map
// entry under every reading.

const schemas = new Map<number, Record<string, unknown>>();
let server: Server;
let url = "";

before(async () => {
  server = createServer((req, res) => {
    const id = /^\/schemas\/ids\/(\d+)$/.exec(req.url ?? "")?.[1];
    const body = id === undefined ? undefined : schemas.get(Number(id));
    res.writeHead(body === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(body ?? { error_code: 40403, message: "Schema not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

// protoc lists Envelope's nested types as First, FirstsEntry, Second, SecondsEntry, Third.
const LAYOUT = `syntax = "proto3";
package layout.v1;

/* Retired:
import "layout/v1/retired.proto";
syntax = "proto2";
*/
// import "layout/v1/also-retired.proto";

message Envelope {
  message First { string a_b = 1; }
  map<string, First> firsts = 1;
  message Second {
    map<int32, string> inner_map = 1;
    message Deep { bool ok = 1; }
    Deep deep = 2;
  }
  map<string, string> seconds = 2;
  message Third { int32 n = 1; }
  oneof body {
    Second second = 3;
    Third third = 4;
  }
  string message = 5;
  repeated string map = 6;
}
`;

test(".proto text: nested types in protoc's order, map entries where their fields are, imports in comments ignored", async () => {
  schemas.set(1, { schemaType: "PROTOBUF", schema: LAYOUT });
  const root = protobuf.parse(LAYOUT, { keepCase: true }).root;
  const decoder = createSchemaDecoder({ registryUrl: url });
  const cases = [
    { indexes: [0, 0], type: "layout.v1.Envelope.First", value: { a_b: "x" }, json: { aB: "x" } },
    { indexes: [0, 2], type: "layout.v1.Envelope.Second", value: { inner_map: { 7: "seven" }, deep: { ok: true } }, json: { innerMap: { "7": "seven" }, deep: { ok: true } } },
    { indexes: [0, 2, 1], type: "layout.v1.Envelope.Second.Deep", value: { ok: true }, json: { ok: true } },
    { indexes: [0, 4], type: "layout.v1.Envelope.Third", value: { n: 3 }, json: { n: 3 } },
  ];
  for (const c of cases) {
    const type = root.lookupType(c.type);
    const decoded = await decoder.decode(frame(encodeFrameHeader(1, c.indexes), type.encode(type.fromObject(c.value)).finish()));
    assert.equal(decoded.typeName, c.type, `[${c.indexes.join(", ")}]`);
    assert.deepEqual(decoded.json, c.json);
  }
  // [0, 3] is SecondsEntry, and under the JS reading (no map entries) there is no fourth nested message either.
  await assert.rejects(decoder.decode(frame(encodeFrameHeader(1, [0, 3]), new Uint8Array())), (e: unknown) => {
    assert.ok(isLogwireError(e));
    assert.equal(e.code, "malformed_frame");
    assert.equal(e.rawMessage, "message index [0, 3] in schema id 1 names layout.v1.Envelope.SecondsEntry, the entry type of a map field, which is not a record type");
    return true;
  });
});

test("base64 descriptors without json_name: protoc's JSON names (foo_bar_1 → fooBar1, _leading → Leading, x__y → xY)", async () => {
  const names = ["foo_bar_1", "_leading", "x__y", "already_camelCase", "plain"];
  const file = create(FileDescriptorProtoSchema, {
    name: "names/v1/names.proto",
    package: "names.v1",
    syntax: "proto3",
    messageType: [
      create(DescriptorProtoSchema, {
        name: "Names",
        field: names.map((name, i) => create(FieldDescriptorProtoSchema, { name, number: i + 1, label: FieldDescriptorProto_Label.OPTIONAL, type: FieldDescriptorProto_Type.STRING })),
      }),
    ],
  });
  schemas.set(2, { schemaType: "PROTOBUF", schema: Buffer.from(toBinary(FileDescriptorProtoSchema, file)).toString("base64") });
  const payload = protobuf.Type.fromJSON("Names", { fields: Object.fromEntries(names.map((n, i) => [n, { type: "string", id: i + 1 }])) });
  const bytes = payload.encode(payload.fromObject(Object.fromEntries(names.map((n) => [n, `v-${n}`])))).finish();
  const decoded = await createSchemaDecoder({ registryUrl: url }).decode(frame(encodeFrameHeader(2, [0]), bytes));
  assert.deepEqual(decoded.json, { fooBar1: "v-foo_bar_1", Leading: "v-_leading", xY: "v-x__y", alreadyCamelCase: "v-already_camelCase", plain: "v-plain" });
});

const VALUES = `syntax = "proto3";
package values.v1;
import "google/protobuf/duration.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";

message Values {
  repeated google.protobuf.Timestamp stamps = 1;
  map<string, google.protobuf.Duration> durations = 2;
  google.protobuf.Value value = 3;
  string note = 4;
}
`;

test("values without a JSON form, in a list, a map and a Value, are written as their fields, each with its path and problem", async () => {
  schemas.set(3, { schemaType: "PROTOBUF", schema: VALUES });
  // The payload, built from the same text with protobuf-es.
  const wellKnown = Object.values(wkt).filter((v): v is DescFile => typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "file");
  const proto = await protoTextToDescriptor("values.proto", VALUES, wellKnown.map((f) => f.proto));
  const desc = createFileRegistry(proto, (name) => wellKnown.find((f) => f.proto.name === name)).getMessage("values.v1.Values")!;
  const message = create(desc, {
    stamps: [{ seconds: 1767225600n }, { seconds: 253402300800n, nanos: 1 }],
    durations: { fast: { nanos: 5_000_000 }, slow: { seconds: 315576000001n } },
    value: { kind: { case: "numberValue", value: Number.NaN } },
    note: "kept",
  } as never);
  const decoded = await createSchemaDecoder({ registryUrl: url }).decode(frame(encodeFrameHeader(3, [0]), toBinary(desc, message)));
  assert.deepEqual(decoded.json, {
    stamps: ["2026-01-01T00:00:00Z", { seconds: "253402300800", nanos: 1 }],
    durations: { fast: "0.005s", slow: { seconds: "315576000001" } },
    value: { numberValue: "NaN" },
    note: "kept",
  });
  assert.deepEqual(
    decoded.problems?.map((p) => p.path),
    ["stamps[1]", 'durations["slow"]', "value"],
  );
  assert.match(decoded.problems![0]!.message, /Timestamp to JSON: must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z inclusive/);
  assert.match(decoded.problems![1]!.message, /Duration to JSON/);
  assert.match(decoded.problems![2]!.message, /Value to JSON|NaN/);
});

test("an Avro id (no schemaType in the registry's answer) is not Protobuf, whatever the bytes after it look like", async () => {
  schemas.set(4, { schema: JSON.stringify({ type: "record", name: "A", fields: [{ name: "a", type: "string" }] }) });
  const decoder = createSchemaDecoder({ registryUrl: url });
  // "hello" in Avro: zigzag length 5, then the bytes; here it even parses as a message-index array.
  for (const body of [Buffer.from([0x0a, ...Buffer.from("hello")]), Buffer.from([0x00, 0x02])]) {
    await assert.rejects(decoder.decode(Buffer.concat([Buffer.from([0, 0, 0, 0, 4]), body])), (e: unknown) => {
      assert.ok(isLogwireError(e));
      assert.equal(e.code, "malformed_frame");
      assert.match(e.rawMessage, /^schema id 4 is not a Protobuf schema \(schemaType AVRO\)/);
      return true;
    });
  }
  await assert.rejects(decoder.schemaById(4), /schema id 4 is not a Protobuf schema \(schemaType AVRO\)/);
});
