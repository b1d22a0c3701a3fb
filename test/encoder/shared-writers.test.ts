import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { protocGenLogwire } from "../../src/codegen/logwire-plugin.ts";
import { buildImage, DEFAULT_PARAMETER, linesOf, REPO, runPlugin } from "../codegen/plugin-harness.ts";
import { buildEncoderFixtureImage } from "./fixture-image.ts";

/**
 * Each write function, and the check function next to it, is generated once
 * per run: well-known types come from the runtime, a message of a file in
 * the run from that file's module (exported there, imported elsewhere), and
 * only a message of a file outside the run is printed locally, as before.
 */

const PAYMENTS = ["audit", "common", "error", "performance"].map((name) => `example/payments/v1/${name}.proto`);

function definitions(content: string): string[] {
  return [...content.matchAll(/^(?:export )?function ((?:write|check)\$[\w$]+)\(/gm)].map((m) => m[1] as string);
}

describe("write functions shared across generated modules", () => {
  it("prints each writer once per run, in the module of the file that declares its message", () => {
    const out = runPlugin(buildImage(join(REPO, "proto")), PAYMENTS, DEFAULT_PARAMETER, protocGenLogwire);
    assert.deepEqual([...out.keys()].sort(), PAYMENTS.map((p) => p.replace(/\.proto$/, "_logwire.ts")).sort());
    const all = [...out.values()].flatMap(definitions);
    assert.deepEqual(all.filter((name, i) => all.indexOf(name) !== i), [], "a writer defined in two modules");
    assert.ok(!all.some((name) => /^(write|check)\$google\$protobuf\$/.test(name)), "well-known types come from the runtime");

    const common = linesOf(out, "example/payments/v1/common_logwire.ts");
    for (const type of ["Money", "RequestContext", "ServiceContext"]) {
      assert.ok(common.includes(`export function write$example$payments$v1$${type}(m: MessageInitShape<typeof ${type}Schema>, b: Uint8Array, p: number): number {`));
      assert.ok(common.includes(`export function check$example$payments$v1$${type}(v: unknown, d = 1): object | undefined {`));
    }
    const audit = linesOf(out, "example/payments/v1/audit_logwire.ts");
    assert.ok(
      audit.includes(
        'import { check$example$payments$v1$Money, check$example$payments$v1$RequestContext, check$example$payments$v1$ServiceContext, write$example$payments$v1$Money, write$example$payments$v1$RequestContext, write$example$payments$v1$ServiceContext } from "./common_logwire.ts";',
      ),
    );
    assert.ok(audit.some((l) => /^import \{.*\bcheck\$google\$protobuf\$Timestamp\b.*\bwrite\$google\$protobuf\$Timestamp\b.*\} from "logwire\/codegenv1";$/.test(l)));
    assert.ok(audit.includes("    p = write$example$payments$v1$Money(v4, b, p);"), "calls the imported writer");
    assert.ok(audit.includes("  if (x4 !== undefined && (x4 = check$example$payments$v1$Money(x4, d + 1)) === undefined) return undefined;"), "calls the imported check");
    // Writers and checks no other module calls stay unexported.
    assert.ok(audit.includes("function write$example$payments$v1$PaymentAudit$Card(m: MessageInitShape<typeof PaymentAudit_CardSchema>, b: Uint8Array, p: number): number {"));
    assert.ok(audit.includes("function check$example$payments$v1$PaymentAudit$Card(v: unknown, d = 1): object | undefined {"));
  });

  it("exports a writer that only another shared writer calls", () => {
    const files = ["event", "mid", "leaf"].map((name) => `chain/v1/${name}.proto`);
    const out = runPlugin(buildEncoderFixtureImage(), files, DEFAULT_PARAMETER, protocGenLogwire);
    assert.deepEqual([...out.keys()].sort(), ["chain/v1/event_logwire.ts", "chain/v1/leaf_logwire.ts", "chain/v1/mid_logwire.ts"]);
    const mid = linesOf(out, "chain/v1/mid_logwire.ts");
    assert.ok(mid.includes('import { check$chain$v1$Leaf, write$chain$v1$Leaf } from "./leaf_logwire.ts";'));
    assert.ok(mid.includes("export function write$chain$v1$Mid(m: MessageInitShape<typeof MidSchema>, b: Uint8Array, p: number): number {"));
    assert.ok(linesOf(out, "chain/v1/leaf_logwire.ts").includes("export function write$chain$v1$Leaf(m: MessageInitShape<typeof LeafSchema>, b: Uint8Array, p: number): number {"));
    assert.ok(linesOf(out, "chain/v1/event_logwire.ts").includes('import { check$chain$v1$Mid, write$chain$v1$Mid } from "./mid_logwire.ts";'));
  });

  it("prints writers of files outside the run locally, unexported", () => {
    const out = runPlugin(buildImage(join(REPO, "proto")), ["example/payments/v1/audit.proto"], DEFAULT_PARAMETER, protocGenLogwire);
    assert.deepEqual([...out.keys()], ["example/payments/v1/audit_logwire.ts"]);
    const audit = linesOf(out, "example/payments/v1/audit_logwire.ts");
    assert.ok(audit.includes("function write$example$payments$v1$Money(m: MessageInitShape<typeof MoneySchema>, b: Uint8Array, p: number): number {"));
    assert.ok(!audit.some((l) => l.includes("common_logwire")));
    assert.ok(!audit.some((l) => l.startsWith("function write$google$protobuf$")));
  });

  it("imports from the runtime= module, with the import_extension", () => {
    const out = runPlugin(buildImage(join(REPO, "proto")), PAYMENTS, "target=ts,import_extension=js,runtime=@acme/logwire", protocGenLogwire);
    const error = linesOf(out, "example/payments/v1/error_logwire.ts");
    assert.ok(error.some((l) => /^import \{.*\bwrite\$google\$protobuf\$Timestamp\b.*\} from "@acme\/logwire";$/.test(l)));
    assert.ok(error.includes('import { check$example$payments$v1$RequestContext, check$example$payments$v1$ServiceContext, write$example$payments$v1$RequestContext, write$example$payments$v1$ServiceContext } from "./common_logwire.js";'));
  });
});
