import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { resolveOptions, type PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { classifyProduceError, kafkaClientConfig } from "../../src/runtime/kafka/kafkajs/kafka-transport.ts";
import { rejectsOption } from "../support/option-assertions.ts";
import { collectSecrets, redactOptions, scrubSecrets } from "../../src/runtime/kafka/secret-scrub.ts";
import { renderSaslServerProperties, saslNodeSpec, scramFormatArgs } from "../../src/stack/sasl-config.ts";
import { renderServerProperties } from "../../src/stack/kafka-config.ts";

const base: PipelineOptions = { brokers: ["127.0.0.1:19092"], registry: { url: "http://127.0.0.1:18081/apis/ccompat/v7" } };
const SASL_PW = "sasl-Pw-0001-unique";
const REG_PW = "reg-Pw-0002-unique";

function rejects(options: unknown, path: string, message: RegExp): void {
  rejectsOption(options, path, message, [SASL_PW, REG_PW]);
}

test("sasl, ssl and logger are validated up front with their option paths", () => {
  rejects({ ...base, sasl: "scram" }, "sasl", /must be an object/);
  rejects({ ...base, sasl: { mechanism: "gssapi", username: "u", password: SASL_PW } }, "sasl.mechanism", /"gssapi" is not one of "plain", "scram-sha-256", "scram-sha-512"/);
  rejects({ ...base, sasl: { username: "u", password: SASL_PW } }, "sasl.mechanism", /undefined is not one of/);
  rejects({ ...base, sasl: { mechanism: "plain", password: SASL_PW } }, "sasl.username", /non-empty string, received undefined/);
  rejects({ ...base, sasl: { mechanism: "plain", username: "u", password: "" } }, "sasl.password", /received an empty string/);
  rejects({ ...base, sasl: { mechanism: "plain", username: "u", password: 42 } }, "sasl.password", /received number/);
  rejects({ ...base, ssl: "yes" }, "ssl", /must be true or a tls.ConnectionOptions object/);
  rejects({ ...base, ssl: { ca: 42 } }, "ssl.ca", /PEM string or Buffer/);
  rejects({ ...base, ssl: { ca: [] } }, "ssl.ca", /PEM string or Buffer/);
  rejects({ ...base, ssl: { rejectUnauthorized: "no" } }, "ssl.rejectUnauthorized", /must be a boolean/);
  rejects({ ...base, ssl: { passphrase: 7 } }, "ssl.passphrase", /must be a string/);
  rejects({ ...base, logger: () => {} }, "logger", /log\(entry\) function/);
  rejects({ ...base, logger: { level: "trace", log: () => {} } }, "logger.level", /"trace" is not one of/);
  rejects({ ...base, registry: { url: base.registry!.url, auth: { username: "u" } } }, "registry.auth", /must be strings/);
  rejects({ ...base, registry: { url: base.registry!.url, auth: null } }, "registry.auth", /must be strings/);
  rejects({ ...base, registry: { url: `http://u:${REG_PW}@127.0.0.1:18081`, auth: { username: "u", password: REG_PW } } }, "registry.url", /holds credentials and registry.auth is set too/);
});

test("kafka's own mechanism spelling is accepted and passed to kafkajs lowercase", () => {
  const o = resolveOptions({ ...base, sasl: { mechanism: "SCRAM-SHA-512" as "scram-sha-512", username: "u", password: SASL_PW } });
  assert.deepEqual(o.sasl, { mechanism: "scram-sha-512", username: "u", password: SASL_PW });
});

test("sasl and ssl reach the kafkajs client config unchanged; without a logger kafkajs logs nothing", () => {
  const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  for (const mechanism of ["plain", "scram-sha-256", "scram-sha-512"] as const) {
    const o = resolveOptions({ ...base, sasl: { mechanism, username: "alice", password: SASL_PW }, ssl: { ca: [ca], servername: "kafka.local" } });
    const config = kafkaClientConfig(o);
    assert.deepEqual(config.sasl, { mechanism, username: "alice", password: SASL_PW });
    assert.deepEqual(config.ssl, { ca: [ca], servername: "kafka.local" });
    assert.equal(config.logLevel, 0, "logLevel.NOTHING");
    assert.equal(config.logCreator, undefined);
  }
  const plain = kafkaClientConfig(resolveOptions({ ...base, ssl: true }));
  assert.equal(plain.ssl, true);
  assert.equal(plain.sasl, undefined);
  const withLogger = kafkaClientConfig(resolveOptions({ ...base, logger: { level: "debug", log: () => {} } }));
  assert.equal(withLogger.logLevel, 5, "logLevel.DEBUG");
  assert.equal(typeof withLogger.logCreator, "function");
});

test("the kafkajs log creator scrubs secrets from messages and fields and maps levels", () => {
  const entries: unknown[] = [];
  const o = resolveOptions({ ...base, sasl: { mechanism: "plain", username: "u", password: SASL_PW }, logger: { log: (e) => entries.push(e) } });
  const log = kafkaClientConfig(o).logCreator!(4)!;
  log({ namespace: "Connection", level: 1, label: "ERROR", log: { timestamp: "t", logger: "kafkajs", message: `failed with ${SASL_PW}`, broker: "b:1", error: `echo ${SASL_PW}` } });
  assert.deepEqual(entries, [{ level: "error", namespace: "Connection", message: "failed with [redacted]", fields: { broker: "b:1", error: "echo [redacted]" } }]);
});

test("resolved options print and serialise with every password redacted", () => {
  const o = resolveOptions({
    ...base,
    sasl: { mechanism: "scram-sha-256", username: "alice", password: SASL_PW },
    ssl: { ca: ["ca"], key: "-----BEGIN PRIVATE KEY-----secret", passphrase: "tls-Pass-0003" },
    registry: { url: base.registry!.url, auth: { username: "reg", password: REG_PW } },
  });
  const texts = [inspect(o, { depth: 10 }), JSON.stringify(o), `${JSON.stringify({ nested: o })}`];
  for (const text of texts) {
    for (const secret of [SASL_PW, REG_PW, "tls-Pass-0003", "BEGIN PRIVATE KEY"]) {
      assert.ok(!text.includes(secret), `${secret} printed in ${text.slice(0, 200)}`);
    }
    assert.match(text, /alice/, "usernames stay visible");
    assert.match(text, /\[redacted\]/);
  }
  // The real values are still there for the client.
  assert.equal(o.sasl?.password, SASL_PW);
  assert.equal(o.registry?.auth?.password, REG_PW);
  assert.deepEqual(redactOptions({ a: { password: "x", keep: 1 } }), { a: { password: "[redacted]", keep: 1 } });
});

test("credentials in registry.url move to registry.auth, so error messages echoing the url carry none", () => {
  const o = resolveOptions({ ...base, registry: { url: `http://reg:${encodeURIComponent("p@ss:Word-1")}@127.0.0.1:18081/apis/ccompat/v7/` } });
  assert.equal(o.registry?.url, "http://127.0.0.1:18081/apis/ccompat/v7");
  assert.deepEqual(o.registry?.auth, { username: "reg", password: "p@ss:Word-1" });
  assert.ok(o.secrets.includes("p@ss:Word-1"));
});

test("secrets are collected with their wire forms (basic-auth token) and scrubbed longest first", () => {
  const secrets = collectSecrets({ sasl: { password: SASL_PW }, registryAuth: { username: "reg", password: REG_PW } });
  const token = Buffer.from(`reg:${REG_PW}`).toString("base64");
  assert.ok(secrets.includes(token));
  assert.equal(scrubSecrets(`Authorization: Basic ${token}; pw=${SASL_PW}; pair=reg:${REG_PW}`, secrets), "Authorization: Basic [redacted]; pw=[redacted]; pair=[redacted]");
});

test("a refused SASL handshake is classified not_authorized, permanent, with the password scrubbed", () => {
  const inner = Object.assign(new Error(`Authentication failed for ${SASL_PW}`), { name: "KafkaJSSASLAuthenticationError" });
  const e = classifyProduceError(Object.assign(new Error("wrapped"), { cause: inner }), [SASL_PW]);
  assert.equal(e.code, "not_authorized");
  assert.equal(e.retriable, false);
  assert.equal(e.path, "sasl");
  const outer = classifyProduceError(inner, [SASL_PW]);
  assert.ok(!outer.message.includes(SASL_PW));
  assert.ok(!inspect(outer, { depth: 10 }).includes(SASL_PW), "the cause is a scrubbed stand-in");
});

test("the SASL node's server.properties and --add-scram arguments", () => {
  const node = saslNodeSpec("/tmp/x", 47192, 47193);
  const text = renderSaslServerProperties(renderServerProperties(node, [node]), node, {
    users: [{ name: "admin", password: "a-pw" }, { name: "alice", password: "b-pw" }],
    tls: { port: 47194, keystorePemFile: "/tmp/x/ks.pem" },
  });
  const lines = text.split("\n");
  assert.ok(lines.includes("listeners=SASL_PLAINTEXT://127.0.0.1:47192,SASL_SSL://127.0.0.1:47194,CONTROLLER://127.0.0.1:47193"));
  assert.ok(lines.includes("listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL"));
  assert.ok(lines.includes("sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"));
  assert.ok(lines.includes('listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a-pw" user_admin="a-pw" user_alice="b-pw";'));
  assert.ok(lines.includes("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;"));
  assert.ok(lines.includes("ssl.keystore.type=PEM"));
  assert.equal(lines.filter((l) => l.startsWith("listeners=")).length, 1, "the base listener line is replaced, not duplicated");
  assert.deepEqual(scramFormatArgs([{ name: "alice", password: "b-pw" }]), ["--add-scram", "SCRAM-SHA-256=[name=alice,password=b-pw]", "--add-scram", "SCRAM-SHA-512=[name=alice,password=b-pw]"]);
  assert.throws(() => scramFormatArgs([{ name: "al ice", password: "x" }]), /users\[0\]\.name/);
});
