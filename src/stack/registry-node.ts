import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { REGISTRY_TIMEOUT_MS, registryFetch } from "../runtime/registry/registry-fetch.ts";
import { findJava, findMaven } from "./java-runtime.ts";
import type { MavenFetcher } from "./maven-fetch.ts";
import { spawnDetached } from "./process-control.ts";
import type { StackComponent } from "./stack-component.ts";
import { PORT_ENV, STACK_HOST, type StackConfig } from "./stack-config.ts";

/** Apicurio Registry 3.3 is built for Java 21. */
export const REGISTRY_MIN_JAVA = 21;

/** Confluent's default; Apicurio's own default is NONE. */
export const REGISTRY_COMPATIBILITY = "BACKWARD";

/**
 * Apicurio Registry with its Confluent-compatible API, schemas kept in an H2
 * file under the state folder. It listens on the internal port
 * (`LOGWIRE_REGISTRY_BACKEND_PORT`); clients use the registry front on
 * `LOGWIRE_REGISTRY_PORT` (registry-front.ts says why).
 */
export function createRegistryNode(config: StackConfig, fetcher: MavenFetcher): StackComponent {
  const base = `http://${STACK_HOST}:${config.registry.backendPort}`;
  const endpoint = `${base}/apis/ccompat/v7`;
  const appMarker = join(config.cacheDir, `apicurio-registry-${config.registry.version}`, "app", ".complete");
  const what = `apicurio registry ${config.registry.version}`;
  const workDir = join(config.stateDir, "registry");
  const marker = `-Dlogwire.stack=${config.stateDir}`;
  return {
    name: "registry",
    endpoint,
    ports: [{ port: config.registry.backendPort, envVar: PORT_ENV.registryBackend }],
    pidFile: join(config.stateDir, "registry.pid"),
    logFile: join(config.stateDir, "registry.log"),
    startTimeoutMs: 120_000,
    isHealthy: () => isRegistryHealthy(endpoint),
    preflight() {
      findJava(what, REGISTRY_MIN_JAVA);
      if (!existsSync(appMarker)) {
        findMaven();
      }
    },
    async start() {
      const java = findJava(what, REGISTRY_MIN_JAVA);
      const app = await fetcher.registryApp(config.registry.version);
      mkdirSync(workDir, { recursive: true });
      return spawnDetached({
        command: java.path,
        args: [
          "-Xmx512m",
          marker,
          `-Dquarkus.http.host=${STACK_HOST}`,
          `-Dquarkus.http.port=${config.registry.backendPort}`,
          // Health and metrics would listen on 0.0.0.0:9000 (and clash with
          // anything there); `quarkus.management.enabled` is build-time fixed,
          // so bind it to loopback on a free ephemeral port instead.
          `-Dquarkus.management.host=${STACK_HOST}`,
          "-Dquarkus.management.port=0",
          `-Dapicurio.rules.global.compatibility=${REGISTRY_COMPATIBILITY}`,
          // The access log's response_time is "-" unless request start times are kept.
          "-Dquarkus.http.record-request-start-time=true",
          "-jar",
          join(app, "quarkus-run.jar"),
        ],
        cwd: workDir,
        // Schemas live in an H2 file under the stack's state folder, so ids
        // survive `dev down`/`up` as a production registry's do (a pipeline
        // caches ids; an in-memory registry would hand out new ones).
        // APICURIO_DATASOURCE_URL in the environment overrides it.
        env: { APICURIO_DATASOURCE_URL: `jdbc:h2:file:${join(config.stateDir, "registry-db", "apicurio")}`, ...process.env, JAVA_HOME: java.home },
        logFile: join(config.stateDir, "registry.log"),
        pidFile: join(config.stateDir, "registry.pid"),
        marker,
      });
    },
    async afterStart() {
      // Also passed as a startup default above; the PUT makes it explicit and checked.
      // With retries: Apicurio now and then drops an answer (see registry-fetch.ts), and this one call decides whether `up` succeeds.
      const response = await registryFetch(
        `${endpoint}/config`,
        { method: "PUT", headers: { "content-type": "application/vnd.schemaregistry.v1+json" }, body: JSON.stringify({ compatibility: REGISTRY_COMPATIBILITY }) },
        { timeoutMs: REGISTRY_TIMEOUT_MS },
      );
      if (!response.ok) {
        throw new LogwireError(ErrorCode.Environment, `setting global compatibility to ${REGISTRY_COMPATIBILITY} failed: HTTP ${response.status} ${await response.text()}`, {
          fix: "run `logwire dev down` and `logwire dev up --wait` to start a fresh registry",
        });
      }
    },
    outdated(record) {
      // Before the registry front, Apicurio itself listened on the registry port.
      const old = `-Dquarkus.http.port=${config.registry.port}\0`;
      try {
        if (readFileSync(`/proc/${record.pid}/cmdline`, "utf8").includes(old)) {
          return `process ${record.pid} is Apicurio started by an earlier logwire on the registry port ${config.registry.port}, where the registry front now listens (Apicurio moved to ${config.registry.backendPort})`;
        }
      } catch {
        // No procfs: nothing to tell.
      }
      return undefined;
    },
    async inspectForeign() {
      const level = await registryCompatibility(endpoint);
      if (level !== undefined && level !== REGISTRY_COMPATIBILITY) {
        return `registry at ${endpoint} has global compatibility ${level}, logwire expects ${REGISTRY_COMPATIBILITY}; set it with: curl -X PUT -H 'content-type: application/json' -d '{"compatibility":"${REGISTRY_COMPATIBILITY}"}' ${endpoint}/config`;
      }
      return undefined;
    },
  };
}

/** True when `GET /subjects` answers with a JSON array within 2 s. */
export async function isRegistryHealthy(ccompatUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${ccompatUrl}/subjects`, { signal: AbortSignal.timeout(2_000) });
    return response.ok && Array.isArray(await response.json());
  } catch {
    return false;
  }
}

/** The global compatibility level, or undefined when the registry does not answer. */
export async function registryCompatibility(ccompatUrl: string): Promise<string | undefined> {
  try {
    const response = await registryFetch(`${ccompatUrl}/config`, {}, { timeoutMs: 2_000 });
    const body = (await response.json()) as { compatibilityLevel?: string };
    return body.compatibilityLevel;
  } catch {
    return undefined;
  }
}
