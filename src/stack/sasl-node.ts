import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadKafkajs } from "../runtime/kafka/kafkajs/kafkajs-module.ts";
import { findJava } from "./java-runtime.ts";
import { kafkaJavaArgs, randomClusterId, renderLog4j2Properties, renderServerProperties } from "./kafka-config.ts";
import { formatStorage, KAFKA_MIN_JAVA } from "./kafka-node.ts";
import type { MavenFetcher } from "./maven-fetch.ts";
import { isRecordAlive, sleep, spawnDetached, stopRecord, tailFile, type PidRecord } from "./process-control.ts";
import { renderSaslServerProperties, saslNodeSpec, scramFormatArgs, type SaslNodeSecurity } from "./sasl-config.ts";
import { STACK_HOST, type StackConfig } from "./stack-config.ts";
import { describePortHolder, isPortFree } from "./port-probe.ts";
import { componentDiedError, portHeldError, startTimeoutError } from "./stack-errors.ts";

/**
 * Starts a SASL (and optionally TLS) KRaft node for client tests, separate
 * from the dev stack: its own ports and its own folder under
 * `<stateDir>/kafka-sasl`, formatted afresh on each start so the SCRAM users
 * are exactly the ones given. See sasl-config.ts for the listeners.
 */
export interface SaslKafka {
  /** `127.0.0.1:<port>` of the SASL_PLAINTEXT listener. */
  readonly endpoint: string;
  /** `127.0.0.1:<port>` of the SASL_SSL listener, when `tls` was given. */
  readonly tlsEndpoint: string | undefined;
  readonly pid: number;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartSaslKafkaOptions {
  readonly config: StackConfig;
  readonly fetcher: MavenFetcher;
  readonly brokerPort: number;
  readonly controllerPort: number;
  readonly security: SaslNodeSecurity;
  /** JVM heap in MiB. The default is 512. */
  readonly heapMb?: number;
  /** The default is 90000. */
  readonly startTimeoutMs?: number;
}

export async function startSaslKafka(options: StartSaslKafkaOptions): Promise<SaslKafka> {
  const { config, security } = options;
  const java = findJava(`kafka ${config.kafka.version}`, KAFKA_MIN_JAVA);
  const libs = await options.fetcher.kafkaLibs(config.kafka.version);
  const node = saslNodeSpec(config.stateDir, options.brokerPort, options.controllerPort);
  for (const port of [node.brokerPort, node.controllerPort, ...(security.tls === undefined ? [] : [security.tls.port])]) {
    if (!(await isPortFree(STACK_HOST, port))) {
      throw portHeldError("sasl kafka", `${STACK_HOST}:${port}`, "the port option", describePortHolder(port));
    }
  }
  rmSync(node.dataDir, { recursive: true, force: true });
  mkdirSync(node.dataDir, { recursive: true });
  writeFileSync(node.propertiesFile, renderSaslServerProperties(renderServerProperties(node, [node]), node, security));
  writeFileSync(node.log4jFile, renderLog4j2Properties());
  formatStorage(java.path, libs, node, randomClusterId(), scramFormatArgs(security.users));
  const logFile = join(node.dir, "kafka.log");
  const record: PidRecord = await spawnDetached({
    command: java.path,
    args: kafkaJavaArgs(node, libs, options.heapMb ?? 512),
    cwd: node.dir,
    logFile,
    pidFile: join(node.dir, "kafka.pid"),
    marker: node.propertiesFile,
  });
  const endpoint = `${STACK_HOST}:${node.brokerPort}`;
  const stop = async (graceMs = 15_000): Promise<void> => {
    await stopRecord(record, graceMs);
  };
  const started = Date.now();
  const timeout = options.startTimeoutMs ?? 90_000;
  try {
    while (!(await answers(endpoint, security))) {
      if (!isRecordAlive(record)) throw componentDiedError("sasl kafka", "exited", logFile, tailFile(logFile));
      if (Date.now() - started > timeout) throw startTimeoutError("sasl kafka", timeout / 1000, logFile, tailFile(logFile));
      await sleep(500);
    }
  } catch (error) {
    await stop(2_000);
    throw error;
  }
  return {
    endpoint,
    tlsEndpoint: security.tls === undefined ? undefined : `${STACK_HOST}:${security.tls.port}`,
    pid: record.pid,
    logFile,
    stop,
  };
}

/** True when the node answers `describeCluster` to its first user over SASL PLAIN. */
async function answers(endpoint: string, security: SaslNodeSecurity): Promise<boolean> {
  const user = security.users[0];
  if (user === undefined) return false;
  const { Kafka, logLevel } = loadKafkajs(); // patched: no TimeoutNegativeWarning in the CLI's output
  const admin = new Kafka({
    clientId: "logwire-sasl-health",
    brokers: [endpoint],
    sasl: { mechanism: "plain", username: user.name, password: user.password },
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
