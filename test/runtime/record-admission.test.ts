import assert from "node:assert/strict";
import { test } from "node:test";
import type { DescMessage } from "@bufbuild/protobuf";
import { createPipeline } from "../../src/runtime/pipeline.ts";
import { createMemoryTransport } from "../../src/runtime/memory-transport.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter.ts";
import type { LogwireError } from "../../src/runtime/errors.ts";
import type { LogDescriptor } from "../../src/runtime/log-descriptor.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";

/**
 * Record admission (src/runtime/record-admission.ts) with and without the
 * generated pieces of a descriptor: the generated check decides, checkRecord
 * explains, and a disagreement never lets a record through.
 */

const ID = 77;

/** Emits `records` on `log` through a memory transport; returns what reached each topic and the errors reported. */
async function emitAll<Desc extends DescMessage>(log: LogDescriptor<Desc>, records: readonly unknown[]): Promise<{ topics: Map<string, { headers: Record<string, string>; value: Buffer }[]>; errors: LogwireError[] }> {
  const memory = createMemoryTransport();
  const errors: LogwireError[] = [];
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [log.subject]: ID } }, onError: (e) => errors.push(e) });
  const emitter = pipeline.emitter(log);
  for (const record of records) emitter.emit(record as never);
  await pipeline.close();
  const topics = new Map<string, { headers: Record<string, string>; value: Buffer }[]>();
  for (const batch of memory.requests.flat()) {
    const list = topics.get(batch.topic) ?? [];
    for (const r of batch.records) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = String(v);
      list.push({ headers, value: r.value });
    }
    topics.set(batch.topic, list);
  }
  return { topics, errors };
}

test("a record the generated check rejects is dead-lettered with checkRecord's problem list", async () => {
  assert.ok(PaymentAuditLog.check !== undefined);
  const { topics, errors } = await emitAll(PaymentAuditLog, [{ paymentId: "p-1", amount: { amountMinor: 1.5 } }, { paymentId: "p-2" }]);
  assert.equal(topics.get(PaymentAuditLog.topic)?.length, 1, "the valid record is sent");
  const dlq = topics.get(`${PaymentAuditLog.topic}.dlq`) ?? [];
  assert.equal(dlq.length, 1);
  assert.equal(dlq[0]!.headers[DLQ_HEADERS.code], "invalid_record");
  assert.match(dlq[0]!.headers[DLQ_HEADERS.message]!, /^\[invalid_record\] amount\.amountMinor: .*expected int64 .* received 1\.5/);
  assert.equal(errors.length, 1);
});

test("when the generated check and checkRecord disagree, the record is dead-lettered as invalid, never sent", async () => {
  const rejectsAll: typeof PaymentAuditLog = { ...PaymentAuditLog, check: () => false };
  const { topics, errors } = await emitAll(rejectsAll, [{ paymentId: "p-1" }]);
  assert.equal(topics.get(PaymentAuditLog.topic), undefined, "nothing reaches the topic");
  const dlq = topics.get(`${PaymentAuditLog.topic}.dlq`) ?? [];
  assert.equal(dlq.length, 1);
  assert.equal(dlq[0]!.headers[DLQ_HEADERS.code], "invalid_record");
  assert.match(errors[0]!.message, /rejected by the generated check, but checkRecord finds no problem in it: the generated code and the runtime disagree: regenerate/);
});

test("a descriptor without a generated check (older generated code) is checked by checkRecord alone", async () => {
  const older: typeof PaymentAuditLog = { ...PaymentAuditLog, check: undefined };
  const { topics, errors } = await emitAll(older, [{ paymentId: "p-1", action: 99 }, { paymentId: "p-2" }]);
  assert.equal(topics.get(PaymentAuditLog.topic)?.length, 1);
  assert.equal(topics.get(`${PaymentAuditLog.topic}.dlq`)?.length, 1);
  assert.match(errors[0]!.message, /^\[invalid_record\] action: .*one of example\.payments\.v1\.Action's numbers/);
});
