import { Command, InvalidArgumentError } from "commander";
import {
  createProgress,
  createStack,
  resolveStackConfig,
  stackEndpoints,
  type ComponentName,
  type ComponentStatus,
} from "../stack/index.ts";
import { parseBrokerCount } from "../stack/cluster-config.ts";
import { ExitCode } from "./run-program.ts";

const COMPONENTS: readonly ComponentName[] = ["kafka", "registry", "registry-front"];

/** `logwire dev up | down | status`: the local Kafka + schema registry. */
export function devCommand(): Command {
  const dev = new Command("dev")
    .description("run a local Kafka broker and schema registry from Maven Central jars (no Docker)")
    .addHelpText(
      "after",
      [
        "",
        "Environment:",
        "  LOGWIRE_KAFKA_PORT        Kafka listener (default 19092; node i of a cluster: +i-1)",
        "  LOGWIRE_CONTROLLER_PORT   KRaft controller (default 19093; a cluster: Kafka port + nodes, +i-1)",
        "  LOGWIRE_KAFKA_BROKERS     Kafka nodes, like --brokers (default 1, or what the last up used)",
        "  LOGWIRE_REGISTRY_PORT     schema registry, as clients use it: the registry front (default 18081)",
        "  LOGWIRE_REGISTRY_BACKEND_PORT  Apicurio behind the front (default the registry port + 1)",
        "  LOGWIRE_HOME              state folder: pid files, logs, data (default ./.logwire)",
        "  LOGWIRE_CACHE_DIR         downloaded jars (default ~/.cache/logwire)",
      ].join("\n"),
    );

  dev
    .command("up")
    .description("start the stack, or reuse the parts already running (downloads ~200 MB on first run)")
    .option("--wait", "return only when Kafka answers describeCluster and the registry answers GET /subjects")
    .option("--brokers <n>", "run n KRaft nodes as one cluster (3: replication factor 3, min.insync.replicas 2, 512 MiB heap each)", parseBrokers)
    .action(async (options: { wait?: boolean; brokers?: number }) => {
      const stack = createStack(resolveStackConfig(options.brokers === undefined ? {} : { brokers: options.brokers }), { progress: createProgress() });
      const statuses = await stack.up({ wait: options.wait === true });
      process.stdout.write(formatStatuses(statuses));
      const { brokers, registryUrl } = stackEndpoints(stack.config);
      process.stdout.write(`\nLOGWIRE_BROKERS=${brokers}\nLOGWIRE_REGISTRY_URL=${registryUrl}\n`);
    });

  dev
    .command("down")
    .description("stop the processes `logwire dev up` started (known by pid files); others are left alone")
    .argument("[components...]", `which to stop: ${COMPONENTS.join(", ")} (default: all)`, parseComponent, [] as ComponentName[])
    .action(async (components: ComponentName[]) => {
      const stack = createStack(resolveStackConfig(), { progress: createProgress() });
      for (const line of await stack.down(components)) {
        process.stdout.write(`${line}\n`);
      }
    });

  dev
    .command("status")
    .description("show each component as up or down with its endpoint; exit 1 if any is not up")
    .option("--json", "print a JSON array of component statuses")
    .action(async (options: { json?: boolean }) => {
      const stack = createStack(resolveStackConfig(), { progress: createProgress({ silent: true }) });
      const statuses = await stack.status();
      process.stdout.write(options.json === true ? JSON.stringify(statuses, null, 2) + "\n" : formatStatuses(statuses));
      if (statuses.some((s) => s.state !== "up")) {
        process.exitCode = ExitCode.Failure;
      }
    });

  return dev;
}

function parseBrokers(value: string): number {
  try {
    return parseBrokerCount(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function parseComponent(value: string, previous: ComponentName[]): ComponentName[] {
  if (!(COMPONENTS as readonly string[]).includes(value) && !/^kafka-[1-9]$/.test(value)) {
    throw new InvalidArgumentError(`unknown component "${value}": use one of ${COMPONENTS.join(", ")}, or kafka-1.. for the nodes of a cluster`);
  }
  return [...previous, value as ComponentName];
}

/** One aligned line per component, then fix and log lines for those not up. */
export function formatStatuses(statuses: readonly ComponentStatus[]): string {
  const width = Math.max(...statuses.map((s) => s.endpoint.length));
  const nameWidth = Math.max(9, ...statuses.map((s) => s.name.length + 1));
  const out: string[] = [];
  for (const s of statuses) {
    out.push(`${s.name.padEnd(nameWidth)}${s.state.padEnd(10)}${s.endpoint.padEnd(width + 2)}${s.note}`);
    if (s.fix !== undefined && s.state !== "up") {
      out.push(`${" ".repeat(9)}fix: ${s.fix}`);
    }
    if (s.logTail !== undefined && s.logTail.length > 0) {
      out.push(`${" ".repeat(9)}last ${s.logTail.length} lines of ${s.logFile}:`);
      out.push(...s.logTail.map((l) => `${" ".repeat(11)}| ${l}`));
    }
  }
  return out.join("\n") + "\n";
}
