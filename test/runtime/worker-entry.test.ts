import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { pathToFileURL } from "node:url";
import { ErrorCode, isLogwireError } from "../../src/runtime/errors.ts";
import { transportWorkerEntry, WORKER_ENTRY_OVERRIDE } from "../../src/runtime/kafka/worker/worker-entry.ts";

// Where the producer thread starts from: beside the module (the package, the
// sources), in node_modules (a bundled app), or where the bundler hook says.

const dirs: string[] = [];
const globals = globalThis as { __bundlerPathsOverrides?: Record<string, unknown> };
afterEach(() => {
  delete globals.__bundlerPathsOverrides;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** An app folder with a bundle in dist/ and, if asked, logwire installed in node_modules. */
function app(installed: boolean): { bundle: string; worker: string } {
  const root = mkdtempSync(join(tmpdir(), "logwire-worker-entry-"));
  dirs.push(root);
  mkdirSync(join(root, "dist"));
  writeFileSync(join(root, "dist", "app.mjs"), "");
  const pkg = join(root, "node_modules", "logwire");
  const worker = join(pkg, "dist", "runtime", "transport-worker.js");
  if (installed) {
    mkdirSync(join(pkg, "dist", "runtime"), { recursive: true });
    writeFileSync(worker, "");
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "logwire", type: "module", exports: { "./transport-worker": { default: "./dist/runtime/transport-worker.js" } } }));
  }
  return { bundle: pathToFileURL(join(root, "dist", "app.mjs")).href, worker };
}

test("from the sources, the thread starts through the tsx boot file beside worker-entry.ts", () => {
  const entry = transportWorkerEntry();
  assert.match(entry.href, /\/src\/runtime\/kafka\/worker\/transport-worker-boot\.mjs$/);
});

test("from the published layout, the thread starts from transport-worker.js beside the module", () => {
  const { worker } = app(true);
  const entry = transportWorkerEntry(pathToFileURL(join(worker, "..", "worker-entry.js")).href);
  assert.equal(entry.href, pathToFileURL(worker).href);
});

test("from a bundle, the entry is found in the app's node_modules through the package's exports", () => {
  const { bundle, worker } = app(true);
  assert.equal(transportWorkerEntry(bundle).href, pathToFileURL(worker).href);
});

test("a bundle without logwire in node_modules fails with an environment error naming the bundler step", () => {
  const { bundle } = app(false);
  let error: unknown;
  try {
    transportWorkerEntry(bundle);
  } catch (e) {
    error = e;
  }
  assert.ok(isLogwireError(error), String(error));
  assert.equal(error.code, ErrorCode.Environment);
  assert.equal(error.path, "producerThread");
  assert.match(error.message, /neither beside .*app\.mjs nor resolvable as logwire\/transport-worker/);
  assert.match(error.fix ?? "", /--external:logwire/);
  assert.match(error.fix ?? "", /__bundlerPathsOverrides/);
});

test("globalThis.__bundlerPathsOverrides wins, as a path or a file URL, and a missing file is an error, not a silent fallback", () => {
  const { bundle, worker } = app(true);
  const { worker: elsewhere } = app(true);
  globals.__bundlerPathsOverrides = { [WORKER_ENTRY_OVERRIDE]: elsewhere };
  assert.equal(transportWorkerEntry(bundle).href, pathToFileURL(elsewhere).href);
  globals.__bundlerPathsOverrides = { [WORKER_ENTRY_OVERRIDE]: pathToFileURL(elsewhere).href };
  assert.equal(transportWorkerEntry(bundle).href, pathToFileURL(elsewhere).href);
  globals.__bundlerPathsOverrides = { [WORKER_ENTRY_OVERRIDE]: `${worker}.missing` };
  assert.throws(() => transportWorkerEntry(bundle), (e: unknown) => isLogwireError(e) && /does not exist/.test(e.message));
});
