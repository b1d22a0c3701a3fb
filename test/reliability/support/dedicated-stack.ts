import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProgress, createStack, resolveStackConfig, type Stack, type StackConfig } from "../../../src/stack/index.ts";
import { isPortFree } from "../../../src/stack/port-probe.ts";
import { isRecordAlive, readPidFile, sleep } from "../../../src/stack/process-control.ts";
import { brokers as sharedBrokers, registryUrl as sharedRegistryUrl } from "../../support/stack-env.ts";

/**
 * A stack of its own for the fault tests, so killing a server never touches
 * the shared dev stack other tests use. Built from the stack code itself
 * (`createStack` with its own LOGWIRE_HOME under a temp dir and its own
 * ports): the component under test runs on fresh ports; the other one points
 * at the shared stack's port, where `up()` finds it healthy and reuses it
 * without a pid file, so `down()` can never stop it.
 */
export interface DedicatedStack {
  readonly stack: Stack;
  readonly config: StackConfig;
  readonly brokers: string[];
  readonly registryUrl: string;
  /** Starts the component (or restarts it after a kill, on the same data dir) and waits until it answers. Returns ms taken. */
  start(): Promise<number>;
  /** SIGKILLs the process this stack started (from its pid file) and waits until it is gone and its ports are free. */
  kill(): Promise<void>;
  /**
   * Stops what this stack started and removes the temp dir. Safe to call when
   * nothing runs. Should the process end without calling it, an exit/signal
   * hook SIGKILLs the JVM and removes the dir.
   */
  dispose(): Promise<void>;
}

/**
 * A port that is free now, below the kernel's ephemeral range (32768+ on
 * Linux). An OS-assigned ephemeral port would not do: while a broker is
 * down, clients reconnecting to it take ephemeral ports as their local end,
 * and one may hold the broker's controller port when it restarts.
 */
export async function freePorts(count: number): Promise<number[]> {
  const start = 27000 + Math.floor(Math.random() * 5000);
  const ports: number[] = [];
  for (let port = start; port < 32760 && ports.length < count; port++) {
    if (await isPortFree("127.0.0.1", port)) ports.push(port);
  }
  if (ports.length < count) throw new Error(`no ${count} free ports in ${start}..32760`);
  return ports;
}

function portOf(endpoint: string): string {
  return new URL(endpoint.includes("://") ? endpoint : `tcp://${endpoint}`).port;
}

/**
 * `component: "kafka"` runs a dedicated broker on fresh ports and reuses the
 * shared registry; `component: "registry"` runs a dedicated registry and
 * reuses the shared broker.
 */
export async function createDedicatedStack(component: "kafka" | "registry"): Promise<DedicatedStack> {
  // Apicurio keeps schemas in an in-memory H2 database by default, so a
  // restarted registry would forget every id. A registry that survives a
  // restart (as production ones do) is what the fault tests need: point its
  // datasource at a file under this stack's home. Quarkus reads the setting
  // from the environment the stack passes to the JVM.
  const datasourceEnv = "APICURIO_DATASOURCE_URL";
  const home = mkdtempSync(join(tmpdir(), `logwire-${component}-fault-`));
  const env: Record<string, string | undefined> = {
    LOGWIRE_HOME: home,
    LOGWIRE_CACHE_DIR: process.env["LOGWIRE_CACHE_DIR"],
    XDG_CACHE_HOME: process.env["XDG_CACHE_HOME"],
  };
  if (component === "kafka") {
    const [kafkaPort, controllerPort] = await freePorts(2);
    env["LOGWIRE_KAFKA_PORT"] = String(kafkaPort);
    env["LOGWIRE_CONTROLLER_PORT"] = String(controllerPort);
    env["LOGWIRE_REGISTRY_PORT"] = portOf(sharedRegistryUrl);
  } else {
    env["LOGWIRE_KAFKA_PORT"] = portOf(sharedBrokers[0]!);
    env["LOGWIRE_CONTROLLER_PORT"] = String(Number(portOf(sharedBrokers[0]!)) + 1);
    env["LOGWIRE_REGISTRY_PORT"] = String((await freePorts(1))[0]);
  }
  const config = resolveStackConfig({ env });
  const stack = createStack(config, { progress: createProgress({ silent: true }) });
  const pidFile = join(config.stateDir, `${component}.pid`);
  // The JVM is detached and would outlive a test process that dies before its
  // `after` hook runs (uncaught error, Ctrl-C, SIGTERM from a runner timeout).
  const killSync = (): void => {
    const record = readPidFile(pidFile);
    if (record !== undefined && isRecordAlive(record)) process.kill(record.pid, "SIGKILL");
    rmSync(home, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    killSync();
    process.kill(process.pid, signal);
  };
  process.once("exit", killSync);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    stack,
    config,
    brokers: [`127.0.0.1:${config.kafka.port}`],
    registryUrl: `http://127.0.0.1:${config.registry.port}/apis/ccompat/v7`,
    async start() {
      const started = Date.now();
      const saved = process.env[datasourceEnv];
      if (component === "registry") process.env[datasourceEnv] = `jdbc:h2:file:${join(home, "registry-db", "db")}`;
      let states;
      try {
        states = await stack.up({ wait: true });
      } finally {
        if (saved === undefined) delete process.env[datasourceEnv];
        else process.env[datasourceEnv] = saved;
      }
      const mine = states.find((s) => s.name === component);
      if (mine?.state !== "up" || !mine.managed) {
        throw new Error(`dedicated ${component} did not come up as this stack's own process: ${JSON.stringify(mine)}`);
      }
      return Date.now() - started;
    },
    async kill() {
      const record = readPidFile(pidFile);
      if (record === undefined || !isRecordAlive(record)) throw new Error(`no live ${component} process in ${pidFile}`);
      process.kill(record.pid, "SIGKILL");
      while (isRecordAlive(record)) await sleep(50);
      // A killed JVM shows as a zombie (not alive) a moment before the kernel
      // closes its listening sockets; restarting in that window finds the ports held.
      const ports = component === "kafka" ? [config.kafka.port, config.kafka.controllerPort] : [config.registry.backendPort];
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
        if ((await Promise.all(ports.map((p) => isPortFree("127.0.0.1", p)))).every(Boolean)) return;
      }
      throw new Error(`ports ${ports.join(", ")} still held 30 s after SIGKILL of ${component}`);
    },
    async dispose() {
      process.off("exit", killSync);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      try {
        await stack.down([component]);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}
