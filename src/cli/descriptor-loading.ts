import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { isLogDescriptor } from "../runtime/registry/log-descriptor.ts";
import type { LogDescriptor } from "../runtime/registry/log-descriptor.ts";
import { createGeneratedModuleImport } from "./generated-module-import.ts";
import type { GeneratedModuleImport } from "./generated-module-import.ts";

/** Extensions of generated modules, most preferred first: compiled JavaScript runs on plain Node. */
const MODULE_EXTENSIONS = [".js", ".mjs", ".ts"] as const;

/**
 * Finds every generated log type: imports each `*_logwire.js` (or `.mjs`,
 * `.ts`) module under `dir` and keeps the exports that pass `isLogDescriptor`.
 * Generated code is the source of truth for subjects and registered schemas,
 * so `check` and `register` see exactly what the pipeline would register.
 *
 * Where a module exists both as `.js` and `.ts` (code compiled next to its
 * source) only the `.js` is imported. `.ts` modules go through
 * `createGeneratedModuleImport`, which falls back to the project's tsx when
 * Node cannot run them. The result is sorted by subject and deduplicated by
 * subject + type name (a module may re-export another's descriptor).
 */
export async function loadLogDescriptors(dir: string, importModule: GeneratedModuleImport = createGeneratedModuleImport()): Promise<LogDescriptor[]> {
  const root = resolve(dir);
  let files: string[];
  try {
    files = preferJavaScript(await findGeneratedModules(root));
  } catch (cause) {
    throw new LogwireError(ErrorCode.InvalidOption, `cannot read the generated code directory ${root}: ${(cause as Error).message}`, {
      path: "--gen",
      fix: "run buf generate first, or point --gen at the directory holding the *_logwire.ts (or .js) files",
      cause,
    });
  }
  if (files.length === 0) {
    throw new LogwireError(ErrorCode.InvalidOption, `no *_logwire.ts modules under ${root}, nor .js or .mjs ones`, {
      path: "--gen",
      fix: "run buf generate (protoc-gen-logwire writes them into the plugin's out directory), or pass --gen <dir>",
    });
  }
  const found = new Map<string, LogDescriptor>();
  for (const file of files) {
    const module = await importModule(file);
    for (const value of Object.values(module)) {
      if (isLogDescriptor(value)) {
        found.set(`${value.subject}\u0000${value.typeName}`, value);
      }
    }
  }
  return [...found.values()].sort((a, b) => a.subject.localeCompare(b.subject) || a.typeName.localeCompare(b.typeName));
}

async function findGeneratedModules(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) {
        out.push(...(await findGeneratedModules(path)));
      }
    } else if (/_logwire\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
      out.push(path);
    }
  }
  return out.sort();
}

/** One file per module path: the first of MODULE_EXTENSIONS that exists. */
function preferJavaScript(files: readonly string[]): string[] {
  const byStem = new Map<string, string>();
  const rank = (file: string) => MODULE_EXTENSIONS.findIndex((ext) => file.endsWith(ext));
  for (const file of files) {
    const stem = file.slice(0, file.lastIndexOf("."));
    const kept = byStem.get(stem);
    if (kept === undefined || rank(file) < rank(kept)) {
      byStem.set(stem, file);
    }
  }
  return [...byStem.values()].sort();
}
