import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";

/** Imports one generated module by absolute path and returns its exports. */
export type GeneratedModuleImport = (file: string) => Promise<Record<string, unknown>>;

/** `import()` scoped to a tsx namespace, as tsx's `register({ namespace })` returns it. */
type ScopedImport = (specifier: string, parentUrl: string) => Promise<unknown>;

/**
 * Imports generated code the way a compiled CLI on plain Node can.
 *
 * JavaScript is imported directly. TypeScript is imported directly too, which
 * works when a loader is already active (the CLI run through tsx) or when
 * Node can strip the types itself. It fails when Node has no type stripping
 * (unknown extension `.ts`), when the code uses syntax stripping cannot
 * erase (protoc-gen-es writes `enum`s), or when a `.js` import names a file
 * that exists only as `.ts` (`import_extension=js`). Then the tsx installed
 * in the user's project (`projectDir`, the working directory by default) is
 * registered in its own namespace, so the CLI's own modules are untouched,
 * and this and every later `.ts` module are imported through it. Without
 * tsx the error says how to get JavaScript instead.
 */
export function createGeneratedModuleImport(projectDir: string = process.cwd()): GeneratedModuleImport {
  let viaTsx: ScopedImport | undefined;
  return async (file) => {
    const url = pathToFileURL(file).href;
    if (!isTypeScript(file)) {
      return importOrExplain(file, () => import(url));
    }
    if (viaTsx === undefined) {
      try {
        return (await import(url)) as Record<string, unknown>;
      } catch (cause) {
        if (!needsTypeScriptLoader(cause)) {
          throw importFailed(file, cause);
        }
        viaTsx = await registerProjectTsx(projectDir, file, cause);
      }
    }
    const scoped = viaTsx;
    return importOrExplain(file, () => scoped(url, import.meta.url));
  };
}

function isTypeScript(file: string): boolean {
  return /\.[cm]?ts$/.test(file) && !/\.d\.[cm]?ts$/.test(file);
}

async function importOrExplain(file: string, load: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    return (await load()) as Record<string, unknown>;
  } catch (cause) {
    throw importFailed(file, cause);
  }
}

function importFailed(file: string, cause: unknown): LogwireError {
  return new LogwireError(ErrorCode.InvalidOption, `cannot import generated module ${file}: ${(cause as Error).message}`, {
    path: "--gen",
    fix: "regenerate the code with buf generate; it may be stale or half-written",
    cause,
  });
}

/**
 * Node's errors for TypeScript it cannot run. ERR_MODULE_NOT_FOUND counts only
 * for a `.js` file whose `.ts` twin exists: TypeScript's own convention,
 * which tsx resolves and Node does not.
 */
function needsTypeScriptLoader(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "ERR_UNKNOWN_FILE_EXTENSION":
    case "ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX":
    case "ERR_INVALID_TYPESCRIPT_SYNTAX":
    case "ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING":
      return true;
    case "ERR_MODULE_NOT_FOUND": {
      const missing = missingPath(error as { url?: unknown; message?: unknown });
      return missing !== undefined && /\.m?js$/.test(missing) && existsSync(missing.replace(/js$/, "ts"));
    }
    default:
      return false;
  }
}

function missingPath(error: { url?: unknown; message?: unknown }): string | undefined {
  if (typeof error.url === "string" && error.url.startsWith("file:")) {
    return fileURLToPath(error.url);
  }
  return /Cannot find module '([^']+)'/.exec(String(error.message))?.[1];
}

async function registerProjectTsx(projectDir: string, file: string, cause: unknown): Promise<ScopedImport> {
  const apiUrl = resolveTsxApi(projectDir);
  if (apiUrl === undefined) {
    const why = (cause as { code?: unknown }).code ?? (cause as Error).message;
    throw new LogwireError(ErrorCode.InvalidOption, `cannot import generated TypeScript ${file}: node cannot run it (${String(why)}) and no tsx 4 or later is installed in ${projectDir}`, {
      path: "--gen",
      fix: "point --gen at compiled JavaScript (e.g. --gen dist/gen), generate JavaScript with opt target=js+dts in buf.gen.yaml, or npm i -D tsx",
      cause,
    });
  }
  try {
    const api = (await import(apiUrl)) as { register: (options: { namespace: string }) => unknown };
    const registered = api.register({ namespace: "logwire-generated-code" }) as { import?: ScopedImport };
    // tsx before 4.8 has no namespaces and registered itself globally; a
    // query makes Node load the module again instead of its cached failure.
    return registered.import ?? ((url) => import(`${url}?logwire-tsx`));
  } catch (error) {
    throw new LogwireError(ErrorCode.Environment, `cannot load generated TypeScript: registering tsx from ${apiUrl} failed: ${(error as Error).message}`, {
      path: "--gen",
      fix: "point --gen at compiled JavaScript (e.g. --gen dist/gen), or update tsx (npm i -D tsx@latest)",
      cause: error,
    });
  }
}

/**
 * URL of `tsx/esm/api` as the user's project resolves it, ESM build. Resolved
 * from tsx's package.json rather than with `require.resolve("tsx/esm/api")`,
 * which picks the CommonJS build: tsx 4.23's CommonJS `register()` fails on
 * Node 20 (it asks Node to load `dist/esm/api/esm/index.mjs`, which does not
 * exist).
 */
function resolveTsxApi(projectDir: string): string | undefined {
  const require = createRequire(join(projectDir, "package.json"));
  let manifest: string;
  try {
    manifest = require.resolve("tsx/package.json");
  } catch {
    return undefined;
  }
  const exported = (JSON.parse(readFileSync(manifest, "utf8")) as { exports?: Record<string, unknown> }).exports?.["./esm/api"];
  const target = importTarget(exported);
  return target === undefined ? undefined : pathToFileURL(join(dirname(manifest), target)).href;
}

/** The `import` (else `default`) target of one package.json `exports` entry. */
function importTarget(entry: unknown): string | undefined {
  if (typeof entry === "string") {
    return entry;
  }
  if (typeof entry !== "object" || entry === null) {
    return undefined;
  }
  const conditions = entry as Record<string, unknown>;
  return importTarget(conditions["import"] ?? conditions["default"]);
}
