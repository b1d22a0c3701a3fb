import assert from "node:assert/strict";
import type { Pipeline } from "../../src/runtime/pipeline/pipeline.ts";

/** The sum of a per-reason (or per-topic) count. */
export function sumCounts(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/**
 * The books of `p`, spool included: emitted + restored = acked + dropped +
 * dead-lettered + unknown + pending + spooled. (Pending records are allowed;
 * a test that needs none asserts `pending` itself.)
 */
export function assertBalanced(p: Pipeline): void {
  const s = p.stats();
  assert.equal(s.emitted + s.restored, s.acked + sumCounts(s.dropped) + sumCounts(s.deadLettered) + s.unknown + s.pending + s.spooled, JSON.stringify(s));
}
