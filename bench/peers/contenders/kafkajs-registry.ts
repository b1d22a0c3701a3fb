/**
 * Contender 6: kafkajs + @kafkajs/confluent-schema-registry, the pair our
 * users named. The app registers the audit schema once as `.proto` text
 * and per record builds the object protobufjs takes (int64 as numbers, the
 * oneof as its field), hashes the e-mail and awaits `registry.encode`
 * (protobufjs verify, create, encode, and the 5-byte header this library
 * writes: it writes no message indexes), then hands the bytes to the
 * kafkajs batcher (kafkajs-batcher.ts).
 *
 * The registered text is audit.proto made self-contained (common.proto's
 * messages inlined, `google.protobuf.Timestamp` declared in the package
 * with its two fields, logwire's options left out): protobufjs parses one
 * text without resolving imports, and the bytes on the wire are the same.
 */
import { createRequire } from "node:module";
import type { AuditInit } from "../../workload.ts";
import { hashEmail } from "../records.ts";
import type { Sink, SinkContext } from "../sink.ts";
import { openKafkajsBatcher } from "./kafkajs-batcher.ts";

const require = createRequire(import.meta.url);

interface RegistryModule {
  SchemaRegistry: new (config: { host: string }) => {
    register(schema: { type: string; schema: string }, options: { subject: string }): Promise<{ id: number }>;
    encode(id: number, payload: unknown): Promise<Buffer>;
  };
  SchemaType: { PROTOBUF: string };
}

export const AUDIT_PROTO_TEXT = `syntax = "proto3";
package example.payments.v1;

message PaymentAudit {
  string payment_id = 1;
  string actor = 2;
  Action action = 3;
  Money amount = 4;
  Timestamp occurred_at = 5;
  RequestContext request = 6;
  ServiceContext service = 7;
  string customer_email = 8;
  map<string, string> labels = 9;
  oneof method {
    Card card = 10;
    BankTransfer bank_transfer = 11;
    string wallet = 12;
  }
  message Card {
    string brand = 1;
    string last4 = 2;
    uint32 expiry_month = 3;
    uint32 expiry_year = 4;
  }
  message BankTransfer {
    string iban_country = 1;
    string account_holder = 2;
  }
}

enum Action {
  ACTION_UNSPECIFIED = 0;
  ACTION_AUTHORIZE = 1;
  ACTION_CAPTURE = 2;
  ACTION_REFUND = 3;
  ACTION_VOID = 4;
}

message Money {
  int64 amount_minor = 1;
  string currency = 2;
}

message Timestamp {
  int64 seconds = 1;
  int32 nanos = 2;
}

message RequestContext {
  string request_id = 1;
  string trace_id = 2;
  string span_id = 3;
}

message ServiceContext {
  string service = 1;
  string version = 2;
  string region = 3;
  string instance_id = 4;
}
`;

/** The record as a protobufjs app writes it (camelCase fields, numbers for int64, the oneof's member set directly). */
export function protobufjsShape(r: AuditInit): Record<string, unknown> {
  const m = r.method;
  return {
    paymentId: r.paymentId,
    actor: r.actor,
    action: r.action,
    amount: r.amount === undefined ? undefined : { amountMinor: Number(r.amount.amountMinor ?? 0), currency: r.amount.currency },
    occurredAt: r.occurredAt === undefined ? undefined : { seconds: Number(r.occurredAt.seconds ?? 0), nanos: r.occurredAt.nanos },
    request: r.request,
    service: r.service,
    customerEmail: hashEmail(r.customerEmail ?? ""),
    labels: r.labels,
    ...(m?.case === "wallet" ? { wallet: m.value } : m?.case === "card" ? { card: m.value } : m?.case === "bankTransfer" ? { bankTransfer: m.value } : {}),
  };
}

export async function openKafkajsRegistry(ctx: SinkContext): Promise<Sink> {
  const { SchemaRegistry, SchemaType } = require("@kafkajs/confluent-schema-registry") as RegistryModule;
  const registry = new SchemaRegistry({ host: ctx.registryUrl });
  const { id } = await registry.register({ type: SchemaType.PROTOBUF, schema: AUDIT_PROTO_TEXT }, { subject: `${ctx.topic}-value` });
  const batcher = await openKafkajsBatcher(ctx.topic, ctx.brokers);
  let failed = 0;
  const errors = new Set<string>();
  return {
    ...batcher.sink,
    log(record) {
      registry.encode(id, protobufjsShape(record)).then(
        (value) => batcher.push(record.paymentId!, value),
        (error: unknown) => {
          failed++;
          errors.add(error instanceof Error ? error.message : String(error));
        },
      );
    },
    failed: () => batcher.sink.failed() + failed,
    errors: () => [...batcher.sink.errors(), ...errors],
  };
}
