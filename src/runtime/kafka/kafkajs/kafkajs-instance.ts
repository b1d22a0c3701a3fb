import { readFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, join, sep } from "node:path";
import { compileFunction } from "node:vm";

/**
 * logwire's own instance of kafkajs: kafkajs's files, evaluated by a small
 * CommonJS loader whose module cache is private to logwire. Node's
 * `require.cache` is neither read nor written, so an application's own
 * kafkajs (an `import` or `require` of it, before or after, even the very
 * same files when npm deduped the two) never sees logwire's patches, and
 * logwire's copy never sees whatever the application did to its own.
 *
 * Why a loader of its own rather than swapping entries in and out of
 * `require.cache` around a `require("kafkajs")`: kafkajs requires most of its
 * protocol modules lazily, inside functions (the Produce request module is
 * first required when the first Produce request is built). After the swap,
 * those requires would go through the shared cache again: logwire would get
 * the application's copy, and the application could get logwire's patched
 * module. Here every module of this instance gets a `require` bound to this
 * instance, for as long as it lives.
 *
 * The contract kafkajs's files need, and what this loader gives them: the
 * CommonJS wrapper (`exports`, `require`, `module`, `__filename`,
 * `__dirname`), relative requires resolved by Node's own resolver, `.json`
 * files, and cycles (a module is cached before it runs, as Node does).
 * Node's built-in modules are Node's. A file outside the package (kafkajs
 * 2.2.4 has no dependencies) is loaded by Node's `require`, shared as Node
 * would share it. The code runs in this context (same `Buffer`, timers and
 * globals); stack frames name kafkajs's real files.
 */
export interface KafkajsInstance {
  /** The package's directory. */
  readonly root: string;
  /** `version` from the package's package.json. */
  readonly version: string | undefined;
  /** A module of this instance by package path (`kafkajs`, `kafkajs/src/...`), loaded on first use. */
  require(id: string): unknown;
  /** Whether this instance has loaded (or been given) the module at `id`. */
  has(id: string): boolean;
  /**
   * Makes `exports` what this instance's modules get when they require `id`.
   * Throws if the module is already loaded: code that captured the original
   * would keep it.
   */
  replace(id: string, exports: unknown): void;
  /** kafkajs's own code for `id`, evaluated apart from this instance's cache with this instance's `require`. */
  original(id: string): unknown;
}

interface CjsModule {
  exports: unknown;
  readonly id: string;
  readonly filename: string;
  loaded: boolean;
}

const WRAPPER = ["exports", "require", "module", "__filename", "__dirname"];
const PACKAGE = "kafkajs";

/** A new, empty instance of the kafkajs package whose package.json is at `packageJson`; loads nothing until asked. */
export function createKafkajsInstance(packageJson: string): KafkajsInstance {
  const root = dirname(packageJson);
  const { version } = JSON.parse(readFileSync(packageJson, "utf8")) as { version?: string };
  const cache = new Map<string, CjsModule>();
  // `${directory}\0${request}` -> file: kafkajs requires modules inside functions that run per request.
  const resolved = new Map<string, string>();
  const nodeRequire = createRequire(packageJson);

  // Node's resolver, from a directory of the package (created once per directory).
  const requires = new Map<string, NodeJS.Require>();
  const requireOf = (directory: string): NodeJS.Require => {
    let require = requires.get(directory);
    if (require === undefined) {
      require = createRequire(join(directory, "[logwire-kafkajs]"));
      requires.set(directory, require);
    }
    return require;
  };

  function resolveFrom(directory: string, request: string): string {
    const key = directory + "\0" + request;
    let filename = resolved.get(key);
    if (filename === undefined) {
      filename = requireOf(directory).resolve(request);
      resolved.set(key, filename);
    }
    return filename;
  }

  function requireFrom(directory: string, request: string): unknown {
    if (isBuiltin(request)) return nodeRequire(request);
    const filename = resolveFrom(directory, request);
    if (!filename.startsWith(root + sep)) return requireOf(directory)(request);
    const cached = cache.get(filename);
    if (cached !== undefined) return cached.exports;
    const module: CjsModule = { exports: {}, id: filename, filename, loaded: false };
    cache.set(filename, module);
    try {
      evaluate(module);
    } catch (error) {
      cache.delete(filename);
      throw error;
    }
    module.loaded = true;
    return module.exports;
  }

  function evaluate(module: CjsModule): void {
    const { filename } = module;
    const source = readFileSync(filename, "utf8");
    if (filename.endsWith(".json")) {
      module.exports = JSON.parse(source);
      return;
    }
    const directory = dirname(filename);
    const require = Object.assign((request: string) => requireFrom(directory, request), {
      resolve: (request: string) => resolveFrom(directory, request),
    });
    compileFunction(source, WRAPPER, { filename }).call(module.exports, module.exports, require, module, filename, directory);
  }

  /** The file behind a package path: `kafkajs/src/x` is `./src/x` inside this package, whatever Node would resolve `kafkajs` to. */
  function fileOf(id: string): string {
    if (id !== PACKAGE && !id.startsWith(PACKAGE + "/")) throw new Error(`${id} is not a kafkajs module`);
    return resolveFrom(root, "." + id.slice(PACKAGE.length) + (id === PACKAGE ? "/" : ""));
  }

  return {
    root,
    version,
    require: (id) => requireFrom(root, fileOf(id)),
    has: (id) => cache.has(fileOf(id)),
    replace(id, exports) {
      const filename = fileOf(id);
      if (cache.has(filename)) throw new Error(`${id} is already loaded in logwire's kafkajs`);
      cache.set(filename, { exports, id: filename, filename, loaded: true });
    },
    original(id) {
      const module: CjsModule = { exports: {}, id: fileOf(id), filename: fileOf(id), loaded: false };
      evaluate(module);
      module.loaded = true;
      return module.exports;
    },
  };
}
