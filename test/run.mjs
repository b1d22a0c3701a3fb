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
//
// `npm run test:unit` (`--unit`) runs only the files that need no broker or
// registry, with no stack, and type-checks beside them. A test file needs
// the stack when it reaches test/support/stack-env.ts, the one place the
// stack's endpoints come from, through its imports or the files it names
// (a child script, `new URL("./child.ts", import.meta.url)`): see stackFiles().
// So the split follows the code and cannot be kept by hand. A file that
// reaches the stack some other way fails loudly rather than passing: the unit
// run points LOGWIRE_BROKERS, LOGWIRE_REGISTRY_URL and the stack's ports at
// two listeners of its own that close every connection, and any connection to
// them fails the run with what the client sent first.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const cli = (args, options = {}) =>
  spawnSync(bin("tsx"), [join(root, "src/cli/main.ts"), "dev", ...args], { cwd: root, encoding: "utf8", ...options });

const args = process.argv.slice(2);
const unit = args.includes("--unit");
const flags = args.filter((a) => a.startsWith("-") && a !== "--unit");
const filters = args.filter((a) => !a.startsWith("-"));
const STACK_ENV = join(root, "test", "support", "stack-env.ts");

// 1. Type-check: before the tests, or beside them in the unit run (runUnit).
if (!unit) {
  console.log("==> npm test: tsc --noEmit -p tsconfig.json");
  const tsc = spawnSync(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: root, stdio: "inherit" });
  if (tsc.status !== 0) {
    console.error("npm test: type errors, tests not run");
    process.exit(1);
  }
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
const needStack = stackFiles(files);
if (unit) process.exit(await runUnit(files.filter((f) => !needStack.has(f))));

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
console.log(`==> npm test: ${files.length} test file(s) (${needStack.size} need the stack) against kafka ${env.LOGWIRE_BROKERS}, registry ${env.LOGWIRE_REGISTRY_URL}`);
const registryLog = join(process.env.LOGWIRE_HOME ?? join(root, ".logwire"), "stack", "registry.log");
const registryLogStart = existsSync(registryLog) ? statSync(registryLog).size : 0;
// A test still running after 5 minutes fails by name instead of holding CI
// until its own limit (the longest real test takes under a minute).
const code = await runFiles(files, env, 300000);
if (code !== 0) reportRegistryTrouble();
teardown();
process.exit(code);

/** node:test through tsx over `list`, `concurrency` files at a time; resolves to the exit code. */
function runFiles(list, childEnv, timeoutMs, concurrency = 1) {
  const reporter = flags.some((f) => f.startsWith("--test-reporter")) ? [] : ["--test-reporter=spec"];
  const timeout = flags.some((f) => f.startsWith("--test-timeout")) ? [] : [`--test-timeout=${timeoutMs}`];
  const parallel = flags.some((f) => f.startsWith("--test-concurrency")) ? [] : [`--test-concurrency=${concurrency}`];
  return exitCodeOf(spawn(bin("tsx"), ["--test", ...parallel, ...timeout, ...reporter, ...flags, ...list], { cwd: root, env: childEnv, stdio: "inherit" }), "tsx");
}

function exitCodeOf(child, name) {
  return new Promise((resolveCode) => {
    child.once("error", (error) => {
      console.error(`npm test: could not run ${name}: ${error.message}`);
      resolveCode(1);
    });
    child.once("exit", (exitCode, signal) => resolveCode(exitCode ?? (signal ? 1 : 0)));
  });
}

/**
 * The unit run: no stack is started or reused. The stack's endpoints point
 * at listeners that take each connection, note what the client sent first,
 * and close it, so a test that still reaches for a broker or registry fails
 * fast, and fails the run even if the test itself swallowed the error.
 */
async function runUnit(list) {
  if (list.length === 0) {
    console.error(`npm test: every test file matching ${filters.join(" ") || "**/*.test.ts"} needs the stack; run npm test`);
    return 2;
  }
  const hits = [];
  const trap = (kind) =>
    new Promise((resolveTrap) => {
      const server = createServer((socket) => {
        const hit = { kind, first: "" };
        hits.push(hit);
        const end = setTimeout(() => socket.destroy(), 200);
        socket.once("data", (chunk) => {
          hit.first = chunk.subarray(0, 160).toString("latin1").replace(/[^\x20-\x7e]+/g, " ").trim();
          clearTimeout(end);
          socket.destroy();
        });
        socket.on("error", () => {});
      });
      server.listen(0, "127.0.0.1", () => resolveTrap(server));
    });
  const [broker, registry] = [await trap("broker"), await trap("registry")];
  // The ports too: code that builds the endpoints from the stack's config
  // (the demo, `logwire dev`) must not find the real stack either.
  const unitEnv = {
    ...process.env,
    LOGWIRE_BROKERS: `127.0.0.1:${broker.address().port}`,
    LOGWIRE_REGISTRY_URL: `http://127.0.0.1:${registry.address().port}/apis/ccompat/v7`,
    LOGWIRE_KAFKA_PORT: String(broker.address().port),
    LOGWIRE_REGISTRY_PORT: String(registry.address().port),
  };
  // The type-check runs beside the tests (its output is held until they end);
  // unit test files share no ports or directories, so two run at a time.
  console.log(`==> npm test: tsc --noEmit -p tsconfig.json, beside ${list.length} unit test file(s), two at a time; no stack (${needStack.size} file(s) need it: npm test); the stack's endpoints refuse connections`);
  const tsc = spawn(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let tscOutput = "";
  tsc.stdout.on("data", (d) => (tscOutput += d));
  tsc.stderr.on("data", (d) => (tscOutput += d));
  const typed = exitCodeOf(tsc, "tsc");
  // A unit test file has a minute: the whole unit run is meant to take less.
  let code = await runFiles(list, unitEnv, 60000, 2);
  broker.close();
  registry.close();
  if ((await typed) !== 0) {
    process.stdout.write(tscOutput);
    console.error("npm test: type errors (tsc --noEmit -p tsconfig.json above)");
    code ||= 1;
  }
  if (hits.length === 0) return code;
  console.error(`npm test: ${hits.length} connection(s) to the stack's endpoints during the unit run. A test that needs a broker or registry must take them from test/support/stack-env.ts (directly or through a support file), so that only npm test runs it. What the clients sent first:`);
  for (const h of hits.slice(0, 20)) console.error(`  ${h.kind}: ${h.first || "(nothing)"}`);
  return code === 0 ? 1 : code;
}

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

/**
 * The files in `list` that reach test/support/stack-env.ts: through an
 * import or re-export, or by naming a file in a string (`"./x.ts"`, as
 * imports, `import()`, `new URL(..., import.meta.url)` and child scripts do),
 * followed through every file under test/.
 */
function stackFiles(list) {
  const reaches = new Map([[STACK_ENV, true]]);
  const visit = (file, path) => {
    if (reaches.has(file)) return reaches.get(file);
    if (path.has(file)) return false; // a cycle: decided where it started
    path.add(file);
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return false;
    }
    let found = false;
    for (const m of text.matchAll(/["'`](\.{1,2}\/[^"'`\s]+?\.(?:ts|mts|cts|js|mjs|cjs))["'`]/g)) {
      let target = resolve(dirname(file), m[1]);
      if (!existsSync(target) && /\.[mc]?js$/.test(target)) target = target.replace(/js$/, "ts");
      if (target.startsWith(join(root, "test") + "/") && visit(target, path)) {
        found = true;
        break;
      }
    }
    path.delete(file);
    if (found || path.size === 0) reaches.set(file, found);
    return found;
  };
  return new Set(list.filter((f) => visit(f, new Set())));
}

function listTests(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .filter((file) => !file.includes(`${"/"}node_modules${"/"}`) && !file.includes("/fixtures/"))
    .sort();
}
