import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { spawnDetached } from "./process-control.ts";
import { FRONT_HEADER } from "./registry-front.ts";
import { isRegistryHealthy, registryCompatibility, REGISTRY_COMPATIBILITY } from "./registry-node.ts";
import type { StackComponent } from "./stack-component.ts";
import { PORT_ENV, STACK_HOST, type StackConfig } from "./stack-config.ts";

/**
 * The registry front (registry-front.ts) as a stack component: a node
 * process on the registry port users use (`LOGWIRE_REGISTRY_PORT`), passing
 * requests to Apicurio on `LOGWIRE_REGISTRY_BACKEND_PORT`. It is healthy when
 * the registry answers through it; a registry logwire did not start that
 * answers on the port is reused as is (and `up` then starts no Apicurio
 * behind it, see stack.ts).
 */
export function createRegistryFrontNode(config: StackConfig, here: string = import.meta.url): StackComponent {
  const endpoint = `http://${STACK_HOST}:${config.registry.port}/apis/ccompat/v7`;
  const pidFile = join(config.stateDir, "registry-front.pid");
  const logFile = join(config.stateDir, "registry-front.log");
  const marker = `--registry-front-of=${config.stateDir}`;
  return {
    name: "registry-front",
    endpoint,
    ports: [{ port: config.registry.port, envVar: PORT_ENV.registry }],
    pidFile,
    logFile,
    // Health needs Apicurio behind it, which starts in about 15 s.
    startTimeoutMs: 120_000,
    isHealthy: () => isRegistryHealthy(endpoint),
    preflight() {
      frontEntry(here);
    },
    start() {
      return spawnDetached({
        command: process.execPath,
        args: [fileURLToPath(frontEntry(here)), "--port", String(config.registry.port), "--backend-port", String(config.registry.backendPort), "--pid-file", pidFile, marker],
        cwd: config.stateDir,
        logFile,
        pidFile,
        marker,
      });
    },
    async afterStart() {},
    async inspectForeign() {
      const notes: string[] = [];
      try {
        const response = await fetch(`${endpoint}/subjects`, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.headers.get(FRONT_HEADER) === null) {
          notes.push(`the registry at ${endpoint} was not started by logwire and has no logwire front: its own ?format=serialized answers are what Confluent's deserializers get`);
        }
      } catch {
        // Healthy a moment ago; the status shows it if it is gone.
      }
      const level = await registryCompatibility(endpoint);
      if (level !== undefined && level !== REGISTRY_COMPATIBILITY) {
        notes.push(`registry at ${endpoint} has global compatibility ${level}, logwire expects ${REGISTRY_COMPATIBILITY}; set it with: curl -X PUT -H 'content-type: application/json' -d '{"compatibility":"${REGISTRY_COMPATIBILITY}"}' ${endpoint}/config`);
      }
      return notes.length === 0 ? undefined : notes.join("; ");
    },
  };
}

/**
 * The front's entry module: `registry-front-main.js` beside this module in
 * the published package; from the TypeScript sources, `registry-front-boot.mjs`,
 * which registers tsx first (node alone does not run .ts imports).
 */
export function frontEntry(here: string): URL {
  const entry = new URL(here.endsWith(".ts") ? "./registry-front-boot.mjs" : "./registry-front-main.js", here);
  if (!existsSync(fileURLToPath(entry))) {
    throw new LogwireError(ErrorCode.Environment, `the registry front's entry module ${fileURLToPath(entry)} is missing`, {
      fix: "reinstall logwire (npm ci); when bundling the CLI, keep logwire in node_modules",
    });
  }
  return entry;
}
