import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { Registry } from "prom-client";
import kafkajs from "kafkajs";
import type { KafkaConfig, SASLOptions } from "kafkajs";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { resolveOptions, type PipelineOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { safeJson } from "../../src/runtime/dead-letter/dead-letter.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import type { KafkaLogEntry, SaslMechanism } from "../../src/runtime/kafka/security-options.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";
import { registryUrl } from "../support/stack-env.ts";
import { onUniqueTopic } from "../pipeline/support/descriptors.ts";
import { startAuthProxy } from "./support/auth-proxy.ts";
import { readTopics } from "../support/topic-reader.ts";
import { startSaslBroker, type SaslBroker } from "./support/sasl-broker.ts";

/**
 * Against a broker of its own with SASL switched on (SASL_PLAINTEXT and
 * SASL_SSL listeners, PLAIN + SCRAM users; see src/stack/sasl-config.ts).
 * The schema registry is the shared dev stack's, behind a basic-auth gateway
 * where auth is under test.
 */

const { Kafka, logLevel } = kafkajs;
const MECHANISMS: readonly SaslMechanism[] = ["plain", "scram-sha-256", "scram-sha-512"];

let broker: SaslBroker;
const alice = (): { name: string; password: string } => broker.users[1]!;

before(async () => {
  broker = await startSaslBroker();
}, { timeout: 100_000 });

after(async () => {
  await broker?.stop();
});

function clientConfig(sasl: SASLOptions, tls = false): KafkaConfig {
  return {
    clientId: "logwire-security-test",
    brokers: [tls ? broker.kafka.tlsEndpoint! : broker.kafka.endpoint],
    sasl,
    ...(tls ? { ssl: { ca: [broker.caPem] } } : {}),
    logLevel: logLevel.NOTHING,
  };
}

async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = new Kafka(clientConfig({ mechanism: "plain", username: alice().name, password: alice().password })).admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
  } finally {
    await admin.disconnect();
  }
}

async function roundTrip(mechanism: SaslMechanism, tls: boolean, count: number): Promise<void> {
  const audit = onUniqueTopic(PaymentAuditLog, `sec-${mechanism}${tls ? "-tls" : ""}`);
  await createTopic(audit.topic);
  const sasl = { mechanism, username: alice().name, password: alice().password };
  const pipeline = await createPipeline({
    brokers: [tls ? broker.kafka.tlsEndpoint! : broker.kafka.endpoint],
    sasl,
    ...(tls ? { ssl: { ca: [broker.caPem] } } : {}),
    registry: { url: registryUrl },
  });
  const emitter = pipeline.emitter(audit);
  const keys = new Set<string>();
  for (let i = 0; i < count; i++) {
    const logs = simulatePaymentRequest(i, 1000);
    keys.add(String(logs.audit.paymentId));
    emitter.emit(logs.audit);
  }
  await pipeline.close();
  const stats = pipeline.stats();
  assert.equal(stats.acked, count, `${mechanism}: all acked (${JSON.stringify(stats)})`);
  const records = await readTopics(clientConfig(sasl as SASLOptions, tls), [audit.topic]);
  assert.equal(records.length, count, `${mechanism}: read back every record`);
  assert.deepEqual(new Set(records.map((r) => r.key?.toString())), keys);
  for (const r of records) assert.ok(decodeFrame(r.value).schemaId > 0, "Confluent-framed with a schema id");
  console.log(`sasl ${mechanism}${tls ? " over TLS" : ""}: emitted ${count}, acked ${stats.acked}, read back ${records.length}`);
}

test("PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 each deliver through the pipeline and read back", { timeout: 90_000 }, async () => {
  for (const mechanism of MECHANISMS) {
    await roundTrip(mechanism, false, 60);
  }
});

test("SASL_SSL: the ssl option's CA verifies the broker's self-signed certificate, and without it the connection is refused", { timeout: 60_000 }, async () => {
  await roundTrip("scram-sha-512", true, 30);
  const error = await createPipeline({
    brokers: [broker.kafka.tlsEndpoint!],
    sasl: { mechanism: "scram-sha-512", username: alice().name, password: alice().password },
    ssl: true,
    // kafkajs's idempotent producer needs at least one retry.
    retries: { retries: 1 },
    registry: { url: registryUrl },
  }).then(
    () => assert.fail("connected without trusting the certificate"),
    (e: unknown) => e,
  );
  assert.ok(isLogwireError(error), String(error));
  assert.equal(error.code, "broker_unavailable");
  assert.match(error.message, /self[- ]signed certificate/i);
});

test("a wrong password fails createPipeline with not_authorized for every mechanism, and the message carries no password", { timeout: 60_000 }, async () => {
  const wrong = "Wrong-Pw-For-Alice-31337";
  for (const mechanism of MECHANISMS) {
    const started = Date.now();
    const error = await createPipeline({ brokers: [broker.kafka.endpoint], sasl: { mechanism, username: alice().name, password: wrong }, registry: { url: registryUrl } }).then(
      () => assert.fail(`${mechanism}: connected with a wrong password`),
      (e: unknown) => e,
    );
    assert.ok(isLogwireError(error), String(error));
    assert.equal(error.code, "not_authorized", error.message);
    assert.equal(error.retriable, false);
    assert.equal(error.path, "sasl");
    assert.match(error.message, /authentication failed/i);
    assert.match(error.message, /check sasl\.mechanism, sasl\.username and sasl\.password/);
    for (const text of [error.message, inspect(error, { depth: 10 })]) {
      assert.ok(!text.includes(wrong) && !text.includes(alice().password), `${mechanism}: a password leaked: ${text.slice(0, 300)}`);
    }
    console.log(`sasl ${mechanism} wrong password: ${error.code} after ${Date.now() - started} ms: ${error.rawMessage}`);
  }
});

test("secrets never appear in errors, onError payloads, kafkajs logs, metrics, stats or DLQ headers", { timeout: 90_000 }, async () => {
  const regUser = "registry-bot";
  const regSecret = "Reg-Secret-4Hh8-basic";
  const wrongRegSecret = "Reg-Wrong-Secret-9Jd1";
  const wrongSaslSecret = "Sasl-Wrong-Secret-2Pq7";
  const saslSecret = alice().password;
  const secrets = [saslSecret, regSecret, wrongRegSecret, wrongSaslSecret];
  for (const [u, p] of [[regUser, regSecret], [regUser, wrongRegSecret], [alice().name, saslSecret]] as const) {
    secrets.push(`${u}:${p}`, Buffer.from(`${u}:${p}`).toString("base64"));
  }
  const proxy = await startAuthProxy(registryUrl, regUser, regSecret);
  const errors: LogwireError[] = [];
  const logs: KafkaLogEntry[] = [];
  const metricsTexts: string[] = [];
  const stats: unknown[] = [];
  const sasl = { mechanism: "scram-sha-256" as const, username: alice().name, password: saslSecret };
  const common = (metrics: Registry): PipelineOptions => ({
    brokers: [broker.kafka.endpoint],
    sasl,
    metrics: { registry: metrics },
    onError: (e) => errors.push(e),
    logger: { level: "debug", log: (e) => logs.push(e) },
  });
  try {
    // A: everything right; one record with wrong types and one too large are dead-lettered.
    const good = onUniqueTopic(PaymentAuditLog, "sec-leak-good");
    await createTopic(good.topic, 1);
    const metricsA = new Registry();
    const a = await createPipeline({ ...common(metricsA), registry: { url: proxy.url, auth: { username: regUser, password: regSecret } }, maxRecordBytes: 4096 });
    const goodLog = a.emitter(good);
    for (let i = 0; i < 20; i++) goodLog.emit(simulatePaymentRequest(i).audit);
    goodLog.emit({ ...simulatePaymentRequest(21).audit, amountMinor: "lots" } as never);
    goodLog.emit({ ...simulatePaymentRequest(22).audit, actor: "x".repeat(10_000) });
    await a.close();
    metricsTexts.push(await metricsA.metrics());
    stats.push(a.stats());
    assert.equal(a.stats().acked, 20);
    assert.deepEqual(a.stats().deadLettered, { invalid_record: 1, record_too_large: 1 });
    assert.ok(proxy.seen.ok > 0, "the registry calls carried basic auth");

    // B: the registry refuses the password: every record is dead-lettered with not_authorized.
    const refused = onUniqueTopic(PaymentAuditLog, "sec-leak-401");
    await createTopic(refused.topic, 1);
    const metricsB = new Registry();
    const b = await createPipeline({ ...common(metricsB), registry: { url: proxy.url, auth: { username: regUser, password: wrongRegSecret } } });
    const refusedLog = b.emitter(refused);
    for (let i = 0; i < 3; i++) refusedLog.emit(simulatePaymentRequest(i).audit);
    await b.close();
    metricsTexts.push(await metricsB.metrics());
    stats.push(b.stats());
    assert.deepEqual(b.stats().deadLettered, { not_authorized: 3 });
    assert.ok(errors.some((e) => e.code === "not_authorized" && e.path === "registry.auth"), "the 401 is reported as not_authorized on registry.auth");

    // C: the registry is down: retriable errors, then close gives up (counted).
    const metricsC = new Registry();
    const c = await createPipeline({ ...common(metricsC), registry: { url: "http://127.0.0.1:9/apis/ccompat/v7", auth: { username: regUser, password: regSecret } }, closeTimeoutMs: 1_500 });
    c.emitter(onUniqueTopic(PaymentAuditLog, "sec-leak-down")).emit(simulatePaymentRequest(1).audit);
    await new Promise((r) => setTimeout(r, 500));
    await c.close();
    metricsTexts.push(await metricsC.metrics());
    stats.push(c.stats());
    assert.ok(errors.some((e) => e.code === "registry_unavailable"));

    // D: the broker refuses the SASL password.
    const d = await createPipeline({ ...common(new Registry()), sasl: { ...sasl, password: wrongSaslSecret }, registry: { url: proxy.url, auth: { username: regUser, password: regSecret } } }).then(
      () => assert.fail("connected with a wrong SASL password"),
      (e: unknown) => e as LogwireError,
    );
    errors.push(d);
    assert.equal(d.code, "not_authorized");
    assert.ok(logs.some((l) => l.level === "error" && /SASL SCRAM SHA256 authentication failed/i.test(l.message)), "kafkajs's SASL failure reached the logger");

    const dlq = await readTopics(clientConfig({ mechanism: "plain", username: alice().name, password: saslSecret }), [`${good.topic}.dlq`, `${refused.topic}.dlq`]);
    assert.equal(dlq.length, 5);
    assert.deepEqual(dlq.map((r) => r.headers["logwire.error.code"]).sort(), ["invalid_record", "not_authorized", "not_authorized", "not_authorized", "record_too_large"]);

    const options = resolveOptions({ ...common(new Registry()), registry: { url: proxy.url, auth: { username: regUser, password: regSecret } } });
    const haystacks: [string, string][] = [
      ...errors.flatMap((e, i): [string, string][] => [[`error ${i} message`, e.message], [`error ${i} inspect`, inspect(e, { depth: 10 })], [`error ${i} details`, safeJson(e.details)]]),
      ...logs.map((l, i): [string, string] => [`log ${i}`, JSON.stringify(l)]),
      ...metricsTexts.map((m, i): [string, string] => [`metrics ${i}`, m]),
      ...stats.map((s, i): [string, string] => [`stats ${i}`, JSON.stringify(s)]),
      ...dlq.map((r, i): [string, string] => [`dlq ${i} headers`, JSON.stringify(r.headers)]),
      ["options inspect", inspect(options, { depth: 10 })],
      ["options json", JSON.stringify(options)],
    ];
    for (const [where, text] of haystacks) {
      for (const secret of secrets) {
        assert.ok(!text.includes(secret), `${where} contains a secret: ${text.slice(0, 400)}`);
      }
    }
    console.log(`secret scan: ${secrets.length} secret forms, ${errors.length} errors, ${logs.length} kafkajs log lines, ${metricsTexts.length} metrics dumps, ${dlq.length} DLQ records; none found`);
  } finally {
    await proxy.close();
  }
});
