/**
 * Contender 5: @platformatic/kafka, with protobuf-es `toBinary` and the
 * Confluent framing written by hand (magic byte, schema id, message index
 * 0), as an app on it writes them; the schema id is registered once before
 * the clock (the self-contained `.proto` text of kafkajs-registry.ts, by
 * one HTTP call). Batching is the client's producer stream: it batches by record
 * count and time, so 4096 records (about 1 MiB of these records) or 5 ms;
 * idempotent, acks=-1 (all), Snappy (its WebAssembly codec).
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { PaymentAuditSchema } from "../../../proto/example/payments/v1/audit_pb.ts";
import { hashEmail } from "../records.ts";
import { AUDIT_PROTO_TEXT } from "./kafkajs-registry.ts";
import { LINGER_MS, MAX_PENDING, createTally, type Sink, type SinkContext } from "../sink.ts";

/** Records per produce request: 1 MiB of ~256 B records (value, key and record overhead). */
const BATCH_RECORDS = 4096;

interface PlatformaticModule {
  Producer: new (options: object) => {
    asStream(options: object): PlatformaticStream;
    close(): Promise<void>;
  };
}
interface PlatformaticStream {
  write(message: { topic: string; key: Buffer; value: Buffer }): boolean;
  on(event: "flush", listener: (report: { count: number }) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  close(): Promise<void>;
}

/** Registers the audit schema as `.proto` text under `<topic>-value` and returns its id, as an app without a serializer does once at start. */
async function registerId(ctx: SinkContext): Promise<number> {
  const response = await fetch(`${ctx.registryUrl}/subjects/${encodeURIComponent(`${ctx.topic}-value`)}/versions`, {
    method: "POST",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify({ schemaType: "PROTOBUF", schema: AUDIT_PROTO_TEXT }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as { id?: number };
  if (!response.ok || typeof body.id !== "number") throw new Error(`registering ${ctx.topic}-value: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.id;
}

export async function openPlatformatic(ctx: SinkContext): Promise<Sink> {
  const specifier = "@platformatic/kafka";
  const { Producer } = (await import(specifier)) as PlatformaticModule;
  const id = await registerId(ctx);
  const header = Buffer.from([0, (id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff, 0]);
  const producer = new Producer({
    clientId: "bench-peer",
    bootstrapBrokers: [...ctx.brokers],
    idempotent: true,
    acks: -1,
    compression: "snappy",
  });
  const stream = producer.asStream({ batchSize: BATCH_RECORDS, batchTime: LINGER_MS, highWaterMark: MAX_PENDING * 2, reportMode: "batch" });
  const tally = createTally();
  stream.on("flush", (report) => tally.ack(report.count));
  stream.on("error", (error) => tally.fail(error, tally.pending()));
  return {
    log(record) {
      const message = create(PaymentAuditSchema, record);
      message.customerEmail = hashEmail(message.customerEmail);
      const payload = toBinary(PaymentAuditSchema, message);
      const value = Buffer.allocUnsafe(header.length + payload.length);
      header.copy(value, 0);
      value.set(payload, header.length);
      tally.sent();
      stream.write({ topic: ctx.topic, key: Buffer.from(message.paymentId), value });
    },
    backlogged: () => tally.pending() >= MAX_PENDING,
    acked: tally.acked,
    failed: tally.failed,
    errors: tally.errors,
    async close() {
      await stream.close();
      await tally.drained();
      await producer.close();
    },
  };
}
