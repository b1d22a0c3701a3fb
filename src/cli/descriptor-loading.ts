import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { isLogDescriptor } from "../runtime/log-descriptor.ts";
import type { LogDescriptor } from "../runtime/log-descriptor.ts";

/**
 * Finds every generated log type: imports each `*_logwire.ts` (or `.js`)
 * module under `dir` and keeps the exports that pass `isLogDescriptor`.
 * Generated code is the source of truth for subjects and registered schemas,
 * so `check` and `register` see exactly what the pipeline would register.
 *
 * The CLI runs under tsx, so `.ts` modules import directly. The result is
 * sorted by subject and deduplicated by subject + type name (a module may
 * re-export another's descriptor).
 */
export async function loadLogDescriptors(dir: string): Promise<LogDescriptor[]> {
  const root = resolve(dir);
  let files: string[];
  try {
    files = await findGeneratedModules(root);
  } catch (cause) {
    throw new LogwireError(ErrorCode.InvalidOption, `cannot read the generated code directory ${root}: ${(cause as Error).message}`, {
      path: "--gen",
      fix: "run buf generate first, or point --gen at the directory holding the *_logwire.ts files",
      cause,
    });
  }
  if (files.length === 0) {
    throw new LogwireError(ErrorCode.InvalidOption, `no *_logwire.ts modules under ${root}`, {
      path: "--gen",
      fix: "run buf generate (protoc-gen-logwire writes them next to the .proto files), or pass --gen <dir>",
    });
  }
  const found = new Map<string, LogDescriptor>();
  for (const file of files) {
    let module: Record<string, unknown>;
    try {
      module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (cause) {
      throw new LogwireError(ErrorCode.InvalidOption, `cannot import generated module ${file}: ${(cause as Error).message}`, {
        path: "--gen",
        fix: "regenerate the code with buf generate; it may be stale or half-written",
        cause,
      });
    }
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
