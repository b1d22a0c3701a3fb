import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import type { FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { protocGenEs } from "@bufbuild/protoc-gen-es/dist/cjs/src/protoc-gen-es-plugin.js";
import { protocGenLogwire } from "../../src/codegen/logwire-plugin.ts";
import { buildEncoderFixtureImage } from "../encoder/fixture-image.ts";
import { buildFixtureImage, buildImage, REPO, runPlugin } from "./plugin-harness.ts";

// Generated code in an application with the strictest compiler options
// (@tsconfig/strictest's, plus verbatimModuleSyntax and nodenext), for every
// way an application may generate it: TypeScript importing `.ts` or `.js`,
// and JavaScript with declarations for a CommonJS application.
//
// The application sees logwire as an installed package: `logwire/codegenv1`
// is compiled from the sources into node_modules/logwire/dist (JavaScript and
// .d.ts, as `npm run build` publishes it), so tsc checks the generated code
// against the published declarations, and the runtime sources behind the
// subpath compile under the same options.

const TSC = join(REPO, "node_modules", ".bin", "tsc");

/** What an application may turn on. */
const STRICTEST = {
  target: "ES2022",
  lib: ["ES2022"],
  module: "nodenext",
  moduleResolution: "nodenext",
  strict: true,
  exactOptionalPropertyTypes: true,
  noPropertyAccessFromIndexSignature: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  allowUnusedLabels: false,
  allowUnreachableCode: false,
  // Declarations too: the generated .d.ts, logwire's and @bufbuild/protobuf's.
  skipLibCheck: false,
  types: [],
};

/** Every file of the three fixture sets, generated with `parameter` by protoc-gen-es and protoc-gen-logwire, under `<dir>/<set>/`. */
function generateFixtures(dir: string, parameter: string): void {
  const sets: [string, FileDescriptorSet][] = [
    ["proto", buildImage(join(REPO, "proto"))],
    ["fixtures", buildFixtureImage()],
    ["encoder", buildEncoderFixtureImage()],
  ];
  for (const [set, image] of sets) {
    // bad/: inputs the plugin rejects; google/: @bufbuild/protobuf/wkt has them.
    const files = image.file.map((f) => f.name).filter((name) => !name.startsWith("google/") && !name.startsWith("bad/"));
    for (const plugin of [protocGenEs, protocGenLogwire]) {
      for (const [name, content] of runPlugin(image, files, parameter, plugin)) {
        const path = join(dir, set, name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
      }
    }
  }
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2));
}

/** tsc's diagnostics for a project, "" when there are none. */
async function typecheck(project: string): Promise<string> {
  try {
    await promisify(execFile)(TSC, ["-p", project, "--pretty", "false"], { cwd: dirname(project) });
    return "";
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    return `${stdout ?? ""}${stderr ?? ""}` || message;
  }
}

describe("generated code under an application's strictest tsconfig", () => {
  let dir: string;
  let checks: Promise<Record<"ts" | "js" | "cjs", string>>;
  let runtimeBuild: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "logwire-strict-"));
    const modules = join(dir, "node_modules");
    mkdirSync(join(modules, "@bufbuild"), { recursive: true });
    symlinkSync(join(REPO, "node_modules", "@bufbuild", "protobuf"), join(modules, "@bufbuild", "protobuf"));

    // logwire, installed: logwire/codegenv1 built from the sources under the same options.
    writeJson(join(modules, "logwire", "package.json"), {
      name: "logwire",
      type: "module",
      exports: { "./codegenv1": { types: "./dist/runtime/codegenv1/index.d.ts", default: "./dist/runtime/codegenv1/index.js" } },
    });
    writeJson(join(dir, "build-logwire.json"), {
      compilerOptions: {
        ...STRICTEST,
        allowImportingTsExtensions: true,
        rewriteRelativeImportExtensions: true,
        declaration: true,
        types: ["node"],
        typeRoots: [join(REPO, "node_modules", "@types")],
        rootDir: join(REPO, "src"),
        outDir: join(modules, "logwire", "dist"),
      },
      files: [join(REPO, "src", "runtime", "codegenv1", "index.ts")],
    });
    runtimeBuild = await typecheck(join(dir, "build-logwire.json"));

    // ES modules in TypeScript, importing `.ts` (run by tsx, node's type stripping, bundlers) or `.js` (compiled by tsc).
    for (const ext of ["ts", "js"] as const) {
      generateFixtures(join(dir, ext), `target=ts,import_extension=${ext}`);
      writeJson(join(dir, ext, "package.json"), { type: "module" });
      writeJson(join(dir, ext, "tsconfig.json"), { compilerOptions: { ...STRICTEST, noEmit: true, ...(ext === "ts" ? { allowImportingTsExtensions: true } : {}) } });
    }

    // A CommonJS application: JavaScript with declarations, require() calls, and a TypeScript file using them.
    const cjs = join(dir, "cjs");
    generateFixtures(cjs, "target=js+dts,js_import_style=legacy_commonjs,import_extension=js");
    writeJson(join(cjs, "package.json"), { type: "commonjs" });
    writeJson(join(cjs, "tsconfig.json"), { compilerOptions: { ...STRICTEST, noEmit: true } });
    writeFileSync(
      join(cjs, "app.ts"),
      [
        'import protobuf = require("@bufbuild/protobuf");',
        'import type { LogDescriptor } from "logwire/codegenv1";',
        'import audit = require("./proto/example/payments/v1/audit_logwire.js");',
        'import auditPb = require("./proto/example/payments/v1/audit_pb.js");',
        "const log: LogDescriptor<typeof auditPb.PaymentAuditSchema> = audit.PaymentAuditLog;",
        'const bytes = log.encodeInit?.({ paymentId: "p-1" });',
        "const expected = protobuf.toBinary(auditPb.PaymentAuditSchema, protobuf.create(auditPb.PaymentAuditSchema, { paymentId: \"p-1\" }));",
        "export = { bytes, expected };",
        "",
      ].join("\n"),
    );

    // The three checks need the build; they run side by side.
    checks = Promise.all([typecheck(join(dir, "ts")), typecheck(join(dir, "js")), typecheck(cjs)]).then(([ts, js, cjsOut]) => ({ ts, js, cjs: cjsOut }));
  });

  after(async () => {
    await checks.catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("logwire/codegenv1's sources compile under them, to the declarations the checks below use", () => {
    assert.equal(runtimeBuild, "");
  });

  it("target=ts,import_extension=ts: tsc reports nothing", async () => {
    assert.equal((await checks).ts, "");
  });

  it("target=ts,import_extension=js: tsc reports nothing", async () => {
    assert.equal((await checks).js, "");
  });

  it("target=js+dts,js_import_style=legacy_commonjs: tsc reports nothing for the declarations and a CommonJS file using them", async () => {
    assert.equal((await checks).cjs, "");
  });

  it("and the CommonJS application runs it: require() of the generated code and of logwire/codegenv1, bytes as toBinary's", () => {
    const cjs = join(dir, "cjs");
    writeFileSync(
      join(cjs, "run.js"),
      [
        'const { create, toBinary } = require("@bufbuild/protobuf");',
        'const { PaymentAuditLog } = require("./proto/example/payments/v1/audit_logwire.js");',
        'const { PaymentAuditSchema } = require("./proto/example/payments/v1/audit_pb.js");',
        'const init = { paymentId: "p-1", customerEmail: "jane@example.com", amount: { amountMinor: 1299n, currency: "EUR" }, labels: { region: "eu" }, occurredAt: { seconds: 5n } };',
        "const hex = (bytes) => Buffer.from(bytes).toString(\"hex\");",
        "const message = create(PaymentAuditSchema, init);",
        "process.stdout.write(JSON.stringify({",
        "  init: hex(PaymentAuditLog.encodeInit(init)) === hex(toBinary(PaymentAuditSchema, message)),",
        "  message: hex(PaymentAuditLog.encode(message)) === hex(toBinary(PaymentAuditSchema, message)),",
        "  check: PaymentAuditLog.check(init) !== undefined && hex(PaymentAuditLog.encodeInit(PaymentAuditLog.check(init))) === hex(toBinary(PaymentAuditSchema, message)),",
        "  key: PaymentAuditLog.key(init),",
        "  redacted: PaymentAuditLog.redactCopy(init).customerEmail,",
        "  kafkajs: Object.keys(require.cache).some((path) => path.includes(\"node_modules/kafkajs/\")),",
        "}));",
        "",
      ].join("\n"),
    );
    const out = JSON.parse(execFileSync(process.execPath, ["run.js"], { cwd: cjs, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })) as Record<string, unknown>;
    const hashed = "sha256:" + createHash("sha256").update("jane@example.com").digest("hex").slice(0, 16);
    assert.deepEqual(out, { init: true, message: true, check: true, key: "p-1", redacted: hashed, kafkajs: false });
  });
});
