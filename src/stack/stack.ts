import { mkdirSync } from "node:fs";
import { checkNoOtherLayoutRunning, clearBrokerCount, recordBrokerCount } from "./cluster-config.ts";
import { createKafkaNodes } from "./kafka-node.ts";
import { createMavenFetcher } from "./maven-fetch.ts";
import { isPortFree, describePortHolder } from "./port-probe.ts";
import { isRecordAlive, readPidFile, removePidFile, sleep, stopRecord, tailFile } from "./process-control.ts";
import { createProgress, type Progress } from "./progress.ts";
import { createRegistryFrontNode } from "./registry-front-node.ts";
import { createRegistryNode } from "./registry-node.ts";
import type { ComponentName, StackComponent } from "./stack-component.ts";
import { STACK_HOST, type StackConfig } from "./stack-config.ts";
import { componentDiedError, outdatedProcessError, portHeldError, startTimeoutError } from "./stack-errors.ts";

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
  const components: StackComponent[] = [...createKafkaNodes(config, fetcher), createRegistryNode(config, fetcher), createRegistryFrontNode(config)];

  async function statusOf(c: StackComponent): Promise<ComponentStatus> {
    const record = readPidFile(c.pidFile);
    const alive = record !== undefined && isRecordAlive(record);
    const base = { name: c.name, endpoint: c.endpoint, logFile: c.logFile, managed: alive, ...(alive ? { pid: record.pid } : {}) };
    const outdated = alive ? c.outdated?.(record) : undefined;
    if (outdated !== undefined) {
      return {
        ...base,
        state: "down",
        note: outdated,
        fix: `run \`logwire dev down ${c.name}\`, then \`logwire dev up --wait\``,
        logTail: [],
      };
    }
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

  /** Every component's status; Apicurio is not needed when a registry logwire did not start answers on the registry port. */
  async function statusAll(): Promise<ComponentStatus[]> {
    const all = await Promise.all(components.map(statusOf));
    const front = all.find((s) => s.name === "registry-front");
    if (front?.state !== "up" || front.managed) return all;
    return all.map((s) =>
      s.name === "registry" && s.state === "down" && !s.managed && s.note === "not running"
        ? { ...s, state: "up", note: `not needed: the registry at ${front.endpoint} was not started by logwire and is used as is`, endpoint: "-" }
        : s,
    );
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
    status: statusAll,

    async up(upOptions = {}) {
      mkdirSync(config.stateDir, { recursive: true });
      checkNoOtherLayoutRunning(config.stateDir, config.kafka.brokers);
      const before = await statusAll();
      const toStart: StackComponent[] = [];
      const toWait: StackComponent[] = [];
      // A registry logwire did not start, answering on the registry port, is
      // used as is: Apicurio behind a front would serve nobody.
      const front = before.find((s) => s.name === "registry-front");
      const foreignRegistry = front?.state === "up" && !front.managed;
      for (const [i, c] of components.entries()) {
        const s = before[i] as ComponentStatus;
        if (c.name === "registry" && foreignRegistry && s.state === "up" && !s.managed) {
          progress.detail(`registry: ${s.note}`);
        } else if (s.state === "up") {
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
        } else if (s.managed) {
          // Outdated: a process of this stack that cannot serve; stopping it is `down`'s call, not up's.
          throw outdatedProcessError(c.name, s.note, s.fix ?? "run `logwire dev down`");
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
      if (toStart.some((c) => c.name.startsWith("kafka"))) {
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
      return statusAll();
    },

    async down(names) {
      const all = names === undefined || names.length === 0;
      // `kafka` names every node of a cluster too; `registry` names the front too.
      const chosen = components.filter(
        (c) => all || names.includes(c.name) || (names.includes("kafka") && c.name.startsWith("kafka-")) || (names.includes("registry") && c.name === "registry-front"),
      );
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
