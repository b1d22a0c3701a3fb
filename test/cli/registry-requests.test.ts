import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRegistryRequests } from "../../src/cli/registry-requests.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { createSchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";

/**
 * A registry stand-in on 127.0.0.1: the first `silent` requests get no
 * answer, the next `failing` get HTTP 503, then every request gets a version.
 */
async function flakyRegistry(silent: number, failing = 0): Promise<{ server: Server; url: string; seen: () => string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.method ?? "?");
    if (seen.length <= silent) return; // never answers: the client's timeout has to fire
    if (seen.length <= silent + failing) {
      res.writeHead(503, { "content-type": "application/json" });
      res.end(JSON.stringify({ error_code: 50301, message: "busy" }));
      return;
    }
    res.writeHead(200, { "content-type": "application/vnd.schemaregistry.v1+json" });
    res.end(JSON.stringify({ subject: "s", version: 3, id: 7, schema: "Cg==", references: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => seen };
}

const SCHEMA = { schemaType: "PROTOBUF", schema: "Cg==", references: [] } as const;

test("a GET the registry never answers is sent again, and the answer to the retry is used", async () => {
  const r = await flakyRegistry(2);
  try {
    const latest = await createRegistryRequests(r.url, 300).latest("s");
    assert.equal(latest?.version, 3);
    assert.equal(latest?.id, 7);
    assert.deepEqual(r.seen(), ["GET", "GET", "GET"], "two timed-out tries, then the answer");
  } finally {
    r.server.closeAllConnections();
    r.server.close();
  }
});

test("a POST is resent like a GET (every call is idempotent), and so is a 503, as Confluent's client does", async () => {
  const r = await flakyRegistry(1, 1);
  try {
    const found = await createRegistryRequests(r.url, 300).lookup("s", SCHEMA);
    assert.deepEqual(found, { version: 3, id: 7 });
    assert.deepEqual(r.seen(), ["POST", "POST", "POST"], "one timed out, one answered 503, the third answered");
  } finally {
    r.server.closeAllConnections();
    r.server.close();
  }
});

test("after three unanswered tries it fails with registry_unavailable; after three 503s it reports the 503", async () => {
  const silent = await flakyRegistry(100);
  try {
    await assert.rejects(createRegistryRequests(silent.url, 200).latest("s"), (e: unknown) => isLogwireError(e) && e.code === "registry_unavailable" && /did not answer GET/.test(e.message));
    assert.equal(silent.seen().length, 3);
  } finally {
    silent.server.closeAllConnections();
    silent.server.close();
  }
  const busy = await flakyRegistry(0, 100);
  try {
    await assert.rejects(
      createRegistryRequests(busy.url, 200).lookup("s", SCHEMA),
      (e: unknown) => isLogwireError(e) && e.code === "registry_unavailable" && e.retriable && /answered POST \/subjects\/s with HTTP 503: busy/.test(e.message),
    );
    assert.equal(busy.seen().length, 3);
  } finally {
    busy.server.closeAllConnections();
    busy.server.close();
  }
});

test("a refused connection fails at once, without retries", async () => {
  const r = await flakyRegistry(0);
  const url = r.url;
  await new Promise<void>((resolve) => r.server.close(() => resolve()));
  const started = performance.now();
  await assert.rejects(createRegistryRequests(url, 5000).latest("s"), (e: unknown) => isLogwireError(e) && e.code === "registry_unavailable");
  assert.ok(performance.now() - started < 5000, "did not wait for a timeout");
});

test("the schema decoder (tail, DLQ diagnostics, check's diff) resends an unanswered GET too", async () => {
  let seen = 0;
  const server = createServer((_req, res) => {
    if (++seen === 1) return;
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error_code: 40401, message: "Subject not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const decoder = createSchemaDecoder({ registryUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requestTimeoutMs: 200 });
    assert.equal(await decoder.subjectVersion("s", "latest"), undefined);
    assert.equal(seen, 2, "the first GET timed out, the second was answered");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
