import { homedir } from "node:os";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { brokerHeapMb, parseBrokerCount, recordedBrokerCount } from "./cluster-config.ts";

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
    /** `LOGWIRE_KAFKA_PORT`, default 19092; node i of a cluster uses port + i - 1. */
    readonly port: number;
    /** `LOGWIRE_CONTROLLER_PORT`, default 19093 (one node) or port + brokers (a cluster); node i uses it + i - 1. */
    readonly controllerPort: number;
    /** KRaft nodes (`--brokers`, `LOGWIRE_KAFKA_BROKERS`, else what the last `up` recorded, else 1); see cluster-config.ts. */
    readonly brokers: number;
    /** JVM heap in MiB per node. The default 768 (512 per node of a cluster) fits a 2-core dev machine. */
    readonly heapMb: number;
  };
  readonly registry: {
    readonly version: string;
    /** `LOGWIRE_REGISTRY_PORT`, default 18081: the registry front, which clients use. */
    readonly port: number;
    /** `LOGWIRE_REGISTRY_BACKEND_PORT`, default the registry port + 1: Apicurio itself, behind the front. */
    readonly backendPort: number;
  };
}

export const DEFAULT_KAFKA_VERSION = "4.4.0";
export const DEFAULT_REGISTRY_VERSION = "3.3.3";

export const PORT_ENV = {
  kafka: "LOGWIRE_KAFKA_PORT",
  brokers: "LOGWIRE_KAFKA_BROKERS",
  controller: "LOGWIRE_CONTROLLER_PORT",
  registry: "LOGWIRE_REGISTRY_PORT",
  registryBackend: "LOGWIRE_REGISTRY_BACKEND_PORT",
} as const;

export interface ResolveStackConfigOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** `--brokers`; wins over `LOGWIRE_KAFKA_BROKERS` and the recorded count. */
  readonly brokers?: number;
}

/** Reads the stack configuration from the environment; throws `invalid_option` on a bad port. */
export function resolveStackConfig(options: ResolveStackConfigOptions = {}): StackConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = env["LOGWIRE_HOME"] ? resolve(cwd, env["LOGWIRE_HOME"]) : join(findProjectRoot(cwd), ".logwire");
  const cacheDir = env["LOGWIRE_CACHE_DIR"]
    ? resolve(cwd, env["LOGWIRE_CACHE_DIR"])
    : join(env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "logwire");
  const stateDir = join(home, "stack");
  const brokersEnv = env[PORT_ENV.brokers];
  const brokers =
    options.brokers !== undefined
      ? parseBrokerCount(options.brokers)
      : brokersEnv !== undefined && brokersEnv !== ""
        ? parseBrokerCount(brokersEnv, PORT_ENV.brokers)
        : (recordedBrokerCount(stateDir) ?? 1);
  const port = parsePort(env, PORT_ENV.kafka, 19092);
  const controllerPort = parsePort(env, PORT_ENV.controller, brokers === 1 ? 19093 : port + brokers);
  const registryPort = parsePort(env, PORT_ENV.registry, 18081);
  const registryBackendPort = parsePort(env, PORT_ENV.registryBackend, registryPort + 1);
  const taken = new Map<number, string>();
  const claims: (readonly [string, number])[] = [];
  for (let i = 0; i < brokers; i++) {
    const node = brokers === 1 ? "" : ` (node ${i + 1})`;
    claims.push([`${PORT_ENV.kafka}${node}`, port + i], [`${PORT_ENV.controller}${node}`, controllerPort + i]);
  }
  claims.push([PORT_ENV.registry, registryPort], [PORT_ENV.registryBackend, registryBackendPort]);
  for (const [name, value] of claims) {
    const other = taken.get(value);
    if (other !== undefined || value > 65535) {
      throw new LogwireError(ErrorCode.InvalidOption, other === undefined ? `port ${value} is above 65535 (${name})` : `port ${value} is used twice (${other} and ${name})`, {
        path: name.split(" ")[0] as string,
        fix: brokers === 1
          ? "give each of LOGWIRE_KAFKA_PORT, LOGWIRE_CONTROLLER_PORT, LOGWIRE_REGISTRY_PORT and LOGWIRE_REGISTRY_BACKEND_PORT (default: the registry port + 1) its own port"
          : `a ${brokers}-node cluster uses ${brokers} consecutive ports from LOGWIRE_KAFKA_PORT and from LOGWIRE_CONTROLLER_PORT; move them so the ranges, LOGWIRE_REGISTRY_PORT and LOGWIRE_REGISTRY_BACKEND_PORT (default: the registry port + 1) do not overlap`,
      });
    }
    taken.set(value, name);
  }
  return {
    home,
    stateDir,
    cacheDir,
    kafka: { version: DEFAULT_KAFKA_VERSION, port, controllerPort, brokers, heapMb: brokerHeapMb(brokers) },
    registry: { version: DEFAULT_REGISTRY_VERSION, port: registryPort, backendPort: registryBackendPort },
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
    brokers: Array.from({ length: config.kafka.brokers }, (_, i) => `${STACK_HOST}:${config.kafka.port + i}`).join(","),
    registryUrl: `http://${STACK_HOST}:${config.registry.port}/apis/ccompat/v7`,
  };
}
