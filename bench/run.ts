/**
 * `npm run bench` (also `logwire bench`): the side-by-side benchmark suite
 * of issue 7 against the real stack. Not part of `npm test`. Options are in
 * suite-options.ts. Writes bench/results/latest.json and prints a table;
 * the progress bar goes to stderr. Exit code 1 when a step failed (the
 * figures of the others are still written), 2 when the stack or the
 * options are unusable.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { machineInfo, uptimeLine } from "./machine-info.ts";
import { createProgressBar } from "./progress-bar.ts";
import { figures, formatTable } from "./report.ts";
import { leaseStack } from "./stack-guard.ts";
import { parseSuiteOptions } from "./suite-options.ts";
import { runSuite } from "./suite.ts";

let options;
try {
  options = parseSuiteOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(2);
}

let lease;
try {
  lease = await leaseStack();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exit(2);
}
const release = lease.release;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void release().finally(() => process.exit(130));
  });
}
for (const note of lease.notes) process.stderr.write(`==> bench: ${note}\n`);

const uptimeBefore = uptimeLine();
const startedAt = new Date().toISOString();
const bar = createProgressBar();
const results = await runSuite(options, bar);
const uptimeAfter = uptimeLine();
const machine = await machineInfo();
await release();

const fs = figures(results);
const report = {
  startedAt,
  finishedAt: new Date().toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
  options,
  machine,
  load: { uptimeBefore, uptimeAfter },
  figures: fs,
  results,
};
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(options.out, JSON.stringify(report, null, 2) + "\n");
process.stdout.write(`${formatTable(fs, machine, options, results)}\n\nload before: ${uptimeBefore}\nload after:  ${uptimeAfter}\nresults: ${options.out}\n`);
process.exit(results.failures.length > 0 ? 1 : 0);
