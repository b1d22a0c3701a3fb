import { after, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import type { LogwireError } from "../../src/runtime/errors.ts";
import type { LogDescriptor } from "../../src/runtime/registry/log-descriptor.ts";
import { createSchemaDecoder, type SchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";
import { schemaFingerprint } from "../../src/runtime/registry/schema-registration.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import { AllKindsSchema } from "../../proto/logwire/test/v1/all_kinds_pb.ts";
import { brokers } from "../support/stack-env.ts";
import { registryCall } from "../support/registry-call.ts";
import { onUniqueTopic } from "../pipeline/support/descriptors.ts";
import { createDedicatedStack, type DedicatedStack } from "./support/dedicated-stack.ts";
import { assertBooksBalance, report } from "./support/figures.ts";
import { readAll, type ReadRecord } from "./support/topic-reader.ts";

/**
 * A real registry (a dedicated Apicurio, own port and LOGWIRE_HOME, started
 * from the stack code) SIGKILLed and restarted with empty storage: its H2
 * file is deleted between kill and start, as when a registry loses its state
 * or is restored from an older backup. The shared broker carries the records.
 *
 * Two pipelines see the reset differently:
 * - P1 makes no registry call while it is down (type A's id is cached). After
 *   the restart another app registers schemas first, until A's old id names
 *   one (or one P2 registered again); then P1's new type B, whose reference
 *   (common.proto) P1 cached as registered, is emitted: the registry refuses
 *   it with "Unresolved reference", P1's first sign of the reset.
 * - P2's new type C is first emitted while the registry is down
 *   (`registry_unavailable`); its type D's id is cached. P2's types import
 *   no file of their own (only well-known types), so P2 never registers
 *   common.proto again before P1's B asks for it.
 * In both, the cached ids must be re-verified, and the types re-registered.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLOSE_TIMEOUT_MS = 20_000;

let dedicated: DedicatedStack | undefined;
const pipelines: Pipeline[] = [];
after(async () => {
  // Bounded: a pipeline stuck on a registry that is gone would wait for closeTimeoutMs.
  await Promise.race([Promise.all(pipelines.map((p) => p.close().catch(() => undefined))), sleep(5_000)]);
  await dedicated?.dispose();
});

async function until(what: string, ms: number, check: () => boolean): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
}

async function registryJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await registryCall(url, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The id the registry has now for a subject's latest version; undefined when the subject is not registered. */
async function latestId(registryUrl: string, subject: string): Promise<number | undefined> {
  const { status, body } = await registryJson(`${registryUrl}/subjects/${encodeURIComponent(subject)}/versions/latest`);
  assert.ok(status === 200 || status === 404, `registry answered ${status} for subject ${subject}`);
  return status === 200 ? Number(body["id"]) : undefined;
}

interface Decoded {
  /** The sequence number the test wrote, read with the local generated schema. */
  readonly seq: number;
  /** The id in the record's frame. */
  readonly schemaId: number;
  /** What a consumer decodes now, through the registry: the message's name, or the decoder's error code. */
  readonly outcome: string;
  /** The sequence number in what the consumer decoded, if it decoded this record's type. */
  readonly decodedSeq: number | undefined;
}

/** Decodes every record with logwire's decoder through the registry, as a consumer would now. */
async function decodeAll(decoder: SchemaDecoder, records: readonly ReadRecord[], localSeq: (payload: Uint8Array) => number, seqOf: (json: Record<string, unknown>) => number | undefined): Promise<Decoded[]> {
  const out: Decoded[] = [];
  for (const r of records) {
    const { schemaId, payload } = decodeFrame(r.value);
    const seq = localSeq(payload);
    try {
      const d = await decoder.decode(r.value);
      out.push({ seq, schemaId, outcome: d.typeName, decodedSeq: seqOf(d.json as Record<string, unknown>) });
    } catch (error) {
      out.push({ seq, schemaId, outcome: (error as LogwireError).code ?? String(error), decodedSeq: undefined });
    }
  }
  return out.sort((x, y) => x.seq - y.seq);
}

function countBy(items: readonly Decoded[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of items) out[d.outcome] = (out[d.outcome] ?? 0) + 1;
  return out;
}

test("registry restarted with empty storage: cached ids are re-verified and re-registered (also when another schema took the old id), a new type's cached reference is registered again, nothing is dead-lettered", { timeout: 120_000 }, async (t) => {
  const started = Date.now();
  dedicated = await createDedicatedStack("registry");
  const registryUrl = dedicated.registryUrl;
  const a = onUniqueTopic(PaymentErrorLog, "registry-reset-a");
  const b = onUniqueTopic(RequestPerformanceLog, "registry-reset-b");
  const c = onUniqueTopic(AllKindsLog, "registry-reset-c");
  const d = onUniqueTopic(AllKindsLog, "registry-reset-d");
  const errors = new Map<string, number>();
  const unretriable: LogwireError[] = [];
  const onError = (e: LogwireError): void => {
    errors.set(e.code, (errors.get(e.code) ?? 0) + 1);
    if (!e.retriable) unretriable.push(e);
  };
  const firstStartMs = await dedicated.start();
  const p1 = await createPipeline({ brokers, registry: { url: registryUrl }, closeTimeoutMs: CLOSE_TIMEOUT_MS, onError });
  pipelines.push(p1);
  let p2Unavailable = 0;
  const p2 = await createPipeline({
    brokers,
    registry: { url: registryUrl },
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    onError: (e) => {
      if (e.code === "registry_unavailable") p2Unavailable++;
      onError(e);
    },
  });
  pipelines.push(p2);

  // A (P1) and D (P2) emit all along, each record carrying its sequence number.
  const aLog = p1.emitter(a);
  const dLog = p2.emitter(d);
  let aSent = 0;
  let dSent = 0;
  const emitting = setInterval(() => {
    for (let i = 0; i < 5; i++) {
      aLog.emit({ code: `a-${aSent % 7}`, attempt: aSent++, message: "across the registry reset" });
      dLog.emit({ fInt32: dSent++, fString: "across the registry reset" });
    }
  }, 50);
  try {
    await until("A and D flow", 30_000, () => p1.stats().acked > 50 && p2.stats().acked > 50);
    const oldA = await latestId(registryUrl, a.subject);
    const oldD = await latestId(registryUrl, d.subject);
    assert.ok(oldA !== undefined && oldD !== undefined, "A and D are registered");
    const fingerprintA = schemaFingerprint(a.files[0]!.schema);

    // The reset: SIGKILL, delete the registry's storage, start it again.
    await dedicated.kill();
    const killedAt = Date.now();
    const aAtKill = aSent;
    const dAtKill = dSent;
    rmSync(join(dedicated.config.home, "registry-db"), { recursive: true, force: true });
    // C is new to P2: its registration fails while the registry is down.
    const cLog = p2.emitter(c);
    // Outcomes are kept, not thrown, so a failing run still prints its figures.
    const outcome = (e: unknown): string => (e as LogwireError).code ?? String(e);
    const firstC = cLog.emitAndWait({ fString: "c-first: emitted while the registry is down" }).then(() => "acked", outcome);
    let cSent = 1;
    for (; cSent < 20; cSent++) cLog.emit({ fInt32: cSent, fString: "c" });
    await until("P2 saw the registry unavailable", 30_000, () => p2Unavailable > 0);
    const restartMs = await dedicated.start();
    const restartedAt = Date.now();

    // Another app registers first after the restart, until A's old id names a
    // schema again (the other app's, or one P2 registered again meanwhile).
    const others: number[] = [];
    for (let i = 0; i < 20 && (await registryJson(`${registryUrl}/schemas/ids/${oldA}`)).status === 404; i++) {
      const { status, body } = await registryJson(`${registryUrl}/subjects/${encodeURIComponent(`other-app-${i}-value`)}/versions`, {
        method: "POST",
        headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
        body: JSON.stringify({ schemaType: "PROTOBUF", schema: `syntax = "proto3";\npackage other.app.v${i};\nmessage Other${i} {\n  string note = 1;\n  int64 count = 2;\n}\n` }),
      });
      assert.equal(status, 200, JSON.stringify(body));
      others.push(Number(body["id"]));
    }
    const oldANow = await registryJson(`${registryUrl}/schemas/ids/${oldA}`);
    assert.equal(oldANow.status, 200, `A's old id ${oldA} names a schema again`);
    assert.notEqual(schemaFingerprint(String(oldANow.body["schema"])), fingerprintA, `A's old id ${oldA} names another schema now`);
    const oldANames = String(oldANow.body["schema"]).startsWith("syntax") ? "the other app's schema" : "a schema P2 registered";

    // B is new to P1; P1 cached common.proto as registered (for A) before the reset.
    const bLog = p1.emitter(b);
    const firstBAt = Date.now();
    const firstB = await bLog.emitAndWait({ route: "/first-b", statusCode: 200 }).then(() => "acked", outcome);
    const bFlowMs = Date.now() - firstBAt;
    const aAfterB = aSent;
    let bSent = 1;
    for (; bSent < 40; bSent++) bLog.emit({ route: `/b/${bSent}`, statusCode: 200 });
    const firstCOutcome = await firstC;
    const cFlowMs = Date.now() - restartedAt;
    const dAfterC = dSent;

    // Both types keep emitting a while after their re-registration.
    await sleep(1_500);
    clearInterval(emitting);
    const flushStarted = Date.now();
    await Promise.all([p1.flush(), p2.flush()]);
    const flushMs = Date.now() - flushStarted;
    const closeStarted = Date.now();
    await Promise.all([p1.close(), p2.close()]);
    const closeMs = Date.now() - closeStarted;
    const s1 = p1.stats();
    const s2 = p2.stats();

    const newA = await latestId(registryUrl, a.subject);
    const newD = await latestId(registryUrl, d.subject);
    const decoder = createSchemaDecoder({ registryUrl });
    const [aRecords, bRecords, cRecords, dRecords] = await Promise.all([a, b, c, d].map((x: LogDescriptor) => readAll(brokers, [x.topic])));
    const aSeq = (payload: Uint8Array) => fromBinary(PaymentErrorSchema, payload).attempt ?? -1;
    const dSeq = (payload: Uint8Array) => fromBinary(AllKindsSchema, payload).fInt32;
    const aDecoded = await decodeAll(decoder, aRecords!, aSeq, (j) => (typeof j["attempt"] === "number" ? j["attempt"] : undefined));
    const dDecoded = await decodeAll(decoder, dRecords!, dSeq, (j) => (typeof j["fInt32"] === "number" ? j["fInt32"] : j["fString"] === "across the registry reset" ? 0 : undefined));
    const bDecoded = await decodeAll(decoder, bRecords!, () => 0, () => undefined);
    const cDecoded = await decodeAll(decoder, cRecords!, () => 0, () => undefined);
    // Which records left with which id, by the id in their frame.
    const aStaleAfterKill = aDecoded.filter((x) => x.seq >= aAtKill && x.schemaId === oldA).length;
    const dStaleAfterKill = dDecoded.filter((x) => x.seq >= dAtKill && x.schemaId === oldD).length;

    report(t, "registry reset", {
      "registry start / restart with empty storage ms": `${firstStartMs} / ${restartMs}`,
      "A (P1): old id, new id; ids the other app got after the restart; what the old id names now": `${oldA}, ${newA}; ${others.join(", ")}; ${oldANames}`,
      "D (P2): old id, new id": `${oldD}, ${newD}`,
      "A records emitted before the kill / in all": `${aAtKill} / ${aSent}`,
      "A / D records sent with the old id after the kill (before the pipeline had a sign)": `${aStaleAfterKill} / ${dStaleAfterKill}`,
      "A / D records framed with the new id": `${aDecoded.filter((x) => x.schemaId === newA).length} / ${dDecoded.filter((x) => x.schemaId === newD).length}`,
      "A read back, decoded now as": countBy(aDecoded),
      "D read back, decoded now as": countBy(dDecoded),
      "first B record (emitted after the reset; its reference was cached): outcome, ms after emit": `${firstB}, ${bFlowMs}`,
      "first C record (emitted while the registry was down): outcome, ms after the restart": `${firstCOutcome}, ${cFlowMs}`,
      "B / C read back": `${bRecords!.length} / ${cRecords!.length}`,
      "flush ms / close ms (closeTimeoutMs 20000)": `${flushMs} / ${closeMs}`,
      "P1 emitted / acked / dropped / dead-lettered": `${s1.emitted} / ${s1.acked} / ${JSON.stringify(s1.dropped)} / ${JSON.stringify(s1.deadLettered)}`,
      "P2 emitted / acked / dropped / dead-lettered": `${s2.emitted} / ${s2.acked} / ${JSON.stringify(s2.dropped)} / ${JSON.stringify(s2.deadLettered)}`,
      "onError by code": Object.fromEntries(errors),
      "test ms (registry start to end)": Date.now() - started,
      "mid-run outage ms": restartedAt - killedAt,
    });

    // (b) B, first emitted after the reset with a cached reference, was registered and delivered.
    assert.equal(firstB, "acked");
    assert.equal(firstCOutcome, "acked");
    assert.deepEqual(s1.deadLettered, {}, "nothing of P1 was dead-lettered");
    assert.deepEqual(s2.deadLettered, {}, "nothing of P2 was dead-lettered");
    assert.deepEqual(s1.dropped, {});
    assert.deepEqual(s2.dropped, {});
    assertBooksBalance(s1);
    assertBooksBalance(s2);
    assert.deepEqual(unretriable, [], "only retriable errors were reported");
    assert.equal(bRecords!.length, bSent);
    assert.deepEqual(countBy(bDecoded), { "example.payments.v1.RequestPerformance": bSent });
    assert.equal(cRecords!.length, cSent);
    assert.deepEqual(countBy(cDecoded), { "logwire.test.v1.AllKinds": cSent });

    // (a) A's old id names another app's schema now; A was registered again, and
    // every A record emitted after P1's first sign (B's refusal) carries A's new id
    // and decodes as a PaymentError with its own sequence number.
    assert.ok(newA !== undefined && newA !== oldA, `A was registered again after the reset, with a new id (${newA})`);
    assert.equal(aRecords!.length, aSent, "every A record is in the topic");
    assert.deepEqual(aDecoded.map((x) => x.seq), Array.from({ length: aSent }, (_, i) => i), "each A record exactly once");
    const aLate = aDecoded.filter((x) => x.seq >= aAfterB);
    assert.ok(aLate.length > 50, `A emitted after B was acked: ${aLate.length}`);
    for (const x of aLate) {
      assert.deepEqual(x, { seq: x.seq, schemaId: newA, outcome: "example.payments.v1.PaymentError", decodedSeq: x.seq }, `A record ${x.seq}`);
    }
    // Same for D after P2's outage: every record emitted after C was acked.
    assert.equal(dRecords!.length, dSent, "every D record is in the topic");
    assert.deepEqual(dDecoded.map((x) => x.seq), Array.from({ length: dSent }, (_, i) => i), "each D record exactly once");
    const dLate = dDecoded.filter((x) => x.seq >= dAfterC);
    assert.ok(dLate.length > 50, `D emitted after C was acked: ${dLate.length}`);
    for (const x of dLate) {
      assert.deepEqual(x, { seq: x.seq, schemaId: newD, outcome: "logwire.test.v1.AllKinds", decodedSeq: x.seq }, `D record ${x.seq}`);
    }
    assert.ok(closeMs < CLOSE_TIMEOUT_MS && flushMs < CLOSE_TIMEOUT_MS, "flush and close settled within their deadline");
  } finally {
    clearInterval(emitting);
  }
});
