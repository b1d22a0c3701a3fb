import { create, toBinary } from "@bufbuild/protobuf";
import type { FileRegistry, JsonValue, Message } from "@bufbuild/protobuf";

/**
 * Records of the payments schemas and the JSON `logwire tail` must print for
 * them, written by hand (proto3 JSON), so a decoder that reads the wrong type
 * or the wrong field names cannot agree by accident.
 */
export interface Sample {
  readonly key: string;
  readonly type: string;
  readonly init: Record<string, unknown>;
  readonly json: JsonValue;
  /** The value without a JSON form, when the record has one. */
  readonly problem?: { readonly path: string; readonly message: RegExp };
}

const NEW_YEAR_2026 = { seconds: 1767225600n, nanos: 5_000_000 };
/** 10000-01-01T00:00:00Z: one second past the last instant proto3 JSON can write. */
const YEAR_10000 = { seconds: 253402300800n, nanos: 0 };

export const AUDIT_CARD: Sample = {
  key: "audit-card",
  type: "example.payments.v1.PaymentAudit",
  init: {
    paymentId: "pay-1",
    actor: "checkout-api",
    action: 1,
    amount: { amountMinor: 1250n, currency: "EUR" },
    occurredAt: NEW_YEAR_2026,
    request: { requestId: "req-1", traceId: "trace-1", spanId: "span-1" },
    customerEmail: "6f1ed002ab5595859014ebf0951522d9",
    labels: { region: "eu-west", tier: "gold" },
    method: { case: "card", value: { brand: "visa", last4: "4242", expiryMonth: 12, expiryYear: 2030 } },
  },
  json: {
    paymentId: "pay-1",
    actor: "checkout-api",
    action: "ACTION_AUTHORIZE",
    amount: { amountMinor: "1250", currency: "EUR" },
    occurredAt: "2026-01-01T00:00:00.005Z",
    request: { requestId: "req-1", traceId: "trace-1", spanId: "span-1" },
    customerEmail: "6f1ed002ab5595859014ebf0951522d9",
    labels: { region: "eu-west", tier: "gold" },
    card: { brand: "visa", last4: "4242", expiryMonth: 12, expiryYear: 2030 },
  },
};

export const AUDIT_BANK: Sample = {
  key: "audit-bank",
  type: "example.payments.v1.PaymentAudit",
  init: { paymentId: "pay-2", action: 3, labels: { psp: "sepa" }, method: { case: "bankTransfer", value: { ibanCountry: "DE", accountHolder: "J*** D**" } } },
  json: { paymentId: "pay-2", action: "ACTION_REFUND", labels: { psp: "sepa" }, bankTransfer: { ibanCountry: "DE", accountHolder: "J*** D**" } },
};

export const CARD: Sample = {
  key: "card",
  type: "example.payments.v1.PaymentAudit.Card",
  init: { brand: "amex", last4: "0005", expiryMonth: 1, expiryYear: 2031 },
  json: { brand: "amex", last4: "0005", expiryMonth: 1, expiryYear: 2031 },
};

export const BANK_TRANSFER: Sample = {
  key: "bank-transfer",
  type: "example.payments.v1.PaymentAudit.BankTransfer",
  init: { ibanCountry: "NL", accountHolder: "A*** B**" },
  json: { ibanCountry: "NL", accountHolder: "A*** B**" },
};

export const ERROR: Sample = {
  key: "error",
  type: "example.payments.v1.PaymentError",
  init: {
    code: "card_declined",
    message: "issuer said no",
    severity: 4,
    occurredAt: NEW_YEAR_2026,
    paymentId: "pay-1",
    retriable: true,
    attempt: 0,
    stack: [{ function: "charge", file: "pay.ts", line: 42 }],
    labels: { psp: "adyen" },
  },
  json: {
    code: "card_declined",
    message: "issuer said no",
    severity: "SEVERITY_ERROR",
    occurredAt: "2026-01-01T00:00:00.005Z",
    paymentId: "pay-1",
    retriable: true,
    attempt: 0,
    stack: [{ function: "charge", file: "pay.ts", line: 42 }],
    labels: { psp: "adyen" },
  },
};

export const STACK_FRAME: Sample = {
  key: "stack-frame",
  type: "example.payments.v1.PaymentError.StackFrame",
  init: { function: "capture", file: "capture.ts", line: 7 },
  json: { function: "capture", file: "capture.ts", line: 7 },
};

export const PERFORMANCE: Sample = {
  key: "performance",
  type: "example.payments.v1.RequestPerformance",
  init: {
    route: "/pay",
    statusCode: 201,
    latency: { seconds: 0n, nanos: 12_500_000 },
    startedAt: NEW_YEAR_2026,
    bytesIn: 512n,
    bytesOut: 2048n,
    dbQueries: 3,
    cpuMs: 1.5,
    cacheHit: true,
    labels: { pod: "p-1" },
    stageMicros: [10, 20, 30],
  },
  json: {
    route: "/pay",
    statusCode: 201,
    latency: "0.012500s",
    startedAt: "2026-01-01T00:00:00.005Z",
    bytesIn: "512",
    bytesOut: "2048",
    dbQueries: 3,
    cpuMs: 1.5,
    cacheHit: true,
    labels: { pod: "p-1" },
    stageMicros: [10, 20, 30],
  },
};

export const FAR_FUTURE: Sample = {
  key: "far-future",
  type: "example.payments.v1.PaymentAudit",
  init: { paymentId: "pay-3", occurredAt: YEAR_10000, method: { case: "wallet", value: "apple-pay" } },
  json: { paymentId: "pay-3", occurredAt: { seconds: "253402300800" }, wallet: "apple-pay" },
  problem: { path: "occurredAt", message: /google\.protobuf\.Timestamp .*must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z/ },
};

export function sampleMessage(registry: FileRegistry, sample: Sample): Message {
  const desc = registry.getMessage(sample.type);
  if (desc === undefined) throw new Error(`${sample.type} is not in the registry`);
  return create(desc, sample.init as never);
}

export function sampleBytes(registry: FileRegistry, sample: Sample): Uint8Array {
  return toBinary(registry.getMessage(sample.type)!, sampleMessage(registry, sample));
}
