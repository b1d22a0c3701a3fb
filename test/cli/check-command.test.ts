import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { registerAll } from "./check-corpus-support.ts";
import { registryCall } from "../support/registry-call.ts";
import { REGISTRY_URL, registerAttempt, registerDirect, runCli, runId } from "./support/cli-harness.ts";
import { FIXTURES, buildDescriptorSet, fixtureDescriptor, writeFixtureModule } from "./support/fixture-descriptors.ts";

// `logwire check` against the real registry and the real `buf breaking`:
// each fixture evolution of test/cli/fixtures/v1 is checked in its own temp
// git repository (v1 committed, the evolution in the work tree), against a
// subject where v1 is registered. The registry's verdict is then confirmed
// independently by trying to register the evolution for real.

interface Expectation {
  readonly dir: string;
  readonly typeName: string;
  readonly registry: "compatible" | "incompatible";
  readonly bufRules: readonly string[];
  readonly reasonKind: string;
  readonly reasonText: RegExp;
  readonly confluent: "compatible" | "incompatible";
  readonly exitCode: number;
}

const EVOLUTIONS: readonly Expectation[] = [
  { dir: "add-field", typeName: "fixture.v1.CheckoutLog", registry: "compatible", bufRules: [], reasonKind: "field-added", reasonText: /field region \(7\) was added/, confluent: "compatible", exitCode: 0 },
  {
    dir: "remove-field",
    typeName: "fixture.v1.CheckoutLog",
    registry: "incompatible",
    bufRules: ["FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"],
    reasonKind: "field-removed",
    reasonText: /field customer \(2\) was removed without reserved; add `reserved 2; reserved "customer";`/,
    confluent: "compatible",
    exitCode: 1,
  },
  {
    dir: "change-type",
    typeName: "fixture.v1.CheckoutLog",
    registry: "incompatible",
    bufRules: ["FIELD_WIRE_COMPATIBLE_TYPE"],
    reasonKind: "field-type-changed",
    reasonText: /field quantity \(3\) changed type from int64 to string/,
    confluent: "incompatible",
    exitCode: 1,
  },
  {
    dir: "rename-field",
    typeName: "fixture.v1.CheckoutLog",
    registry: "incompatible",
    bufRules: [],
    reasonKind: "field-renamed",
    reasonText: /field 2 was renamed from customer to customer_ref/,
    confluent: "compatible",
    exitCode: 1,
  },
  {
    dir: "remove-enum-value",
    typeName: "fixture.v1.CheckoutLog",
    registry: "incompatible",
    bufRules: ["ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED"],
    reasonKind: "enum-value-removed",
    reasonText: /enum value OUTCOME_DECLINED \(2\) was removed from fixture\.v1\.Outcome/,
    confluent: "compatible",
    exitCode: 1,
  },
  {
    dir: "rename-message",
    typeName: "fixture.v1.CheckoutRecord",
    registry: "incompatible",
    // buf's WIRE category does not see a renamed message; logwire's diff and the registry do.
    bufRules: [],
    reasonKind: "message-renamed",
    reasonText: /message fixture\.v1\.CheckoutLog was renamed to fixture\.v1\.CheckoutRecord/,
    confluent: "incompatible",
    exitCode: 1,
  },
];

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.email=test@logwire.invalid", "-c", "user.name=logwire-test", "-c", "commit.gpgsign=false", ...args], { cwd, stdio: "pipe" });
}

/** A git repo with v1 under proto/ committed, then `evolution` in the work tree; returns paths. */
function evolutionRepo(evolution: string): { repo: string; gen: string } {
  const repo = mkdtempSync(join(tmpdir(), "logwire-check-"));
  scratch.push(repo);
  git(repo, "init", "-q");
  cpSync(join(FIXTURES, "v1"), join(repo, "proto"), { recursive: true });
  git(repo, "add", ".");
  git(repo, "commit", "-qm", "v1");
  rmSync(join(repo, "proto"), { recursive: true });
  cpSync(join(FIXTURES, evolution), join(repo, "proto"), { recursive: true });
  const gen = join(repo, "gen");
  mkdirSync(gen);
  return { repo, gen };
}

interface JsonSubject {
  subject: string;
  role: string;
  verdict: string;
  registry: string;
  reasons: { kind: string; message: string; confluent: string; apicurio?: string }[];
  buf: { rule: string }[];
}

describe("logwire check: fixture evolutions against the real registry and buf breaking", { concurrency: 2 }, () => {
  for (const evolution of EVOLUTIONS) {
    test(evolution.dir, async () => {
      const id = runId();
      const topic = `cli-check-${id}`;
      const subject = `${topic}-value`;
      const { repo, gen } = evolutionRepo(evolution.dir);
      const v1 = fixtureDescriptor(buildDescriptorSet(join(FIXTURES, "v1"), repo), "fixture.v1.CheckoutLog", topic, subject);
      const { versions } = await registerDirect(v1);
      const evolvedSet = buildDescriptorSet(join(repo, "proto"), gen);
      writeFixtureModule(gen, evolvedSet, evolution.typeName, topic, subject);

      const json = await runCli(["check", "--json", "--registry", REGISTRY_URL, "--against", "HEAD", "--proto", "proto", "--gen", "gen"], { cwd: repo });
      assert.equal(json.code, evolution.exitCode, json.stdout + json.stderr);
      const report = JSON.parse(json.stdout) as { subjects: JsonSubject[]; buf: { category: string } };
      assert.equal(report.buf.category, "WIRE");
      const reference = report.subjects.find((s) => s.subject === "fixture/v1/common.proto");
      assert.equal(reference?.registry, "unchanged", "the imported file is checked under its own subject first");
      const log = report.subjects.find((s) => s.subject === subject);
      assert.ok(log !== undefined, json.stdout);
      assert.equal(log.registry, evolution.registry);
      assert.deepEqual(log.buf.map((f) => f.rule), evolution.bufRules);
      const reason = log.reasons.find((r) => r.kind === evolution.reasonKind);
      assert.ok(reason !== undefined, `no ${evolution.reasonKind} reason in ${JSON.stringify(log.reasons)}`);
      assert.match(reason.message, evolution.reasonText);
      assert.equal(reason.confluent, evolution.confluent);

      // The text report prints the same verdict and reason line.
      const text = await runCli(["check", "--registry", REGISTRY_URL, "--against", "HEAD", "--gen", "gen"], { cwd: repo });
      assert.equal(text.code, evolution.exitCode, text.stdout + text.stderr);
      assert.match(text.stdout, new RegExp(`^${subject} \\(${evolution.typeName.replace(/\./g, "\\.")}\\): ${evolution.exitCode === 0 ? "compatible" : "INCOMPATIBLE"}$`, "m"));
      assert.match(text.stdout, evolution.reasonText);
      assert.match(text.stdout, new RegExp(`exit ${evolution.exitCode}$`, "m"));
      assert.match(text.stderr, /logwire: running buf breaking \(WIRE\)/, "progress goes to stderr");

      // What the real registry says, independently of the CLI: register the evolution for real.
      const evolved = fixtureDescriptor(evolvedSet, evolution.typeName, topic, subject);
      const attempt = await registerAttempt(evolved, versions);
      assert.equal(attempt.status, evolution.registry === "compatible" ? 200 : 409, attempt.message);
    });
  }
});

describe("logwire check: a new import never lets a change pass unasked (issue 15)", () => {
  test("new import + int32 -> int64: INCOMPATIBLE as the registry says, exit 1, scratch subjects removed", async () => {
    const id = runId();
    const dir = `ckimport${id}`;
    const topic = `cli-import-${id}`;
    const subject = `${topic}-value`;
    const work = mkdtempSync(join(tmpdir(), "logwire-check-import-"));
    scratch.push(work);
    const write = (side: string, file: string, text: string) => {
      mkdirSync(join(work, side, dir), { recursive: true });
      writeFileSync(join(work, side, dir, file), `syntax = "proto3";\npackage ${dir}.v1;\n${text}`);
    };
    write("v1", "log.proto", "message Log {\n  string id = 1;\n  int32 count = 2;\n}\n");
    write("v2", "log.proto", `import "${dir}/money.proto";\nmessage Log {\n  string id = 1;\n  int64 count = 2;\n  Money total = 3;\n}\n`);
    write("v2", "money.proto", "message Money {\n  int64 amount_minor = 1;\n}\n");
    mkdirSync(join(work, "out1"));
    const gen = join(work, "gen");
    mkdirSync(gen);
    await registerDirect(fixtureDescriptor(buildDescriptorSet(join(work, "v1"), join(work, "out1")), `${dir}.v1.Log`, topic, subject));
    const v2Set = buildDescriptorSet(join(work, "v2"), gen);
    writeFixtureModule(gen, v2Set, `${dir}.v1.Log`, topic, subject);

    const text = await runCli(["check", "--registry", REGISTRY_URL, "--gen", gen]);
    assert.equal(text.code, 1, text.stdout + text.stderr);
    assert.match(text.stdout, new RegExp(`^${dir}/money\\.proto \\(imported file\\): new subject$`, "m"));
    assert.match(text.stdout, new RegExp(`^${subject} \\(${dir}\\.v1\\.Log\\): INCOMPATIBLE$`, "m"));
    assert.match(text.stdout, /registry: incompatible \(latest version 1, id \d+\)/);
    assert.match(text.stdout, /registry says: .*Field type changed/);
    assert.match(text.stdout, /- field count \(2\) changed type from int32 to int64 \(same wire encoding\) \[Confluent: compatible, Apicurio: incompatible\]/);
    assert.match(text.stdout, new RegExp(`note: the registry was asked by replaying the registration on scratch subjects, with ${dir}/money\\.proto registered there first`));
    assert.match(text.stdout, /note: Confluent Schema Registry would accept this change; this registry is stricter .*field type changed within a wire-encoding group/);
    assert.match(text.stdout, /exit 1$/m);
    assert.doesNotMatch(text.stdout, /verdict from logwire's diff alone/);

    const subjects = (await (await registryCall(`${REGISTRY_URL}/subjects`)).json()) as string[];
    assert.deepEqual(subjects.filter((s) => s.startsWith("logwire-check.") && s.includes(dir)), [], "scratch subjects are deleted");
    assert.ok(!subjects.includes(`${dir}/money.proto`), "check registers nothing under real subjects");

    // The real registration, imports first, as logwire register does it: refused.
    const attempt = await registerAll(fixtureDescriptor(v2Set, `${dir}.v1.Log`, topic, subject));
    assert.equal(attempt.status, 409, attempt.message);
    assert.equal(attempt.refused, subject);
    assert.match(attempt.message, /Field type changed/);
  });
});

describe("logwire check: new subjects and could-not-check", () => {
  test("a subject the registry has never seen is reported as new, exit 0", async () => {
    const id = runId();
    const gen = mkdtempSync(join(tmpdir(), "logwire-check-new-"));
    scratch.push(gen);
    writeFixtureModule(gen, buildDescriptorSet(join(FIXTURES, "v1"), gen), "fixture.v1.CheckoutLog", `cli-new-${id}`, `cli-new-${id}-value`);
    const result = await runCli(["check", "--registry", REGISTRY_URL, "--gen", gen]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^cli-new-${id}-value \\(fixture\\.v1\\.CheckoutLog\\): new subject$`, "m"));
    assert.match(result.stdout, /buf breaking: skipped \(no --against ref given\)/);
  });

  test("registry down, a bad git ref and missing generated code exit 2", async () => {
    const { repo, gen } = evolutionRepo("add-field");
    const id = runId();
    writeFixtureModule(gen, buildDescriptorSet(join(repo, "proto"), gen), "fixture.v1.CheckoutLog", `cli-down-${id}`, `cli-down-${id}-value`);

    const down = await runCli(["check", "--registry", "http://127.0.0.1:9/apis/ccompat/v7", "--gen", "gen"], { cwd: repo });
    assert.equal(down.code, 2, down.stdout + down.stderr);
    assert.match(down.stdout, /COULD NOT CHECK/);
    assert.match(down.stdout, /\[registry_unavailable\] --registry: registry at http:\/\/127\.0\.0\.1:9\/apis\/ccompat\/v7 did not answer/);

    const badRef = await runCli(["check", "--json", "--registry", REGISTRY_URL, "--against", "no-such-branch", "--gen", "gen"], { cwd: repo });
    assert.equal(badRef.code, 2, badRef.stdout + badRef.stderr);
    assert.match(JSON.parse(badRef.stdout).buf.error, /no-such-branch is not a git ref/);

    const noGen = await runCli(["check", "--registry", REGISTRY_URL, "--gen", join(repo, "proto")], { cwd: repo });
    assert.equal(noGen.code, 2);
    assert.match(noGen.stderr, /no \*_logwire\.ts modules under/);
  });

  test("--help documents the exit codes", async () => {
    const help = await runCli(["check", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 +could not check/);
  });
});
