import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DescMessage } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Registry } from "prom-client";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import { AllKindsSchema } from "../../proto/logwire/test/v1/all_kinds_pb.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import type { LogwireError } from "../../src/runtime/errors.ts";
import type { LogDescriptor } from "../../src/runtime/registry/log-descriptor.ts";
import { createMemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";

/**
 * The record contract (src/runtime/check/record-check.ts) through a pipeline on
 * the memory transport: a record is read once, by name, through getters,
 * prototypes and Proxies; what was checked is what is redacted, keyed and
 * written; whatever the caller's objects do when read (throw, nest without
 * end, carry unknown fields, hold values no reader takes), the record is
 * sent as checked or dead-lettered as `invalid_record` with the path, never
 * dropped as a logwire bug.
 */

const ID = 41;

interface Outcome {
  readonly sent: { key: string | undefined; payload: Uint8Array }[];
  readonly dlq: { path: string | undefined; message: string; code: string }[];
  readonly errors: LogwireError[];
  readonly dropped: Record<string, number>;
  readonly altered: number;
}

async function emitAll<Desc extends DescMessage>(log: LogDescriptor<Desc>, records: readonly unknown[]): Promise<Outcome> {
  const memory = createMemoryTransport();
  const errors: LogwireError[] = [];
  const registry = new Registry();
  const pipeline = await createPipeline({ transport: memory, metrics: { registry }, schema: { mode: "use-schema-id", ids: { [log.subject]: ID } }, onError: (e) => errors.push(e) });
  const emitter = pipeline.emitter(log);
  for (const record of records) assert.doesNotThrow(() => emitter.emit(record as never));
  await pipeline.close();
  const sent: Outcome["sent"] = [];
  const dlq: Outcome["dlq"] = [];
  for (const batch of memory.requests.flat()) {
    for (const r of batch.records) {
      if (batch.topic === log.topic) sent.push({ key: r.key?.toString(), payload: decodeFrame(r.value).payload });
      else {
        const headers = r.headers as Record<string, Buffer | string>;
        const diagnostics = JSON.parse(String(headers[DLQ_HEADERS.diagnostics])) as { path?: string };
        dlq.push({ path: diagnostics.path, message: String(headers[DLQ_HEADERS.message]), code: String(headers[DLQ_HEADERS.code]) });
      }
    }
  }
  const metric = (await registry.getSingleMetric("logwire_values_altered_total")?.get())?.values ?? [];
  const altered = metric.filter((v) => v.labels["topic"] === log.topic && v.labels["reason"] === "lone_surrogate").reduce((a, v) => a + v.value, 0);
  return { sent, dlq, errors, dropped: pipeline.stats().dropped, altered };
}

/** Each record's outcome: "sent", or the DLQ path. */
async function paths<Desc extends DescMessage>(log: LogDescriptor<Desc>, records: readonly unknown[]): Promise<string[]> {
  const out: string[] = [];
  for (const record of records) {
    const o = await emitAll(log, [record]);
    assert.deepEqual(o.dropped, {}, "nothing is dropped");
    out.push(o.sent.length === 1 ? "sent" : o.dlq.length === 1 && o.dlq[0]!.code === "invalid_record" ? String(o.dlq[0]!.path) : `?? ${JSON.stringify(o)}`);
  }
  return out;
}

function nested(levels: number): Record<string, unknown> {
  let m: Record<string, unknown> = { name: "leaf" };
  for (let i = 1; i < levels; i++) m = { name: `level ${levels - i}`, child: m };
  return m;
}

describe("a record is read once, and the values read are the values written", () => {
  it("each getter runs once; the key, the redacted field and the value come from that one read", async () => {
    const reads: Record<string, number> = {};
    const counted = <T>(name: string, values: T[]): (() => T) => () => values[Math.min((reads[name] = (reads[name] ?? 0) + 1) - 1, values.length - 1)]!;
    const record = {};
    for (const [name, values] of [["paymentId", ["p-first", "p-second"]], ["customerEmail", ["first@example.com", "second@example.com"]], ["actor", ["first", 7]]] as const) {
      Object.defineProperty(record, name, { enumerable: true, get: counted(name, [...values]) });
    }
    const o = await emitAll(PaymentAuditLog, [record]);
    assert.deepEqual(reads, { paymentId: 1, customerEmail: 1, actor: 1 });
    assert.equal(o.sent.length, 1);
    assert.equal(o.sent[0]!.key, "p-first");
    const decoded = fromBinary(PaymentAuditSchema, o.sent[0]!.payload);
    assert.equal(decoded.paymentId, "p-first");
    assert.equal(decoded.actor, "first");
    assert.equal(decoded.customerEmail, PaymentAuditLog.redactCopy!({ customerEmail: "first@example.com" }).customerEmail);
  });

  it("a Proxy's traps run once per member, and its answers are what is written", async () => {
    const gets: string[] = [];
    let n = 0;
    const proxy = new Proxy({ code: "proxy", message: "m" } as Record<string, unknown>, {
      get(target, key, receiver) {
        if (typeof key === "string") gets.push(key);
        if (key === "message") return `answer ${++n}`;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const o = await emitAll(PaymentErrorLog, [proxy]);
    assert.equal(gets.filter((k) => k === "message").length, 1);
    assert.equal(gets.filter((k) => k === "code").length, 1);
    assert.equal(fromBinary(PaymentErrorSchema, o.sent[0]!.payload).message, "answer 1");
    assert.equal(o.sent[0]!.key, "proxy");
  });

  it("class instances and prototypes: members are read by name, then checked", async () => {
    class Undeclared {
      code = "class";
      get severity(): number {
        return 99;
      }
    }
    class Dated {
      code = "dated";
      get occurredAt(): Date {
        return new Date();
      }
    }
    class Valid {
      code = "valid";
      get severity(): number {
        return 2;
      }
    }
    assert.deepEqual(await paths(PaymentErrorLog, [new Undeclared(), new Dated(), { __proto__: { severity: 99 }, code: "proto" }, Object.defineProperty({ code: "hidden" }, "severity", { value: 99 }), new Valid()]), [
      "severity",
      "occurredAt",
      "severity",
      "severity",
      "sent",
    ]);
    const valid = await emitAll(PaymentErrorLog, [new Valid()]);
    assert.equal(fromBinary(PaymentErrorSchema, valid.sent[0]!.payload).severity, 2, "a getter's value is written");
  });
});

describe("unknown fields", () => {
  // PaymentError's bytes plus field 99 (a varint 5) and field 98 (the string "hi").
  const bytes = Uint8Array.from([...toBinary(PaymentErrorSchema, create(PaymentErrorSchema, { code: "u", severity: 2 })), 0x98, 0x06, 0x05, 0x92, 0x06, 0x02, 0x68, 0x69]);

  it("a message decoded with unknown fields is valid: they are written back, byte for byte", async () => {
    const decoded = fromBinary(PaymentErrorSchema, bytes);
    const o = await emitAll(PaymentErrorLog, [decoded, { ...decoded, code: "spread keeps $unknown as an own key" }]);
    assert.deepEqual(o.dlq, []);
    assert.equal(o.sent.length, 2);
    assert.deepEqual([...o.sent[0]!.payload], [...toBinary(PaymentErrorSchema, decoded)]);
    assert.deepEqual(fromBinary(PaymentErrorSchema, o.sent[1]!.payload).$unknown?.map((u) => u.no), [99, 98]);
  });

  it("anywhere else, or malformed, they are invalid_record with the path", async () => {
    const decoded = fromBinary(PaymentErrorSchema, bytes);
    const message = (unknown: unknown): object => ({ ...create(PaymentErrorSchema, { code: "m" }), $unknown: unknown });
    assert.deepEqual(
      await paths(PaymentErrorLog, [
        { code: "init", $unknown: decoded.$unknown },
        { __proto__: decoded, code: "inherited" },
        { __proto__: { $unknown: decoded.$unknown }, code: "inherited" },
        message([{ no: 99, wireType: 2, data: new Uint8Array([5, 1]) }]),
        message([{ no: 99, wireType: 0, data: new Uint8Array([0x80]) }]),
        message([{ no: 99, wireType: 3, data: new Uint8Array([0x08, 0x01]) }]),
        message([{ no: 99, wireType: 3, data: new Uint8Array([0x08, 0x01, 0x9c, 0x06]) }]),
        message([{ no: 99, wireType: 4, data: new Uint8Array() }]),
        message([{ no: 1, wireType: 2, data: new Uint8Array([1, 0x61]) }]),
        message([{ no: 99, wireType: 0, data: [5] }]),
        message("not a list"),
      ]),
      ["$unknown", "$unknown", "$unknown", "$unknown[0].data", "$unknown[0].data", "$unknown[0].data", "sent", "$unknown[0].wireType", "$unknown[0].no", "$unknown[0].data", "$unknown"],
    );
  });
});

describe("depth", () => {
  const PAST = ["fMessage", ...Array<string>(99).fill("child")].join(".");

  it("100 levels are sent, the record counted; 101, a cycle, or 100,000 levels are invalid_record at the first level too deep", async () => {
    const cyclic: Record<string, unknown> = { name: "cycle" };
    cyclic["child"] = cyclic;
    assert.deepEqual(await paths(AllKindsLog, [{ fMessage: nested(99) }, { fMessage: nested(100) }, { fMessage: cyclic }, { fMessage: nested(100_000) }]), ["sent", PAST, PAST, PAST]);
    const o = await emitAll(AllKindsLog, [{ fMessage: nested(100) }]);
    assert.match(o.errors[0]!.message, /expected a message at most 100 levels deep \(readers stop there\), received a message at level 101/);
  });

  it("a map entry holding a message counts as a level, as protobuf-java reads it", async () => {
    // The record (1), the entry (2), its value (3), and 97 more levels below it: 100.
    const atLimit = { mUint32Message: { 7: nested(98) } };
    const past = { mUint32Message: { 7: nested(99) } };
    assert.deepEqual(await paths(AllKindsLog, [atLimit, past]), ["sent", ['mUint32Message["7"]', ...Array<string>(98).fill("child")].join(".")]);
  });

  it("also without a generated check: checkRecord stops at the same level", async () => {
    const unchecked: typeof AllKindsLog = { ...AllKindsLog, check: undefined };
    assert.deepEqual(await paths(unchecked, [{ fMessage: nested(99) }, { fMessage: nested(100_000) }]), ["sent", PAST]);
  });
});

describe("objects that throw when read are the caller's input", () => {
  it("invalid_record with the path of the read that threw, never a dropped internal", async () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const revokedNested = Proxy.revocable({}, {});
    revokedNested.revoke();
    const trap = new Proxy({ code: "trap" } as Record<string, unknown>, {
      get(target, key, receiver) {
        if (key === "message") throw new Error("get trap boom");
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const records = [
      { code: "getter", get message(): string { throw new Error("getter boom"); } },
      revoked.proxy,
      { code: "nested", request: revokedNested.proxy },
      trap,
      new Proxy({}, { getPrototypeOf: () => { throw new Error("proto boom"); } }),
      new Proxy({}, { ownKeys: () => { throw new Error("keys boom"); } }),
      { code: "list", stack: [{ get line(): number { throw new Error("line boom"); } }] },
    ];
    assert.deepEqual(await paths(PaymentErrorLog, records), ["message", "(record)", "request", "message", "(record)", "(record)", "stack[0].line"]);
    const o = await emitAll(PaymentErrorLog, records.slice(0, 1));
    assert.match(o.errors[0]!.message, /^\[invalid_record\] message: .*expected a value that can be read, received threw Error: getter boom/);
  });
});

describe("values no reader takes are refused at the check, with their path", () => {
  it("a float32 out of range, Timestamps and Durations out of their ranges", async () => {
    assert.deepEqual(await paths(AllKindsLog, [{ fFloat: 3.4e38 }, { fFloat: -1e39 }, { fFloat: Infinity }, { wFloat: 1e39 }, { rFloat: [0, 1e39] }, { mFixed32Float: { 1: 1e39 } }]), [
      "sent", "fFloat", "sent", "wFloat", "rFloat[1]", 'mFixed32Float["1"]',
    ]);
    assert.deepEqual(
      await paths(PaymentErrorLog, [
        { occurredAt: { seconds: -62_135_596_800n } },
        { occurredAt: { seconds: 253_402_300_799n, nanos: 999_999_999 } },
        { occurredAt: { seconds: -62_135_596_801n } },
        { occurredAt: { seconds: 253_402_300_800 } },
        { occurredAt: { seconds: "253402300800" } },
        { occurredAt: { nanos: -1 } },
        { occurredAt: { nanos: 1_000_000_000 } },
      ]),
      ["sent", "sent", "occurredAt.seconds", "occurredAt.seconds", "occurredAt.seconds", "occurredAt.nanos", "occurredAt.nanos"],
    );
    assert.deepEqual(
      await paths(RequestPerformanceLog, [
        { latency: { seconds: 315_576_000_000n, nanos: 999_999_999 } },
        { latency: { seconds: -315_576_000_000n, nanos: -999_999_999 } },
        { latency: { nanos: -5 } },
        { latency: { seconds: 315_576_000_001n } },
        { latency: { seconds: 1n, nanos: -1 } },
        { latency: { seconds: -1n, nanos: 1 } },
        { latency: { nanos: 1_000_000_000 } },
      ]),
      ["sent", "sent", "sent", "latency.seconds", "latency.nanos", "latency.nanos", "latency.nanos"],
    );
  });
});

describe("oneof input", () => {
  it("an extra key, or a value without a case, is invalid_record; the unset form { case: undefined } is fine", async () => {
    assert.deepEqual(
      await paths(PaymentAuditLog, [
        { method: { case: "wallet", value: "w", extra: 1 } },
        { method: { value: "w" } },
        { method: { case: undefined, value: "w" } },
        { method: {} },
        { method: { case: undefined } },
        { method: { case: "wallet", value: "w" } },
        create(PaymentAuditSchema, { paymentId: "m" }),
      ]),
      ["method.extra", "method.case", "method.case", "method", "sent", "sent", "sent"],
    );
  });
});

describe("lone surrogates", () => {
  it("are written as U+FFFD in the value and the key, and each record so altered is counted in logwire_values_altered_total", async () => {
    const o = await emitAll(PaymentErrorLog, [{ code: "clean", message: "ok" }, { code: "value", message: "a\uD800b" }, { code: "key\uDC00" }, { code: "both\uD800", message: "x".repeat(70) + "\uDC00" }]);
    assert.equal(o.sent.length, 4);
    assert.deepEqual(o.sent.map((s) => s.key), ["clean", "value", "key\uFFFD", "both\uFFFD"]);
    assert.equal(fromBinary(PaymentErrorSchema, o.sent[1]!.payload).message, "a\uFFFDb");
    assert.equal(o.altered, 3);
  });

  it("also on the path without generated code (toBinary)", async () => {
    const older: typeof PaymentErrorLog = { ...PaymentErrorLog, check: undefined, encodeInit: undefined };
    const o = await emitAll(older, [{ code: "clean" }, { code: "c", labels: { "\uD800": "v" } }, { code: "c", stack: [{ file: "\uDFFF" }] }]);
    assert.equal(o.sent.length, 3);
    assert.equal(o.altered, 2);
  });
});

describe("the copy the check returns", () => {
  it("is plain data: no getters, no prototype but Object.prototype, nested objects copied", () => {
    const source = Object.create({ paymentId: "inherited" }) as Record<string, unknown>;
    Object.defineProperty(source, "actor", { enumerable: true, get: () => "getter" });
    source["labels"] = { k: "v" };
    source["method"] = { case: "card", value: { brand: "visa" } };
    const copy = PaymentAuditLog.check!(source) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    for (const key of Object.keys(copy)) assert.equal(Object.getOwnPropertyDescriptor(copy, key)?.get, undefined, key);
    assert.equal(copy["paymentId"], "inherited");
    assert.equal(copy["actor"], "getter");
    assert.notEqual(copy["labels"], source["labels"]);
    assert.notEqual((copy["method"] as { value: unknown }).value, (source["method"] as { value: unknown }).value);
    assert.equal(PaymentAuditLog.check!({ labels: JSON.parse('{"__proto__":"x"}') as object }) !== undefined, true);
    const protoKey = (PaymentAuditLog.check!({ labels: JSON.parse('{"__proto__":"x"}') as object }) as { labels: object }).labels;
    assert.equal(Object.getOwnPropertyDescriptor(protoKey, "__proto__")?.value, "x", "a map key __proto__ stays an own key");
    assert.equal(Object.getPrototypeOf(protoKey), Object.prototype);
  });

  it("encodes to the bytes of toBinary(create()) of the record", () => {
    const record = { fMessage: nested(5), mUint32Message: { 3: { name: "m" } }, choice: { case: "cMessage", value: { name: "c" } }, rMessage: [{ kind: 1 }], fTimestamp: { seconds: 5n } };
    const copy = AllKindsLog.check!(record);
    assert.deepEqual([...AllKindsLog.encodeInit!(copy as never)], [...toBinary(AllKindsSchema, create(AllKindsSchema, record as never))]);
  });
});
