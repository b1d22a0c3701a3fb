import type { PidRecord } from "./process-control.ts";

/**
 * `kafka` for a single node; `kafka-1`.. for the nodes of a `--brokers N`
 * cluster; `registry` is Apicurio and `registry-front` the proxy clients use
 * in front of it (registry-front.ts).
 */
export type ComponentName = "kafka" | "registry" | "registry-front" | `kafka-${number}`;

/** A port a component binds, with the env var that moves it. */
export interface ComponentPort {
  readonly port: number;
  readonly envVar: string;
}

/** One server of the dev stack, as `createStack` drives it. */
export interface StackComponent {
  readonly name: ComponentName;
  /** What clients use: `127.0.0.1:19092`, `http://127.0.0.1:18081/apis/ccompat/v7`. */
  readonly endpoint: string;
  readonly ports: readonly ComponentPort[];
  readonly pidFile: string;
  readonly logFile: string;
  /** How long `up --wait` waits for health after starting the process. */
  readonly startTimeoutMs: number;
  /** Answers its health request (Kafka: `describeCluster`; registry: `GET /subjects`). */
  isHealthy(): Promise<boolean>;
  /** Checks local tools without side effects; throws `environment` naming the fix. */
  preflight(): void;
  /** Downloads what is missing, writes config, starts the process. */
  start(): Promise<PidRecord>;
  /** Runs once the component it started answers; e.g. sets registry defaults. */
  afterStart(): Promise<void>;
  /** A warning about a running instance logwire did not start, if its setup differs. */
  inspectForeign(): Promise<string | undefined>;
  /**
   * Why the live process a pid file names can never answer where this
   * component is expected (e.g. started by an earlier logwire with another
   * layout), or undefined.
   */
  outdated?(record: PidRecord): string | undefined;
}
