import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import type { DescMessage } from "@bufbuild/protobuf";
import { protocGenEs } from "@bufbuild/protoc-gen-es/dist/cjs/src/protoc-gen-es-plugin.js";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import ts from "typescript";
import type { LogDescriptor } from "../../src/index.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { Action, PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { buildFixtureImage, DEFAULT_PARAMETER, REPO, runPlugin } from "./plugin-harness.ts";

// The generated code itself: the features fixture is generated (with
// protoc-gen-es output next to it), typechecked with the repo's compiler
// options, imported, and run. The payments example is run from the committed
// files.

function sha16(value: string): string {
  return "sha256:" + createHash("sha256").update(value).digest("hex").slice(0, 16);
}

describe("generated code for the features fixture", () => {
  let dir: string;
  let Signup: LogDescriptor<DescMessage>;
  let Visit: LogDescriptor<DescMessage>;
  before(async () => {
    const image = buildFixtureImage();
    // Inside node_modules so @bufbuild/protobuf resolves; "logwire" resolves
    // through a symlink to the repo, as for an installed package.
    mkdirSync(join(REPO, "node_modules", ".cache"), { recursive: true });
    dir = mkdtempSync(join(REPO, "node_modules", ".cache", "logwire-codegen-"));
    const files = new Map([
      ...runPlugin(image, ["good/features.proto"]),
      ...runPlugin(image, ["good/features.proto", "logwire/v1/options.proto"], DEFAULT_PARAMETER, protocGenEs),
    ]);
    for (const [name, content] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(REPO, join(dir, "node_modules", "logwire"));
    const mod = (await import(join(dir, "good", "features_logwire.ts"))) as Record<string, LogDescriptor<DescMessage>>;
    Signup = mod["Envelope_SignupLog"] as LogDescriptor<DescMessage>;
    Visit = mod["VisitLog"] as LogDescriptor<DescMessage>;
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("typechecks under the repo's strict compiler options", () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(REPO, "tsconfig.json"), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, "\n")),
    });
    assert.ok(config !== undefined);
    const program = ts.createProgram([join(dir, "good", "features_logwire.ts")], config.options);
    // Only the generated files: other engineers' in-progress sources must not fail this test.
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName.startsWith(dir) ?? true);
    const text = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => dir, getNewLine: () => "\n" });
    assert.equal(text, "");
  });

  it("builds keys from paths, enums by name, unset parts as empty", () => {
    const full = create(Signup.schema, { customer: { tier: 1, email: "a@b.c" }, regionId: 42n, trial: true });
    assert.equal(Signup.key?.(full), "TIER_GOLD|42|a@b.c|true");
    assert.equal(Signup.key?.(create(Signup.schema)), "TIER_UNSPECIFIED|0||false");
    assert.equal(Visit.key?.(create(Visit.schema, { page: "/p", attempt: 3, tier: 7 })), "/p|3|7", "unknown enum numbers by their value");
    assert.equal(Visit.key?.(create(Visit.schema, { page: "/p" })), "/p||TIER_UNSPECIFIED");
  });

  it("redacts at every depth, in lists, maps, oneofs and recursive types", () => {
    const m = create(Signup.schema, {
      customer: { email: "a@b.c", phone: "555" },
      emails: ["x@y.z", ""],
      notes: { a: "secret", b: "" },
      income: 100n,
      contact: { case: "referrer", value: { email: "r@s.t" } },
      household: [{ email: "h@i.j" }],
      byRole: { owner: { email: "o@p.q" } },
      graph: { secret: "s1", child: { secret: "s2", child: { secret: "s3" } } },
      attempt: 2,
    }) as Record<string, unknown>;
    Signup.redact?.(m as never);
    const plain = JSON.parse(JSON.stringify(m, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;
    assert.deepEqual(plain["customer"], { $typeName: "fixtures.good.Customer", email: sha16("a@b.c"), tier: 0, phone: "***" });
    assert.deepEqual(plain["emails"], [sha16("x@y.z"), ""]);
    assert.deepEqual(plain["notes"], { a: "***", b: "" });
    assert.equal(plain["income"], "0");
    assert.deepEqual((plain["contact"] as { value: { email: string } }).value.email, sha16("r@s.t"));
    assert.deepEqual((plain["household"] as { email: string }[])[0]?.email, sha16("h@i.j"));
    assert.deepEqual((plain["byRole"] as Record<string, { email: string }>)["owner"]?.email, sha16("o@p.q"));
    const graph = plain["graph"] as { secret: string; child: { secret: string; child: { secret: string } } };
    assert.deepEqual([graph.secret, graph.child.secret, graph.child.child.secret], [sha16("s1"), sha16("s2"), sha16("s3")]);
    assert.equal(plain["attempt"], 2, "fields without redact are untouched");

    const masked = create(Signup.schema, { contact: { case: "tree", value: { secret: "s" } } }) as unknown as { contact: { case: unknown } };
    Signup.redact?.(masked as never);
    assert.equal(masked.contact.case, undefined, "a masked message in a oneof is cleared");
    const sms = create(Signup.schema, { contact: { case: "sms", value: "+1555" } }) as unknown as { contact: { value: unknown } };
    Signup.redact?.(sms as never);
    assert.equal(sms.contact.value, sha16("+1555"));
  });
});

describe("generated code for the payments example (committed)", () => {
  it("redacts the e-mail and the account holder inside the oneof", () => {
    const m = create(PaymentAuditSchema, {
      paymentId: "p-1",
      action: Action.CAPTURE,
      customerEmail: "jane@example.com",
      method: { case: "bankTransfer", value: { ibanCountry: "DE", accountHolder: "Jane Doe" } },
    });
    PaymentAuditLog.redact?.(m);
    assert.equal(m.customerEmail, sha16("jane@example.com"));
    assert.equal(m.method.case === "bankTransfer" ? m.method.value.accountHolder : "", "***");
    assert.equal(m.method.case === "bankTransfer" ? m.method.value.ibanCountry : "", "DE");
    assert.equal(PaymentAuditLog.key?.(m), "p-1");
  });

  it("registers stripped descriptors: no logwire options, no options.proto import, no source info, json_name kept", () => {
    const [audit, common] = PaymentAuditLog.files.map((f) => fromBinary(FileDescriptorProtoSchema, base64Decode(f.schema)));
    assert.ok(audit !== undefined && common !== undefined);
    assert.equal(audit.name, "example/payments/v1/audit.proto");
    assert.deepEqual(audit.dependency, ["example/payments/v1/common.proto", "google/protobuf/timestamp.proto"]);
    assert.equal(audit.sourceCodeInfo, undefined);
    const message = audit.messageType[0];
    assert.equal(message?.name, "PaymentAudit");
    assert.equal(message?.options, undefined, "the (logwire.v1.log) option is stripped");
    assert.equal(message?.field[0]?.options, undefined, "the (logwire.v1.field) option is stripped");
    assert.equal(message?.field[0]?.jsonName, "paymentId");
    const holder = message?.nestedType.find((n) => n.name === "BankTransfer")?.field.find((f) => f.name === "account_holder");
    assert.equal(holder?.options, undefined, "options of nested messages' fields are stripped too");
    assert.equal(common.name, "example/payments/v1/common.proto");
    assert.deepEqual(PaymentAuditLog.files.map((f) => f.dependencies), [audit.dependency, []]);
  });
});
