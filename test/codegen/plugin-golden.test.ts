import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { createLogwirePlugin, protocGenLogwire } from "../../src/codegen/logwire-plugin.ts";
import { buildFixtureImage, buildImage, DEFAULT_PARAMETER, linesOf, REPO, runPlugin } from "./plugin-harness.ts";

// Exact-line golden tests: the plugin runs in-process on real .proto files
// (compiled by `buf build`), and the tests assert the generated lines.

const PAYMENTS = ["audit", "common", "error", "performance"].map((n) => `example/payments/v1/${n}.proto`);

describe("protoc-gen-logwire on the payments example", () => {
  let files: Map<string, string>;
  before(() => {
    const image: FileDescriptorSet = buildImage(join(REPO, "proto"));
    files = runPlugin(image, [...PAYMENTS, "logwire/v1/options.proto"]);
  });

  it("writes <file>_logwire.ts only for files with log messages", () => {
    assert.deepEqual([...files.keys()].sort(), [
      "example/payments/v1/audit_logwire.ts",
      "example/payments/v1/error_logwire.ts",
      "example/payments/v1/performance_logwire.ts",
    ]);
  });

  it("prints the PaymentAudit descriptor", () => {
    const lines = linesOf(files, "example/payments/v1/audit_logwire.ts");
    const start = lines.indexOf("export const PaymentAuditLog: LogDescriptor<typeof PaymentAuditSchema> = {");
    assert.ok(start > 0, "descriptor constant is missing");
    assert.deepEqual(lines.slice(start, start + 21), [
      "export const PaymentAuditLog: LogDescriptor<typeof PaymentAuditSchema> = {",
      '  kind: "logwire.log/v3",',
      "  schema: PaymentAuditSchema,",
      '  typeName: "example.payments.v1.PaymentAudit",',
      '  topic: "payments.audit",',
      '  subjectStrategy: "topic",',
      '  subject: "payments.audit-value",',
      "  messageIndexes: [0],",
      "  sampleRate: 1,",
      "  check: undefined,",
      '  key: (m) => (m.paymentId ?? ""),',
      "  redact: redact_example_payments_v1_PaymentAudit,",
      "  redactCopy: undefined,",
      "  encode: undefined,",
      "  encodeInit: undefined,",
      "  validate: false,",
      '  traceFields: [{ path: ["request", "traceId"], part: "traceId", bytes: false }, { path: ["request", "spanId"], part: "spanId", bytes: false }],',
      "  files: [schemaFile_example_payments_v1_audit, schemaFile_example_payments_v1_common, schemaFile_logwire_v1_options],",
      "};",
      "",
      "function redact_example_payments_v1_PaymentAudit(m: PaymentAudit): void {",
    ]);
  });

  it("imports the runtime from logwire/codegenv1 and the schema from _pb.ts", () => {
    const lines = linesOf(files, "example/payments/v1/audit_logwire.ts");
    assert.ok(lines.includes('import type { LogDescriptor, SchemaFile } from "logwire/codegenv1";'));
    assert.ok(lines.includes('import { redactHash, redactMask } from "logwire/codegenv1";'));
    assert.ok(lines.includes('import type { PaymentAudit, PaymentAudit_BankTransfer } from "./audit_pb.ts";'));
    assert.ok(lines.includes('import { PaymentAuditSchema } from "./audit_pb.ts";'));
  });

  it("redacts the hashed field and the masked field inside the oneof's nested message", () => {
    const lines = linesOf(files, "example/payments/v1/audit_logwire.ts");
    const start = lines.indexOf("function redact_example_payments_v1_PaymentAudit(m: PaymentAudit): void {");
    assert.deepEqual(lines.slice(start, start + 9), [
      "function redact_example_payments_v1_PaymentAudit(m: PaymentAudit): void {",
      "  m.customerEmail = redactHash(m.customerEmail);",
      '  if (m.method.case === "bankTransfer") redact_example_payments_v1_PaymentAudit_BankTransfer(m.method.value);',
      "}",
      "",
      "function redact_example_payments_v1_PaymentAudit_BankTransfer(m: PaymentAudit_BankTransfer): void {",
      "  m.accountHolder = redactMask(m.accountHolder);",
      "}",
      "",
    ]);
    assert.equal(start + 9, lines.length, "the file ends after the redact functions");
  });

  it("lists schema files once per module, with well-known imports only as dependencies", () => {
    const lines = linesOf(files, "example/payments/v1/performance_logwire.ts");
    assert.equal(lines.filter((l) => l.startsWith("const schemaFile_")).length, 3);
    assert.ok(lines.includes('  name: "example/payments/v1/performance.proto",'));
    assert.ok(
      lines.includes('  dependencies: ["example/payments/v1/common.proto", "google/protobuf/duration.proto", "google/protobuf/timestamp.proto", "logwire/v1/options.proto"],'),
      "options.proto is an import like any other, well-known types are kept",
    );
    assert.ok(lines.includes('  name: "logwire/v1/options.proto",'));
    assert.ok(lines.includes('  dependencies: ["google/protobuf/descriptor.proto"],'));
    assert.ok(lines.includes('  name: "example/payments/v1/common.proto",'));
    assert.ok(lines.includes('  dependencies: ["logwire/v1/options.proto"],'), "common.proto imports the options for trace_id/span_id");
    assert.ok(!lines.some((l) => l.includes('name: "google/protobuf/')), "well-known files are not schema files");
  });

  it("joins several key fields with | and stringifies numbers", () => {
    const lines = linesOf(files, "example/payments/v1/performance_logwire.ts");
    assert.ok(lines.includes('  key: (m) => (m.route ?? "") + "|" + String(m.statusCode ?? 0),'));
    assert.ok(lines.includes("  redact: undefined,"));
    assert.ok(!lines.some((l) => l.includes("redactHash")), "no helper imports without redacted fields");
  });

  it("honours the runtime= option", () => {
    const image = buildImage(join(REPO, "proto"));
    const out = runPlugin(image, ["example/payments/v1/error.proto"], "target=ts,import_extension=ts,runtime=@acme/logwire");
    const lines = linesOf(out, "example/payments/v1/error_logwire.ts");
    const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
    assert.equal(lines[0], `// @generated by protoc-gen-logwire v${version} with parameter "target=ts,import_extension=ts,runtime=@acme/logwire"`);
    assert.ok(lines.includes('import type { LogDescriptor, SchemaFile } from "@acme/logwire";'));
  });

  it("puts what the encoder hook returns into encode and check, after the code it printed", () => {
    const image = buildImage(join(REPO, "proto"));
    const plugin = createLogwirePlugin({
      printEncoder(f, message) {
        f.print(`function encode_${message.name}(): Uint8Array { return new Uint8Array(0); }`);
        f.print();
        return { encode: `encode_${message.name}`, check: `check_${message.name}` };
      },
    });
    const lines = linesOf(runPlugin(image, ["example/payments/v1/error.proto"], DEFAULT_PARAMETER, plugin), "example/payments/v1/error_logwire.ts");
    const fn = lines.indexOf("function encode_PaymentError(): Uint8Array { return new Uint8Array(0); }");
    assert.ok(fn > 0 && fn < lines.indexOf("export const PaymentErrorLog: LogDescriptor<typeof PaymentErrorSchema> = {"));
    assert.ok(lines.includes("  encode: encode_PaymentError,"));
    assert.ok(lines.includes("  encodeInit: encode_PaymentError,"), "the generated encoder takes init objects too");
    assert.ok(lines.includes("  check: check_PaymentError,"));
  });

  it("with the encoder, redacts into a copy too: copy-on-write, the argument never changed, unless it is the runtime's own (owned: in place)", () => {
    const image = buildImage(join(REPO, "proto"));
    const lines = linesOf(runPlugin(image, PAYMENTS, DEFAULT_PARAMETER, protocGenLogwire), "example/payments/v1/audit_logwire.ts");
    assert.ok(lines.includes("  redactCopy: redactCopy_example_payments_v1_PaymentAudit,"));
    assert.ok(lines.includes("  encodeInit: encode$example$payments$v1$PaymentAudit,"));
    const start = lines.indexOf("function redactCopy_example_payments_v1_PaymentAudit(m: MessageInitShape<typeof PaymentAuditSchema>, owned = false): MessageInitShape<typeof PaymentAuditSchema> {");
    assert.deepEqual(lines.slice(start, start + 19), [
      "function redactCopy_example_payments_v1_PaymentAudit(m: MessageInitShape<typeof PaymentAuditSchema>, owned = false): MessageInitShape<typeof PaymentAuditSchema> {",
      "  let c = m;",
      "  const v8 = m.customerEmail;",
      "  if (v8 !== undefined) {",
      "    const r8 = redactHash(v8);",
      "    if (r8 !== v8) {",
      "      if (c === m && !owned) c = { ...m };",
      "      c.customerEmail = r8;",
      "    }",
      "  }",
      "  const v11 = m.method;",
      '  if (v11 !== undefined && v11.case === "bankTransfer") {',
      "    const r11 = redactCopy_example_payments_v1_PaymentAudit_BankTransfer(v11.value, owned);",
      "    if (r11 !== v11.value) {",
      "      if (c === m && !owned) c = { ...m };",
      '      c.method = { case: "bankTransfer", value: r11 };',
      "    }",
      "  }",
      "  return c;",
    ]);
  });

  it("rejects unknown plugin options", () => {
    const image = buildImage(join(REPO, "proto"));
    assert.throws(() => runPlugin(image, ["example/payments/v1/error.proto"], "target=ts,colour=blue"), {
      message: 'invalid option "colour=blue"',
    });
  });
});

describe("protoc-gen-logwire on the features fixture", () => {
  let lines: string[];
  before(() => {
    lines = linesOf(runPlugin(buildFixtureImage(), ["good/features.proto"]), "good/features_logwire.ts");
  });

  it("derives names, subject strategies, sample rates and message indexes of nested log messages", () => {
    const start = lines.indexOf("export const Envelope_SignupLog: LogDescriptor<typeof Envelope_SignupSchema> = {");
    assert.ok(start > 0);
    assert.deepEqual(lines.slice(start + 3, start + 9), [
      '  typeName: "fixtures.good.Envelope.Signup",',
      '  topic: "signups",',
      '  subjectStrategy: "topic-record",',
      '  subject: "signups-fixtures.good.Envelope.Signup",',
      // Index 1 in Envelope's nested_type: the map entry LabelsEntry is index 0.
      "  messageIndexes: [2, 1],",
      "  sampleRate: 0.25,",
    ]);
    assert.ok(lines.includes('  subject: "fixtures.good.Visit",'));
    assert.ok(lines.includes("  messageIndexes: [3],"));
  });

  it("compiles key_fields paths in listed order, enums by value name, a left-out field as its default and a missing message as empty", () => {
    assert.ok(
      lines.includes(
        '  key: (m) => (TierSchema.value[m.customer?.tier ?? 0]?.name ?? String(m.customer?.tier ?? 0)) + "|" + String(m.regionId ?? 0) + "|" + (m.customer?.email ?? "") + "|" + String(m.trial ?? false) + "|" + String(m.customer?.level ?? (m.customer === undefined ? "" : 0)),',
      ),
    );
  });

  it("compiles key field options in field-number order", () => {
    assert.ok(lines.includes('  key: (m) => (m.page ?? "") + "|" + String(m.attempt ?? "") + "|" + (TierSchema.value[m.tier ?? 0]?.name ?? String(m.tier ?? 0)),'));
  });

  it("redacts lists, maps, oneofs, optionals and recursive types", () => {
    const start = lines.indexOf("function redact_fixtures_good_Envelope_Signup(m: Envelope_Signup): void {");
    assert.deepEqual(lines.slice(start), [
      "function redact_fixtures_good_Envelope_Signup(m: Envelope_Signup): void {",
      "  if (m.customer !== undefined) redact_fixtures_good_Customer(m.customer);",
      "  m.emails = m.emails.map(redactHash);",
      "  redactMapValues(m.notes, redactMask);",
      "  m.income = 0n;",
      '  if (m.contact.case === "sms") m.contact.value = redactHash(m.contact.value);',
      '  if (m.contact.case === "referrer") redact_fixtures_good_Customer(m.contact.value);',
      '  if (m.contact.case === "tree") m.contact = { case: undefined };',
      "  for (const v of m.household) redact_fixtures_good_Customer(v);",
      "  for (const v of Object.values(m.byRole)) redact_fixtures_good_Customer(v);",
      "  if (m.graph !== undefined) redact_fixtures_good_Node(m.graph);",
      "}",
      "",
      "function redact_fixtures_good_Customer(m: Customer): void {",
      "  m.email = redactHash(m.email);",
      "  if (m.phone !== undefined) m.phone = redactMask(m.phone);",
      "}",
      "",
      "function redact_fixtures_good_Node(m: Node): void {",
      "  m.secret = redactHash(m.secret);",
      "  if (m.child !== undefined) redact_fixtures_good_Node(m.child);",
      "}",
      "",
    ]);
  });
});
