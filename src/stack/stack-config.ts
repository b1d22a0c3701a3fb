import { homedir } from "node:os";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";

/** Loopback only: the dev stack must never be reachable from other machines. */
export const STACK_HOST = "127.0.0.1";

export interface StackConfig {
  /** State root; `LOGWIRE_HOME`, else `.logwire/` in the nearest folder with a package.json. */
  readonly home: string;
  /** Pid files, logs, Kafka data: `<home>/stack`. */
  readonly stateDir: string;
  /** Downloaded jars, shared by all projects: `LOGWIRE_CACHE_DIR`, else `$XDG_CACHE_HOME/logwire`, else `~/.cache/logwire`. */
  readonly cacheDir: string;
  readonly kafka: {
    readonly version: string;
    /** `LOGWIRE_KAFKA_PORT`, default 19092. */
    readonly port: number;
    /** `LOGWIRE_CONTROLLER_PORT`, default 19093. */
    readonly controllerPort: number;
    /** JVM heap in MiB. The default 768 fits a 2-core dev machine. */
    readonly heapMb: number;
  };
  readonly registry: {
    readonly version: string;
    /** `LOGWIRE_REGISTRY_PORT`, default 18081. */
    readonly port: number;
  };
}

export const DEFAULT_KAFKA_VERSION = "4.4.0";
export const DEFAULT_REGISTRY_VERSION = "3.3.3";

export const PORT_ENV = {
  kafka: "LOGWIRE_KAFKA_PORT",
  controller: "LOGWIRE_CONTROLLER_PORT",
  registry: "LOGWIRE_REGISTRY_PORT",
} as const;

export interface ResolveStackConfigOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
}

/** Reads the stack configuration from the environment; throws `invalid_option` on a bad port. */
export function resolveStackConfig(options: ResolveStackConfigOptions = {}): StackConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = env["LOGWIRE_HOME"] ? resolve(cwd, env["LOGWIRE_HOME"]) : join(findProjectRoot(cwd), ".logwire");
  const cacheDir = env["LOGWIRE_CACHE_DIR"]
    ? resolve(cwd, env["LOGWIRE_CACHE_DIR"])
    : join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "logwire");
  const port = parsePort(env, PORT_ENV.kafka, 19092);
  const controllerPort = parsePort(env, PORT_ENV.controller, 19093);
  const registryPort = parsePort(env, PORT_ENV.registry, 18081);
  const taken = new Map<number, string>();
  for (const [name, value] of [
    [PORT_ENV.kafka, port],
    [PORT_ENV.controller, controllerPort],
    [PORT_ENV.registry, registryPort],
  ] as const) {
    const other = taken.get(value);
    if (other !== undefined) {
      throw new LogwireError(ErrorCode.InvalidOption, `port ${value} is used twice (${other} and ${name})`, {
        path: name,
        fix: "give each of LOGWIRE_KAFKA_PORT, LOGWIRE_CONTROLLER_PORT and LOGWIRE_REGISTRY_PORT its own port",
      });
    }
    taken.set(value, name);
  }
  return {
    home,
    stateDir: join(home, "stack"),
    cacheDir,
    kafka: { version: DEFAULT_KAFKA_VERSION, port, controllerPort, heapMb: 768 },
    registry: { version: DEFAULT_REGISTRY_VERSION, port: registryPort },
  };
}

function parsePort(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new LogwireError(ErrorCode.InvalidOption, `invalid port "${raw}"`, {
      path: name,
      fix: `set ${name} to an integer between 1 and 65535, or unset it for the default ${fallback}`,
    });
  }
  return value;
}

/** The nearest folder at or above `start` holding a package.json; `start` itself if none. */
export function findProjectRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, "package.json"))) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      return resolve(start);
    }
    dir = parent;
  }
}

/** Client-facing endpoints of a stack. */
export function stackEndpoints(config: StackConfig): { brokers: string; registryUrl: string } {
  return {
    brokers: `${STACK_HOST}:${config.kafka.port}`,
    registryUrl: `http://${STACK_HOST}:${config.registry.port}/apis/ccompat/v7`,
  };
}
