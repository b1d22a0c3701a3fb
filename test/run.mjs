#!/usr/bin/env node
// `npm test [-- filters...]`:
//   1. type-checks the whole project (tsc --noEmit; type tests live in test/types/);
//   2. reuses a healthy dev stack on the configured ports, or starts the
//      missing parts with `logwire dev up --wait` and stops exactly those at
//      the end, even when tests fail or the run is interrupted;
//   3. runs node:test through tsx over test/**/*.test.ts, one file at a time.
// Arguments that are not flags filter test files (an existing path, or a
// substring of the path, or a folder); flags go to node's test runner. The exit code is
// the tests' (or 1 for a type error, 2 when the stack cannot start).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const cli = (args, options = {}) =>
  spawnSync(bin("tsx"), [join(root, "src/cli/main.ts"), "dev", ...args], { cwd: root, encoding: "utf8", ...options });

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith("-"));
const filters = args.filter((a) => !a.startsWith("-"));

// 1. Type-check.
console.log("==> npm test: tsc --noEmit -p tsconfig.json");
const tsc = spawnSync(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: root, stdio: "inherit" });
if (tsc.status !== 0) {
  console.error("npm test: type errors, tests not run");
  process.exit(1);
}

// 3 (early). Collect test files; node 20's --test does not expand globs itself.
const files = listTests(join(root, "test")).filter(
  (file) =>
    filters.length === 0 ||
    filters.some((f) => (existsSync(f) ? file === resolve(f) || file.startsWith(resolve(f) + "/") : relative(root, file).includes(f))),
);
if (files.length === 0) {
  console.error(`npm test: no test files under test/ match ${filters.join(" ") || "**/*.test.ts"}`);
  process.exit(2);
}

// 2. Global setup: the real stack.
const kafkaPort = process.env.LOGWIRE_KAFKA_PORT ?? "19092";
const registryPort = process.env.LOGWIRE_REGISTRY_PORT ?? "18081";
const env = {
  ...process.env,
  LOGWIRE_BROKERS: process.env.LOGWIRE_BROKERS ?? `127.0.0.1:${kafkaPort}`,
  LOGWIRE_REGISTRY_URL: process.env.LOGWIRE_REGISTRY_URL ?? `http://127.0.0.1:${registryPort}/apis/ccompat/v7`,
};
const before = readStatus();
const started = before.filter((s) => s.state === "down").map((s) => s.name);
let stopping;
const teardown = () => {
  if (started.length > 0 && stopping === undefined) {
    stopping = true;
    console.log(`==> npm test: stopping what it started: ${started.join(", ")}`);
    cli(["down", ...started], { stdio: "inherit" });
  }
};
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    teardown();
    process.exit(130);
  });
}

for (const s of before.filter((s) => s.state !== "down")) {
  console.log(`==> npm test: reusing ${s.name} at ${s.endpoint} (${s.state}; ${s.note})`);
}
if (before.some((s) => s.state !== "up")) {
  console.log(`==> npm test: starting the dev stack (${started.join(", ") || "waiting for it"}): logwire dev up --wait`);
  const up = cli(["up", "--wait"], { stdio: "inherit" });
  if (up.status !== 0) {
    teardown();
    console.error("npm test: the dev stack did not start; see the error above");
    process.exit(2);
  }
}

if (started.includes("registry")) await warmRegistry(env.LOGWIRE_REGISTRY_URL);

// 3. Run the tests against it.
console.log(`==> npm test: ${files.length} test file(s) against kafka ${env.LOGWIRE_BROKERS}, registry ${env.LOGWIRE_REGISTRY_URL}`);
const reporter = flags.some((f) => f.startsWith("--test-reporter")) ? [] : ["--test-reporter=spec"];
const registryLog = join(process.env.LOGWIRE_HOME ?? join(root, ".logwire"), "stack", "registry.log");
const registryLogStart = existsSync(registryLog) ? statSync(registryLog).size : 0;
// A test still running after 5 minutes fails by name instead of holding CI
// until its own limit (the longest real test takes under a minute).
const timeout = flags.some((f) => f.startsWith("--test-timeout")) ? [] : ["--test-timeout=300000"];
const child = spawn(bin("tsx"), ["--test", "--test-concurrency=1", ...timeout, ...reporter, ...flags, ...files], { cwd: root, env, stdio: "inherit" });
const code = await new Promise((resolveCode) => {
  child.once("error", (error) => {
    console.error(`npm test: could not run tsx: ${error.message}`);
    resolveCode(1);
  });
  child.once("exit", (exitCode, signal) => resolveCode(exitCode ?? (signal ? 1 : 0)));
});
if (code !== 0) reportRegistryTrouble();
teardown();
process.exit(code);

/**
 * When tests fail, what the registry logged during the run that may explain
 * it: errors, 5xx answers and answers slower than a second (the access log
 * has response times in ms; see registry-node.ts). At most 40 lines.
 */
function reportRegistryTrouble() {
  if (!existsSync(registryLog)) return;
  const lines = readFileSync(registryLog).subarray(registryLogStart).toString("utf8").split("\n");
  const trouble = lines.filter((line) => {
    const time = /response_time="(\d+)"/.exec(line);
    return / ERROR /.test(line) || /response_code="5\d\d"/.test(line) || (time !== null && Number(time[1]) >= 1000);
  });
  console.log(`==> npm test: the registry logged ${trouble.length} error(s), 5xx or slow (>= 1 s) answer(s) during the run${trouble.length > 0 ? ":" : ""}`);
  for (const line of trouble.slice(-40)) console.log(`  ${line.slice(0, 400)}`);
}

/**
 * A just-started Apicurio answers its first requests slowly (lazy
 * initialisation), and once a CI run saw it log an answer to a GET that
 * never reached the client. The first test should not pay for that: one
 * round of the calls the tests make, on a scratch subject deleted after.
 * Failures here are reported and the tests run anyway.
 */
async function warmRegistry(url) {
  const subject = `logwire-warmup-${Date.now().toString(36)}`;
  const body = { schemaType: "PROTOBUF", schema: 'syntax = "proto3";\npackage warmup;\nmessage Warmup { string a = 1; }\n' };
  const call = async (method, path, json) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
      signal: AbortSignal.timeout(20000),
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    await res.text();
    return res.status;
  };
  const t0 = Date.now();
  try {
    const statuses = [
      await call("POST", `/subjects/${subject}/versions`, body),
      await call("GET", `/subjects/${subject}/versions/latest`),
      await call("POST", `/subjects/${subject}`, body),
      await call("GET", `/config/subjects/${subject}?defaultToGlobal=true`),
      await call("POST", `/compatibility/subjects/${subject}/versions/latest`, body),
      await call("DELETE", `/subjects/${subject}`),
      await call("DELETE", `/subjects/${subject}?permanent=true`),
    ];
    console.log(`==> npm test: registry warmed up in ${Date.now() - t0} ms (HTTP ${statuses.join(" ")})`);
  } catch (error) {
    console.log(`==> npm test: registry warm-up did not finish (${error.message}); the tests run anyway`);
  }
}

function readStatus() {
  const result = cli(["status", "--json"]);
  try {
    return JSON.parse(result.stdout);
  } catch {
    console.error(`npm test: \`logwire dev status --json\` failed (exit ${result.status}):\n${result.stderr}`);
    process.exit(2);
  }
}

function listTests(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .filter((file) => !file.includes(`${"/"}node_modules${"/"}`) && !file.includes("/fixtures/"))
    .sort();
}
