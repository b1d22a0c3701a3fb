import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRegistryRequests } from "../../src/cli/registry-requests.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";

/** A registry stand-in on 127.0.0.1 that leaves the first `silent` requests unanswered. */
async function flakyRegistry(silent: number): Promise<{ server: Server; url: string; seen: () => number }> {
  let seen = 0;
  const server = createServer((_req, res) => {
    seen++;
    if (seen <= silent) return; // never answers: the client's timeout has to fire
    res.writeHead(200, { "content-type": "application/vnd.schemaregistry.v1+json" });
    res.end(JSON.stringify({ subject: "s", version: 3, id: 7, schema: "Cg==", references: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen: () => seen };
}

test("a GET the registry never answers is sent again, and the answer to the retry is used", async () => {
  const r = await flakyRegistry(2);
  try {
    const latest = await createRegistryRequests(r.url, 300).latest("s");
    assert.equal(latest?.version, 3);
    assert.equal(latest?.id, 7);
    assert.equal(r.seen(), 3, "two timed-out tries, then the answer");
  } finally {
    r.server.closeAllConnections();
    r.server.close();
  }
});

test("after three unanswered GETs it fails with registry_unavailable; a POST is never resent", async () => {
  const r = await flakyRegistry(100);
  try {
    const requests = createRegistryRequests(r.url, 200);
    await assert.rejects(requests.latest("s"), (e: unknown) => isLogwireError(e) && e.code === "registry_unavailable" && /did not answer GET/.test(e.message));
    assert.equal(r.seen(), 3);
    await assert.rejects(requests.lookup("s", { schemaType: "PROTOBUF", schema: "Cg==", references: [] }), (e: unknown) => isLogwireError(e) && e.code === "registry_unavailable");
    assert.equal(r.seen(), 4, "the POST went once");
  } finally {
    r.server.closeAllConnections();
    r.server.close();
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
