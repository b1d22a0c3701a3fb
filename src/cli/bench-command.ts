import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";

/** The repository root: bench/ lives beside src/ (the suite is not part of the published runtime). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function parseSeconds(value: string): string {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 || n > 60) {
    throw new InvalidArgumentError(`"${value}" is not a number of seconds in [1, 60]`);
  }
  return value;
}

/**
 * `logwire bench`: runs the side-by-side benchmark suite (bench/run.ts, the
 * same as `npm run bench`) in a child process against the real stack,
 * passing the options through; the progress bar and the table are the
 * suite's own. Exits with the suite's code.
 */
export function benchCommand(): Command {
  return new Command("bench")
    .description("measure throughput, encoders, wire size, batching and emit() latency against the real stack (bench/; writes bench/results/latest.json)")
    .option("--quick", "about a minute: 3 s phases, no CPU profile")
    .option("--seconds <n>", "measurement window of each throughput phase (default 8, with --quick 3)", parseSeconds)
    .option("--profile", "also CPU-profile an SDK run (default in a full run)")
    .option("--no-profile", "skip the CPU profile")
    .option("--out <file>", "results JSON (default bench/results/latest.json)")
    .action(async (options: { quick?: boolean; seconds?: string; profile?: boolean; out?: string }) => {
      const script = join(ROOT, "bench", "run.ts");
      if (!existsSync(script)) {
        throw new LogwireError(ErrorCode.Environment, `the benchmark suite is not at ${script}`, {
          fix: "run `logwire bench` from a checkout of the logwire repository (bench/ is not published)",
        });
      }
      const args: string[] = [];
      if (options.quick === true) args.push("--quick");
      if (options.seconds !== undefined) args.push("--seconds", options.seconds);
      if (options.profile === true) args.push("--profile");
      if (options.profile === false) args.push("--no-profile");
      if (options.out !== undefined) args.push("--out", options.out);
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: ROOT, stdio: "inherit" });
        child.once("error", reject);
        child.once("exit", (exitCode, signal) => resolve(exitCode ?? (signal === null ? 1 : 130)));
      });
      process.exitCode = code;
    });
}
