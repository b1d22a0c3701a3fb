import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { isRecordAlive, readPidFile } from "./process-control.ts";

/**
 * `logwire dev up --brokers N`: N combined broker+controller KRaft nodes
 * forming one quorum. Node i (1-based) listens on `kafka port + i - 1` and
 * its controller on `controller port + i - 1`. With more than one node the
 * controller ports default to just above the broker ports (19095.. for
 * 3 nodes), since 19093 is then node 2's broker port.
 *
 * `up` records N in the state dir, so `status` and `down` without the flag
 * see every node it started.
 */

/** Up to 9 nodes: a quorum on one machine; beyond that nothing new is learnt. */
export const MAX_BROKERS = 9;

/** JVM heap per node: one node gets 768 MiB, each of a cluster's nodes 512 MiB. */
export function brokerHeapMb(brokers: number): number {
  return brokers > 1 ? 512 : 768;
}

/** Validates a `--brokers` value (or `LOGWIRE_KAFKA_BROKERS`). */
export function parseBrokerCount(raw: string | number, path = "--brokers"): number {
  const value = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_BROKERS) {
    throw new LogwireError(ErrorCode.InvalidOption, `"${String(raw)}" is not a broker count between 1 and ${MAX_BROKERS}`, {
      path,
      fix: "pass --brokers 1 for a single node, or 3 for a cluster with replication factor 3 and min.insync.replicas 2",
    });
  }
  return value;
}

function countFile(stateDir: string): string {
  return join(stateDir, "kafka-brokers");
}

/** The node count the last `up` used in this state dir, if any. */
export function recordedBrokerCount(stateDir: string): number | undefined {
  const file = countFile(stateDir);
  if (!existsSync(file)) return undefined;
  const value = Number(readFileSync(file, "utf8").trim());
  return Number.isInteger(value) && value >= 1 && value <= MAX_BROKERS ? value : undefined;
}

export function recordBrokerCount(stateDir: string, brokers: number): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(countFile(stateDir), `${brokers}\n`);
}

export function clearBrokerCount(stateDir: string): void {
  rmSync(countFile(stateDir), { force: true });
}

/**
 * Throws when this state dir runs nodes of a cluster of another size than
 * `brokers`: their ports overlap the new layout's, and `down` would no
 * longer find their pid files.
 */
export function checkNoOtherLayoutRunning(stateDir: string, brokers: number): void {
  const recorded = recordedBrokerCount(stateDir);
  if (recorded === undefined || recorded === brokers) return;
  const alive = nodeIds(recorded).filter((id) => {
    const record = readPidFile(nodeFiles(stateDir, id, recorded).pidFile);
    return record !== undefined && isRecordAlive(record);
  });
  if (alive.length > 0) {
    throw new LogwireError(ErrorCode.Environment, `a ${recorded}-node kafka started from ${stateDir} is still running (${alive.length} node${alive.length === 1 ? "" : "s"} up)`, {
      path: "--brokers",
      fix: `run \`logwire dev down\` first, then \`logwire dev up --brokers ${brokers}\``,
    });
  }
}

/** Node ids 1..N. */
export function nodeIds(brokers: number): number[] {
  return Array.from({ length: brokers }, (_, i) => i + 1);
}

/**
 * Per-node file names. A single node keeps the names it always had
 * (`kafka.pid`, `kafka-1/`); cluster nodes get `kafka-<id>.pid` and
 * `kafka-<id>-of-<N>/`, so a cluster never reuses a single node's data
 * (formatted with another cluster id and quorum) or the other way round.
 */
export function nodeFiles(stateDir: string, nodeId: number, brokers: number): { name: string; dir: string; pidFile: string; logFile: string } {
  if (brokers === 1) {
    return { name: "kafka", dir: join(stateDir, `kafka-${nodeId}`), pidFile: join(stateDir, "kafka.pid"), logFile: join(stateDir, "kafka.log") };
  }
  return {
    name: `kafka-${nodeId}`,
    dir: join(stateDir, `kafka-${nodeId}-of-${brokers}`),
    pidFile: join(stateDir, `kafka-${nodeId}.pid`),
    logFile: join(stateDir, `kafka-${nodeId}.log`),
  };
}

/**
 * The cluster id every node is formatted with: drawn once per cluster and
 * kept in the state dir, so a node whose data was wiped rejoins the same
 * cluster.
 */
export function sharedClusterId(stateDir: string, brokers: number, draw: () => string): string {
  const file = join(stateDir, `kafka-cluster-id-of-${brokers}`);
  if (existsSync(file)) {
    const id = readFileSync(file, "utf8").trim();
    if (id !== "") return id;
  }
  const id = draw();
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, `${id}\n`);
  return id;
}

/** Cluster-only broker settings: topics are replicated on 3 nodes and an ack needs 2 in sync. */
export function clusterTopicDefaults(brokers: number): string[] {
  if (brokers === 1) return [];
  const replication = Math.min(3, brokers);
  return [`default.replication.factor=${replication}`, `min.insync.replicas=${Math.max(1, replication - 1)}`];
}
