import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { BUF, buildFixtureImage, REPO, runPlugin } from "./plugin-harness.ts";

// Each fixture under test/codegen/fixtures/bad/ is one kind of bad input. The
// plugin must refuse it with `<file>: <message>: <what is wrong>: <how to fix>`
// (protoplugin prefixes "protoc-gen-logwire: " and exits 1; the last test
// checks that through `buf generate`).

const KEY_FIX = "key by a singular scalar or enum field outside a oneof";
const TOPIC_FIX = "rename the topic to 1-249 characters of [a-zA-Z0-9._-]";
const traceFix = (option: string) => `mark a singular string (hex) or bytes (raw) field outside a oneof with ${option}`;
const SAMPLE_FIX = "use a fraction greater than 0 and at most 1, or leave it unset to keep all records";

const cases: Record<string, string> = {
  key_repeated: `bad/key_repeated.proto: fixtures.bad.key_repeated.Audit: key field "ids" is repeated: ${KEY_FIX}`,
  key_map: `bad/key_map.proto: fixtures.bad.key_map.Audit: key field "labels" is a map: ${KEY_FIX}`,
  key_message: `bad/key_message.proto: fixtures.bad.key_message.Audit: key field "inner" is a message: ${KEY_FIX}, e.g. a field inside it with key_fields: ["inner.<field>"]`,
  key_oneof: `bad/key_oneof.proto: fixtures.bad.key_oneof.Audit: key field "user_id" is in oneof "subject": ${KEY_FIX}; an unset oneof member would send unrelated records to one partition`,
  key_bytes: `bad/key_bytes.proto: fixtures.bad.key_bytes.Audit: key field "id" is bytes: ${KEY_FIX}; use a string field`,
  key_fields_unknown:
    'bad/key_fields_unknown.proto: fixtures.bad.key_fields_unknown.Audit: key_fields names "payment_id", but Audit has no field "payment_id": use one of the fields of Audit: paymentid, actor',
  key_fields_through_scalar:
    'bad/key_fields_through_scalar.proto: fixtures.bad.key_fields_through_scalar.Audit: key_fields path "actor.id" goes through "actor", which is not a singular message field outside a oneof: make every segment but the last a singular message field',
  key_twice: "bad/key_twice.proto: fixtures.bad.key_twice.Audit: the key is given twice, by key_fields and by (logwire.v1.field).key: use one of the two forms",
  key_not_log:
    "bad/key_not_log.proto: fixtures.bad.key_not_log.Inner: field \"id\" is marked as key, but Inner is not a log message: mark the field on the log message itself, or list a path to it in the log option's key_fields",
  topic_missing: 'bad/topic_missing.proto: fixtures.bad.topic_missing.Audit: missing topic: set it in the log option, e.g. option (logwire.v1.log) = {topic: "payments.audit"}',
  topic_chars: `bad/topic_chars.proto: fixtures.bad.topic_chars.Audit: topic "payments/audit" contains "/", kafka allows only [a-zA-Z0-9._-]: ${TOPIC_FIX}`,
  topic_long: `bad/topic_long.proto: fixtures.bad.topic_long.Audit: topic "aaaaaaaaaaaaaaaaaaaa..." is 250 characters long, kafka allows at most 249: ${TOPIC_FIX}`,
  topic_dots: `bad/topic_dots.proto: fixtures.bad.topic_dots.Audit: topic ".." is not allowed by kafka: ${TOPIC_FIX}`,
  sample_zero: `bad/sample_zero.proto: fixtures.bad.sample_zero.Audit: sample_rate 0 is outside (0, 1]: ${SAMPLE_FIX}`,
  sample_negative: `bad/sample_negative.proto: fixtures.bad.sample_negative.Audit: sample_rate -0.5 is outside (0, 1]: ${SAMPLE_FIX}`,
  sample_above_one: `bad/sample_above_one.proto: fixtures.bad.sample_above_one.Audit: sample_rate 1.5 is outside (0, 1]: ${SAMPLE_FIX}`,
  trace_id_int: `bad/trace_id_int.proto: fixtures.bad.trace_id_int.Audit: trace_id field "trace" is int64: ${traceFix("trace_id")}`,
  trace_id_repeated: `bad/trace_id_repeated.proto: fixtures.bad.trace_id_repeated.Audit: trace_id field "trace" is repeated: ${traceFix("trace_id")}`,
  trace_id_map: `bad/trace_id_map.proto: fixtures.bad.trace_id_map.Audit: trace_id field "trace" is a map: ${traceFix("trace_id")}`,
  trace_id_oneof: `bad/trace_id_oneof.proto: fixtures.bad.trace_id_oneof.Audit: trace_id field "trace" is in oneof "ctx": ${traceFix("trace_id")}`,
  span_id_message: `bad/span_id_message.proto: fixtures.bad.span_id_message.Audit: span_id field "span" is a message: ${traceFix("span_id")}`,
  trace_and_span: 'bad/trace_and_span.proto: fixtures.bad.trace_and_span.Audit: field "trace" is marked both trace_id and span_id: mark one field with trace_id and another with span_id',
  trace_id_not_log: `bad/trace_id_not_log.proto: fixtures.bad.trace_id_not_log.Context: trace_id field "traced" is bool: ${traceFix("trace_id")}`,
};

const CONFLICT =
  'bad/subject_conflict_b.proto: fixtures.bad.subject_conflict_b.Performance: subject "shared-value" is also used by fixtures.bad.subject_conflict_a.Audit in bad/subject_conflict_a.proto, with a different schema: give one of them its own topic, or set subject_strategy to SUBJECT_STRATEGY_TOPIC_RECORD or SUBJECT_STRATEGY_RECORD';

describe("protoc-gen-logwire rejects bad .proto input", () => {
  let image: FileDescriptorSet;
  before(() => {
    image = buildFixtureImage();
  });

  for (const [name, message] of Object.entries(cases)) {
    it(name, () => {
      assert.throws(() => runPlugin(image, [`bad/${name}.proto`]), { message });
    });
  }

  it("subject_conflict: two log messages, one subject, different schemas", () => {
    assert.throws(() => runPlugin(image, ["bad/subject_conflict_a.proto", "bad/subject_conflict_b.proto"]), { message: CONFLICT });
    // Each alone is fine: the check spans the whole run (strategy: all).
    assert.equal(runPlugin(image, ["bad/subject_conflict_a.proto"]).size, 1);
  });

  it("a valid sample rate of exactly 1 and unset are accepted", () => {
    const out = runPlugin(image, ["good/features.proto"]);
    assert.ok(out.get("good/features_logwire.ts")?.includes("  sampleRate: 1,"));
  });

  it("buf generate prints the error with the plugin name and fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "logwire-bad-gen-"));
    try {
      mkdirSync(join(dir, "in", "logwire", "v1"), { recursive: true });
      cpSync(join(REPO, "proto", "logwire", "v1", "options.proto"), join(dir, "in", "logwire", "v1", "options.proto"));
      mkdirSync(join(dir, "in", "bad"));
      cpSync(join(REPO, "test", "codegen", "fixtures", "bad", "key_map.proto"), join(dir, "in", "bad", "key_map.proto"));
      const template = {
        version: "v2",
        plugins: [{ local: ["node", "--import", import.meta.resolve("tsx"), join(REPO, "src", "codegen", "bin.ts")], out: join(dir, "out"), opt: "target=ts", strategy: "all" }],
      };
      writeFileSync(join(dir, "buf.gen.yaml"), JSON.stringify(template));
      const result = spawnSync(BUF, ["generate", join(dir, "in"), "--template", join(dir, "buf.gen.yaml")], { cwd: REPO, encoding: "utf8" });
      assert.equal(result.status, 1);
      assert.ok(
        result.stderr.includes(`protoc-gen-logwire: ${cases["key_map"]}\n`),
        `stderr was: ${result.stderr}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
