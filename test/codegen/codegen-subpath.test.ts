import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { GeneratedFile } from "@bufbuild/protoplugin";
import { protocGenLogwire } from "../../src/codegen/logwire-plugin.ts";
import { importRuntime } from "../../src/codegen/runtime-imports.ts";
import { codegenModule, symbols } from "../../src/runtime/codegenv1/symbols.ts";
import { buildEncoderFixtureImage } from "../encoder/fixture-image.ts";
import { bareImportsReached, importsOf } from "./import-graph.ts";
import { buildFixtureImage, DEFAULT_PARAMETER, REPO, runPlugin } from "./plugin-harness.ts";
import { installSourcePackage } from "./source-package.ts";

// logwire/codegenv1, the subpath generated code imports from: its exports
// are exactly the runtime symbol table the plugin imports through, generated
// code imports nothing else from logwire, and loading it loads no Kafka
// client, metrics library or compression codec.

const CODEGENV1 = join(REPO, "src", "runtime", "codegenv1", "index.ts");
const SOURCES_OF_CODEGEN = join(REPO, "src", "codegen");

/** Packages a generated module must never load: the producer, metrics, codecs. */
const FORBIDDEN = ["kafkajs", "prom-client", "snappy", "@node-rs/crc32", "lz4-napi", "zstd-napi", "@kafkajs/confluent-schema-registry", "protobufjs", "commander"];

const tableEntries = (): [string, boolean][] => Object.entries(symbols).map(([name, info]) => [name, info.typeOnly]);
const byName = (a: [string, boolean], b: [string, boolean]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function filesUnder(dir: string, test: (name: string) => boolean): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The committed generated modules. */
const committedModules = (): string[] => filesUnder(join(REPO, "proto"), (name) => name.endsWith("_logwire.ts"));

describe("logwire/codegenv1 and the runtime symbol table", () => {
  it("exports exactly the table's names, by name, types with export type", () => {
    const exported: [string, boolean][] = importsOf(CODEGENV1, readFileSync(CODEGENV1, "utf8")).flatMap((i) => i.names.map((n): [string, boolean] => [n.name, n.typeOnly]));
    assert.ok(!exported.some(([name]) => name === "*"), "no export *");
    assert.equal(new Set(exported.map(([name]) => name)).size, exported.length, "each name exported once");
    assert.deepEqual(exported.sort(byName), tableEntries().sort(byName));
  });

  it("exports each name from the runtime file the table names (the file src/codegen/bootstrap/ imports it from)", () => {
    const wrong: string[] = [];
    for (const { specifier, names } of importsOf(CODEGENV1, readFileSync(CODEGENV1, "utf8"))) {
      for (const { name } of names) {
        const from = (symbols as Record<string, { from: string } | undefined>)[name]?.from;
        if (specifier !== `../${from}`) wrong.push(`${name}: exported from ${specifier}, the table says ${from}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it("the module's values at run time are the table's non-type names", async () => {
    const mod = (await import(CODEGENV1)) as Record<string, unknown>;
    const values = tableEntries().filter(([, typeOnly]) => !typeOnly).map(([name]) => name);
    assert.deepEqual(Object.keys(mod).sort(), values.sort());
    for (const name of values) assert.notEqual(mod[name], undefined, `${name} is undefined`);
  });

  it("is the default runtime= module", () => {
    assert.equal(codegenModule, "logwire/codegenv1");
  });

  it("importRuntime imports table names, type-only as the table says, and throws on any other name", () => {
    const calls: unknown[][] = [];
    const f = { import: (...args: unknown[]) => (calls.push(args), { kind: "es_symbol" }) } as unknown as GeneratedFile;
    importRuntime(f, "logwire/codegenv1", "LogDescriptor");
    importRuntime(f, "@acme/logwire", "writeInt32");
    assert.deepEqual(calls, [
      ["LogDescriptor", "logwire/codegenv1", true],
      ["writeInt32", "@acme/logwire", false],
    ]);
    for (const name of ["createPipeline", "encoderFallbackCount", "toString", "constructor"]) {
      assert.throws(() => importRuntime(f, "logwire/codegenv1", name), { message: new RegExp(`"${name}" is not a runtime symbol`) });
    }
  });

  it("the plugin's sources import from the runtime= module only through importRuntime", () => {
    const offenders: string[] = [];
    for (const file of filesUnder(SOURCES_OF_CODEGEN, (name) => name.endsWith(".ts"))) {
      if (file.endsWith("runtime-imports.ts")) continue;
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/\.import\([^)]*\bruntime\b/.test(line)) offenders.push(`${relative(REPO, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(offenders, []);
  });

  describe("generated modules import only table names from logwire/codegenv1", () => {
    const generated = new Map<string, string>();
    before(() => {
      for (const file of committedModules()) generated.set(relative(REPO, file), readFileSync(file, "utf8"));
      const fixtures = runPlugin(buildFixtureImage(), ["good/features.proto"], DEFAULT_PARAMETER, protocGenLogwire);
      const encoder = runPlugin(buildEncoderFixtureImage(), ["golden/v1/golden.proto", "wkt/v1/wkt.proto", "chain/v1/event.proto", "chain/v1/mid.proto", "chain/v1/leaf.proto"], DEFAULT_PARAMETER, protocGenLogwire);
      for (const [name, content] of [...fixtures, ...encoder]) generated.set(name, content);
    });

    it("covers the committed modules and the fixtures", () => {
      assert.ok(generated.size >= 10, `only ${generated.size} modules`);
    });

    it("each import of logwire names a table symbol, type-only exactly for types", () => {
      const problems: string[] = [];
      const seen = new Set<string>();
      for (const [name, content] of generated) {
        for (const imp of importsOf(name, content)) {
          if (!/^logwire(\/|$)/.test(imp.specifier)) continue;
          if (imp.specifier !== codegenModule) problems.push(`${name}: imports from "${imp.specifier}"`);
          for (const { name: symbol, typeOnly } of imp.names) {
            seen.add(symbol);
            const info = (symbols as Record<string, { typeOnly: boolean }>)[symbol];
            if (!Object.prototype.hasOwnProperty.call(symbols, symbol) || info === undefined) problems.push(`${name}: ${symbol} is not in the table`);
            else if (info.typeOnly !== typeOnly) problems.push(`${name}: ${symbol} imported ${typeOnly ? "type-only" : "as a value"}`);
          }
        }
      }
      assert.deepEqual(problems, []);
      assert.ok(seen.has("LogDescriptor") && seen.has("encodeWith") && seen.has("check$google$protobuf$Timestamp"), "the modules import from the runtime");
    });
  });
});

describe("importing generated code has no side effects", () => {
  const followCodegenv1 = (specifier: string): string | undefined => (specifier === codegenModule ? CODEGENV1 : undefined);

  it("logwire/codegenv1's import graph reaches @bufbuild/protobuf and node:crypto only", () => {
    const bare = bareImportsReached(CODEGENV1);
    assert.deepEqual([...bare.keys()].sort(), ["@bufbuild/protobuf", "@bufbuild/protobuf/wkt", "node:crypto"]);
  });

  it("so do the committed generated modules', through logwire/codegenv1", () => {
    for (const file of committedModules()) {
      const bare = bareImportsReached(file, followCodegenv1);
      const reached = [...bare.keys()];
      assert.deepEqual(reached.filter((s) => FORBIDDEN.some((f) => s === f || s.startsWith(`${f}/`))), [], relative(REPO, file));
      assert.deepEqual(reached.filter((s) => !/^(@bufbuild\/protobuf(\/(codegenv2|wkt))?|node:crypto)$/.test(s)), [], `${relative(REPO, file)} reaches other packages`);
    }
  });

  describe("in node", () => {
    let dir: string;
    /** What loading `module` from the temporary app leaves in the CommonJS module cache (where kafkajs, prom-client and the codecs land). */
    let loadedBy: (module: string) => string[];
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "logwire-side-effects-"));
      mkdirSync(join(dir, "node_modules", "@bufbuild"), { recursive: true });
      symlinkSync(join(REPO, "node_modules", "@bufbuild", "protobuf"), join(dir, "node_modules", "@bufbuild", "protobuf"));
      installSourcePackage(join(dir, "node_modules"));
      cpSync(join(REPO, "proto"), join(dir, "proto"), { recursive: true, filter: (src) => !/\.(js|map|d\.ts)$/.test(src) });
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
      writeFileSync(
        join(dir, "probe.mjs"),
        'import { createRequire } from "node:module";\nawait import(process.argv[2]);\nprocess.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));\n',
      );
      const tsx = fileURLToPath(import.meta.resolve("tsx"));
      loadedBy = (module) => {
        const out = execFileSync(process.execPath, ["--import", tsx, "probe.mjs", module], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return (JSON.parse(out) as string[]).map((path) => relative(dir, path));
      };
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    const forbiddenIn = (loaded: string[]): string[] => FORBIDDEN.filter((pkg) => loaded.some((path) => path.includes(`node_modules/${pkg}/`)));

    it("importing a generated module loads none of kafkajs, prom-client, the codecs", () => {
      for (const module of ["./proto/example/payments/v1/audit_logwire.ts", "./proto/logwire/test/v1/all_kinds_logwire.ts", "logwire/codegenv1"]) {
        assert.deepEqual(forbiddenIn(loadedBy(module)), [], module);
      }
    });

    it("the probe sees them when they load", () => {
      const kafkajs = pathToFileURL(createRequire(import.meta.url).resolve("kafkajs")).href;
      assert.deepEqual(forbiddenIn(loadedBy(kafkajs)), ["kafkajs"]);
    });
  });
});
