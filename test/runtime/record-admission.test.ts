import assert from "node:assert/strict";
import { test } from "node:test";
import type { DescMessage } from "@bufbuild/protobuf";
import { create, fromBinary } from "@bufbuild/protobuf";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import type { LogwireError } from "../../src/runtime/errors.ts";
import type { LogDescriptor } from "../../src/runtime/registry/log-descriptor.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { Action, PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";

/**
 * Record admission (src/runtime/pipeline/record-admission.ts) with and without the
 * generated pieces of a descriptor: the generated check decides, checkRecord
 * explains, and a disagreement never lets a record through; generated code
 * encodes the caller's record without creating a message and without
 * changing it, with the bytes and keys of the message path.
 */

const ID = 77;

/** Emits `records` on `log` through a memory transport; returns what reached each topic and the errors reported. */
type Sent = { key: string | undefined; headers: Record<string, string>; value: Buffer };

async function emitAll<Desc extends DescMessage>(log: LogDescriptor<Desc>, records: readonly unknown[]): Promise<{ topics: Map<string, Sent[]>; errors: LogwireError[] }> {
  const memory = createMemoryTransport();
  const errors: LogwireError[] = [];
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [log.subject]: ID } }, onError: (e) => errors.push(e) });
  const emitter = pipeline.emitter(log);
  for (const record of records) emitter.emit(record as never);
  await pipeline.close();
  const topics = new Map<string, Sent[]>();
  for (const batch of memory.requests.flat()) {
    const list = topics.get(batch.topic) ?? [];
    for (const r of batch.records) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = String(v);
      list.push({ key: r.key?.toString(), headers, value: r.value });
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
  const rejectsAll: typeof PaymentAuditLog = { ...PaymentAuditLog, check: () => undefined };
  const { topics, errors } = await emitAll(rejectsAll, [{ paymentId: "p-1" }]);
  assert.equal(topics.get(PaymentAuditLog.topic), undefined, "nothing reaches the topic");
  const dlq = topics.get(`${PaymentAuditLog.topic}.dlq`) ?? [];
  assert.equal(dlq.length, 1);
  assert.equal(dlq[0]!.headers[DLQ_HEADERS.code], "invalid_record");
  assert.match(errors[0]!.message, /rejected by the generated check, but checkRecord finds no problem in it: the generated code and the runtime disagree: regenerate/);
});

test("a descriptor without a generated check (a message without a specialized encoder) is checked by checkRecord alone", async () => {
  const older: typeof PaymentAuditLog = { ...PaymentAuditLog, check: undefined };
  const { topics, errors } = await emitAll(older, [{ paymentId: "p-1", action: 99 }, { paymentId: "p-2" }]);
  assert.equal(topics.get(PaymentAuditLog.topic)?.length, 1);
  assert.equal(topics.get(`${PaymentAuditLog.topic}.dlq`)?.length, 1);
  assert.match(errors[0]!.message, /^\[invalid_record\] action: .*one of example\.payments\.v1\.Action's numbers/);
});

test("a plain init object or a message is redacted, keyed and encoded without being changed", async () => {
  const init = { paymentId: "p-1", action: Action.REFUND, customerEmail: "jane@example.com", labels: { k: "v" }, method: { case: "bankTransfer" as const, value: { ibanCountry: "DE", accountHolder: "Jane Doe" } } };
  const message = create(PaymentAuditSchema, { ...init, paymentId: "p-2" });
  const before = structuredClone([init, message]);
  const { topics } = await emitAll(PaymentAuditLog, [init, message]);
  assert.deepStrictEqual([init, message], before, "the caller's objects are unchanged");
  const sent = topics.get(PaymentAuditLog.topic) ?? [];
  assert.deepEqual(sent.map((r) => r.key), ["p-1", "p-2"]);
  for (const r of sent) {
    const decoded = fromBinary(PaymentAuditSchema, decodeFrame(r.value).payload);
    assert.match(decoded.customerEmail, /^sha256:[0-9a-f]{16}$/);
    assert.equal(decoded.method.case === "bankTransfer" ? decoded.method.value.accountHolder : undefined, "***");
    assert.equal(decoded.action, Action.REFUND);
  }
});

test("generated code gets the check's copy of the caller's record, redacted: no message is created, the record is never read again", async () => {
  const seen: unknown[] = [];
  const spy: typeof PaymentAuditLog = { ...PaymentAuditLog, encodeInit: (record) => (seen.push(record), PaymentAuditLog.encodeInit!(record)) };
  const plain = { paymentId: "p-1", amount: { amountMinor: 5n } };
  const personal = { paymentId: "p-2", customerEmail: "jane@example.com" };
  await emitAll(spy, [plain, personal]);
  assert.equal(seen.length, 2);
  assert.notEqual(seen[0], plain, "the check's copy, not the record");
  assert.deepEqual(seen[0], PaymentAuditLog.check!(plain), "nothing to redact: the copy itself");
  assert.notEqual((seen[0] as typeof plain).amount, plain.amount, "nested messages are copied too");
  assert.notEqual(seen[1], personal);
  assert.equal((seen[1] as typeof personal).customerEmail, PaymentAuditLog.redactCopy!(personal).customerEmail, "the e-mail hashed");
});

test("a descriptor without encodeInit (a message without a specialized encoder) goes through create(): same bytes and keys", async () => {
  const records: unknown[] = [];
  for (let i = 0; i < 40; i++) records.push(simulatePaymentRequest(i).audit);
  records.push({ paymentId: "p", customerEmail: "x@y.z", method: { case: "bankTransfer", value: { accountHolder: "A" } } }, {}, create(PaymentAuditSchema, { paymentId: "m" }));
  const older: typeof PaymentAuditLog = { ...PaymentAuditLog, encodeInit: undefined, redactCopy: undefined };
  const viaInit = (await emitAll(PaymentAuditLog, records)).topics.get(PaymentAuditLog.topic) ?? [];
  const viaCreate = (await emitAll(older, records)).topics.get(PaymentAuditLog.topic) ?? [];
  assert.equal(viaInit.length, records.length);
  assert.deepEqual(viaInit.map((r) => [r.key, r.value.toString("hex")]), viaCreate.map((r) => [r.key, r.value.toString("hex")]));
});

test("a value toBinary cannot encode (a float32 out of range) is refused by the check, with its path, on either path", async () => {
  const older: typeof AllKindsLog = { ...AllKindsLog, encodeInit: undefined };
  const unchecked: typeof AllKindsLog = { ...AllKindsLog, check: undefined, encodeInit: undefined };
  for (const log of [AllKindsLog, older, unchecked]) {
    const { topics, errors } = await emitAll(log, [{ fFloat: 1e300 }]);
    assert.equal(topics.get(AllKindsLog.topic), undefined);
    assert.equal(topics.get(`${AllKindsLog.topic}.dlq`)?.length, 1);
    assert.match(errors[0]!.message, /^\[invalid_record\] fFloat: logwire\.test\.v1\.AllKinds record does not match its schema: expected number in float32's range .*, received 1e\+300/);
    assert.equal(errors[0]!.path, "fFloat");
  }
});

/**
 * `PaymentAuditLog` with its redaction and encoder counted: how many records
 * admission took past the check to redaction and encoding.
 */
function countingAudit(): { log: LogDescriptor<typeof PaymentAuditSchema>; encoded: () => number } {
  let n = 0;
  const encodeInit = PaymentAuditLog.encodeInit!;
  return {
    log: { ...PaymentAuditLog, encodeInit: (m) => {
      n++;
      return encodeInit(m);
    } },
    encoded: () => n,
  };
}

test("under drop-newest, a record is dropped before it is redacted and encoded once the buffer lacks room for the smallest one seen; an invalid one is still dead-lettered", async () => {
  const { log, encoded } = countingAudit();
  const memory = createMemoryTransport();
  const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [log.subject]: ID } }, buffer: { maxBytes: 8192, overflow: "drop-newest" }, batch: { lingerMs: 0, maxBytes: 4096 }, maxRecordBytes: 1024 });
  const emitter = pipeline.emitter(log);
  // One record, emitted again and again: every record has the same size.
  const record = simulatePaymentRequest(1, 50).audit;
  memory.hold();
  try {
    let emitted = 0;
    while ((pipeline.stats().dropped["buffer_full"] ?? 0) === 0) {
      emitter.emit(record);
      emitted++;
    }
    const held = pipeline.stats().bufferedBytes;
    assert.ok(held > 8192 - 400 && held <= 8192, `buffer full: ${held} of 8192 bytes`);
    assert.equal(encoded(), emitted - 1, "the first refused record was not encoded: the buffer lacked room for a record of the size already seen");
    for (let k = 0; k < 500; k++) emitter.emit(record);
    assert.equal(encoded(), emitted - 1, "nor were the next 500");
    assert.equal(pipeline.stats().dropped["buffer_full"], 501);
    // The price: a record smaller than any seen, which might have fitted the last sliver, is dropped too.
    emitter.emit({ paymentId: "p" });
    assert.equal(encoded(), emitted - 1);
    assert.equal(pipeline.stats().dropped["buffer_full"], 502);
    // An invalid record is checked first: dead-lettered with its problem, not counted as buffer_full.
    emitter.emit({ paymentId: "bad", amount: { amountMinor: 1.5 } } as never);
  } finally {
    memory.release();
    await pipeline.close();
  }
  const stats = pipeline.stats();
  assert.equal(stats.dropped["buffer_full"], 502);
  assert.equal(stats.deadLettered["invalid_record"], 1);
  assert.equal(stats.emitted, stats.acked + 502 + 1 + stats.unknown);
});

test("drop-oldest and block make room or wait, so every record is encoded before the buffer decides", async () => {
  for (const overflow of ["drop-oldest", "block"] as const) {
    const { log, encoded } = countingAudit();
    const memory = createMemoryTransport();
    const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [log.subject]: ID } }, buffer: { maxBytes: 8192, overflow, blockTimeoutMs: 10 }, batch: { lingerMs: 0, maxBytes: 4096 }, maxRecordBytes: 1024, closeTimeoutMs: 0 });
    const emitter = pipeline.emitter(log);
    memory.hold();
    try {
      for (let k = 0; k < 200; k++) emitter.emit(simulatePaymentRequest(k, 50).audit);
      assert.equal(encoded(), 200, overflow);
    } finally {
      memory.release();
      await pipeline.close();
    }
  }
});
