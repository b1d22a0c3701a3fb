import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { LOGWIRE_PROTO_MODULE, checkProtoPackage, initFiles, protoPackageFromName, starterProtoPath, usageSnippet } from "./init-files.ts";
import type { InitFile, InitSettings } from "./init-files.ts";
import { printLine } from "./output.ts";

interface InitOptions {
  readonly out?: string;
  readonly target?: "ts" | "js";
  readonly module?: "esm" | "commonjs";
  readonly package?: string;
  readonly force?: boolean;
}

export interface InitResult {
  readonly settings: InitSettings;
  /** Relative paths, in the order written. */
  readonly written: readonly string[];
}

/** `logwire init`: buf.yaml, buf.gen.yaml and a starter log schema for an app that installed logwire. */
export function initCommand(): Command {
  return new Command("init")
    .description("write buf.yaml, buf.gen.yaml and a starter log schema, ready for npx buf generate")
    .argument("[dir]", "the app's directory", ".")
    .option("--out <dir>", "where buf generate writes the generated code", "src/gen")
    .addOption(new Option("--target <target>", "generated code: TypeScript, or JavaScript with .d.ts (default: ts when tsconfig.json exists)").choices(["ts", "js"]))
    .addOption(new Option("--module <system>", "module system of generated JavaScript (default: esm when package.json says \"type\": \"module\")").choices(["esm", "commonjs"]))
    .option("--package <name>", "proto package of the starter schema (default: <package.json name>.v1)")
    .option("--force", "overwrite files that exist")
    .addHelpText(
      "after",
      `
buf.yaml makes ${LOGWIRE_PROTO_MODULE} a module of the workspace, so schemas import
logwire/v1/options.proto from the installed package. Both plugins run from node_modules/.bin:
install them first with npm i -D @bufbuild/buf @bufbuild/protoc-gen-es @bufbuild/protoplugin.
Nothing is written if any of the files exists, unless --force is given.

Exit codes:
  0  files written
  2  a file exists (pass --force), or a bad option`,
    )
    .action(async (dir: string, options: InitOptions) => {
      const result = await runInit(dir, options);
      printReport(dir, result);
    });
}

/** Settles the settings from the app and the flags, then writes every file or none. */
export async function runInit(dir: string, options: InitOptions): Promise<InitResult> {
  const root = resolve(dir);
  const settings = await settle(root, options);
  const files = initFiles(settings);
  if (options.force !== true) {
    const existing = files.map((f) => f.path).filter((path) => existsSync(join(root, path)));
    if (existing.length > 0) {
      throw new LogwireError(ErrorCode.InvalidOption, `${existing.join(", ")} already ${existing.length === 1 ? "exists" : "exist"} in ${root}; nothing was written`, {
        fix: "rerun with --force to overwrite them",
      });
    }
  }
  for (const file of files) {
    await write(root, file);
  }
  return { settings, written: files.map((f) => f.path) };
}

async function settle(root: string, options: InitOptions): Promise<InitSettings> {
  const manifest = await readPackageJson(root);
  const out = (options.out ?? "src/gen").split("\\").join("/").replace(/\/+$/, "");
  if (out === "" || isAbsolute(out)) {
    throw new LogwireError(ErrorCode.InvalidOption, `"${options.out}" is not a directory relative to the app`, {
      path: "--out",
      // buf.gen.yaml is committed, and an absolute path is one machine's.
      fix: "pass a relative directory, e.g. --out src/gen",
    });
  }
  return {
    out,
    target: options.target ?? (existsSync(join(root, "tsconfig.json")) ? "ts" : "js"),
    // Node reads .js as CommonJS unless package.json says "type": "module".
    module: options.module ?? (manifest?.["type"] === "module" ? "esm" : "commonjs"),
    protoPackage: options.package === undefined ? protoPackageFromName(manifest?.["name"]) : checkProtoPackage(options.package),
  };
}

async function readPackageJson(root: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, "package.json"), "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch (cause) {
    throw new LogwireError(ErrorCode.InvalidOption, `cannot parse ${join(root, "package.json")}: ${(cause as Error).message}`, {
      path: "package.json",
      fix: "fix the JSON, or pass --module and --package so init need not read it",
      cause,
    });
  }
}

async function write(root: string, file: InitFile): Promise<void> {
  const path = join(root, file.path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, file.content);
}

function printReport(dir: string, result: InitResult): void {
  const { settings } = result;
  const kind = `${settings.target === "ts" ? "TypeScript" : "JavaScript with .d.ts"}, ${settings.module === "esm" ? "ES modules" : "CommonJS"}`;
  const generated = `${settings.out}/${starterProtoPath(settings).replace(/\.proto$/, "")}`;
  const ext = settings.target;
  const lines = [
    `wrote ${result.written.join(", ")}`,
    `generated code: ${kind}, into ${settings.out} (change with --target, --module, --out)`,
    "",
    "next:",
    ...(dir === "." ? [] : [`  cd ${dir}`]),
    "  npx buf generate",
    `    writes ${generated}_pb.${ext} and ${generated}_logwire.${ext}`,
    "  npx logwire dev up --wait",
    "    starts a local Kafka and schema registry (needs Java and Maven), or use your own",
    "  then emit a record:",
    "",
    ...usageSnippet(settings).map((line) => `    ${line}`),
  ];
  if (!existsSync(join(resolve(dir), LOGWIRE_PROTO_MODULE, "logwire/v1/options.proto")) || !existsSync(join(resolve(dir), "node_modules/.bin/protoc-gen-es"))) {
    lines.push("", "before buf generate: npm i logwire @bufbuild/protobuf && npm i -D @bufbuild/buf @bufbuild/protoc-gen-es @bufbuild/protoplugin");
  }
  for (const line of lines) {
    printLine(line);
  }
}
