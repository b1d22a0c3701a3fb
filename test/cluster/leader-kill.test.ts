import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import kafkajs from "kafkajs";
import type { KafkaConfig } from "kafkajs";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { createProgress, createStack, resolveStackConfig, stackEndpoints, type Stack } from "../../src/stack/index.ts";
import { readPidFile, stopRecord } from "../../src/stack/process-control.ts";
import { nodeFiles } from "../../src/stack/cluster-config.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";
import { registryUrl } from "../support/stack-env.ts";
import { onUniqueTopic } from "../pipeline/support/descriptors.ts";
import { readTopics } from "../support/topic-reader.ts";

/**
 * `logwire dev up --brokers 3` on ports of its own (LOGWIRE_CLUSTER_PORT,
 * default 26292..26294, controllers +100), never the shared dev stack. The
 * registry port points at the shared registry, which `up` finds healthy and
 * reuses without a pid file, so `down` leaves it alone.
 *
 * Under keyed load through the pipeline, the leader of partition 0 is
 * SIGKILLed; emitting goes on; then everything is read back from the two
 * survivors. Every acked record must be there.
 */

const { Kafka, logLevel } = kafkajs;
const EMIT_PER_TICK = 10;
const TICK_MS = 10;
const BEFORE_KILL_MS = 3_000;
const AFTER_KILL_MS = 10_000;
const KEYS = 24;

let stack: Stack;
let home: string;
let brokers: string[];

function client(): KafkaConfig {
  return { clientId: "logwire-cluster-test", brokers, logLevel: logLevel.NOTHING };
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), "logwire-cluster-"));
  const base = Number(process.env["LOGWIRE_CLUSTER_PORT"] ?? 26292);
  const env = {
    LOGWIRE_HOME: home,
    LOGWIRE_KAFKA_PORT: String(base),
    LOGWIRE_CONTROLLER_PORT: String(base + 100),
    LOGWIRE_REGISTRY_PORT: new URL(registryUrl).port,
    LOGWIRE_CACHE_DIR: process.env["LOGWIRE_CACHE_DIR"],
    XDG_CACHE_HOME: process.env["XDG_CACHE_HOME"],
  };
  const config = resolveStackConfig({ env, brokers: 3 });
  stack = createStack(config, { progress: createProgress({ silent: true }) });
  const started = Date.now();
  const statuses = await stack.up({ wait: true });
  const nodes = statuses.filter((s) => s.name.startsWith("kafka-"));
  assert.deepEqual(nodes.map((s) => [s.name, s.state, s.managed]), [["kafka-1", "up", true], ["kafka-2", "up", true], ["kafka-3", "up", true]]);
  brokers = stackEndpoints(config).brokers.split(",");
  console.log(`3-node cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${brokers.join(",")}`);
}, { timeout: 100_000 });

after(async () => {
  try {
    // A node in controlled shutdown can take 30 s here; the data is thrown away, so give each 8 s before SIGKILL.
    if (stack !== undefined) {
      await Promise.all(
        [1, 2, 3].map(async (id) => {
          const record = readPidFile(nodeFiles(stack.config.stateDir, id, 3).pidFile);
          if (record !== undefined) await stopRecord(record, 8_000);
        }),
      );
    }
    if (stack !== undefined) console.log(`cluster down: ${(await stack.down()).join("; ")}`);
  } finally {
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  }
});

/**
 * Waits until every partition has a leader and 3 in-sync replicas. kafkajs's
 * `waitForLeaders` gives up after a few metadata answers of "does not host
 * this topic-partition" while the new topic spreads on a loaded machine.
 */
async function fullyReplicated(admin: kafkajs.Admin, topic: string, partitions: number): Promise<kafkajs.PartitionMetadata[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const found = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions ?? [];
      if (found.length === partitions && found.every((p) => p.leader >= 0 && p.isr.length === 3)) return found;
    } catch {
      // Not known everywhere yet.
    }
    if (Date.now() > deadline) throw new Error(`${topic} did not get ${partitions} fully replicated partitions within 30 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Makes the group coordinator's __consumer_offsets (RF 3) exist while all three nodes run; with one down it could not be created. */
async function warmConsumerOffsets(): Promise<void> {
  const kafka = new Kafka(client());
  const admin = kafka.admin();
  await admin.connect();
  const warm = `cluster-warm-${Date.now().toString(36)}`;
  try {
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic: warm, numPartitions: 1 }] });
    await fullyReplicated(admin, warm, 1);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: warm, acks: -1, messages: [{ value: "warm" }] });
  await producer.disconnect();
  assert.equal((await readTopics(client(), [warm], 60_000)).length, 1);
}

test("SIGKILL of a partition leader under keyed load: zero acked records lost, books balance", { timeout: 110_000 }, async () => {
  const audit = onUniqueTopic(PaymentAuditLog, "cluster-leader-kill");
  const kafka = new Kafka(client());
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: false,
      topics: [{ topic: audit.topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: "min.insync.replicas", value: "2" }] }],
    });
    const partitions = await fullyReplicated(admin, audit.topic, 3);
    for (const p of partitions) assert.equal(p.replicas.length, 3, `partition ${p.partitionId} has 3 replicas`);
  } finally {
    await admin.disconnect();
  }
  await warmConsumerOffsets();

  // Counts the records kafkajs acked without sending (see src/runtime/kafka/kafkajs/partition-acks.ts) that the transport sent again.
  const resends: string[] = [];
  const pipeline = await createPipeline({
    brokers,
    registry: { url: registryUrl },
    buffer: { maxBytes: 32 * 1048576 },
    closeTimeoutMs: 45_000,
    logger: { level: "warn", log: (e) => void (e.namespace === "logwire.transport" && resends.push(e.message)) },
  });
  const emitter = pipeline.emitter(audit);
  const acked = new Set<number>();
  const failed = new Map<number, string>();
  const settled: Promise<void>[] = [];
  let next = 0;
  let ackedBeforeKill = 0;
  const emitFor = async (ms: number): Promise<void> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      for (let k = 0; k < EMIT_PER_TICK; k++) {
        const i = next++;
        settled.push(
          emitter.emitAndWait(simulatePaymentRequest(i, KEYS).audit).then(
            () => void acked.add(i),
            (e: unknown) => void failed.set(i, String((e as { code?: unknown }).code ?? e)),
          ),
        );
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  };

  await emitFor(BEFORE_KILL_MS);
  const watch = kafka.admin();
  await watch.connect();
  let killedNode: number;
  let killedAtSeq: number;
  try {
    const leader = (await watch.fetchTopicMetadata({ topics: [audit.topic] })).topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
    const record = readPidFile(nodeFiles(stack.config.stateDir, leader, 3).pidFile);
    assert.ok(record !== undefined, `pid file of node ${leader}`);
    ackedBeforeKill = acked.size;
    killedAtSeq = next;
    process.kill(record.pid, "SIGKILL");
    killedNode = leader;
    console.log(`killed node ${leader} (pid ${record.pid}), leader of partition 0, after ${killedAtSeq} emitted / ${ackedBeforeKill} acked`);
  } finally {
    await watch.disconnect();
  }
  const killedAt = Date.now();
  await emitFor(AFTER_KILL_MS);
  await pipeline.close();
  await Promise.all(settled);
  const closedAfterKillMs = Date.now() - killedAt;

  const stats = pipeline.stats();
  const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  const deadLettered = Object.values(stats.deadLettered).reduce((a, b) => a + b, 0);
  assert.equal(stats.emitted, next, "every emit is booked");
  assert.equal(stats.pending, 0);
  assert.equal(stats.emitted, stats.acked + dropped + deadLettered + stats.unknown, `books balance: ${JSON.stringify(stats)}`);
  assert.equal(stats.acked, acked.size, "the pipeline's acked count matches the resolved emitAndWait promises");
  assert.equal(acked.size + failed.size, next);
  assert.ok([...acked].some((i) => i >= killedAtSeq), "records emitted after the kill were acked by the new leaders");

  const after = kafka.admin();
  await after.connect();
  try {
    const p0 = (await after.fetchTopicMetadata({ topics: [audit.topic] })).topics[0]!.partitions.find((p) => p.partitionId === 0)!;
    assert.notEqual(p0.leader, killedNode, "partition 0 has a new leader");
  } finally {
    await after.disconnect();
  }

  const records = await readTopics(client(), [audit.topic], 60_000);
  const seen = new Map<number, number>();
  const lastSeqByKey = new Map<string, number>();
  let outOfOrder = 0;
  for (const r of records) {
    const message = fromBinary(PaymentAuditSchema, decodeFrame(r.value).payload);
    const seq = Number(message.labels["seq"]);
    seen.set(seq, (seen.get(seq) ?? 0) + 1);
    const key = r.key?.toString() ?? "";
    if ((seen.get(seq) ?? 0) === 1) {
      if (seq < (lastSeqByKey.get(key) ?? -1)) outOfOrder++;
      lastSeqByKey.set(key, seq);
    }
  }
  const lost = [...acked].filter((i) => !seen.has(i));
  const duplicates = [...seen.values()].reduce((n, c) => n + (c - 1), 0);
  console.log(
    `leader kill: emitted ${stats.emitted}, acked ${stats.acked}, dropped ${dropped} ${JSON.stringify(stats.dropped)}, dead-lettered ${deadLettered} ${JSON.stringify(stats.deadLettered)}, unknown ${stats.unknown}; ` +
      `read back ${records.length} (${seen.size} distinct), acked but missing ${lost.length}, duplicates ${duplicates}, per-key order breaks ${outOfOrder}; ` +
      `resends of records kafkajs skipped: ${resends.length === 0 ? "none" : resends.join(" | ")}; ` +
      `close finished ${(closedAfterKillMs / 1000).toFixed(1)} s after the kill`,
  );
  assert.deepEqual(lost, [], "zero acked records lost");
  assert.ok(stats.acked > 0 && records.length >= stats.acked);
});
