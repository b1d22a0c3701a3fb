import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { REGISTRY_URL, runCli, runId } from "./support/cli-harness.ts";
import { FIXTURES, buildDescriptorSet, writeFixtureModule } from "./support/fixture-descriptors.ts";
import { registryCall } from "../support/registry-call.ts";

// `logwire register` against the real registry: --dry-run writes nothing,
// a real run prints the ids and versions the registry holds.

const gen = mkdtempSync(join(tmpdir(), "logwire-register-"));
after(() => rmSync(gen, { recursive: true, force: true }));

async function latest(subject: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await registryCall(`${REGISTRY_URL}/subjects/${encodeURIComponent(subject)}/versions/latest`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test("register --dry-run prints subjects without registering; a real run prints the registry's ids and versions", async () => {
  const id = runId();
  const subject = `cli-register-${id}-value`;
  writeFixtureModule(gen, buildDescriptorSet(join(FIXTURES, "add-field"), gen), "fixture.v1.CheckoutLog", `cli-register-${id}`, subject);

  const dry = await runCli(["register", "--dry-run", "--registry", REGISTRY_URL, "--gen", gen]);
  assert.equal(dry.code, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, new RegExp(`^${subject}: would register version 1 of a new subject \\(fixture\\.v1\\.CheckoutLog\\); dry run, nothing written$`, "m"));
  assert.match(dry.stdout, /^fixture\/v1\/common\.proto: /m, "the imported file is listed under its own subject");
  assert.equal((await latest(subject)).status, 404, "--dry-run must not register");

  const real = await runCli(["register", "--registry", REGISTRY_URL, "--gen", gen]);
  assert.equal(real.code, 0, real.stdout + real.stderr);
  const registered = await latest(subject);
  assert.equal(registered.status, 200);
  assert.match(real.stdout, new RegExp(`^${subject} -> id ${registered.body["id"]}, version ${registered.body["version"]} \\(fixture\\.v1\\.CheckoutLog\\)$`, "m"));
  const common = await latest("fixture/v1/common.proto");
  assert.equal((registered.body["references"] as { subject: string; version: number }[])[0]?.subject, "fixture/v1/common.proto");
  assert.match(real.stdout, /^fixture\/v1\/common\.proto -> id \d+, version \d+ \(imported fixture\/v1\/common\.proto\)$/m);
  assert.ok(common.status === 200);

  const json = await runCli(["register", "--json", "--registry", REGISTRY_URL, "--gen", gen]);
  assert.equal(json.code, 0);
  const rows = JSON.parse(json.stdout) as { subject: string; id: number; version: number; state: string }[];
  const row = rows.find((r) => r.subject === subject);
  assert.deepEqual([row?.state, row?.id, row?.version], ["registered", registered.body["id"], registered.body["version"]], "registering again is idempotent");
});

test("register exits 2 when the registry is down", async () => {
  const result = await runCli(["register", "--registry", "http://127.0.0.1:9/apis/ccompat/v7", "--gen", gen]);
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /registry_unavailable/);
});
