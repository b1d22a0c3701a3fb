/**
 * The machine a run was taken on, for BENCHMARKS.md and latest.json: cores,
 * CPU model, RAM, load, and the versions of Node, Java, Kafka and the
 * registry actually serving the run.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, readlinkSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { createRequire } from "node:module";
import { describeKafkaVersion, describeRegistryVersion } from "../src/stack/index.ts";
import { findListenerPid } from "../src/stack/port-probe.ts";
import { brokers, registryUrl } from "./workload.ts";

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memTotalGiB: number;
  readonly node: string;
  /** `java -version` on PATH, and of the JVMs actually serving Kafka and the registry. */
  readonly java: string;
  readonly kafkaJava: string;
  readonly registryJava: string;
  readonly kafka: string;
  readonly registry: string;
  readonly kafkajs: string;
  readonly loadAverage: readonly number[];
  readonly uptime: string;
}

function firstLine(cmd: string, args: string[]): string {
  // `java -version` writes to stderr, so take whichever stream has text.
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return (r.stdout?.trim() || r.stderr?.trim() || "unknown").split("\n")[0]!.trim();
}

/** `-version` of the JVM listening on `port` (its /proc/<pid>/exe), when it can be read. */
function javaOn(port: number): string {
  const pid = findListenerPid(port);
  if (pid === undefined) return "unknown";
  try {
    return firstLine(readlinkSync(`/proc/${pid}/exe`), ["-version"]);
  } catch {
    return "unknown";
  }
}

/** `uptime`'s line, e.g. " 08:18:35 up 17 min,  0 user,  load average: 7.96, 5.45, 2.66". */
export function uptimeLine(): string {
  return firstLine("uptime", []);
}

export async function machineInfo(): Promise<MachineInfo> {
  let model = cpus()[0]?.model ?? "unknown";
  try {
    model = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? model;
  } catch {
    // Not Linux.
  }
  const port = Number(brokers[0]!.split(":")[1]);
  const kafka = describeKafkaVersion(port);
  const registry = await describeRegistryVersion(registryUrl);
  const require = createRequire(import.meta.url);
  return {
    nproc: Number(firstLine("nproc", [])) || cpus().length,
    cpuModel: model,
    memTotalGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    java: firstLine("java", ["-version"]),
    kafkaJava: javaOn(port),
    registryJava: javaOn(Number(new URL(registryUrl).port)),
    kafka: kafka?.version ?? "unknown",
    registry: registry === undefined ? "unknown" : `${registry.name} ${registry.version}`,
    kafkajs: (require("kafkajs/package.json") as { version: string }).version,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    uptime: uptimeLine(),
  };
}
