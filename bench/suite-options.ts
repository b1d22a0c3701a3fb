/**
 * Options of `npm run bench` / `logwire bench`:
 *   --quick          about a minute: 3 s phases, one pair for part a, no profile
 *   --seconds N      measurement window of each throughput phase (default 8, quick 3)
 *   --profile        CPU-profile an extra SDK run (default on in a full run, off in quick)
 *   --no-profile     skip it
 *   --out FILE       results JSON (default bench/results/latest.json)
 */
import { join } from "node:path";

export interface SuiteOptions {
  readonly quick: boolean;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly profile: boolean;
  readonly out: string;
  readonly profileDir: string;
}

export function parseSuiteOptions(argv: readonly string[]): SuiteOptions {
  const quick = argv.includes("--quick");
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const known = new Set(["--quick", "--seconds", "--profile", "--no-profile", "--out"]);
  argv.forEach((a, i) => {
    if (a.startsWith("--") && !known.has(a)) throw new Error(`unknown option ${a}: use --quick, --seconds N, --profile, --no-profile or --out FILE`);
    if (!a.startsWith("--") && argv[i - 1] !== "--seconds" && argv[i - 1] !== "--out") throw new Error(`unexpected argument "${a}": bench takes only options (--quick, --seconds N, --profile, --out FILE)`);
  });
  const secondsText = value("--seconds");
  const seconds = secondsText === undefined ? (quick ? 3 : 8) : Number(secondsText);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 60) throw new Error(`--seconds ${secondsText} is not a number of seconds in [1, 60]; pass e.g. --seconds 8`);
  const results = join(import.meta.dirname, "results");
  return {
    quick,
    seconds,
    warmupSeconds: quick ? 1 : 1.5,
    profile: argv.includes("--profile") || (!quick && !argv.includes("--no-profile")),
    out: value("--out") ?? join(results, "latest.json"),
    profileDir: join(results, "profile"),
  };
}
