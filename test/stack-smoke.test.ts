import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import kafkajs, { CompressionTypes, Kafka, logLevel, type KafkaMessage } from "kafkajs";
import { describeKafkaVersion, describeRegistryVersion } from "../src/stack/index.ts";
import { brokers, registryBaseUrl, registryUrl, uniqueName } from "./support/stack-env.ts";
import { registryCall, requestTimeout } from "./support/registry-call.ts";
import { snappyCodec } from "./support/snappy-codec.ts";

/**
 * Proves the dev stack is real and speaks what logwire needs: an idempotent,
 * Snappy-compressed produce and a consumer-group read against Kafka, and
 * Protobuf registration with a well-known import and BACKWARD enforcement
 * against the registry.
 */
// kafkajs assigns CompressionCodecs in a way Node's CJS export detection misses.
kafkajs.CompressionCodecs[CompressionTypes.Snappy] = snappyCodec;

const kafka = new Kafka({ clientId: "logwire-stack-smoke", brokers, logLevel: logLevel.NOTHING });

describe("dev stack smoke", () => {
  before(async () => {
    const port = Number(brokers[0]?.split(":")[1]);
    const kafkaVersion = describeKafkaVersion(port);
    const registryVersion = await describeRegistryVersion(registryBaseUrl);
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    console.log(
      `# kafka ${kafkaVersion?.version ?? "(version unknown)"} at ${brokers.join(",")}` +
        ` (cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s)${kafkaVersion ? `, from ${kafkaVersion.source}` : ""})`,
    );
    console.log(`# registry ${registryVersion?.name ?? "?"} ${registryVersion?.version ?? "(version unknown)"} at ${registryUrl}`);
    assert.ok(registryVersion, `registry at ${registryBaseUrl} did not answer /apis/registry/v3/system/info`);
  });

  describe("kafka", () => {
    const topic = uniqueName("logwire-smoke");
    const admin = kafka.admin();
    after(() => admin.disconnect());

    test("creates a topic, produces idempotently with snappy, consumes the records back in a group", async () => {
      await admin.connect();
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true }), true);

      const sent = Array.from({ length: 60 }, (_, i) => ({
        key: `payment-${i % 7}`,
        value: JSON.stringify({ seq: i, action: "CAPTURE", amountMinor: 1299 + i, pad: "x".repeat(200) }),
        headers: { "logwire.test": `h${i}` },
      }));
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      try {
        // Two sends so a batch per partition follows another from the same producer session.
        for (const half of [sent.slice(0, 30), sent.slice(30)]) {
          const results = await producer.send({ topic, acks: -1, compression: CompressionTypes.Snappy, messages: half });
          assert.ok(results.every((r) => r.errorCode === 0));
        }
      } finally {
        await producer.disconnect();
      }

      const consumer = kafka.consumer({ groupId: uniqueName("logwire-smoke-group"), maxWaitTimeInMs: 200 });
      const received: { partition: number; message: KafkaMessage }[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`consumed ${received.length} of ${sent.length} records within 30 s`)), 30_000);
          consumer
            .run({
              eachMessage: async ({ partition, message }) => {
                received.push({ partition, message });
                if (received.length === sent.length) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }

      const asSent = (r: { message: KafkaMessage }) => ({
        key: r.message.key?.toString(),
        value: r.message.value?.toString(),
        headers: { "logwire.test": r.message.headers?.["logwire.test"]?.toString() },
      });
      const bySeq = (a: { value?: string | undefined }, b: { value?: string | undefined }) =>
        JSON.parse(a.value ?? "{}").seq - JSON.parse(b.value ?? "{}").seq;
      assert.deepEqual(received.map(asSent).sort(bySeq), [...sent].sort(bySeq));

      // Same key, same partition, in send order.
      for (const key of new Set(sent.map((m) => m.key))) {
        const seen = received.filter((r) => r.message.key?.toString() === key);
        assert.equal(new Set(seen.map((r) => r.partition)).size, 1, `key ${key} spread over partitions`);
        const seqs = seen.map((r) => JSON.parse(r.message.value?.toString() ?? "{}").seq as number);
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), `key ${key} out of order`);
      }
      await admin.deleteTopics({ topics: [topic] });
    });
  });

  describe("schema registry", () => {
    const registry = new SchemaRegistry({ host: registryUrl, retry: { retries: 0 }, middlewares: [requestTimeout] });
    const subject = uniqueName("logwire-smoke-audit-value");
    const v1 = [
      'syntax = "proto3";',
      "package logwire.smoke.v1;",
      'import "google/protobuf/timestamp.proto";',
      "message PaymentAudit {",
      "  string payment_id = 1;",
      "  string actor = 2;",
      "  int64 amount_minor = 3;",
      "  google.protobuf.Timestamp at = 4;",
      "}",
      "",
    ].join("\n");

    test("global compatibility is BACKWARD", async () => {
      const response = await registryCall(`${registryUrl}/config`);
      assert.deepEqual(await response.json(), { compatibilityLevel: "BACKWARD" });
    });

    test("registers a protobuf schema importing google/protobuf/timestamp.proto and reads it back by id", async () => {
      const { id } = await registry.register({ type: SchemaType.PROTOBUF, schema: v1 }, { subject });
      assert.ok(Number.isInteger(id) && id > 0, `id ${id}`);

      const raw = (await (await registryCall(`${registryUrl}/schemas/ids/${id}`)).json()) as { schema: string; schemaType?: string };
      assert.equal(raw.schemaType, "PROTOBUF");
      assert.equal(raw.schema.trim(), v1.trim());

      const fresh = new SchemaRegistry({ host: registryUrl, retry: { retries: 0 }, middlewares: [requestTimeout] });
      const schema = (await fresh.getSchema(id)) as { message?: { name?: string } };
      assert.equal(schema.message?.name, "PaymentAudit");
      assert.equal(await fresh.getLatestSchemaId(subject), id);
    });

    test("rejects an incompatible second version (field type change) with 409 under BACKWARD", async () => {
      const v2 = v1.replace("string actor = 2;", "int64 actor = 2;");
      await assert.rejects(
        registry.register({ type: SchemaType.PROTOBUF, schema: v2 }, { subject }),
        (error: { status?: number; message?: string }) => {
          assert.equal(error.status, 409, `expected 409, got ${error.status}: ${error.message}`);
          console.log(`# registry rejected v2: ${error.message?.slice(0, 200)}`);
          return true;
        },
      );
      const versions = (await (await registryCall(`${registryUrl}/subjects/${subject}/versions`)).json()) as number[];
      assert.deepEqual(versions, [1]);
    });
  });
});
