import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ErrorCode, LogwireError } from "../../errors.ts";

/** The key of the producer thread's entry in `globalThis.__bundlerPathsOverrides`, pino's hook for bundlers. */
export const WORKER_ENTRY_OVERRIDE = "logwire-transport-worker";

/** The package subpath that names the entry, so a bundle can find it in node_modules. */
const WORKER_SUBPATH = "logwire/transport-worker";

/**
 * Where the producer thread's entry module is. A worker thread starts from
 * a file, so a bundler that inlines logwire into one file leaves the entry
 * behind; it is looked up, in order:
 * 1. `globalThis.__bundlerPathsOverrides["logwire-transport-worker"]`, the
 *    same hook pino's transports use, for a bundle deployed without
 *    node_modules (a path or file URL of logwire's dist/src/runtime/kafka/worker/transport-worker.js);
 * 2. next to this module: `transport-worker.js` in the published package,
 *    or, when logwire runs from its TypeScript sources (its own tests),
 *    `transport-worker-boot.mjs`, which registers tsx in the thread first;
 * 3. `logwire/transport-worker` resolved from this module's location, which
 *    finds node_modules/logwire when this module was bundled into an app.
 */
export function transportWorkerEntry(here: string = import.meta.url): URL {
  const override = (globalThis as { __bundlerPathsOverrides?: Record<string, unknown> }).__bundlerPathsOverrides?.[WORKER_ENTRY_OVERRIDE];
  if (typeof override === "string" || override instanceof URL) {
    const url = override instanceof URL ? override : override.startsWith("file:") ? new URL(override) : pathToFileURL(override);
    if (!existsSync(fileURLToPath(url))) {
      throw notFound(`globalThis.__bundlerPathsOverrides["${WORKER_ENTRY_OVERRIDE}"] is ${url.href}, which does not exist`);
    }
    return url;
  }
  const fromSources = here.endsWith(".ts");
  const beside = new URL(fromSources ? "./transport-worker-boot.mjs" : "./transport-worker.js", here);
  if (existsSync(fileURLToPath(beside))) {
    return beside;
  }
  try {
    return pathToFileURL(createRequire(here).resolve(WORKER_SUBPATH));
  } catch {
    throw notFound(`its entry module is neither beside ${here} nor resolvable as ${WORKER_SUBPATH} from there (is logwire bundled?)`);
  }
}

function notFound(why: string): LogwireError {
  return new LogwireError(ErrorCode.Environment, `the producer thread could not start: ${why}`, {
    path: "producerThread",
    fix:
      "when bundling, keep logwire out of the bundle (esbuild --external:logwire, installed in node_modules), " +
      `or set globalThis.__bundlerPathsOverrides = { "${WORKER_ENTRY_OVERRIDE}": <path of logwire's dist/src/runtime/kafka/worker/transport-worker.js> } before createPipeline, ` +
      'or set producerThread: "main"',
  });
}
