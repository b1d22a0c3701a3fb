/**
 * What `npm run bench:peers` and `npm run bench:scaling` share around their
 * measurements: the jobs in ABBA order, each in a fresh child process
 * (`runPhase`) after waiting for a quiet machine, one progress line per run,
 * a failed run recorded without ending the others, the machine and its load
 * read around the runs, and the report written as JSON and printed.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { machineInfo, uptimeLine, type MachineInfo } from "./machine-info.ts";
import { createProgressBar } from "./progress-bar.ts";
import { settle } from "./settle.ts";

/** One pass, or two in ABBA order (the second reversed), so a drifting machine affects every job alike. */
export function abbaJobs<T>(pass: readonly T[], passes: 1 | 2): T[] {
  return passes === 2 ? [...pass, ...[...pass].reverse()] : [...pass];
}

/** The commit measured, marked when the tracked files differ from it. */
export function commit(): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim() || "unknown";
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).stdout.trim() !== "";
  return dirty ? `${head} (with uncommitted changes)` : head;
}

export interface RunsDone {
  readonly failures: string[];
  readonly startedAt: string;
  readonly uptimeBefore: string;
  readonly uptimeAfter: string;
  readonly machine: MachineInfo;
}

/**
 * Runs `jobs` in order: waits for a quiet machine first unless `settle` is
 * false, runs each with a progress callback, notes `describe(result)` (or
 * the failure) under the progress bar, and hands each result to `done`.
 * A job that throws is recorded in `failures`; the others still run.
 */
export async function runJobs<J, R>(
  jobs: readonly J[],
  o: {
    readonly settle: boolean;
    readonly label: (job: J) => string;
    readonly run: (job: J, onProgress: (fraction: number) => void) => Promise<R>;
    readonly describe: (job: J, result: R) => string;
    readonly done: (job: J, result: R, failures: string[]) => void;
  },
): Promise<RunsDone> {
  const uptimeBefore = uptimeLine();
  const startedAt = new Date().toISOString();
  const bar = createProgressBar();
  const failures: string[] = [];
  for (const [i, job] of jobs.entries()) {
    const label = o.label(job);
    bar.step(i, jobs.length, label);
    try {
      if (o.settle) await settle();
      const result = await o.run(job, (f) => bar.update((i + f) / jobs.length));
      o.done(job, result, failures);
      bar.note(`${label}: ${o.describe(job, result)}`);
    } catch (error) {
      const message = `${label}: ${error instanceof Error ? error.message : String(error)}`;
      failures.push(message);
      bar.note(`FAILED ${message}`);
    }
    bar.update((i + 1) / jobs.length);
  }
  bar.done();
  return { failures, startedAt, uptimeBefore, uptimeAfter: uptimeLine(), machine: await machineInfo() };
}

/** The command as typed, for the report: `npm run <script>` and its arguments. */
export function commandLine(script: string): string {
  return `npm run ${script}${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
}

/** Writes `report` to `out` as JSON, prints `markdown` and where the file is, and exits 1 when a run failed. */
export function finishReport(out: string, report: object, markdown: string, failures: readonly string[]): never {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + "\n");
  process.stdout.write(`${markdown}\nresults: ${out}\n`);
  process.exit(failures.length > 0 ? 1 : 0);
}
