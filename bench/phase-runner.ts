/**
 * Runs one phase script (bench/phases/*.ts) in a child node process with
 * tsx, passing its parameters as JSON, relaying its progress, and returning
 * its result. A child that does not finish within `timeoutMs` is killed
 * (by its pid, it is ours) and the phase fails.
 */
import { fork } from "node:child_process";
import { isAbsolute, join } from "node:path";
import type { ChildMessage } from "./phase-child.ts";

export interface PhaseRun {
  /** File under bench/phases, e.g. "sdk-throughput.ts", or an absolute path (bench/peers' phase). */
  readonly script: string;
  readonly params: object;
  readonly timeoutMs: number;
  /** Extra node flags, e.g. --expose-gc. */
  readonly nodeFlags?: readonly string[];
  /** Extra environment for the child, e.g. LOGWIRE_KAFKAJS_PATCHES=off. */
  readonly env?: Readonly<Record<string, string>>;
  readonly onProgress?: (fraction: number) => void;
}

export function runPhase<R>(run: PhaseRun): Promise<R> {
  return new Promise((resolve, reject) => {
    const child = fork(isAbsolute(run.script) ? run.script : join(import.meta.dirname, "phases", run.script), [JSON.stringify(run.params)], {
      execArgv: ["--import", "tsx", ...(run.nodeFlags ?? [])],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      ...(run.env === undefined ? {} : { env: { ...process.env, ...run.env } }),
    });
    let settled = false;
    let result: { ok: true; value: R } | { ok: false; message: string } | undefined;
    const timer = setTimeout(() => {
      result = { ok: false, message: `${run.script} did not finish within ${run.timeoutMs / 1000} s` };
      child.kill("SIGKILL");
    }, run.timeoutMs);
    child.on("message", (m: ChildMessage) => {
      if (m.type === "progress") run.onProgress?.(m.fraction);
      else if (m.type === "result") result ??= { ok: true, value: m.result as R };
      else result ??= { ok: false, message: m.message };
    });
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error !== undefined) reject(error);
      else if (result === undefined) reject(new Error(`${run.script} exited without a result`));
      else if (result.ok) resolve(result.value);
      else reject(new Error(`${run.script} failed: ${result.message.split("\n")[0]}`));
    };
    child.on("error", finish);
    child.on("exit", () => finish());
  });
}
