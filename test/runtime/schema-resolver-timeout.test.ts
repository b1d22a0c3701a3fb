import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { resolveOptions } from "../../src/runtime/pipeline/pipeline-options.ts";
import { createSchemaResolver } from "../../src/runtime/registry/schema-registration.ts";

// A registry that takes a request and never answers must not hold a log
// type's records forever: each call gives up after registry.requestTimeoutMs
// with a retriable registry_unavailable, and the pipeline asks again later.

test("a registry call that is never answered fails after requestTimeoutMs as retriable registry_unavailable", async () => {
  let seen = 0;
  const server = createServer(() => {
    seen++; // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const calls: string[] = [];
  try {
    const resolver = createSchemaResolver({ url, auth: undefined, requestTimeoutMs: 300, mode: "auto-register", ids: {}, onCall: (op, outcome) => calls.push(`${op}:${outcome}`) });
    const started = performance.now();
    await assert.rejects(resolver.resolve(PaymentAuditLog), (e: unknown) => isLogwireError(e) && e.code === "registry_unavailable" && e.retriable && /Timeout/i.test(e.message));
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 5000, `gave up after ${Math.round(elapsed)} ms`);
    assert.ok(seen >= 1, "the request reached the server");
    assert.deepEqual([...new Set(calls)], ["register:unavailable"]);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("registry.requestTimeoutMs defaults to 10 s and is validated with its path", () => {
  const base = { brokers: ["127.0.0.1:9092"] };
  assert.equal(resolveOptions({ ...base, registry: { url: "http://127.0.0.1:1" } }).registry?.requestTimeoutMs, 10000);
  assert.equal(resolveOptions({ ...base, registry: { url: "http://127.0.0.1:1", requestTimeoutMs: 2500 } }).registry?.requestTimeoutMs, 2500);
  for (const bad of [0, 50, -1, 1.5, "10s", 700000]) {
    assert.throws(
      () => resolveOptions({ ...base, registry: { url: "http://127.0.0.1:1", requestTimeoutMs: bad as number } }),
      (e: unknown) => isLogwireError(e) && e.code === "invalid_option" && e.path === "registry.requestTimeoutMs",
    );
  }
});
