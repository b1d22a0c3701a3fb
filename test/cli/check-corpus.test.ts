import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { checkSubjects, exitCodeOf } from "../../src/cli/check-run.ts";
import type { CheckReport } from "../../src/cli/check-run.ts";
import type { DiffReason } from "../../src/cli/schema-diff.ts";
import { createProgress } from "../../src/cli/output.ts";
import { createRegistryRequests } from "../../src/cli/registry-requests.ts";
import { EVOLUTIONS } from "./check-corpus-cases.ts";
import { materializeCorpus, registerAll } from "./check-corpus-support.ts";
import type { MaterializedCase } from "./check-corpus-support.ts";
import { REGISTRY_URL, runId } from "./support/cli-harness.ts";

// `logwire check` may never pass what the registry refuses, nor fail what it
// accepts. For each evolution of check-corpus-cases.ts: v1 is registered on
// fresh subjects, `check` runs on v2 (in-process: the engine `logwire check`
// runs after loading the generated modules, which would cost a tsx start per
// case), then v2 is registered for real, imports first, and check's exit code
// must match the registry's answer: 0 for HTTP 200, 1 for 409. Each case's
// expected answer from Apicurio 3.3.3 is in the table as well, so a change of
// registry behaviour shows up as such rather than as a check bug.

const root = mkdtempSync(join(tmpdir(), "logwire-check-corpus-"));
after(() => rmSync(root, { recursive: true, force: true }));

interface Outcome {
  readonly report: CheckReport;
  readonly registration: Awaited<ReturnType<typeof registerAll>>;
}

async function runCase(c: MaterializedCase): Promise<Outcome> {
  const v1 = await registerAll(c.v1());
  assert.equal(v1.status, 200, `registering v1 of ${c.evolution.name}: ${v1.message}`);
  const requests = createRegistryRequests(REGISTRY_URL);
  const report: CheckReport = { registry: requests.url, subjects: [], buf: { skipped: "no --against ref given" }, exitCode: 2 };
  report.subjects.push(...(await checkSubjects([c.v2()], requests, createProgress(true))));
  report.exitCode = exitCodeOf(report);
  const registration = await registerAll(c.v2());
  return { report, registration };
}

describe("logwire check agrees with the registry on every evolution of the corpus", { concurrency: 4 }, () => {
  let cases: MaterializedCase[] = [];
  before(() => {
    cases = materializeCorpus(root, runId(), EVOLUTIONS);
  });

  test("the corpus is large enough and mixes verdicts and new imports", () => {
    assert.ok(EVOLUTIONS.length >= 30, `${EVOLUTIONS.length} evolutions`);
    assert.ok(EVOLUTIONS.filter((e) => e.registry === "rejects").length >= 15);
    assert.ok(EVOLUTIONS.filter((e) => Object.keys(e.v2).length > Object.keys(e.v1).length).length >= 8, "evolutions that add an import");
  });

  for (const [index, evolution] of EVOLUTIONS.entries()) {
    test(evolution.name, async () => {
      const c = cases[index]!;
      const { report, registration } = await runCase(c);
      const context = `${JSON.stringify(report.subjects, null, 2)}\nregistry: ${registration.status} ${registration.message}`;
      assert.equal(registration.status === 200 ? "accepts" : "rejects", evolution.registry, `the registry's answer changed: ${context}`);
      assert.ok(registration.status === 200 || registration.status === 409, context);
      assert.equal(report.exitCode, registration.status === 200 ? 0 : 1, `check disagrees with the registry: ${context}`);

      const log = report.subjects.find((s) => s.subject === c.subject);
      assert.ok(log !== undefined, context);
      if (registration.refused === c.subject) {
        assert.equal(log.verdict, "incompatible", context);
        assert.equal(log.registry, "incompatible", "the registry itself was asked");
      }
      for (const s of report.subjects) {
        assert.notEqual(s.verdict, "error", context);
        if (s.latest !== undefined && s.registry !== "unchanged") {
          assert.ok(s.registry === "compatible" || s.registry === "incompatible", `${s.subject} was not asked: ${context}`);
        }
      }
      for (const expected of evolution.reasons ?? []) {
        const found: DiffReason[] = log.reasons.filter((r) => r.kind === expected.kind && (expected.text === undefined || expected.text.test(r.message)));
        assert.ok(found.length > 0, `no ${expected.kind} reason${expected.text === undefined ? "" : ` matching ${expected.text}`} in ${JSON.stringify(log.reasons, null, 2)}`);
        for (const r of found) {
          if (expected.confluent !== undefined) {
            assert.equal(r.confluent, expected.confluent, r.message);
          }
          if (expected.apicurio !== undefined) {
            assert.equal(r.apicurio, expected.apicurio ?? undefined, r.message);
          }
        }
      }
      for (const kind of evolution.absent ?? []) {
        assert.deepEqual(log.reasons.filter((r) => r.kind === kind), [], `unexpected ${kind}`);
      }
      if (evolution.note !== undefined) {
        assert.ok(log.notes.some((n) => evolution.note!.test(n)), `no note matching ${evolution.note} in ${JSON.stringify(log.notes, null, 2)}`);
      }
      // A registry rejection above reasons Confluent accepts always comes with a note saying why.
      if (log.registry === "incompatible" && log.reasons.length > 0 && log.reasons.every((r) => r.confluent === "compatible")) {
        assert.ok(log.notes.some((n) => /this registry is stricter/.test(n)), JSON.stringify(log, null, 2));
      }
    });
  }
});
