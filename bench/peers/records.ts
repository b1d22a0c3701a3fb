/**
 * What every contender logs: the seed's audit record (`PaymentAudit`), in
 * two variants.
 *
 * - `per-call`: each call builds a new record from request data that
 *   changes, as an application does at the point it logs (the request's
 *   ids, amount and e-mail, a clock reading, a sequence label). Request data
 *   cycles through REQUESTS distinct requests made before the clock starts;
 *   the record object, its nested objects and its changing strings are made
 *   per call.
 * - `pool`: records taken from the pre-built pool that `npm run bench` uses
 *   (bench/workload.ts `auditPool`), the figure BENCHMARKS.md reports.
 *
 * Every contender hashes the e-mail per call with SHA-256, as logwire's
 * `REDACTION_HASH` does ("sha256:" and 16 hex digits, one-shot
 * `crypto.hash`), so no side skips the work the schema asks for.
 */
import * as crypto from "node:crypto";
import type { AuditInit } from "../workload.ts";
import { auditPool } from "../workload.ts";

export type Variant = "per-call" | "pool";

/** Distinct requests whose data the per-call variant cycles through; the same count as the pool. */
const REQUESTS = 8192;
/** Distinct payment ids (keys), as in the pool. */
const PAYMENTS = 1000;

export interface RequestData {
  readonly paymentId: string;
  readonly requestId: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly email: string;
  readonly amountMinor: number;
  readonly action: number;
  readonly wallet: boolean;
  readonly month: number;
}

const SERVICE = { service: "payments-api", version: "1.4.2", region: "eu-west-1", instanceId: "i-0a1b2c" };

/** The data of request `i`: what an app would have at hand when it logs (shared with bench/scaling-records.ts). */
export function requestAt(i: number): RequestData {
  const hex = (i % 65536).toString(16).padStart(4, "0");
  return {
    paymentId: `pay-${(i % PAYMENTS).toString().padStart(6, "0")}`,
    requestId: `req-${i}`,
    traceId: `4bf92f3577b34da6a3ce929d0e0e${hex}`,
    spanId: `00f067aa0ba9${hex}`,
    email: `customer${i % 997}@example.com`,
    amountMinor: 100 + (i % 50000),
    action: 1 + (i % 4),
    wallet: i % 3 === 0,
    month: 1 + (i % 12),
  };
}

function requestData(): RequestData[] {
  return Array.from({ length: REQUESTS }, (_, i) => requestAt(i));
}

/** SHA-256 of the e-mail as logwire's `REDACTION_HASH` writes it. */
export function hashEmail(email: string): string {
  return email === "" ? "" : "sha256:" + crypto.hash("sha256", email, "hex").slice(0, 16);
}

/**
 * A source of audit records: `next()` returns the record for the next call,
 * with the e-mail still in clear (the contender hashes it, or logwire's
 * generated redaction does).
 */
export interface AuditSource {
  readonly variant: Variant;
  next(): AuditInit;
}

export function auditSource(variant: Variant): AuditSource {
  if (variant === "pool") {
    const pool = auditPool();
    let i = 0;
    return { variant, next: () => pool[i++ % pool.length]! };
  }
  const requests = requestData();
  let seq = 0;
  return {
    variant,
    next(): AuditInit {
      const r = requests[seq % REQUESTS]!;
      const now = Date.now();
      const record: AuditInit = {
        paymentId: r.paymentId,
        actor: "svc-checkout",
        action: r.action,
        amount: { amountMinor: BigInt(r.amountMinor), currency: "EUR" },
        occurredAt: { seconds: BigInt(Math.floor(now / 1000)), nanos: (now % 1000) * 1_000_000 },
        request: { requestId: r.requestId, traceId: r.traceId, spanId: r.spanId },
        service: SERVICE,
        customerEmail: r.email,
        labels: { seq: String(seq), channel: seq % 2 === 0 ? "web" : "app" },
        method: r.wallet ? { case: "wallet", value: "apple-pay" } : { case: "card", value: { brand: "visa", last4: "4242", expiryMonth: r.month, expiryYear: 2030 } },
      };
      seq++;
      return record;
    },
  };
}
