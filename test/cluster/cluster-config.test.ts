import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { clearBrokerCount, parseBrokerCount, recordBrokerCount, sharedClusterId } from "../../src/stack/cluster-config.ts";
import { kafkaJavaArgs, kafkaNodeSpecs, renderServerProperties } from "../../src/stack/kafka-config.ts";
import { createKafkaNodes } from "../../src/stack/kafka-node.ts";
import { createMavenFetcher } from "../../src/stack/maven-fetch.ts";
import { createProgress } from "../../src/stack/progress.ts";
import { resolveStackConfig, stackEndpoints } from "../../src/stack/stack-config.ts";

test("--brokers 3: consecutive broker and controller ports, 512 MiB each, all brokers in the endpoint list", () => {
  const config = resolveStackConfig({ env: { LOGWIRE_HOME: "/s" }, brokers: 3 });
  assert.equal(config.kafka.brokers, 3);
  assert.equal(config.kafka.port, 19092);
  assert.equal(config.kafka.controllerPort, 19095, "controllers move above the broker ports, which now include 19093");
  assert.equal(config.kafka.heapMb, 512);
  assert.equal(stackEndpoints(config).brokers, "127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094");
  const nodes = kafkaNodeSpecs(config);
  assert.deepEqual(nodes.map((n) => [n.nodeId, n.brokerPort, n.controllerPort, n.dir]), [
    [1, 19092, 19095, "/s/stack/kafka-1-of-3"],
    [2, 19093, 19096, "/s/stack/kafka-2-of-3"],
    [3, 19094, 19097, "/s/stack/kafka-3-of-3"],
  ]);
  assert.ok(kafkaJavaArgs(nodes[0]!, "/c/libs", config.kafka.heapMb).includes("-Xmx512m"));
  const single = resolveStackConfig({ env: { LOGWIRE_HOME: "/s" } });
  assert.equal(single.kafka.brokers, 1);
  assert.equal(single.kafka.heapMb, 768);
  assert.equal(kafkaNodeSpecs(single)[0]!.dir, "/s/stack/kafka-1", "a single node keeps its old folder");
});

test("cluster server.properties: quorum of 3, replication factor 3 and min.insync.replicas 2 for every topic", () => {
  const nodes = kafkaNodeSpecs(resolveStackConfig({ env: { LOGWIRE_HOME: "/s", LOGWIRE_KAFKA_PORT: "26292", LOGWIRE_CONTROLLER_PORT: "26392" }, brokers: 3 }));
  const lines = renderServerProperties(nodes[2]!, nodes).split("\n");
  for (const expected of [
    "node.id=3",
    "controller.quorum.voters=1@127.0.0.1:26392,2@127.0.0.1:26393,3@127.0.0.1:26394",
    "listeners=PLAINTEXT://127.0.0.1:26294,CONTROLLER://127.0.0.1:26394",
    "default.replication.factor=3",
    "min.insync.replicas=2",
    "offsets.topic.replication.factor=3",
    "transaction.state.log.replication.factor=3",
    "transaction.state.log.min.isr=2",
  ]) {
    assert.ok(lines.includes(expected), `missing ${expected}`);
  }
  const single = kafkaNodeSpecs(resolveStackConfig({ env: { LOGWIRE_HOME: "/s" } }));
  const text = renderServerProperties(single[0]!, single);
  assert.doesNotMatch(text, /default\.replication\.factor|min\.insync\.replicas/, "a single node keeps Kafka's defaults");
});

test("overlapping port ranges and bad counts are invalid_option errors naming the setting", () => {
  assert.throws(
    () => resolveStackConfig({ env: { LOGWIRE_HOME: "/s", LOGWIRE_CONTROLLER_PORT: "19093" }, brokers: 3 }),
    (e: unknown) => isLogwireError(e) && e.code === "invalid_option" && /port 19093 is used twice/.test(e.message) && /consecutive ports/.test(e.message),
  );
  assert.throws(
    () => resolveStackConfig({ env: { LOGWIRE_HOME: "/s", LOGWIRE_KAFKA_PORT: "65534" }, brokers: 3 }),
    (e: unknown) => isLogwireError(e) && /above 65535/.test(e.message),
  );
  for (const bad of ["0", "10", "two", "1.5"]) {
    assert.throws(() => parseBrokerCount(bad), (e: unknown) => isLogwireError(e) && e.path === "--brokers" && /between 1 and 9/.test(e.message));
  }
  assert.equal(resolveStackConfig({ env: { LOGWIRE_HOME: "/s", LOGWIRE_KAFKA_BROKERS: "3" } }).kafka.brokers, 3);
  assert.throws(() => resolveStackConfig({ env: { LOGWIRE_HOME: "/s", LOGWIRE_KAFKA_BROKERS: "x" } }), (e: unknown) => isLogwireError(e) && e.path === "LOGWIRE_KAFKA_BROKERS");
});

test("the node count up recorded is what status and down use; a full down clears it; the cluster id is shared and kept", () => {
  const home = mkdtempSync(join(tmpdir(), "logwire-cluster-config-"));
  try {
    const env = { LOGWIRE_HOME: home };
    const stateDir = join(home, "stack");
    assert.equal(resolveStackConfig({ env }).kafka.brokers, 1);
    recordBrokerCount(stateDir, 3);
    const config = resolveStackConfig({ env });
    assert.equal(config.kafka.brokers, 3);
    const components = createKafkaNodes(config, createMavenFetcher({ cacheDir: join(home, "cache"), progress: createProgress({ silent: true }) }));
    assert.deepEqual(components.map((c) => [c.name, c.endpoint, c.pidFile]), [
      ["kafka-1", "127.0.0.1:19092", join(stateDir, "kafka-1.pid")],
      ["kafka-2", "127.0.0.1:19093", join(stateDir, "kafka-2.pid")],
      ["kafka-3", "127.0.0.1:19094", join(stateDir, "kafka-3.pid")],
    ]);
    assert.equal(resolveStackConfig({ env, brokers: 1 }).kafka.brokers, 1, "the flag wins");
    clearBrokerCount(stateDir);
    assert.equal(resolveStackConfig({ env }).kafka.brokers, 1);
    let draws = 0;
    const id = sharedClusterId(stateDir, 3, () => `id-${++draws}`);
    assert.equal(sharedClusterId(stateDir, 3, () => `id-${++draws}`), id);
    assert.equal(draws, 1);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
