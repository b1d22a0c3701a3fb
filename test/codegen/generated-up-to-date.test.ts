import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { it } from "node:test";
import { BUF, REPO } from "./plugin-harness.ts";

// Generated code for proto/ is committed. This regenerates it with the repo's
// buf.gen.yaml into a temporary directory and compares byte for byte, so a
// change to a .proto file or to a plugin without regenerating fails CI.
// Fix a failure with `npx buf generate` and commit the result.

function generatedFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (/_(pb|logwire)\.ts$/.test(entry.name)) {
        out.set(relative(root, path), readFileSync(path, "utf8"));
      }
    }
  };
  walk(root);
  return out;
}

it("committed generated code in proto/ matches `buf generate`", () => {
  const dir = mkdtempSync(join(tmpdir(), "logwire-generate-"));
  try {
    execFileSync(BUF, ["generate", "--output", dir], { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] });
    const fresh = generatedFiles(join(dir, "proto"));
    const committed = generatedFiles(join(REPO, "proto"));
    assert.ok(fresh.has("example/payments/v1/audit_logwire.ts"), "buf generate ran protoc-gen-logwire");
    assert.deepEqual([...committed.keys()].sort(), [...fresh.keys()].sort(), "the same files are generated as are committed");
    for (const [name, content] of fresh) {
      assert.equal(committed.get(name), content, `proto/${name} is stale: run npx buf generate and commit it`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
