import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { PipelineStats } from "../../../src/runtime/metrics/pipeline-stats.ts";

/** Sum of a by-reason count. */
export function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/**
 * Asserts the books balance exactly once everything settled:
 * emitted = acked + Σ dropped + Σ dead-lettered + unknown, nothing pending.
 */
export function assertBooksBalance(stats: PipelineStats): void {
  assert.equal(stats.pending, 0, `nothing may stay pending: ${JSON.stringify(stats)}`);
  assert.equal(stats.emitted, stats.acked + total(stats.dropped) + total(stats.deadLettered) + stats.unknown, `books do not balance: ${JSON.stringify(stats)}`);
}

/** Prints a test's figures, one `name: value` per line, through the test's diagnostics (shown by every reporter). */
export function report(t: TestContext, title: string, figures: Readonly<Record<string, unknown>>): void {
  t.diagnostic(`${title}:`);
  for (const [name, value] of Object.entries(figures)) {
    t.diagnostic(`  ${name}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`);
  }
}
