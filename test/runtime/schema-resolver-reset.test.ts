import { after, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import type { LogDescriptor } from "../../src/runtime/registry/log-descriptor.ts";
import { createMemoryTransport, type MemoryTransport } from "../../src/runtime/transport/memory-transport.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createSchemaResolver, type RegistrySignal, type SchemaResolver } from "../../src/runtime/registry/schema-registration.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import { createFakeRegistry, type FakeRegistry } from "./support/fake-registry.ts";

// A registry that lost its state (restarted with empty storage, restored):
// what the resolver and the pipeline do about ids and references they cached.

const COMMON = "example/payments/v1/common.proto";
/** Every log type imports logwire's options, so it is a reference too. */
const OPTIONS = "logwire/v1/options.proto";
const registries: FakeRegistry[] = [];
after(() => Promise.all(registries.map((r) => r.close())));

async function fake(): Promise<FakeRegistry> {
  const r = await createFakeRegistry();
  registries.push(r);
  return r;
}

function resolverFor(registry: FakeRegistry, signals: string[] = []): SchemaResolver {
  return createSchemaResolver({
    url: registry.url,
    auth: undefined,
    requestTimeoutMs: 2_000,
    mode: "auto-register",
    ids: {},
    onCall: () => undefined,
    // With the request count, so a test can tell what came before the sign.
    onSuspect: (signal: RegistrySignal) => signals.push(`${signal}@${registry.requests.length}`),
  });
}

const on = (d: LogDescriptor, subject: string): LogDescriptor => ({ ...d, topic: subject, subject });

/** Another app's schema, as `.proto` text. */
const otherSchema = (i: number): string => `syntax = "proto3";\npackage other.v${i};\nmessage Other${i} { string note = 1; }\n`;

test("a registration refused for a missing reference registers the references again and retries once; the refusal is a sign, given before the retry", async () => {
  const registry = await fake();
  const signals: string[] = [];
  const resolver = resolverFor(registry, signals);
  const a = await resolver.resolve(on(PaymentErrorLog, "a-value"));
  assert.equal(a.id, 3, "common.proto is 1, options.proto 2, A is 3");
  registry.reset();
  registry.requests.length = 0;
  const b = await resolver.resolve(on(RequestPerformanceLog, "b-value"));
  // The references are registered concurrently: their calls may interleave.
  assert.equal(registry.requests[0], "POST /subjects/b-value/versions", "with the cached reference versions: 422 Unresolved reference");
  assert.deepEqual(registry.requests.slice(1, -1).sort(), [`POST /subjects/${COMMON}`, `POST /subjects/${COMMON}/versions`, `POST /subjects/${OPTIONS}`, `POST /subjects/${OPTIONS}/versions`]);
  assert.equal(registry.requests.at(-1), "POST /subjects/b-value/versions");
  assert.deepEqual(signals, ["answered@1"], "the sign came before the retry");
  assert.equal(b.id, 3, "the references get 1 and 2 again, B is 3");
});

test("verify: same while the id names the local schema; gone after a reset; other when another schema took the id, or the id's reference names another file; then resolve registers again", async () => {
  const registry = await fake();
  const resolver = resolverFor(registry);
  const a = on(PaymentErrorLog, "a-value");
  const first = await resolver.resolve(a);
  assert.equal(await resolver.verify(a, first), "same");

  registry.reset();
  assert.equal(await resolver.verify(a, first), "gone");
  const second = await resolver.resolve(a);
  assert.equal(second.id, first.id, "a fresh registry hands out the same ids in the same order");

  registry.reset();
  for (let i = 0; i < 3; i++) registry.register(`other-${i}-value`, otherSchema(i));
  assert.equal(await resolver.verify(a, second), "other", `id ${second.id} names other-2 now`);
  const third = await resolver.resolve(a);
  assert.equal(third.id, 6, "registered again, references first: 4 and 5, A is 6");
  assert.equal(await resolver.verify(a, third), "same");

  // The same root registered by someone else against another common.proto.
  registry.reset();
  registry.register(COMMON, Buffer.from("not the local common.proto").toString("base64"));
  registry.register(OPTIONS, a.files.find((f) => f.name === OPTIONS)!.schema);
  const refs = [COMMON, OPTIONS].map((name) => ({ name, subject: name, version: 1 }));
  const sameRootOtherRef = registry.register("elsewhere-value", a.files[0]!.schema, refs);
  assert.equal(await resolver.verify(a, { ...third, id: sameRootOtherRef }), "other");
});

test("verify against a registry that answers schemas as .proto text: the registry compares (a lookup of the local schema), same and other alike", async () => {
  const registry = await fake();
  const resolver = resolverFor(registry);
  const a = on(PaymentErrorLog, "a-value");
  const resolved = await resolver.resolve(a);
  registry.answerAsText(true);
  assert.equal(await resolver.verify(a, resolved), "same");
  registry.reset();
  for (let i = 0; i < 3; i++) registry.register(`other-${i}-value`, otherSchema(i));
  assert.equal(await resolver.verify(a, resolved), "other");
});

test("registry refusals map to codes: schema_rejected, schema_incompatible, not_authorized, schema_not_found; no answer is registry_unavailable; none is internal", async () => {
  const registry = await fake();
  const kinds = (n: number) => on(AllKindsLog, `kinds-${n}-value`);
  const codeOf = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
      return "resolved";
    } catch (error) {
      assert.ok(isLogwireError(error), String(error));
      return `${error.code}${error.retriable ? " (retriable)" : ""}`;
    }
  };
  const resolver = resolverFor(registry);
  const register = /^POST \/subjects\/kinds-\d+-value\/versions$/;
  // Twice: a 422 for a schema with references is retried once, after the references are registered again.
  registry.answerOnce(register, 422, "Failed to discover artifact type from content.");
  registry.answerOnce(register, 422, "Failed to discover artifact type from content.");
  assert.equal(await codeOf(resolver.resolve(kinds(1))), "schema_rejected");
  registry.answerOnce(register, 400, "bad request");
  assert.equal(await codeOf(resolver.resolve(kinds(2))), "schema_rejected");
  registry.answerOnce(register, 409, "Schema being registered is incompatible with an earlier schema");
  registry.answerOnce(/^GET /, 404, "Subject not found");
  assert.equal(await codeOf(resolver.resolve(kinds(3))), "schema_incompatible");
  registry.answerOnce(register, 401, "Unauthorized");
  assert.equal(await codeOf(resolver.resolve(kinds(4))), "not_authorized");
  registry.answerOnce(register, 503, "busy");
  assert.equal(await codeOf(resolver.resolve(kinds(5))), "registry_unavailable (retriable)");
  // Refused for a missing reference again after the references were registered again.
  await resolver.resolve(on(PaymentErrorLog, "a-value"));
  registry.answerOnce(/^POST \/subjects\/b-value\/versions$/, 422, "Unresolved reference");
  registry.answerOnce(/^POST \/subjects\/b-value\/versions$/, 422, "Unresolved reference");
  assert.equal(await codeOf(resolver.resolve(on(RequestPerformanceLog, "b-value"))), "schema_not_found");
  assert.equal(await codeOf(resolver.resolve(kinds(6))), "resolved");
});

test("signals: unreachable at the first unanswered call of an outage, answered at the first answer after it", async () => {
  const registry = await fake();
  const signals: string[] = [];
  const resolver = resolverFor(registry, signals);
  registry.failWith("reset");
  for (let i = 0; i < 3; i++) {
    await assert.rejects(resolver.resolve(on(AllKindsLog, "k-value")), (e: LogwireError) => e.code === "registry_unavailable" && e.retriable);
  }
  assert.equal(resolver.unreachable, true);
  registry.failWith(undefined);
  await resolver.resolve(on(AllKindsLog, "k-value"));
  assert.deepEqual(signals.map((s) => s.split("@")[0]), ["unreachable", "answered"]);
  assert.equal(resolver.unreachable, false);
});

function framed(memory: MemoryTransport, topic: string): { id: number; key: string }[] {
  return memory.requests.flatMap((r) => r.filter((b) => b.topic === topic).flatMap((b) => b.records.map((x) => ({ id: decodeFrame(x.value).schemaId, key: x.key?.toString() ?? "" }))));
}

test("pipeline: after a sign, a type with a cached id is held while it is re-verified, then framed with the id the registry has for it now", async () => {
  const registry = await fake();
  const memory = createMemoryTransport();
  const errors: LogwireError[] = [];
  const pipeline = await createPipeline({ transport: memory, registry: { url: registry.url }, batch: { lingerMs: 1 }, onError: (e) => errors.push(e) });
  after(() => pipeline.close());
  const a = on(PaymentErrorLog, "a-value");
  const aLog = pipeline.emitter(a);
  await aLog.emitAndWait({ code: "before" });
  assert.deepEqual(framed(memory, a.topic), [{ id: 3, key: "before" }]);

  // Restarted empty; another app registers first and takes ids 1 to 3.
  registry.reset();
  registry.register("other-1-value", otherSchema(1));
  registry.register("other-2-value", otherSchema(2));
  registry.register("other-3-value", otherSchema(3));
  registry.holdMatching(/^GET \/schemas\/ids\//);
  // B's reference was cached as registered: refused, a sign; A is held at once.
  await pipeline.emitter(on(RequestPerformanceLog, "b-value")).emitAndWait({ route: "/b", statusCode: 200 });
  for (let i = 0; i < 5; i++) aLog.emit({ code: `held-${i}` });
  await sleep(100);
  assert.deepEqual(framed(memory, a.topic), [{ id: 3, key: "before" }], "A's records wait while its id is verified");
  assert.equal(pipeline.stats().pending, 5);

  registry.release();
  await pipeline.flush();
  const reframed = framed(memory, a.topic).slice(1);
  assert.equal(reframed.length, 5);
  assert.ok(reframed.every((r) => r.id === 7), `framed with A's new id: ${JSON.stringify(reframed)}`);
  const reported = errors.find((e) => e.code === "schema_mismatch");
  assert.ok(reported?.retriable && /schema id 3 of example\.payments\.v1\.PaymentError .* now names another schema: registered again as id 7/.test(reported.message), String(reported?.message));
  await pipeline.close();
  assert.deepEqual(pipeline.stats().deadLettered, {});
  assert.equal(pipeline.stats().acked, 7);
});

test("pipeline: while the registry is unreachable a type with a cached id keeps flowing; when it answers again (restarted empty) the type is re-verified and registered again", async () => {
  const registry = await fake();
  const memory = createMemoryTransport();
  const errors: LogwireError[] = [];
  const pipeline = await createPipeline({ transport: memory, registry: { url: registry.url }, batch: { lingerMs: 1 }, onError: (e) => errors.push(e) });
  try {
    const d = on(AllKindsLog, "d-value");
    const dLog = pipeline.emitter(d);
    await dLog.emitAndWait({ fString: "before" });
    registry.failWith("reset");
    // C is new: its registration gets no answer, the first sign.
    const c = pipeline.emitter(on(PaymentErrorLog, "c-value")).emitAndWait({ code: "c" });
    while (!errors.some((e) => e.code === "registry_unavailable")) await sleep(5);
    await dLog.emitAndWait({ fString: "during" });
    assert.deepEqual(framed(memory, d.topic).map((r) => r.id), [2, 2], "D flows with its cached id while nothing answers (options.proto is 1)");

    // Back, empty; another app takes ids 1 and 2 before any of the pipeline's calls.
    registry.reset();
    registry.register("other-1-value", otherSchema(1));
    registry.register("other-2-value", otherSchema(2));
    registry.failWith(undefined);
    await c;
    for (let i = 0; i < 5; i++) dLog.emit({ fString: `after-${i}` });
    await pipeline.flush();
    const late = framed(memory, d.topic).slice(2);
    const dNow = registry.register("d-value", d.files[0]!.schema, [{ name: OPTIONS, subject: OPTIONS, version: 1 }]);
    assert.notEqual(dNow, 2);
    assert.deepEqual(late.map((r) => r.id), [dNow, dNow, dNow, dNow, dNow], "every D record emitted after C was acked carries D's id in the restarted registry");
  } finally {
    await pipeline.close();
  }
  assert.deepEqual(pipeline.stats().deadLettered, {});
});
