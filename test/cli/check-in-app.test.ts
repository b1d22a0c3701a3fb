import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { logwirePluginOut, resolveGenDir } from "../../src/cli/buf-gen-out.ts";
import { initFiles } from "../../src/cli/init-files.ts";
import { REGISTRY_URL, runId } from "./support/cli-harness.ts";
import type { CliResult } from "./support/cli-harness.ts";
import { REPO_ROOT } from "./support/fixture-descriptors.ts";

// `logwire register` and `logwire check --against` in an app laid out the way
// `npm i logwire` and `npx logwire init` leave it, run by plain node from the
// compiled package: the schemas import logwire/v1/options.proto from
// node_modules/logwire/proto (not in git), and the generated code is in
// src/gen, found through buf.gen.yaml rather than --gen.
//
// The package is built by tsc into the app's node_modules/logwire/dist (not
// the repo's dist/, which may be stale or rebuilt under us by `npm pack`);
// every other dependency is a symlink into the repo's node_modules, so no
// network install is needed. tsx is left out, so a generated .ts module could
// not be loaded: the app generates JavaScript (no tsconfig.json).

const BUF = join(REPO_ROOT, "node_modules/.bin/buf");
const scratch = mkdtempSync(join(tmpdir(), "logwire-check-app-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.email=test@logwire.invalid", "-c", "user.name=logwire-test", "-c", "commit.gpgsign=false", ...args], { cwd, stdio: "pipe" });
}

/** The environment of a user's shell: no loader, no override of buf, no colours. */
function appEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", LOGWIRE_REGISTRY_URL: REGISTRY_URL };
  delete env["NODE_OPTIONS"];
  delete env["LOGWIRE_BUF"];
  return env;
}

/** `npx logwire <args>` in the app: node runs the package's compiled bin. */
function logwire(app: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(app, "node_modules/.bin/logwire"), ...args], { cwd: app, env: appEnv(), timeout: 60_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function bufGenerate(app: string): void {
  execFileSync(BUF, ["generate"], { cwd: app, env: appEnv(), stdio: "pipe" });
}

/** node_modules as `npm i logwire @bufbuild/protobuf` and the buf devDependencies leave it. */
function installPackages(app: string): void {
  const modules = join(app, "node_modules");
  const pkg = join(modules, "logwire");
  mkdirSync(join(pkg, "proto/logwire/v1"), { recursive: true });
  copyFileSync(join(REPO_ROOT, "package.json"), join(pkg, "package.json"));
  copyFileSync(join(REPO_ROOT, "proto/logwire/v1/options.proto"), join(pkg, "proto/logwire/v1/options.proto"));
  const tsc = join(REPO_ROOT, "node_modules/.bin/tsc");
  try {
    execFileSync(tsc, ["-p", join(REPO_ROOT, "tsconfig.build.json"), "--outDir", join(pkg, "dist")], { cwd: REPO_ROOT, stdio: "pipe" });
  } catch (error) {
    // tsc still emits on type errors (e.g. another file mid-edit); only missing output is fatal.
    if (!existsSync(join(pkg, "dist/src/cli/bin.js"))) {
      throw error;
    }
  }
  for (const name of readdirSync(join(REPO_ROOT, "node_modules"))) {
    if (!name.startsWith(".") && name !== "logwire" && name !== "tsx") {
      symlinkSync(join(REPO_ROOT, "node_modules", name), join(modules, name), "junction");
    }
  }
  const bin = join(modules, ".bin");
  mkdirSync(bin);
  const bins: Record<string, string> = {
    logwire: "../logwire/dist/src/cli/bin.js",
    "protoc-gen-logwire": "../logwire/dist/src/codegen/bin.js",
    "protoc-gen-es": "../@bufbuild/protoc-gen-es/bin/protoc-gen-es",
    buf: "../@bufbuild/buf/bin/buf",
  };
  for (const [name, target] of Object.entries(bins)) {
    symlinkSync(target, join(bin, name));
  }
  // npm marks bin targets executable on install; tsc's output is not.
  chmodSync(join(pkg, "dist/src/cli/bin.js"), 0o755);
  chmodSync(join(pkg, "dist/src/codegen/bin.js"), 0o755);
}

interface JsonSubject {
  subject: string;
  role: string;
  verdict: string;
  registry: string;
  reasons: { kind: string; message: string }[];
  buf: { rule: string; path: string }[];
}

interface JsonReport {
  subjects: JsonSubject[];
  buf: { category?: string; unmatched?: unknown[]; error?: string };
  exitCode: number;
}

describe("logwire check and register in an app set up by logwire init, packaged CLI on plain node", () => {
  const id = runId();
  const protoPackage = `ckapp${id}.v1`;
  const subject = `ckapp${id}.app-logs-value`;
  const app = join(scratch, "app");
  const starter = join(app, `proto/ckapp${id}/v1/app_log.proto`);
  const original = () => readFileSync(starter, "utf8");
  let v1 = "";

  before(() => {
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: `ckapp${id}`, private: true, type: "module" }, null, 2));
    writeFileSync(join(app, ".gitignore"), "node_modules/\n");
    installPackages(app);
    git(app, "init", "-q");
  });

  test("init, buf generate and register v1 (generated code found through buf.gen.yaml)", async () => {
    const init = await logwire(app, ["init", "--package", protoPackage]);
    assert.equal(init.code, 0, init.stdout + init.stderr);
    assert.match(readFileSync(join(app, "buf.yaml"), "utf8"), /- path: node_modules\/logwire\/proto/);
    assert.match(readFileSync(join(app, "buf.gen.yaml"), "utf8"), /target=js\+dts/);
    bufGenerate(app);
    assert.ok(existsSync(join(app, `src/gen/ckapp${id}/v1/app_log_logwire.js`)), "buf generate wrote JavaScript into src/gen");
    assert.ok(!existsSync(join(app, "proto/logwire")), "options.proto is not part of the app's own tree");
    git(app, "add", ".");
    git(app, "commit", "-qm", "v1");
    v1 = original();

    const registered = await logwire(app, ["register"]);
    assert.equal(registered.code, 0, registered.stdout + registered.stderr);
    assert.match(registered.stderr, /loading generated log types from src\/gen \(out: of protoc-gen-logwire in buf\.gen\.yaml\)/);
    assert.match(registered.stdout, new RegExp(`^${subject.replace(/\./g, "\\.")} -> id \\d+, version 1 \\(ckapp${id}\\.v1\\.AppEvent\\)$`, "m"));
  });

  test("unchanged schema: exit 0, buf breaking (WIRE) against HEAD compiles the import from node_modules", async () => {
    const result = await logwire(app, ["check", "--json", "--against", "HEAD"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.buf.category, "WIRE", JSON.stringify(report.buf));
    assert.deepEqual(report.buf.unmatched, []);
    assert.equal(report.subjects.find((s) => s.subject === subject)?.registry, "unchanged");
  });

  test("a field added: compatible, exit 0", async () => {
    writeFileSync(starter, v1.replace("map<string, string> attributes = 6;", "map<string, string> attributes = 6;\n  string region = 7;"));
    bufGenerate(app);
    const result = await logwire(app, ["check", "--json", "--against", "HEAD"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.buf.category, "WIRE");
    const log = report.subjects.find((s) => s.subject === subject);
    assert.equal(log?.registry, "compatible", result.stdout);
    assert.deepEqual(log.buf, []);
    assert.ok(log.reasons.some((r) => r.kind === "field-added"), JSON.stringify(log.reasons));
  });

  test("a field's type changed (string -> int64): incompatible for the registry and buf, exit 1", async () => {
    writeFileSync(starter, v1.replace("string message = 3;", "int64 message = 3;"));
    bufGenerate(app);
    const result = await logwire(app, ["check", "--json", "--against", "HEAD"]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    const log = report.subjects.find((s) => s.subject === subject);
    assert.equal(log?.registry, "incompatible", result.stdout);
    assert.deepEqual(log.buf.map((f) => f.rule), ["FIELD_WIRE_COMPATIBLE_TYPE"]);
    assert.equal(log.buf[0]?.path, `proto/ckapp${id}/v1/app_log.proto`, "buf's path is given relative to the repository");
    assert.ok(log.reasons.some((r) => r.kind === "field-type-changed"), JSON.stringify(log.reasons));

    const text = await logwire(app, ["check", "--against", "HEAD"]);
    assert.equal(text.code, 1, text.stdout + text.stderr);
    assert.match(text.stdout, /buf breaking \(WIRE\) against HEAD \(\w+\): 1 breaking change\(s\)/);
  });

  test("a field deleted without reserved: incompatible, exit 1", async () => {
    writeFileSync(starter, v1.replace(/^\s*string user_email = 5 .*\n/m, ""));
    assert.doesNotMatch(original(), /user_email = 5/);
    bufGenerate(app);
    const result = await logwire(app, ["check", "--json", "--against", "HEAD"]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const log = (JSON.parse(result.stdout) as JsonReport).subjects.find((s) => s.subject === subject);
    assert.equal(log?.verdict, "incompatible", result.stdout);
    assert.deepEqual(log.buf.map((f) => f.rule), ["FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"]);
  });

  test("--gen still overrides buf.gen.yaml", async () => {
    const result = await logwire(app, ["check", "--gen", "proto"]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /no \*_logwire\.ts modules under .*\/proto/);
  });
});

describe("the --gen default: out: of protoc-gen-logwire in buf.gen.yaml", () => {
  test("the buf.gen.yaml logwire init writes, for any --out", () => {
    for (const out of ["src/gen", "gen/logs"]) {
      const file = initFiles({ out, target: "js", module: "esm", protoPackage: "x.v1" }).find((f) => f.path === "buf.gen.yaml");
      assert.equal(logwirePluginOut(file!.content), out);
    }
  });

  test("local: as a flow list, a block list, quoted values, comments and dashes at column 0", () => {
    const flow = `version: v2\nplugins:\n  - local: protoc-gen-es\n    out: es\n  - local: ["node", "node_modules/.bin/protoc-gen-logwire"] # run by node\n    out: "gen/a" # here\n`;
    assert.equal(logwirePluginOut(flow), "gen/a");
    const block = `version: v2\nplugins:\n- local:\n  - node\n  - ./node_modules/logwire/dist/src/codegen/../../../.bin/protoc-gen-logwire\n  out: 'gen/b'\n  strategy: all\ninputs:\n  - directory: proto\n`;
    assert.equal(logwirePluginOut(block), "gen/b");
    const v1Style = `version: v1\nplugins:\n  - plugin: logwire\n    out: gen/c\n    opt: target=ts\n`;
    assert.equal(logwirePluginOut(v1Style), "gen/c");
  });

  test("no logwire plugin (the logwire repo's own buf.gen.yaml runs it through node): undefined", () => {
    assert.equal(logwirePluginOut(readFileSync(join(REPO_ROOT, "buf.gen.yaml"), "utf8")), undefined);
    assert.equal(logwirePluginOut("version: v2\nplugins:\n  - local: protoc-gen-es\n    out: es\n"), undefined);
    assert.equal(logwirePluginOut("version: v2\n"), undefined);
  });

  test("resolveGenDir: --gen first, then buf.gen.yaml, then the fallback", () => {
    const dir = mkdtempSync(join(scratch, "gen-dir-"));
    assert.deepEqual(resolveGenDir(undefined, dir), { dir: "proto", from: "default" });
    writeFileSync(join(dir, "buf.gen.yaml"), "version: v2\nplugins:\n  - local: node_modules/.bin/protoc-gen-logwire\n    out: src/gen\n");
    assert.deepEqual(resolveGenDir(undefined, dir), { dir: "src/gen", from: "buf.gen.yaml" });
    assert.deepEqual(resolveGenDir("elsewhere", dir), { dir: "elsewhere", from: "--gen" });
    assert.deepEqual(resolveGenDir(undefined, join(dir, "missing"), "schemas"), { dir: "schemas", from: "default" });
  });
});
