import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { REPO_ROOT } from "./fixture-descriptors.ts";

/**
 * Running the CLI from a test, with no broker or registry: a test that
 * imports only this runs in `npm run test:unit`. Tests that talk to the
 * stack take its endpoints from cli-harness.ts (test/support/stack-env.ts).
 */

export function runId(): string {
  return randomBytes(4).toString("hex");
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI from its sources (`node --import tsx src/cli/bin.ts ...`, or
 * another `entry` such as the demo's) and collects its output; never rejects.
 * The packed, compiled CLI is run by test/consumer/.
 */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string>; entry?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", import.meta.resolve("tsx"), join(REPO_ROOT, options.entry ?? "src/cli/bin.ts"), ...args],
      { cwd: options.cwd ?? REPO_ROOT, timeout: options.timeoutMs ?? 60_000, env: { ...process.env, NO_COLOR: "1", ...options.env }, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
