import assert from "node:assert/strict";
import { test } from "node:test";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { ErrorCode, isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import type { DropReason } from "../../src/runtime/buffer/drop-reasons.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";

/**
 * What an `emitAndWait` caller of a dropped record gets: each drop reason
 * has its own code and fix (drop-reasons.ts), never another reason's.
 */

const ID = 43;

// A reason that is not in the table does not compile: drop() takes a DropReason.
// @ts-expect-error
const notAReason: DropReason = "spool_exploded";
void notAReason;

async function rejection(p: Promise<void>): Promise<LogwireError> {
  try {
    await p;
  } catch (error) {
    assert.ok(isLogwireError(error));
    return error;
  }
  assert.fail("expected emitAndWait to reject");
}

test("emitAndWait on a record left out by sampling rejects with [sampled] and the sample_rate fix, not buffer_full", async () => {
  const memory = createMemoryTransport();
  // A rate of 0 keeps nothing (codegen refuses it; here it makes the drop certain).
  const sampled = { ...PaymentErrorLog, sampleRate: 0 };
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [PaymentErrorLog.subject]: ID } } });
  try {
    const error = await rejection(pipeline.emitter(sampled).emitAndWait({ code: "c1", message: "m" }));
    assert.equal(error.code, "sampled");
    assert.equal(error.retriable, false);
    assert.match(error.fix ?? "", /sample_rate/);
    assert.doesNotMatch(error.message, /buffer/);
    assert.match(error.message, /^\[sampled\] record for payments\.errors dropped \(sampled\)/);
  } finally {
    await pipeline.close();
  }
  assert.deepEqual(pipeline.stats().dropped, { sampled: 1 });
});

test("emitAndWait on a record that waited past blockTimeoutMs rejects with buffer_full and the blockTimeoutMs fix", async () => {
  const memory = createMemoryTransport();
  const pipeline = await createPipeline({
    transport: memory,
    schema: { mode: "use-schema-id", ids: { [PaymentErrorLog.subject]: ID } },
    buffer: { maxBytes: 4096, overflow: "block", blockTimeoutMs: 20 },
    batch: { maxBytes: 2048, lingerMs: 0 },
    maxRecordBytes: 1024,
    closeTimeoutMs: 0,
  });
  const log = pipeline.emitter(PaymentErrorLog);
  memory.hold();
  let timedOut!: (e: LogwireError) => void;
  const firstTimeout = new Promise<LogwireError>((resolve) => (timedOut = resolve));
  // Twice the buffer: the records past it wait for room that never comes while the transport holds.
  for (let i = 0; i < 60; i++) {
    log.emitAndWait({ code: `c${i}`, message: "x".repeat(60) }).catch((e: LogwireError) => {
      if (/block_timeout/.test(e.message)) timedOut(e);
    });
  }
  const error = await firstTimeout;
  memory.release();
  await pipeline.close();
  assert.match(error.fix ?? "", /blockTimeoutMs/);
  assert.equal(error.code, "buffer_full");
  assert.equal(error.retriable, true);
  assert.ok((pipeline.stats().dropped["block_timeout"] ?? 0) > 0);
});

test("every drop reason maps to its own code and fix in one table", async () => {
  const { DROP_REASONS, dropError } = await import("../../src/runtime/buffer/drop-reasons.ts");
  // The reasons counted in stats().dropped (pipeline-stats.ts), all in the table.
  const reasons = ["sampled", "buffer_full", "block_timeout", "closed", "close_timeout", "dlq_full", "dlq_failed", "internal", "spool_full", "spool_failed", "spool_torn"] as const;
  for (const reason of reasons) assert.ok(reason in DROP_REASONS, reason);
  const codes = new Set<string>(Object.values(ErrorCode));
  const fixes = new Map<string, string>();
  for (const [reason, info] of Object.entries(DROP_REASONS)) {
    assert.ok(codes.has(info.code), `${reason}: ${info.code} is an ErrorCode`);
    assert.ok(info.fix.length > 10, `${reason} has a fix`);
    const error = dropError("t", reason as keyof typeof DROP_REASONS);
    assert.equal(error.code, info.code);
    assert.equal(error.fix, info.fix);
    assert.match(error.message, new RegExp(`^\\[${info.code}\\] record for t dropped \\(${reason}\\): .+: ${info.fix.replace(/[.()*+?[\]\\]/g, "\\$&")}$`));
    assert.ok(!fixes.has(info.fix), `${reason} shares its fix with ${fixes.get(info.fix)}`);
    fixes.set(info.fix, reason);
  }
  assert.equal(DROP_REASONS.sampled.code, "sampled");
  assert.equal(DROP_REASONS.closed.code, "closed");
  assert.equal(DROP_REASONS.internal.code, "internal");
  assert.equal(DROP_REASONS.spool_failed.code, "environment");
});
