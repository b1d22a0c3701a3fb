import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadKafkajs } from "../runtime/kafka/kafkajs/kafkajs-module.ts";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { findJava, findMaven } from "./java-runtime.ts";
import {
  kafkaJavaArgs,
  kafkaNodeSpecs,
  randomClusterId,
  renderLog4j2Properties,
  renderServerProperties,
  type KafkaNodeSpec,
} from "./kafka-config.ts";
import type { MavenFetcher } from "./maven-fetch.ts";
import { spawnDetached } from "./process-control.ts";
import { nodeFiles, sharedClusterId } from "./cluster-config.ts";
import type { ComponentName, StackComponent } from "./stack-component.ts";
import { PORT_ENV, STACK_HOST, type StackConfig } from "./stack-config.ts";

/** Kafka 4.x runs on Java 17 or later. */
export const KAFKA_MIN_JAVA = 17;

/** The KRaft broker+controller nodes of the dev stack: one, or `--brokers N` forming one quorum. */
export function createKafkaNodes(config: StackConfig, fetcher: MavenFetcher): StackComponent[] {
  const nodes = kafkaNodeSpecs(config);
  return nodes.map((node) => createKafkaNode(config, fetcher, node, nodes));
}

function createKafkaNode(config: StackConfig, fetcher: MavenFetcher, node: KafkaNodeSpec, nodes: readonly KafkaNodeSpec[]): StackComponent {
  const endpoint = `${STACK_HOST}:${node.brokerPort}`;
  const libsMarker = join(config.cacheDir, `kafka-${config.kafka.version}`, "libs", ".complete");
  const files = nodeFiles(config.stateDir, node.nodeId, nodes.length);
  return {
    name: files.name as ComponentName,
    endpoint,
    ports: [
      { port: node.brokerPort, envVar: PORT_ENV.kafka },
      { port: node.controllerPort, envVar: PORT_ENV.controller },
    ],
    pidFile: files.pidFile,
    logFile: files.logFile,
    startTimeoutMs: 90_000,
    isHealthy: () => isKafkaHealthy(endpoint),
    preflight() {
      findJava(`kafka ${config.kafka.version}`, KAFKA_MIN_JAVA);
      if (!existsSync(libsMarker)) {
        findMaven();
      }
    },
    async start() {
      const java = findJava(`kafka ${config.kafka.version}`, KAFKA_MIN_JAVA);
      const libs = await fetcher.kafkaLibs(config.kafka.version);
      mkdirSync(node.dataDir, { recursive: true });
      writeFileSync(node.propertiesFile, renderServerProperties(node, nodes));
      writeFileSync(node.log4jFile, renderLog4j2Properties());
      if (!existsSync(join(node.dataDir, "meta.properties"))) {
        const clusterId = nodes.length === 1 ? randomClusterId() : sharedClusterId(config.stateDir, nodes.length, randomClusterId);
        formatStorage(java.path, libs, node, clusterId);
      }
      return spawnDetached({
        command: java.path,
        args: kafkaJavaArgs(node, libs, config.kafka.heapMb),
        cwd: node.dir,
        logFile: files.logFile,
        pidFile: files.pidFile,
        marker: node.propertiesFile,
      });
    },
    async afterStart() {},
    async inspectForeign() {
      return undefined;
    },
  };
}

/**
 * `kafka.tools.StorageTool format`; only for a data dir without meta.properties.
 * `extraArgs` adds e.g. `--add-scram` user credentials (sasl-config.ts).
 */
export function formatStorage(java: string, libs: string, node: KafkaNodeSpec, clusterId: string, extraArgs: readonly string[] = []): void {
  const result = spawnSync(
    java,
    ["-cp", join(libs, "*"), `-Dlog4j2.configurationFile=${node.log4jFile}`, "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", node.propertiesFile, ...extraArgs],
    { encoding: "utf8", timeout: 120_000 },
  );
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-20).join("\n");
    throw new LogwireError(ErrorCode.Environment, `formatting kafka storage in ${node.dataDir} failed:\n${output}\n`, {
      fix: `remove ${node.dataDir} and run \`logwire dev up\` again`,
    });
  }
}

/** True when a kafkajs admin client gets an answer to `describeCluster` within ~2 s. */
export async function isKafkaHealthy(broker: string): Promise<boolean> {
  const { Kafka, logLevel } = loadKafkajs(); // patched: no TimeoutNegativeWarning in the CLI's output
  const kafka = new Kafka({
    clientId: "logwire-dev-health",
    brokers: [broker],
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
