import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { loadLogDescriptors } from "../../src/cli/descriptor-loading.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";

// `check` and `register` import generated modules. This file runs under tsx,
// which imports any `.ts`; the compiled CLI runs on plain node, which cannot
// import protoc-gen-es's TypeScript (`enum`s, `.js` imports of `.ts` files).
// So the plain-node cases run the loader compiled to JavaScript in a child
// `node` without tsx, in a project with or without its own tsx.

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const scratch = mkdtempSync(join(tmpdir(), "logwire-descriptor-loading-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A module exporting what `isLogDescriptor` accepts, and only the fields the loader reads. */
function fakeDescriptor(name: string, subject: string, typeScript = false): string {
  const type = typeScript ? ": { kind: \"logwire.log/v3\"; typeName: string; subject: string; validate: boolean; traceFields: never[] }" : "";
  return `export const ${name}${type} = { kind: "logwire.log/v3", typeName: "fake.v1.${name}", subject: ${JSON.stringify(subject)}, validate: false, traceFields: [] };\n`;
}

function dirWith(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  for (const [path, content] of Object.entries({ "package.json": '{ "type": "module" }\n', ...files })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe("loadLogDescriptors, in process", () => {
  test("imports .js, .mjs and .ts modules and skips .d.ts", async () => {
    const dir = dirWith("mixed", {
      "gen/a/v1/a_logwire.js": fakeDescriptor("ALog", "a-value"),
      "gen/a/v1/a_logwire.d.ts": "export declare const ALog: unknown;\n",
      "gen/b/v1/b_logwire.ts": fakeDescriptor("BLog", "b-value", true),
      "gen/c/v1/c_logwire.mjs": fakeDescriptor("CLog", "c-value") + 'export { ALog } from "../../a/v1/a_logwire.js";\n',
    });
    const found = await loadLogDescriptors(join(dir, "gen"));
    assert.deepEqual(
      found.map((d) => [d.typeName, d.subject]),
      [
        ["fake.v1.ALog", "a-value"],
        ["fake.v1.BLog", "b-value"],
        ["fake.v1.CLog", "c-value"],
      ],
    );
  });

  test("a directory without generated modules is an invalid --gen", async () => {
    const dir = dirWith("empty", { "gen/readme.txt": "nothing\n" });
    await assert.rejects(loadLogDescriptors(join(dir, "gen")), (error: unknown) => {
      assert.ok(isLogwireError(error));
      assert.equal(error.path, "--gen");
      assert.match(error.message, /no \*_logwire\.ts modules under .*, nor \.js or \.mjs ones/);
      return true;
    });
  });
});

describe("loadLogDescriptors, compiled, on plain node", () => {
  let loaderUrl = "";
  before(() => {
    loaderUrl = pathToFileURL(compileLoader(join(scratch, "compiled"))).href;
  });

  // protoc-gen-es output: an enum, and `import_extension=js` imports of a `.ts` file.
  const generatedTypeScript = {
    "gen/app/v1/app_pb.ts": "export enum Level { LEVEL_UNSPECIFIED = 0, LEVEL_INFO = 1 }\n",
    "gen/app/v1/app_logwire.ts":
      'import { Level } from "./app_pb.js";\n' +
      `export const AppLog: { kind: "logwire.log/v3"; typeName: string; subject: string; level: Level; validate: boolean; traceFields: never[] } = { kind: "logwire.log/v3", typeName: "app.v1.App", subject: "app.logs-value", level: Level.LEVEL_INFO, validate: false, traceFields: [] };\n`,
    "gen/app/v1/other_logwire.js": fakeDescriptor("OtherLog", "other-value"),
  };

  // Under tsx (the test process) this cannot be seen: tsx resolves a `.js`
  // path to its `.ts` twin.
  test("imports the .js of a module that also exists as .ts, and never the .ts", async () => {
    const project = dirWith("twins", {
      "gen/a_logwire.js": fakeDescriptor("ALog", "a-value"),
      "gen/a_logwire.ts": 'throw new Error("the .ts twin was imported");\n',
    });
    const run = await runLoader(loaderUrl, project);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [["fake.v1.ALog", "a-value", null]]);
  });

  test("without tsx in the project, .ts code fails with the ways out", async () => {
    const project = dirWith("no-tsx", generatedTypeScript);
    const run = await runLoader(loaderUrl, project);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^\[invalid_option\] --gen: cannot import generated TypeScript .*app_logwire\.ts: node cannot run it \(ERR_[A-Z_]+\) and no tsx 4 or later is installed in /m);
    assert.match(run.stderr, /point --gen at compiled JavaScript \(e\.g\. --gen dist\/gen\), generate JavaScript with opt target=js\+dts in buf\.gen\.yaml, or npm i -D tsx$/m);
  });

  test("with tsx in the project, .ts code loads through it", async () => {
    const project = dirWith("with-tsx", generatedTypeScript);
    mkdirSync(join(project, "node_modules"));
    symlinkSync(join(REPO_ROOT, "node_modules/tsx"), join(project, "node_modules/tsx"));
    const run = await runLoader(loaderUrl, project);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [
      ["app.v1.App", "app.logs-value", 1],
      ["fake.v1.OtherLog", "other-value", null],
    ]);
  });

  test("with tsx, code generated with import_extension=ts loads although node refused its enum first", async () => {
    // Node 22.18+ strips the types of app_logwire.ts, then fails on the enum
    // of app_pb.ts and caches that failure; tsx's namespace loads both anew.
    const project = dirWith("ts-extension", {
      "gen/app_pb.ts": "export enum Level { LEVEL_UNSPECIFIED = 0, LEVEL_INFO = 1 }\n",
      "gen/app_logwire.ts":
        'import { Level } from "./app_pb.ts";\n' +
        `export const AppLog: { kind: "logwire.log/v3"; typeName: string; subject: string; level: Level; validate: boolean; traceFields: never[] } = { kind: "logwire.log/v3", typeName: "app.v1.App", subject: "app.logs-value", level: Level.LEVEL_INFO, validate: false, traceFields: [] };\n`,
    });
    mkdirSync(join(project, "node_modules"));
    symlinkSync(join(REPO_ROOT, "node_modules/tsx"), join(project, "node_modules/tsx"));
    const run = await runLoader(loaderUrl, project);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), [["app.v1.App", "app.logs-value", 1]]);
  });

  test("with tsx, a module that throws is reported as stale code, not as missing tsx", async () => {
    const project = dirWith("throws", { "gen/x_logwire.ts": 'throw new Error("half-written");\n' });
    mkdirSync(join(project, "node_modules"));
    symlinkSync(join(REPO_ROOT, "node_modules/tsx"), join(project, "node_modules/tsx"));
    const run = await runLoader(loaderUrl, project);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^\[invalid_option\] --gen: cannot import generated module .*x_logwire\.ts: half-written: regenerate the code with buf generate/m);
  });
});

/**
 * Compiles descriptor-loading.ts and the relative modules it imports,
 * transitively, to ESM JavaScript under `outDir` (as the package build does),
 * and returns the loader's path.
 */
function compileLoader(outDir: string): string {
  const src = join(REPO_ROOT, "src");
  const pending = [join(src, "cli/descriptor-loading.ts")];
  const done = new Set<string>();
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n');
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (done.has(file)) {
      continue;
    }
    done.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, specifier] of source.matchAll(/from "(\.{1,2}\/[^"]+\.ts)"/g)) {
      pending.push(resolve(dirname(file), specifier!));
    }
    const output = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, rewriteRelativeImportExtensions: true, verbatimModuleSyntax: true },
    });
    const target = join(outDir, relative(src, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  return join(outDir, "cli/descriptor-loading.js");
}

/** Runs the compiled loader on `<project>/gen` in a plain `node` started in the project. */
function runLoader(loaderUrl: string, project: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `
    const { loadLogDescriptors } = await import(${JSON.stringify(loaderUrl)});
    try {
      const found = await loadLogDescriptors("gen");
      console.log(JSON.stringify(found.map((d) => [d.typeName, d.subject, d.level ?? null])));
    } catch (error) {
      process.stderr.write(error.message + "\\n");
      process.exitCode = 2;
    }`;
  const env = { ...process.env };
  delete env["NODE_OPTIONS"];
  return new Promise((done) => {
    execFile(process.execPath, ["--input-type=module", "-e", script], { cwd: project, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}
