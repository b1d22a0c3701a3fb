import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Registry } from "prom-client";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { DLQ_HEADERS } from "../../src/runtime/dead-letter/dead-letter.ts";
import type { LogwireError } from "../../src/runtime/errors.ts";
import { createSchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { registryCall } from "../support/registry-call.ts";
import { onUniqueTopic } from "./support/descriptors.ts";
import { consumeAll } from "./support/kafka-helpers.ts";
import { metricValue } from "./support/metric-values.ts";

/** A pass-through proxy to the real registry that answers 503 while `down`. */
async function flakyRegistry(): Promise<{ url: string; setDown(down: boolean): void; close(): Promise<void> }> {
  let down = true;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      if (down) {
        res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ error_code: 50301, message: "registry restarting" }));
        return;
      }
      const target = registryUrl.replace(/\/apis\/ccompat\/v7$/, "") + req.url;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const answer = await registryCall(target, { method: req.method!, headers: { "content-type": req.headers["content-type"] ?? "application/json" }, ...(body ? { body } : {}) });
      res.writeHead(answer.status, { "content-type": "application/json" }).end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/apis/ccompat/v7`, setDown: (d) => (down = d), close: () => new Promise((r) => server.close(() => r())) };
}

test("registry down: records wait within the buffer, calls are retried with backoff and counted, and flow once it is back", async () => {
  const log = onUniqueTopic(PaymentErrorLog, "registry-down");
  const registry = await flakyRegistry();
  const metrics = new Registry();
  const errors: LogwireError[] = [];
  const pipeline = await createPipeline({ brokers, registry: { url: registry.url }, metrics: { registry: metrics }, onError: (e) => errors.push(e) });
  try {
    const emitter = pipeline.emitter(log);
    for (let i = 0; i < 20; i++) emitter.emit({ code: `c${i}` });
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(pipeline.stats().pending, 20, "records wait for the schema id");
    assert.ok(pipeline.stats().bufferedBytes > 0);
    const unavailable = await metricValue(metrics, "logwire_registry_calls_total", { outcome: "unavailable" });
    assert.ok(unavailable >= 3, `retried with backoff (${unavailable} calls)`);
    assert.ok(errors.length >= 3 && errors.every((e) => e.code === "registry_unavailable" && e.retriable));
    registry.setDown(false);
    await pipeline.close();
    assert.equal(pipeline.stats().acked, 20);
    assert.equal((await consumeAll([log.topic])).length, 20);
  } finally {
    await registry.close();
  }
});

test("registry never back: close() gives up after closeTimeoutMs and counts the records as close_timeout", async () => {
  const log = onUniqueTopic(PaymentErrorLog, "registry-gone");
  const registry = await flakyRegistry();
  const pipeline = await createPipeline({ brokers, registry: { url: registry.url }, closeTimeoutMs: 500 });
  try {
    const emitter = pipeline.emitter(log);
    for (let i = 0; i < 7; i++) emitter.emit({ code: `c${i}` });
    await pipeline.close();
    const s = pipeline.stats();
    assert.deepEqual(s.dropped, { close_timeout: 7 });
    assert.equal(s.unknown, 0, "never sent: dropped, not unknown");
    assert.equal(s.pending, 0);
  } finally {
    await registry.close();
  }
});

test("use-latest uses the latest registered id, and dead-letters a type whose local schema differs from it; use-schema-id frames with the given id", async () => {
  // Registered by an auto-register pipeline first.
  const log = onUniqueTopic(PaymentErrorLog, "use-latest");
  const first = await createPipeline({ brokers, registry: { url: registryUrl } });
  await first.emitter(log).emitAndWait({ code: "registered" });
  await first.close();

  const latest = await createPipeline({ brokers, registry: { url: registryUrl }, schema: { mode: "use-latest" } });
  await latest.emitter(log).emitAndWait({ code: "latest" });

  // A local schema that is not the latest: the same subject with a field added locally.
  const proto = fromBinary(FileDescriptorProtoSchema, Buffer.from(log.files[0]!.schema, "base64"));
  proto.messageType[0]!.field.push({ ...proto.messageType[0]!.field[1]!, name: "extra", number: 99, jsonName: "extra" });
  const changed = { ...log, files: [{ ...log.files[0]!, schema: Buffer.from(toBinary(FileDescriptorProtoSchema, proto)).toString("base64") }, ...log.files.slice(1)] };
  const errs: LogwireError[] = [];
  const mismatched = await createPipeline({ brokers, registry: { url: registryUrl }, schema: { mode: "use-latest" }, onError: (e) => errs.push(e) });
  await assert.rejects(mismatched.emitter(changed).emitAndWait({ code: "mismatch" }), (e: LogwireError) => e.code === "schema_mismatch");
  const missing = onUniqueTopic(PaymentErrorLog, "use-latest-missing");
  await assert.rejects(mismatched.emitter(missing).emitAndWait({ code: "missing" }), (e: LogwireError) => e.code === "schema_not_found");
  await mismatched.close();
  await latest.close();

  const records = await consumeAll([log.topic]);
  assert.equal(records.length, 2);
  const decoder = createSchemaDecoder({ registryUrl });
  const ids = await Promise.all(records.map(async (r) => (await decoder.decode(r.value)).schemaId));
  assert.equal(ids[0], ids[1], "use-latest framed with the registered id");

  const dlq = await consumeAll([`${log.topic}.dlq`]);
  assert.equal(dlq.length, 1);
  assert.equal(dlq[0]!.headers[DLQ_HEADERS.code], "schema_mismatch");
  const diagnostics = JSON.parse(dlq[0]!.headers[DLQ_HEADERS.diagnostics]!);
  assert.equal(diagnostics.registeredId, ids[0]);
  assert.notEqual(diagnostics.localFingerprint, diagnostics.registeredFingerprint);

  const byId = await createPipeline({ brokers, schema: { mode: "use-schema-id", ids: { [log.subject]: ids[0]! } } });
  await byId.emitter(log).emitAndWait({ code: "by-id" });
  await byId.close();
  const all = await consumeAll([log.topic]);
  assert.equal(all.length, 3);
  assert.equal((await decoder.decode(all.find((r) => r.key?.toString() === "by-id")!.value)).schemaId, ids[0]);
});
