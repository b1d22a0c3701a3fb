/**
 * The records of `npm run bench:scaling`: the seed's audit record
 * (`PaymentAudit`), built per call from changing request data as
 * bench/peers/records.ts builds its `per-call` variant, in three sizes.
 * Only the payload changes between sizes; the type, key (payment id), the
 * SHA-256 of the e-mail and the settings stay the same.
 *
 * - `small` (~100 B framed): the audit record without its request, service
 *   and labels (what a terse audit line carries).
 * - `seed` (~250 B framed): the seed's record, as bench/peers/records.ts.
 * - `large` (~2 KB framed): the seed's record with a `labels.detail` text of
 *   ~1.8 kB (a cart summary made from the request's data, so it changes per
 *   request and compresses as text does, not as padding).
 *
 * Request data (ids, e-mails, amounts, the detail text) cycles through
 * REQUESTS requests made before the clock; the record object, its nested
 * objects, its timestamp and its sequence label are made per call.
 */
import { requestAt, type AuditSource, type RequestData } from "./peers/records.ts";
import type { AuditInit } from "./workload.ts";
import { preEncodedPool } from "./workload.ts";

export type RecordShape = "small" | "seed" | "large";
export const SHAPES: readonly RecordShape[] = ["small", "seed", "large"];

/** Distinct requests cycled through (as bench/peers/records.ts). */
const REQUESTS = 8192;
/** Characters of `labels.detail` in the `large` shape. */
const DETAIL_CHARS = 1800;

const SERVICE = { service: "payments-api", version: "1.4.2", region: "eu-west-1", instanceId: "i-0a1b2c" };
const SKUS = ["shoes", "jacket", "scarf", "gloves", "hat", "socks", "belt", "bag"];

interface ScalingRequest extends RequestData {
  /** `labels.detail`: empty except in the `large` shape. */
  readonly detail: string;
}

/** A cart summary of about `chars` characters, different per request. */
function cartDetail(i: number, chars: number): string {
  let s = `cart of req-${i}:`;
  for (let line = 0; s.length < chars; line++) {
    const n = (i * 31 + line * 7) % 997;
    s += ` ${SKUS[(i + line) % SKUS.length]}-${n.toString(36)} x${1 + (n % 4)} @${(100 + n * 13) % 10000} EUR;`;
  }
  return s.slice(0, chars);
}

function requestData(shape: RecordShape, offset: number): ScalingRequest[] {
  return Array.from({ length: REQUESTS }, (_, k) => ({ ...requestAt(k + offset), detail: shape === "large" ? cartDetail(k + offset, DETAIL_CHARS) : "" }));
}

/** bench/peers/records.ts's source type, so bench/peers/peer-driver.ts drives it. */
export type RecordSource = AuditSource;

/**
 * Records of `shape`, built per call. `offset` shifts the request data, so
 * the emitting threads of one run do not send the same records.
 */
export function recordSource(shape: RecordShape, offset = 0): RecordSource {
  const requests = requestData(shape, offset);
  let seq = 0;
  return {
    variant: "per-call",
    next(): AuditInit {
      const r = requests[seq % REQUESTS]!;
      const now = Date.now();
      const occurredAt = { seconds: BigInt(Math.floor(now / 1000)), nanos: (now % 1000) * 1_000_000 };
      const amount = { amountMinor: BigInt(r.amountMinor), currency: "EUR" };
      const method: AuditInit["method"] = r.wallet ? { case: "wallet", value: "apple-pay" } : { case: "card", value: { brand: "visa", last4: "4242", expiryMonth: r.month, expiryYear: 2030 } };
      let record: AuditInit;
      if (shape === "small") {
        record = { paymentId: r.paymentId, actor: "svc-checkout", action: r.action, amount, occurredAt, customerEmail: r.email, method };
      } else {
        const labels: Record<string, string> = shape === "large" ? { seq: String(seq), channel: seq % 2 === 0 ? "web" : "app", detail: r.detail } : { seq: String(seq), channel: seq % 2 === 0 ? "web" : "app" };
        record = {
          paymentId: r.paymentId,
          actor: "svc-checkout",
          action: r.action,
          amount,
          occurredAt,
          request: { requestId: r.requestId, traceId: r.traceId, spanId: r.spanId },
          service: SERVICE,
          customerEmail: r.email,
          labels,
          method,
        };
      }
      seq++;
      return record;
    },
  };
}

/**
 * Mean framed value (Confluent header + Protobuf, e-mail hashed) and key
 * bytes of `count` records of `shape`, encoded as the pipeline encodes them
 * (bench/workload.ts `preEncodedPool`).
 */
export function measuredSize(shape: RecordShape, count = 4096): { framedBytes: number; keyBytes: number } {
  const source = recordSource(shape);
  const records: AuditInit[] = [];
  for (let i = 0; i < count; i++) records.push(source.next());
  const encoded = preEncodedPool(records);
  const mean = (f: (e: { key: Buffer; value: Buffer }) => number) => encoded.reduce((a, e) => a + f(e), 0) / encoded.length;
  return { framedBytes: mean((e) => e.value.length), keyBytes: mean((e) => e.key.length) };
}
