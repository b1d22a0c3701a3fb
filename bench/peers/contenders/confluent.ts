/**
 * Contenders 3 and 4: Confluent's @confluentinc/kafka-javascript
 * (librdkafka inside) through its KafkaJS-compatible API, which Confluent
 * recommends, used as its migration guide says: `send()` per record without
 * awaiting, librdkafka batching with `linger.ms` 5 and `batch.size` 1 MiB,
 * idempotent, acks=-1, Snappy.
 *
 * 3 sends bytes encoded before the clock started (bench/workload.ts
 * `preEncodedPool`: redacted, encoded, framed as logwire frames them), so
 * it measures the client alone, whatever the variant. 4 is what an app on
 * Confluent's stack writes per record: `create` the message, hash the
 * e-mail, await `ProtobufSerializer.serialize` (@confluentinc/schemaregistry;
 * it registers the schema with its references on first use), then send.
 */
import { createRequire } from "node:module";
import { create, createMutableRegistry } from "@bufbuild/protobuf";
import { PaymentAuditSchema } from "../../../proto/example/payments/v1/audit_pb.ts";
import { auditPool, preEncodedPool } from "../../workload.ts";
import { hashEmail } from "../records.ts";
import { BATCH_BYTES, LINGER_MS, MAX_PENDING, createTally, type Sink, type SinkContext } from "../sink.ts";

const require = createRequire(import.meta.url);

/** The parts of @confluentinc/kafka-javascript's KafkaJS-compatible API used here. */
interface CkjsModule {
  KafkaJS: {
    Kafka: new (config: object) => { producer(config: object): CkjsProducer };
    CompressionTypes: { SNAPPY: unknown };
    logLevel: { NOTHING: number };
  };
}
interface CkjsProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  flush(options: { timeout: number }): Promise<void>;
  send(request: { topic: string; messages: { key: string | Buffer; value: Buffer }[] }): Promise<unknown>;
}
interface SerdeModule {
  SchemaRegistryClient: new (config: { baseURLs: string[]; createAxiosDefaults?: object }) => { close(): void };
  ProtobufSerializer: new (client: unknown, type: number, config: object) => { serialize(topic: string, msg: unknown): Promise<Buffer> };
  SerdeType: { VALUE: number };
}

/** Whether the librdkafka client is installed and its native binding loads. */
export function confluentAvailable(): string | undefined {
  try {
    require("@confluentinc/kafka-javascript");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
}

async function openProducer(ctx: SinkContext): Promise<CkjsProducer> {
  const { KafkaJS } = require("@confluentinc/kafka-javascript") as CkjsModule;
  const kafka = new KafkaJS.Kafka({ kafkaJS: { clientId: "bench-peer", brokers: [...ctx.brokers], logLevel: KafkaJS.logLevel.NOTHING } });
  const producer = kafka.producer({
    kafkaJS: { idempotent: true, acks: -1, compression: KafkaJS.CompressionTypes.SNAPPY },
    "linger.ms": LINGER_MS,
    "batch.size": BATCH_BYTES,
  });
  await producer.connect();
  return producer;
}

function sinkOver(producer: CkjsProducer, tally: ReturnType<typeof createTally>, log: (record: Parameters<Sink["log"]>[0]) => void, onClose?: () => void): Sink {
  return {
    log,
    backlogged: () => tally.pending() >= MAX_PENDING,
    acked: tally.acked,
    failed: tally.failed,
    errors: tally.errors,
    async close() {
      await tally.drained();
      await producer.flush({ timeout: 30000 });
      await producer.disconnect();
      onClose?.();
    },
  };
}

export async function openConfluentBytes(ctx: SinkContext): Promise<Sink> {
  const pool = preEncodedPool(auditPool());
  const producer = await openProducer(ctx);
  const tally = createTally();
  let next = 0;
  return sinkOver(producer, tally, () => {
    const r = pool[next++ % pool.length]!;
    tally.sent();
    producer.send({ topic: ctx.topic, messages: [r] }).then(() => tally.ack(), (error: unknown) => tally.fail(error));
  });
}

export async function openConfluentSerializer(ctx: SinkContext): Promise<Sink> {
  const serde = require("@confluentinc/schemaregistry") as SerdeModule;
  const client = new serde.SchemaRegistryClient({ baseURLs: [ctx.registryUrl], createAxiosDefaults: { timeout: 10_000 } });
  const serializer = new serde.ProtobufSerializer(client, serde.SerdeType.VALUE, { autoRegisterSchemas: true, registry: createMutableRegistry(PaymentAuditSchema.file) });
  const producer = await openProducer(ctx);
  const tally = createTally();
  return sinkOver(
    producer,
    tally,
    (record) => {
      tally.sent();
      const message = create(PaymentAuditSchema, record);
      message.customerEmail = hashEmail(message.customerEmail);
      serializer
        .serialize(ctx.topic, message)
        .then((value) => producer.send({ topic: ctx.topic, messages: [{ key: message.paymentId, value }] }))
        .then(() => tally.ack(), (error: unknown) => tally.fail(error));
    },
    () => client.close(),
  );
}
