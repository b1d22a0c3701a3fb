import assert from "node:assert/strict";
import { test } from "node:test";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { kafkaJavaArgs, kafkaNodeSpecs, randomClusterId, renderServerProperties } from "../../src/stack/kafka-config.ts";
import { renderKafkaPom } from "../../src/stack/maven-fetch.ts";
import { parseMavenTransfer } from "../../src/stack/progress.ts";
import { resolveStackConfig, stackEndpoints } from "../../src/stack/stack-config.ts";

test("defaults: kafka 19092/19093, registry 18081, state under the project's .logwire", () => {
  const config = resolveStackConfig({ env: { HOME: "/home/u" }, cwd: process.cwd() });
  assert.equal(config.kafka.port, 19092);
  assert.equal(config.kafka.controllerPort, 19093);
  assert.equal(config.registry.port, 18081);
  assert.equal(config.registry.backendPort, 18082, "Apicurio behind the front: the registry port + 1");
  assert.equal(config.stateDir, `${process.cwd()}/.logwire/stack`);
  assert.deepEqual(stackEndpoints(config), {
    brokers: "127.0.0.1:19092",
    registryUrl: "http://127.0.0.1:18081/apis/ccompat/v7",
  });
});

test("ports and state dir come from LOGWIRE_* env vars", () => {
  const config = resolveStackConfig({
    env: { LOGWIRE_KAFKA_PORT: "29092", LOGWIRE_CONTROLLER_PORT: "29093", LOGWIRE_REGISTRY_PORT: "28081", LOGWIRE_HOME: "/tmp/lw-x", LOGWIRE_CACHE_DIR: "/tmp/c" },
  });
  assert.equal(config.kafka.port, 29092);
  assert.equal(config.kafka.controllerPort, 29093);
  assert.equal(config.registry.port, 28081);
  assert.equal(config.registry.backendPort, 28082);
  assert.equal(resolveStackConfig({ env: { LOGWIRE_REGISTRY_BACKEND_PORT: "28099" } }).registry.backendPort, 28099);
  assert.equal(config.stateDir, "/tmp/lw-x/stack");
  assert.equal(config.cacheDir, "/tmp/c");
});

test("a bad or duplicated port is an invalid_option error naming the env var", () => {
  assert.throws(
    () => resolveStackConfig({ env: { LOGWIRE_KAFKA_PORT: "99999" } }),
    (e: unknown) => isLogwireError(e) && e.code === "invalid_option" && e.path === "LOGWIRE_KAFKA_PORT" && /between 1 and 65535/.test(e.message),
  );
  assert.throws(
    () => resolveStackConfig({ env: { LOGWIRE_REGISTRY_PORT: "19092" } }),
    (e: unknown) => isLogwireError(e) && /port 19092 is used twice/.test(e.message),
  );
  assert.throws(
    () => resolveStackConfig({ env: { LOGWIRE_REGISTRY_BACKEND_PORT: "18081" } }),
    (e: unknown) => isLogwireError(e) && /port 18081 is used twice \(LOGWIRE_REGISTRY_PORT and LOGWIRE_REGISTRY_BACKEND_PORT\)/.test(e.message),
  );
});

test("server.properties for one KRaft node, loopback only, replication 1", () => {
  const config = resolveStackConfig({ env: { LOGWIRE_HOME: "/s" } });
  const nodes = kafkaNodeSpecs(config);
  assert.equal(nodes.length, 1);
  const lines = renderServerProperties(nodes[0]!, nodes).split("\n");
  for (const expected of [
    "process.roles=broker,controller",
    "node.id=1",
    "controller.quorum.voters=1@127.0.0.1:19093",
    "listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093",
    "advertised.listeners=PLAINTEXT://127.0.0.1:19092",
    "controller.listener.names=CONTROLLER",
    "inter.broker.listener.name=PLAINTEXT",
    "log.dirs=/s/stack/kafka-1/data",
    "offsets.topic.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "group.initial.rebalance.delay.ms=0",
  ]) {
    assert.ok(lines.includes(expected), `missing ${expected}`);
  }
});

test("server.properties lists every node as a voter when there are several", () => {
  const config = resolveStackConfig({ env: { LOGWIRE_HOME: "/s" } });
  const one = kafkaNodeSpecs(config)[0]!;
  const nodes = [1, 2, 3].map((id) => ({ ...one, nodeId: id, brokerPort: 19090 + id * 2, controllerPort: 19091 + id * 2 }));
  const text = renderServerProperties(nodes[1]!, nodes);
  assert.match(text, /^controller\.quorum\.voters=1@127\.0\.0\.1:19093,2@127\.0\.0\.1:19095,3@127\.0\.0\.1:19097$/m);
  assert.match(text, /^node\.id=2$/m);
  assert.match(text, /^offsets\.topic\.replication\.factor=3$/m);
  assert.match(text, /^transaction\.state\.log\.min\.isr=2$/m);
});

test("java args run kafka.Kafka with the libs wildcard and the log4j2 config", () => {
  const node = kafkaNodeSpecs(resolveStackConfig({ env: { LOGWIRE_HOME: "/s" } }))[0]!;
  const args = kafkaJavaArgs(node, "/c/libs", 768);
  assert.deepEqual(args.slice(-4), ["-cp", "/c/libs/*", "kafka.Kafka", "/s/stack/kafka-1/server.properties"]);
  assert.ok(args.includes("-Xmx768m"));
  assert.ok(args.includes("-Dlog4j2.configurationFile=/s/stack/kafka-1/log4j2.properties"));
});

test("cluster ids look like StorageTool random-uuid output and never start with '-'", () => {
  assert.match(randomClusterId(), /^[A-Za-z0-9_-]{22}$/);
  let calls = 0;
  const id = randomClusterId((size) => (calls++ === 0 ? Buffer.alloc(size, 0xfb) : Buffer.alloc(size, 1)));
  assert.equal(calls, 2, "an id starting with '-' is redrawn");
  assert.equal(id, Buffer.alloc(16, 1).toString("base64url"));
});

test("the kafka pom pins slf4j-api 2.x so the log4j2 binding is used", () => {
  const pom = renderKafkaPom("4.4.0");
  assert.match(pom, /<artifactId>kafka_2\.13<\/artifactId><version>4\.4\.0<\/version>/);
  assert.match(pom, /<artifactId>slf4j-api<\/artifactId><version>2\.0\.17<\/version>/);
  assert.match(pom, /<artifactId>log4j-slf4j2-impl<\/artifactId>/);
});

test("maven transfer lines are parsed for the progress counter", () => {
  assert.deepEqual(
    parseMavenTransfer("Downloaded from central: https://repo.maven.apache.org/maven2/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar (70 kB at 1.2 MB/s)"),
    { url: "https://repo.maven.apache.org/maven2/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar", name: "slf4j-api-2.0.17.jar", bytes: 70_000 },
  );
  assert.equal(parseMavenTransfer("[INFO] BUILD SUCCESS"), undefined);
});
