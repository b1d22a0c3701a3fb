import { mkdirSync } from "node:fs";
import { checkNoOtherLayoutRunning, clearBrokerCount, recordBrokerCount } from "./cluster-config.ts";
import { createKafkaNodes } from "./kafka-node.ts";
import { createMavenFetcher } from "./maven-fetch.ts";
import { isPortFree, describePortHolder } from "./port-probe.ts";
import { isRecordAlive, readPidFile, removePidFile, sleep, stopRecord, tailFile } from "./process-control.ts";
import { createProgress, type Progress } from "./progress.ts";
import { createRegistryNode } from "./registry-node.ts";
import type { ComponentName, StackComponent } from "./stack-component.ts";
import { STACK_HOST, type StackConfig } from "./stack-config.ts";
import { componentDiedError, portHeldError, startTimeoutError } from "./stack-errors.ts";

export type ComponentState = "up" | "starting" | "down";

export interface ComponentStatus {
  readonly name: ComponentName;
  readonly state: ComponentState;
  readonly endpoint: string;
  /** True when a live process from this stack's pid file runs it. */
  readonly managed: boolean;
  readonly pid?: number;
  /** One line on why the state is what it is. */
  readonly note: string;
  /** What to run when it is not up. */
  readonly fix?: string;
  readonly logFile: string;
  /** Last lines of the log when the component is down or stuck. */
  readonly logTail?: readonly string[];
}

export interface UpOptions {
  /** Return only once every component answers its health request. */
  readonly wait?: boolean;
}

export interface Stack {
  readonly config: StackConfig;
  status(): Promise<ComponentStatus[]>;
  /** Idempotent: reuses healthy components, starts the rest. */
  up(options?: UpOptions): Promise<ComponentStatus[]>;
  /** Stops only processes this stack's pid files name; returns one line per component. */
  down(names?: readonly ComponentName[]): Promise<string[]>;
}

const LOG_LINES = 20;

export function createStack(config: StackConfig, options: { progress?: Progress } = {}): Stack {
  const progress = options.progress ?? createProgress();
  const fetcher = createMavenFetcher({ cacheDir: config.cacheDir, progress });
  const components: StackComponent[] = [...createKafkaNodes(config, fetcher), createRegistryNode(config, fetcher)];

  async function statusOf(c: StackComponent): Promise<ComponentStatus> {
    const record = readPidFile(c.pidFile);
    const alive = record !== undefined && isRecordAlive(record);
    const base = { name: c.name, endpoint: c.endpoint, logFile: c.logFile, managed: alive, ...(alive ? { pid: record.pid } : {}) };
    if (await c.isHealthy()) {
      const note = alive
        ? `started by logwire (pid ${record.pid})`
        : "not started by logwire (no live pid file); `logwire dev down` leaves it running";
      return { ...base, state: "up", note };
    }
    if (alive) {
      return {
        ...base,
        state: "starting",
        note: `process ${record.pid} is running but does not answer yet`,
        fix: `wait, or read ${c.logFile}; \`logwire dev up --wait\` waits for it`,
        logTail: tailFile(c.logFile, LOG_LINES),
      };
    }
    if (record !== undefined) {
      return {
        ...base,
        state: "down",
        note: `process ${record.pid} started by logwire is no longer running`,
        fix: "run `logwire dev up` to start it again",
        logTail: tailFile(c.logFile, LOG_LINES),
      };
    }
    for (const p of c.ports) {
      if (!(await isPortFree(STACK_HOST, p.port))) {
        const holder = describePortHolder(p.port) ?? "another process";
        return {
          ...base,
          state: "down",
          note: `port ${p.port} is held by ${holder}, which is not a healthy ${c.name}`,
          fix: `stop that process or set ${p.envVar} to a free port, then run \`logwire dev up\``,
        };
      }
    }
    return { ...base, state: "down", note: "not running", fix: "run `logwire dev up`" };
  }

  async function waitHealthy(c: StackComponent): Promise<void> {
    const started = Date.now();
    for (;;) {
      if (await c.isHealthy()) {
        progress.detail(`${c.name} answers at ${c.endpoint} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        return;
      }
      const record = readPidFile(c.pidFile);
      if (record === undefined || !isRecordAlive(record)) {
        throw componentDiedError(c.name, "exited", c.logFile, tailFile(c.logFile, LOG_LINES));
      }
      if (Date.now() - started > c.startTimeoutMs) {
        throw startTimeoutError(c.name, c.startTimeoutMs / 1000, c.logFile, tailFile(c.logFile, LOG_LINES));
      }
      await sleep(500);
    }
  }

  return {
    config,
    status: () => Promise.all(components.map(statusOf)),

    async up(upOptions = {}) {
      mkdirSync(config.stateDir, { recursive: true });
      checkNoOtherLayoutRunning(config.stateDir, config.kafka.brokers);
      const before = await Promise.all(components.map(statusOf));
      const toStart: StackComponent[] = [];
      const toWait: StackComponent[] = [];
      for (const [i, c] of components.entries()) {
        const s = before[i] as ComponentStatus;
        if (s.state === "up") {
          progress.detail(`${c.name} is already up at ${c.endpoint}; reusing it (${s.note})`);
          if (!s.managed) {
            const warning = await c.inspectForeign();
            if (warning !== undefined) {
              progress.detail(`warning: ${warning}`);
            }
          }
        } else if (s.state === "starting") {
          progress.detail(`${c.name} is already starting (pid ${s.pid})`);
          toWait.push(c);
        } else {
          removePidFile(c.pidFile);
          for (const p of c.ports) {
            if (!(await isPortFree(STACK_HOST, p.port))) {
              throw portHeldError(c.name, `${STACK_HOST}:${p.port}`, p.envVar, describePortHolder(p.port));
            }
          }
          toStart.push(c);
        }
      }
      // Check every tool before downloading anything.
      for (const c of toStart) {
        c.preflight();
      }
      if (toStart.some((c) => c.name !== "registry")) {
        recordBrokerCount(config.stateDir, config.kafka.brokers);
      }
      for (const c of toStart) {
        const record = await c.start();
        progress.phase(`started ${c.name} (pid ${record.pid}); log: ${c.logFile}`);
      }
      const waiting = [...toStart, ...toWait];
      if (upOptions.wait === true) {
        if (waiting.length > 0) {
          progress.phase(`waiting for ${waiting.map((c) => c.name).join(" and ")} to answer`);
        }
        await Promise.all(waiting.map(waitHealthy));
        for (const c of toStart) {
          await c.afterStart();
        }
      } else if (toStart.length > 0) {
        // Catch the quick deaths (bad java, port race) even without --wait.
        await sleep(1_500);
        for (const c of toStart) {
          const record = readPidFile(c.pidFile);
          if (record === undefined || !isRecordAlive(record)) {
            throw componentDiedError(c.name, "exited", c.logFile, tailFile(c.logFile, LOG_LINES));
          }
        }
      }
      return Promise.all(components.map(statusOf));
    },

    async down(names) {
      const all = names === undefined || names.length === 0;
      // `kafka` names every node of a cluster too.
      const chosen = components.filter((c) => all || names.includes(c.name) || (names.includes("kafka") && c.name.startsWith("kafka-")));
      if (all) {
        // The next `up` starts the default single node again unless --brokers says otherwise.
        clearBrokerCount(config.stateDir);
      }
      return Promise.all(
        chosen.map(async (c) => {
          const record = readPidFile(c.pidFile);
          if (record !== undefined && isRecordAlive(record)) {
            const how = await stopRecord(record);
            removePidFile(c.pidFile);
            return `${c.name}: ${how === "killed" ? "killed (did not stop within 30 s)" : "stopped"} (pid ${record.pid})`;
          }
          if (record !== undefined) {
            removePidFile(c.pidFile);
            return `${c.name}: was not running (removed stale pid file for pid ${record.pid})`;
          }
          if (await c.isHealthy()) {
            return `${c.name}: running at ${c.endpoint} but not started by logwire (no pid file in ${config.stateDir}); left it running`;
          }
          return `${c.name}: not running`;
        }),
      );
    },
  };
}
