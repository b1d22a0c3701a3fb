import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import type { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import type { RequestPerformanceSchema } from "../../proto/example/payments/v1/performance_pb.ts";

/** The three logs one request of the seed's payments service writes. */
export interface PaymentRequestLogs {
  readonly audit: MessageInitShape<typeof PaymentAuditSchema>;
  readonly performance: MessageInitShape<typeof RequestPerformanceSchema>;
  readonly error: MessageInitShape<typeof PaymentErrorSchema>;
}

const ROUTES = ["/v1/payments/authorize", "/v1/payments/capture", "/v1/payments/refund"];
const ERRORS = ["CARD_DECLINED", "INSUFFICIENT_FUNDS", "UPSTREAM_TIMEOUT"];
const SERVICE = { service: "payments-api", version: "1.4.2", region: "eu-west-1", instanceId: "i-0a1b2c" };

/**
 * A small simulated payments service: request `i` of a flash sale, as the
 * three seed logs (audit, performance, error), about 200-300 B each when
 * encoded. Deterministic in `i`; `payments` distinct payment ids are cycled,
 * and `labels.seq` carries `i` so consumers can check per-key order.
 */
export function simulatePaymentRequest(i: number, payments = 50): PaymentRequestLogs {
  const paymentId = `pay-${(i % payments).toString().padStart(6, "0")}`;
  const seconds = BigInt(1_767_225_600 + Math.floor(i / 1000));
  const nanos = (i % 1000) * 1_000_000;
  const request = { requestId: `req-${i}`, traceId: `4bf92f3577b34da6a3ce929d0e0e${(i % 65536).toString(16).padStart(4, "0")}`, spanId: `00f067aa0ba9${(i % 65536).toString(16).padStart(4, "0")}` };
  const route = ROUTES[i % ROUTES.length]!;
  const status = i % 10 === 9 ? 502 : 200;
  return {
    audit: {
      paymentId,
      actor: "svc-checkout",
      action: 1 + (i % 4),
      amount: { amountMinor: BigInt(100 + (i % 50000)), currency: "EUR" },
      occurredAt: { seconds, nanos },
      request,
      service: SERVICE,
      customerEmail: `customer${i % 997}@example.com`,
      labels: { seq: String(i), channel: i % 2 === 0 ? "web" : "app" },
      method: i % 3 === 0 ? { case: "wallet", value: "apple-pay" } : { case: "card", value: { brand: "visa", last4: "4242", expiryMonth: 1 + (i % 12), expiryYear: 2030 } },
    },
    performance: {
      route,
      statusCode: status,
      latency: { seconds: 0n, nanos: 1_000_000 * (3 + (i % 40)) },
      startedAt: { seconds, nanos },
      bytesIn: BigInt(512 + (i % 256)),
      bytesOut: BigInt(1024 + (i % 512)),
      dbQueries: 2 + (i % 5),
      cpuMs: 0.25 * (1 + (i % 16)),
      cacheHit: i % 4 !== 0,
      request,
      service: SERVICE,
      labels: { seq: String(i) },
      stageMicros: [120 + (i % 30), 800 + (i % 200), 60],
    },
    error: {
      code: ERRORS[i % ERRORS.length]!,
      message: "payment provider declined the request",
      severity: 3 + (i % 2),
      occurredAt: { seconds, nanos },
      paymentId,
      request,
      service: SERVICE,
      retriable: i % 3 === 2,
      attempt: 1 + (i % 3),
      stack: [{ function: "capture", file: "src/payments/capture.ts", line: 88 }],
      labels: { seq: String(i) },
    },
  };
}
