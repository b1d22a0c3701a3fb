import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadLogDescriptors } from "../../src/cli/descriptor-loading.ts";
import { runInit } from "../../src/cli/init-command.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { runCli } from "./support/run-cli.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BUF = join(REPO_ROOT, "node_modules/.bin/buf");
const scratch = mkdtempSync(join(tmpdir(), "logwire-init-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

let apps = 0;
/** A fresh app directory with the given package.json (none for `undefined`) and, optionally, a tsconfig.json. */
function app(manifest: Record<string, unknown> | undefined, tsconfig: boolean): string {
  const dir = join(scratch, `app-${++apps}`);
  mkdirSync(dir);
  if (manifest !== undefined) {
    writeFileSync(join(dir, "package.json"), JSON.stringify(manifest));
  }
  if (tsconfig) {
    writeFileSync(join(dir, "tsconfig.json"), "{}\n");
  }
  return dir;
}

function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), "utf8");
}

/** Lines of `text`, trimmed, so a test can ask for whole lines. */
function lines(text: string): string[] {
  return text.split("\n").map((l) => l.trim());
}

describe("logwire init: the files", () => {
  test("TypeScript ESM app: target=ts, package from the package.json name", async () => {
    const dir = app({ name: "@acme/Billing-API", type: "module" }, true);
    const result = await runInit(dir, {});
    assert.deepEqual(result.written, ["buf.yaml", "buf.gen.yaml", "proto/billing_api/v1/app_log.proto"]);

    const bufYaml = lines(read(dir, "buf.yaml"));
    for (const line of ["version: v2", "- path: proto", "- path: node_modules/logwire/proto", "- STANDARD", "- WIRE"]) {
      assert.ok(bufYaml.includes(line), `buf.yaml has ${line}`);
    }
    const genYaml = lines(read(dir, "buf.gen.yaml"));
    for (const line of ["version: v2", "- directory: proto", "- local: node_modules/.bin/protoc-gen-es", "- local: node_modules/.bin/protoc-gen-logwire", "include_imports: true", "strategy: all"]) {
      assert.ok(genYaml.includes(line), `buf.gen.yaml has ${line}`);
    }
    assert.equal(genYaml.filter((l) => l === "opt: target=ts,import_extension=js").length, 2);
    assert.equal(genYaml.filter((l) => l === "out: src/gen").length, 2);
    assert.ok(!read(dir, "buf.gen.yaml").includes("legacy_commonjs"));

    const proto = lines(read(dir, "proto/billing_api/v1/app_log.proto"));
    for (const line of [
      "package billing_api.v1;",
      'import "logwire/v1/options.proto";',
      'import "google/protobuf/timestamp.proto";',
      'option (logwire.v1.log) = {topic: "billing_api.app-logs"};',
      "string request_id = 4 [(logwire.v1.field).key = true];",
      "string user_email = 5 [(logwire.v1.field).redact = REDACTION_HASH];",
      "LEVEL_UNSPECIFIED = 0;",
      "google.protobuf.Timestamp time = 1;",
    ]) {
      assert.ok(proto.includes(line), `app_log.proto has ${line}`);
    }
  });

  const variants = [
    { name: "plain-JS ESM app: JavaScript with .d.ts", manifest: { name: "shop", type: "module" }, tsconfig: false, opt: "target=js+dts,import_extension=js" },
    { name: "CommonJS JS app: require() output", manifest: { name: "shop" }, tsconfig: false, opt: "target=js+dts,import_extension=js,js_import_style=legacy_commonjs" },
    { name: "CommonJS TypeScript app", manifest: { name: "shop", type: "commonjs" }, tsconfig: true, opt: "target=ts,import_extension=js,js_import_style=legacy_commonjs" },
  ];
  for (const v of variants) {
    test(v.name, async () => {
      const dir = app(v.manifest, v.tsconfig);
      await runInit(dir, {});
      assert.equal(lines(read(dir, "buf.gen.yaml")).filter((l) => l === `opt: ${v.opt}`).length, 2);
      assert.ok(lines(read(dir, "proto/shop/v1/app_log.proto")).includes("package shop.v1;"));
    });
  }

  test("no package.json: app.v1, CommonJS JavaScript", async () => {
    const dir = app(undefined, false);
    const result = await runInit(dir, {});
    assert.deepEqual(result.settings, { out: "src/gen", target: "js", module: "commonjs", protoPackage: "app.v1" });
    assert.ok(lines(read(dir, "proto/app/v1/app_log.proto")).includes('option (logwire.v1.log) = {topic: "app.app-logs"};'));
  });

  test("flags override what the app suggests", async () => {
    const dir = app({ name: "shop" }, false);
    await runInit(dir, { out: "lib/gen/", target: "ts", module: "esm", package: "acme.billing.v1" });
    const genYaml = lines(read(dir, "buf.gen.yaml"));
    assert.equal(genYaml.filter((l) => l === "opt: target=ts,import_extension=js").length, 2);
    assert.equal(genYaml.filter((l) => l === "out: lib/gen").length, 2);
    const proto = lines(read(dir, "proto/acme/billing/v1/app_log.proto"));
    assert.ok(proto.includes("package acme.billing.v1;"));
    assert.ok(proto.includes('option (logwire.v1.log) = {topic: "acme.billing.app-logs"};'));
  });

  test("a --package buf's lint would reject, or an absolute --out, is an invalid option", async () => {
    const dir = app({ name: "shop" }, false);
    for (const [options, path] of [
      [{ package: "Shop.V1" }, "--package"],
      [{ package: "shop" }, "--package"],
      [{ package: "shop.one" }, "--package"],
      [{ out: "/abs/gen" }, "--out"],
    ] as const) {
      await assert.rejects(runInit(dir, options), (error: unknown) => isLogwireError(error) && error.code === "invalid_option" && error.path === path);
    }
    assert.ok(!existsSync(join(dir, "buf.yaml")));
  });
});

describe("logwire init: the command", () => {
  test("refuses to overwrite without --force and writes nothing; --force overwrites", async () => {
    const dir = app({ name: "shop", type: "module" }, true);
    writeFileSync(join(dir, "buf.yaml"), "# mine\n");
    const refused = await runCli(["init", dir], { entry: "src/cli/main.ts" });
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(refused.stderr, `logwire: [invalid_option] buf.yaml already exists in ${dir}; nothing was written: rerun with --force to overwrite them\n`);
    assert.equal(read(dir, "buf.yaml"), "# mine\n");
    assert.ok(!existsSync(join(dir, "buf.gen.yaml")));
    assert.ok(!existsSync(join(dir, "proto")));

    const forced = await runCli(["init", dir, "--force"], { entry: "src/cli/main.ts" });
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(lines(read(dir, "buf.yaml")).includes("- path: node_modules/logwire/proto"));
    const out = lines(forced.stdout);
    assert.equal(out[0], "wrote buf.yaml, buf.gen.yaml, proto/shop/v1/app_log.proto");
    assert.ok(out.includes("npx buf generate"));
    assert.ok(out.includes('import { AppEventLog } from "./src/gen/shop/v1/app_log_logwire.js";'));
    assert.ok(out.includes('logs.emitter(AppEventLog).emit({ level: Level.INFO, message: "signed in", requestId: "r-1", userEmail: "ada@example.com" });'));
    assert.ok(out.includes("await logs.close(); // flushes: nothing emitted is lost"));
  });

  test("a bad --target is a usage error", async () => {
    const run = await runCli(["init", app(undefined, false), "--target", "python"], { entry: "src/cli/main.ts" });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /argument 'python' is invalid\. Allowed choices are ts, js/);
  });
});

/**
 * An app as `npm i logwire` and the dev dependencies leave it: logwire's
 * package.json, options.proto and the vendored buf/validate/validate.proto
 * (nothing else of proto/, as in the packed package), its sources linked for the generated code's imports,
 * protoc-gen-es from this repository, and protoc-gen-logwire as a shim that
 * runs the plugin's sources through tsx.
 */
function installedApp(manifest: Record<string, unknown>, tsconfig: boolean): string {
  const dir = app(manifest, tsconfig);
  const logwire = join(dir, "node_modules/logwire");
  mkdirSync(join(logwire, "proto/logwire/v1"), { recursive: true });
  copyFileSync(join(REPO_ROOT, "proto/logwire/v1/options.proto"), join(logwire, "proto/logwire/v1/options.proto"));
  mkdirSync(join(logwire, "proto/buf/validate"), { recursive: true });
  copyFileSync(join(REPO_ROOT, "proto/buf/validate/validate.proto"), join(logwire, "proto/buf/validate/validate.proto"));
  copyFileSync(join(REPO_ROOT, "package.json"), join(logwire, "package.json"));
  symlinkSync(join(REPO_ROOT, "src"), join(logwire, "src"));
  symlinkSync(join(REPO_ROOT, "node_modules/@bufbuild"), join(dir, "node_modules/@bufbuild"));
  const bin = join(dir, "node_modules/.bin");
  mkdirSync(bin);
  symlinkSync(join(REPO_ROOT, "node_modules/.bin/protoc-gen-es"), join(bin, "protoc-gen-es"));
  const tsx = import.meta.resolve("tsx");
  writeFileSync(
    join(bin, "protoc-gen-logwire"),
    `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${join(REPO_ROOT, "src/codegen/bin.ts")}" "$@"\n`,
  );
  chmodSync(join(bin, "protoc-gen-logwire"), 0o755);
  return dir;
}

function buf(dir: string, args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(BUF, args, { cwd: dir, timeout: 120_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, output: stdout + stderr });
    });
  });
}

describe("logwire init, then buf", () => {
  test("TypeScript ESM: buf lint passes, buf generate writes both modules, check would find AppEventLog", async () => {
    const dir = installedApp({ name: "myapp", type: "module" }, true);
    await runInit(dir, {});
    const lint = await buf(dir, ["lint"]);
    assert.equal(lint.code, 0, lint.output);
    const generate = await buf(dir, ["generate"]);
    assert.equal(generate.code, 0, generate.output);
    for (const file of ["myapp/v1/app_log_pb.ts", "myapp/v1/app_log_logwire.ts", "logwire/v1/options_pb.ts"]) {
      assert.ok(existsSync(join(dir, "src/gen", file)), `src/gen/${file} was generated`);
    }
    assert.ok(read(dir, "src/gen/myapp/v1/app_log_logwire.ts").includes('from "./app_log_pb.js";'));

    const [descriptor, ...others] = await loadLogDescriptors(join(dir, "src/gen"));
    assert.equal(others.length, 0);
    assert.equal(descriptor!.typeName, "myapp.v1.AppEvent");
    assert.equal(descriptor!.topic, "myapp.app-logs");
    assert.equal(descriptor!.subject, "myapp.app-logs-value");
    assert.equal(descriptor!.key?.({ requestId: "r-1" } as never), "r-1");
  });

  test("a schema with buf.validate rules and trace fields: the imports resolve from the installed package, as options.proto's do", async () => {
    const dir = installedApp({ name: "myapp", type: "module" }, true);
    await runInit(dir, {});
    writeFileSync(
      join(dir, "proto/myapp/v1/order_log.proto"),
      `syntax = "proto3";

// An order log whose rules are checked at emit().
package myapp.v1;

import "buf/validate/validate.proto";
import "logwire/v1/options.proto";

// One order event.
message OrderEvent {
  option (logwire.v1.log) = {
    topic: "myapp.orders"
    validate: true
  };

  string order_id = 1 [(buf.validate.field).string.min_len = 3];
  string trace_id = 2 [(logwire.v1.field).trace_id = true];
}
`,
    );
    const lint = await buf(dir, ["lint"]);
    assert.equal(lint.code, 0, lint.output);
    const generate = await buf(dir, ["generate"]);
    assert.equal(generate.code, 0, generate.output);
    assert.ok(existsSync(join(dir, "src/gen/buf/validate/validate_pb.ts")), "include_imports writes the rules' code, as it writes options_pb.ts");
    const descriptors = await loadLogDescriptors(join(dir, "src/gen"));
    const order = descriptors.find((d) => d.typeName === "myapp.v1.OrderEvent");
    assert.ok(order);
    assert.equal(order.validate, true);
    assert.deepEqual(order.traceFields, [{ path: ["traceId"], part: "traceId", bytes: false }]);
  });

  test("CommonJS JavaScript: buf generate writes require() code with .d.ts", async () => {
    const dir = installedApp({ name: "myapp" }, false);
    await runInit(dir, {});
    const generate = await buf(dir, ["generate"]);
    assert.equal(generate.code, 0, generate.output);
    for (const file of ["app_log_pb.js", "app_log_pb.d.ts", "app_log_logwire.js", "app_log_logwire.d.ts"]) {
      assert.ok(existsSync(join(dir, "src/gen/myapp/v1", file)), `src/gen/myapp/v1/${file} was generated`);
    }
    assert.ok(read(dir, "src/gen/myapp/v1/app_log_logwire.js").includes('require("./app_log_pb.js")'));
  });
});
