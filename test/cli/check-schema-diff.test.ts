import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { diffSchemas } from "../../src/cli/schema-diff.ts";
import type { DiffReason } from "../../src/cli/schema-diff.ts";
import { buildDescriptorSet } from "./support/fixture-descriptors.ts";

// logwire's own diff, without a registry: the reasons where Confluent's rules
// (read from its checker's sources, not reachable here) and Apicurio's part.
// What Apicurio itself answers is asserted in check-corpus.test.ts.

const PAIRS: Record<string, { before: string; after: string }> = {
  // proto2: protobuf-es reads an absent oneof_index as 0, which once put every field into the first oneof.
  "proto2_oneof.proto": {
    before: 'syntax = "proto2";\npackage d.p2;\nmessage M {\n  optional int32 n = 1;\n}\n',
    after: 'syntax = "proto2";\npackage d.p2;\nmessage M {\n  optional int32 n = 1;\n  oneof kind {\n    string a = 2;\n  }\n}\n',
  },
  "between_oneofs.proto": {
    before: 'syntax = "proto3";\npackage d.between;\nmessage M {\n  oneof a {\n    string x = 1;\n    string y = 2;\n  }\n}\n',
    after: 'syntax = "proto3";\npackage d.between;\nmessage M {\n  oneof a {\n    string y = 2;\n  }\n  oneof b {\n    string x = 1;\n  }\n}\n',
  },
  "oneof_gone.proto": {
    before: 'syntax = "proto3";\npackage d.gone;\nmessage M {\n  oneof a {\n    string x = 1;\n  }\n  string id = 2;\n}\n',
    after: 'syntax = "proto3";\npackage d.gone;\nmessage M {\n  string x = 1;\n  string id = 2;\n}\n',
  },
  "optional_added.proto": {
    before: 'syntax = "proto3";\npackage d.opt;\nmessage M {\n  string id = 1;\n  int32 n = 2;\n}\n',
    after: 'syntax = "proto3";\npackage d.opt;\nmessage M {\n  string id = 1;\n  optional int32 n = 2;\n}\n',
  },
  "enum_partly_reserved.proto": {
    before: 'syntax = "proto3";\npackage d.en;\nenum E {\n  E_UNSPECIFIED = 0;\n  E_A = 1;\n  E_B = 2;\n}\n',
    after: 'syntax = "proto3";\npackage d.en;\nenum E {\n  E_UNSPECIFIED = 0;\n  E_A = 1;\n  reserved 2;\n}\n',
  },
  "labels.proto": {
    before: 'syntax = "proto3";\npackage d.lab;\nmessage Item {\n  string s = 1;\n}\nmessage M {\n  repeated int32 a = 1;\n  repeated int32 b = 2;\n  repeated Item c = 3;\n}\n',
    after: 'syntax = "proto3";\npackage d.lab;\nmessage Item {\n  string s = 1;\n}\nmessage M {\n  int32 a = 1;\n  optional int32 b = 2;\n  Item c = 3;\n}\n',
  },
  "proto2_label.proto": {
    before: 'syntax = "proto2";\npackage d.p2l;\nmessage M {\n  optional int64 n = 1;\n  optional string s = 2;\n}\n',
    after: 'syntax = "proto2";\npackage d.p2l;\nmessage M {\n  repeated int64 n = 1;\n  repeated string s = 2;\n}\n',
  },
  "maps.proto": {
    before: 'syntax = "proto3";\npackage d.maps;\nmessage V {\n  string s = 1;\n}\nmessage W {\n  string s = 1;\n}\nmessage M {\n  map<int32, string> k = 1;\n  map<string, V> v = 2;\n  map<string, sint32> z = 3;\n}\n',
    after: 'syntax = "proto3";\npackage d.maps;\nmessage V {\n  string s = 1;\n}\nmessage W {\n  string s = 1;\n}\nmessage M {\n  map<string, string> k = 1;\n  map<string, W> v = 2;\n  map<string, sint64> z = 3;\n}\n',
  },
};

const dir = mkdtempSync(join(tmpdir(), "logwire-schema-diff-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const files = { before: new Map<string, FileDescriptorProto>(), after: new Map<string, FileDescriptorProto>() };

function diff(name: string): DiffReason[] {
  return diffSchemas(files.before.get(name)!, files.after.get(name)!);
}

function only(reasons: DiffReason[], kind: DiffReason["kind"], path: string): DiffReason {
  const found = reasons.filter((r) => r.kind === kind && r.path === path);
  assert.equal(found.length, 1, `one ${kind} at ${path} in ${JSON.stringify(reasons, null, 2)}`);
  return found[0]!;
}

describe("schema-diff: oneofs, presence, labels, maps and reserved enum values", () => {
  before(() => {
    for (const side of ["before", "after"] as const) {
      mkdirSync(join(dir, side));
      for (const [name, pair] of Object.entries(PAIRS)) {
        writeFileSync(join(dir, side, name), pair[side]);
      }
      mkdirSync(join(dir, `${side}-out`));
      const set = fromBinary(FileDescriptorSetSchema, readFileSync(buildDescriptorSet(join(dir, side), join(dir, `${side}-out`))));
      for (const file of set.file) {
        files[side].set(file.name, file);
      }
    }
  });

  test("proto2 fields without a oneof_index are in no oneof", () => {
    const reasons = diff("proto2_oneof.proto");
    assert.deepEqual(reasons.filter((r) => r.kind === "field-oneof-changed"), []);
    only(reasons, "field-added", "d.p2.M.a");
  });

  test("a field moved between oneofs, the old one remaining: Confluent reports the oneof field removed", () => {
    const reason = only(diff("between_oneofs.proto"), "field-oneof-changed", "d.between.M.x");
    assert.equal(reason.message, "field x (1) was taken out of oneof a into oneof b, which remains (Confluent reports a oneof field removed)");
    assert.equal(reason.confluent, "incompatible");
    assert.equal(reason.apicurio, "compatible");
  });

  test("a field taken out of a oneof that is gone: Confluent sees the oneof removed, compatible", () => {
    const reason = only(diff("oneof_gone.proto"), "field-oneof-changed", "d.gone.M.x");
    assert.match(reason.message, /was taken out of oneof a, which is gone$/);
    assert.equal(reason.confluent, "compatible");
    assert.equal(reason.apicurio, undefined);
  });

  test("optional added: a presence change, not a oneof move of it or of its neighbours", () => {
    const reasons = diff("optional_added.proto");
    assert.deepEqual(reasons.map((r) => r.kind), ["field-presence-changed"]);
    assert.deepEqual({ ...reasons[0]!, message: "" }, { kind: "field-presence-changed", path: "d.opt.M.n", message: "", confluent: "compatible", apicurio: "incompatible" });
  });

  test("an enum value removed with only its number reserved: the advice names only the name", () => {
    const reason = only(diff("enum_partly_reserved.proto"), "enum-value-removed", "d.en.E.E_B");
    assert.match(reason.message, /add `reserved "E_B";` to d\.en\.E$/);
    assert.doesNotMatch(reason.message, /reserved 2;/);
  });

  test("repeated <-> singular: Confluent compares numeric labels only when both are written", () => {
    const reasons = diff("labels.proto");
    assert.equal(only(reasons, "field-label-changed", "d.lab.M.a").confluent, "compatible", "proto3 int32 has no label");
    assert.equal(only(reasons, "field-label-changed", "d.lab.M.a").apicurio, "incompatible");
    assert.equal(only(reasons, "field-label-changed", "d.lab.M.b").confluent, "incompatible", "repeated -> optional int32");
    assert.equal(only(reasons, "field-label-changed", "d.lab.M.c").confluent, "compatible", "message labels are not compared");
    const proto2 = diff("proto2_label.proto");
    assert.equal(only(proto2, "field-label-changed", "d.p2l.M.n").confluent, "incompatible");
    assert.equal(only(proto2, "field-label-changed", "d.p2l.M.s").confluent, "compatible", "string label changes are compatible");
  });

  test("maps: key and value judged by Confluent's type rules", () => {
    const reasons = diff("maps.proto");
    assert.equal(only(reasons, "field-type-changed", "d.maps.M.k").confluent, "incompatible", "int32 -> string key");
    assert.equal(only(reasons, "field-type-changed", "d.maps.M.v").confluent, "incompatible", "V -> W value");
    const z = only(reasons, "field-type-changed", "d.maps.M.z");
    assert.equal(z.message, "field z (3) changed type from map<string, sint32> to map<string, sint64> (same wire encoding)");
    assert.deepEqual([z.confluent, z.apicurio], ["compatible", "incompatible"]);
  });
});
