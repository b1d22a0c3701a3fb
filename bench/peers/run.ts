/**
 * `npm run bench:peers`: logwire side by side with the clients users would
 * pick instead (issue 18), each contender in a fresh child process
 * (peer-phase.ts) against the same broker, in two passes, the second in
 * reverse order (ABBA), each acked count checked against the broker.
 * Installs the peers into bench/peers/node_modules first when missing
 * (install.ts). Writes bench/results/peers-latest.json and prints a
 * markdown table for BENCHMARKS.md. Not part of `npm test`.
 *
 * Options:
 *   --seconds N        measured window per run (default 8), after a 1.5 s warm-up
 *   --records N        measure N records per run instead (no warm-up; a check that every contender works)
 *   --passes 1|2       2 (default): ABBA; 1: one pass
 *   --only a,b         contender ids (contenders.ts), default all
 *   --variant V        per-call, pool or both (default)
 *   --no-settle        do not wait for a quiet machine before each run
 *   --out FILE         results JSON (default bench/results/peers-latest.json)
 *   --cpu-prof DIR     CPU profiles of each contender process, every thread (node --cpu-prof)
 *
 * Exit code 1 when a run failed or a count did not match the broker, 2 when
 * the options, the peers' install or the stack are unusable.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { abbaJobs, commandLine, commit, finishReport, runJobs } from "../abba-runs.ts";
import { runPhase } from "../phase-runner.ts";
import { leaseStack } from "../stack-guard.ts";
import { benchKafka, brokers, registryUrl } from "../workload.ts";
import { CONTENDERS, contender, type Job } from "./contenders.ts";
import { ensurePeers } from "./install.ts";
import type { PeerParams, PeerResult } from "./peer-phase.ts";
import { goalRatios, peerRows, peersMarkdown } from "./peers-report.ts";
import type { Variant } from "./records.ts";

interface PeerOptions {
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly records: number | undefined;
  readonly passes: 1 | 2;
  readonly only: readonly string[];
  readonly variants: readonly Variant[];
  readonly settle: boolean;
  /** Run logwire's sources through tsx instead of the built package (dist/), as a user's app runs it. */
  readonly src: boolean;
  readonly out: string;
  /** Write each contender process's CPU profiles (`node --cpu-prof`, every thread) into this folder. */
  readonly cpuProfDir: string | undefined;
}

function parse(argv: readonly string[]): PeerOptions {
  const valued = new Set(["--seconds", "--records", "--passes", "--only", "--variant", "--out", "--cpu-prof"]);
  const flags = new Set(["--no-settle", "--src"]);
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (flags.has(a)) continue;
    if (!valued.has(a)) throw new Error(`unknown option ${a}: use --seconds N, --records N, --passes 1|2, --only ids, --variant per-call|pool|both, --no-settle, --src, --out FILE, --cpu-prof DIR`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    values.set(a, v);
  }
  const num = (flag: string, lo: number, hi: number, fallback: number | undefined) => {
    const text = values.get(flag);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`${flag} ${text} is not an integer in [${lo}, ${hi}]`);
    return n;
  };
  const passes = num("--passes", 1, 2, 2) as 1 | 2;
  const only = (values.get("--only") ?? "").split(",").filter((x) => x !== "");
  only.forEach(contender);
  const variant = values.get("--variant") ?? "both";
  if (!["per-call", "pool", "both"].includes(variant)) throw new Error(`--variant ${variant}: use per-call, pool or both`);
  return {
    seconds: num("--seconds", 1, 60, 8)!,
    warmupSeconds: 1.5,
    records: num("--records", 1000, 100_000_000, undefined),
    passes,
    only,
    variants: variant === "both" ? ["per-call", "pool"] : [variant as Variant],
    settle: !argv.includes("--no-settle"),
    src: argv.includes("--src"),
    out: values.get("--out") ?? join(import.meta.dirname, "..", "results", "peers-latest.json"),
    cpuProfDir: values.get("--cpu-prof"),
  };
}

/** Why the broker or the registry does not answer, or undefined when both do. */
async function stackAnswers(): Promise<string | undefined> {
  try {
    const admin = benchKafka().admin();
    await admin.connect();
    try {
      await admin.describeCluster();
    } finally {
      await admin.disconnect();
    }
  } catch (error) {
    return `Kafka at ${brokers.join(",")} does not answer: ${(error as Error).message}`;
  }
  try {
    const r = await fetch(`${registryUrl}/subjects`, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) return `the registry at ${registryUrl} answers HTTP ${r.status}`;
  } catch (error) {
    return `the registry at ${registryUrl} does not answer: ${(error as Error).message}`;
  }
  return undefined;
}

let o: PeerOptions;
try {
  o = parse(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench:peers: ${(error as Error).message}\n`);
  process.exit(2);
}

let install;
try {
  install = ensurePeers((line) => process.stderr.write(`==> bench:peers: ${line}\n`));
} catch (error) {
  process.stderr.write(`bench:peers: ${(error as Error).message}\n`);
  process.exit(2);
}
for (const note of install.notes) process.stderr.write(`==> bench:peers: ${note}\n`);

// logwire runs as users run it: the compiled package, whose producer thread
// loads plain JavaScript (no tsx in the thread). --src measures the sources.
if (!o.src) {
  process.stderr.write("==> bench:peers: npm run build (logwire runs from dist/, as an installed package does; --src for the sources)\n");
  const built = spawnSync("npm", ["run", "build"], { cwd: join(import.meta.dirname, "..", ".."), stdio: ["ignore", "ignore", "inherit"] });
  if (built.status !== 0) {
    process.stderr.write("bench:peers: npm run build failed\n");
    process.exit(2);
  }
  process.env["LOGWIRE_BENCH_DIST"] = join(import.meta.dirname, "..", "..", "dist", "src", "index.js");
}

let lease;
try {
  lease = await leaseStack();
} catch (error) {
  // The stack's own status can disagree with what answers (a component
  // started by hand, or by another checkout's stack code); the runs need only
  // a broker and a registry that answer, so use them when they do.
  const why = await stackAnswers();
  if (why !== undefined) {
    process.stderr.write(`bench:peers: ${(error as Error).message}\n(and ${why})\n`);
    process.exit(2);
  }
  process.stderr.write(`==> bench:peers: the dev stack's status says: ${(error as Error).message.split("\n")[0]}; Kafka at ${brokers.join(",")} and the registry at ${registryUrl} answer, so the runs use them\n`);
  lease = { notes: [], release: async () => {} };
}
const release = lease.release;
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void release().finally(() => process.exit(130)));
for (const note of lease.notes) process.stderr.write(`==> bench:peers: ${note}\n`);

const skipped: string[] = [];
const chosen = CONTENDERS.filter((c) => o.only.length === 0 || o.only.includes(c.id)).filter((c) => {
  if (c.librdkafka && install.librdkafkaMissing !== undefined) {
    skipped.push(`${c.label}: ${install.librdkafkaMissing}`);
    return false;
  }
  return true;
});
const pass: Job[] = chosen.flatMap((c) => (c.buildsRecords ? o.variants.map((variant) => ({ contender: c.id, variant })) : [{ contender: c.id, variant: "pool" as const }]));
const jobs = abbaJobs(pass, o.passes);

const results: PeerResult[] = [];
/** A --records run is bounded by this many seconds instead of a window. */
const RECORDS_BOUND_SECONDS = 60;
const window = o.records === undefined ? o.warmupSeconds + o.seconds : RECORDS_BOUND_SECONDS;
const { failures, startedAt, uptimeBefore, uptimeAfter, machine } = await runJobs(jobs, {
  settle: o.settle,
  label: (job) => `${contender(job.contender).label} [${contender(job.contender).buildsRecords ? job.variant : "bytes"}]`,
  run: (job, onProgress) => {
    const params: PeerParams = { contender: job.contender, variant: job.variant, seconds: o.records === undefined ? o.seconds : RECORDS_BOUND_SECONDS, warmupSeconds: o.warmupSeconds, ...(o.records === undefined ? {} : { records: o.records }) };
    return runPhase<PeerResult>({
      script: join(import.meta.dirname, "peer-phase.ts"),
      params,
      // kafkajs 2.2.4 as published sets negative timers on Node >= 23, which Node clamps to 1 ms and warns about on every run.
      nodeFlags: ["--disable-warning=TimeoutNegativeWarning", ...(o.cpuProfDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfDir}`])],
      timeoutMs: (window + 120) * 1000,
      onProgress,
    });
  },
  done: (job, res, failures) => {
    results.push(res);
    if (!res.countsMatch) failures.push(`${contender(job.contender).label}: logged ${res.logged}, acked ${res.acked}, failed ${res.failed}, the broker holds ${res.onBroker}`);
  },
  describe: (_, res) =>
    `${Math.round(res.recordsPerSecond).toLocaleString("en-US")} rec/s, ${res.cpuMicrosPerRecord.toFixed(1)} µs CPU/record, peak RSS ${(res.peakRssBytes / 1048576).toFixed(0)} MiB, acked ${res.acked} / on broker ${res.onBroker}${res.countsMatch ? "" : " MISMATCH"}${res.errors.length > 0 ? `; errors: ${res.errors.join("; ")}` : ""}`,
});
await release();

const rows = peerRows(results);
const ratios = goalRatios(rows);
const settings = `acks=all, idempotent, Snappy, 1 MiB / 5 ms where the client has them; ${o.records === undefined ? `${o.seconds} s windows after ${o.warmupSeconds} s warm-up` : `${o.records} records per run, no warm-up (a check, not a measurement)`}; ${o.passes === 2 ? "two passes, ABBA" : "one pass"}; PaymentAudit records keyed by payment id, 3 partitions, a fresh topic per run; SHA-256 of the e-mail everywhere; logwire ${o.src ? "from its sources through tsx (--src)" : "from dist/, the built package, on plain JavaScript"}`;
const head = { command: commandLine("bench:peers"), commit: commit(), startedAt, finishedAt: new Date().toISOString(), machine, uptimeBefore, uptimeAfter, settings, skipped };
finishReport(o.out, { ...head, options: o, install: install.notes, rows, ratios, failures, results }, peersMarkdown(head, rows, ratios, failures), failures);
