/**
 * `npm run bench:scaling` (issue 18, goal 5): how the full SDK's throughput
 * and cost change along three curves, so a user can size a deployment:
 *
 *   threads     1, 2 and 4 emitting worker threads in one process, each with
 *               its own pipeline (and so its own producer thread), one topic;
 *   partitions  a topic of 3 partitions against one of 30 (keyed records);
 *   sizes       the audit record at ~100 B, ~250 B and ~2 KB framed.
 *
 * The other two settings stay at the base point (1 thread, 3 partitions,
 * ~250 B), which is measured once and shared by the three curves. Each
 * point runs in a fresh child process (bench/phases/scaling-point.ts) on a
 * fresh topic, after the machine settles, in two passes, the second in
 * reverse order (ABBA); every acked count is checked against the broker.
 * Reports records/s, CPU µs per record (the whole process, every thread)
 * and peak RSS. Writes bench/results/scaling-latest.json and prints the
 * markdown for BENCHMARKS.md ("Scaling"). Not part of `npm test`.
 *
 * Options:
 *   --seconds N      measured window per point (default 6, --quick 3), after a 1.5 s warm-up (--quick 1 s)
 *   --passes 1|2     2 (default): ABBA; 1: one pass (--quick's default)
 *   --quick          one pass, 3 s windows: a check that every point works, not a measurement
 *   --curves a,b     threads, partitions, sizes (default all three)
 *   --no-settle      do not wait for a quiet machine before each point
 *   --out FILE       results JSON (default bench/results/scaling-latest.json)
 *
 * Exit code 1 when a point failed (its count did not match the broker, or it
 * did not finish), 2 when the options or the stack are unusable.
 */
import { join } from "node:path";
import { abbaJobs, commandLine, commit, finishReport, runJobs } from "./abba-runs.ts";
import type { MachineInfo } from "./machine-info.ts";
import type { ScalingParams, ScalingResult } from "./phases/scaling-point.ts";
import { runPhase } from "./phase-runner.ts";
import { measuredSize, SHAPES, type RecordShape } from "./scaling-records.ts";
import { leaseStack } from "./stack-guard.ts";

type Curve = "threads" | "partitions" | "sizes";
const CURVES: readonly Curve[] = ["threads", "partitions", "sizes"];

interface Point {
  readonly threads: number;
  readonly partitions: number;
  readonly shape: RecordShape;
}

const BASE: Point = { threads: 1, partitions: 3, shape: "seed" };
const CURVE_POINTS: Readonly<Record<Curve, readonly Point[]>> = {
  threads: [1, 2, 4].map((threads) => ({ ...BASE, threads })),
  partitions: [3, 30].map((partitions) => ({ ...BASE, partitions })),
  sizes: SHAPES.map((shape) => ({ ...BASE, shape })),
};
const CURVE_TITLES: Readonly<Record<Curve, string>> = {
  threads: "emitting worker threads (~250 B records, 3 partitions)",
  partitions: "partitions of the topic (1 thread, ~250 B records)",
  sizes: "record size, framed (1 thread, 3 partitions)",
};

interface Options {
  readonly quick: boolean;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly passes: 1 | 2;
  readonly curves: readonly Curve[];
  readonly settle: boolean;
  readonly out: string;
}

function parse(argv: readonly string[]): Options {
  const valued = new Set(["--seconds", "--passes", "--curves", "--out"]);
  const flags = new Set(["--quick", "--no-settle"]);
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (flags.has(a)) continue;
    if (!valued.has(a)) throw new Error(`unknown option ${a}: use --quick, --seconds N, --passes 1|2, --curves threads,partitions,sizes, --no-settle, --out FILE`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    values.set(a, v);
  }
  const quick = argv.includes("--quick");
  const seconds = Number(values.get("--seconds") ?? (quick ? 3 : 6));
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 60) throw new Error(`--seconds ${values.get("--seconds")} is not a number of seconds in [1, 60]`);
  const passes = Number(values.get("--passes") ?? (quick ? 1 : 2));
  if (passes !== 1 && passes !== 2) throw new Error(`--passes ${values.get("--passes")}: use 1 or 2`);
  const curves = (values.get("--curves") ?? CURVES.join(",")).split(",").filter((c) => c !== "");
  for (const c of curves) if (!CURVES.includes(c as Curve)) throw new Error(`--curves: unknown curve "${c}"; use ${CURVES.join(", ")}`);
  return {
    quick,
    seconds,
    warmupSeconds: quick ? 1 : 1.5,
    passes,
    curves: CURVES.filter((c) => curves.includes(c)),
    settle: !argv.includes("--no-settle"),
    out: values.get("--out") ?? join(import.meta.dirname, "results", "scaling-latest.json"),
  };
}

const keyOf = (p: Point) => `t${p.threads}-p${p.partitions}-${p.shape}`;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const MiB = 1048576;
const k = (n: number) => `${Math.round(n / 1000)}k`;

interface Summary extends Point {
  readonly key: string;
  readonly framedBytes: number;
  readonly passes: number;
  readonly recordsPerSecond: number;
  readonly recordsPerSecondRange: readonly [number, number];
  readonly cpuMicrosPerRecord: number;
  readonly cpuMicrosPerRecordRange: readonly [number, number];
  readonly cpuCores: number;
  /** The largest of the passes: RSS before any thread, once every pipeline was open (before the load), and peak. */
  readonly startRssBytes: number;
  readonly readyRssBytes: number;
  readonly peakRssBytes: number;
  /** Framed megabytes per second (records/s × mean framed size). */
  readonly framedMBps: number;
  readonly recordsPerRequest: number;
  readonly requestBytesPerRecord: number;
  /** Mean event-loop utilization of the emitting threads (near 1: they were the limit). */
  readonly emitThreadBusy: number;
}

function summarise(point: Point, runs: readonly ScalingResult[], framedBytes: number): Summary {
  const rates = runs.map((r) => r.recordsPerSecond);
  const cpu = runs.map((r) => r.cpuMicrosPerRecord);
  const recordsPerSecond = mean(rates);
  return {
    ...point,
    key: keyOf(point),
    framedBytes,
    passes: runs.length,
    recordsPerSecond,
    recordsPerSecondRange: [Math.min(...rates), Math.max(...rates)],
    cpuMicrosPerRecord: mean(cpu),
    cpuMicrosPerRecordRange: [Math.min(...cpu), Math.max(...cpu)],
    cpuCores: mean(runs.map((r) => r.cpuCores)),
    startRssBytes: Math.max(...runs.map((r) => r.startRssBytes)),
    readyRssBytes: Math.max(...runs.map((r) => r.readyRssBytes)),
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
    framedMBps: (recordsPerSecond * framedBytes) / 1e6,
    recordsPerRequest: mean(runs.map((r) => r.recordsPerRequest)),
    requestBytesPerRecord: mean(runs.map((r) => r.requestBytesPerRecord)),
    emitThreadBusy: mean(runs.flatMap((r) => r.perThread.map((w) => w.eventLoopUtilization))),
  };
}

const range = (r: readonly [number, number], f: (n: number) => string) => (r[0] === r[1] ? "" : ` [${f(r[0])}–${f(r[1])}]`);
const pointLabel = (curve: Curve, p: Point) =>
  curve === "threads" ? `${p.threads} thread${p.threads === 1 ? "" : "s"}` : curve === "partitions" ? `${p.partitions} partitions` : `${Math.round(sizes.get(p.shape)!.framedBytes)} B`;

function markdown(head: { command: string; commit: string; startedAt: string; machine: MachineInfo; uptimeBefore: string; uptimeAfter: string; settings: string }, curves: readonly Curve[], byKey: ReadonlyMap<string, Summary>, failures: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`Run of ${head.startedAt}, \`${head.command}\`, commit ${head.commit}; ${head.machine.nproc} cores (${head.machine.cpuModel}), Node ${head.machine.node}, Kafka ${head.machine.kafka} on the same box; load before: ${head.uptimeBefore.replace(/.*load average:\s*/, "")}, after: ${head.uptimeAfter.replace(/.*load average:\s*/, "")}.`);
  lines.push("", head.settings, "");
  lines.push("| curve | records/s (all threads) | CPU µs/record (process) | peak RSS |", "|---|---|---|---|");
  for (const curve of curves) {
    const cell = (f: (s: Summary) => string) =>
      CURVE_POINTS[curve]
        .map((p) => {
          const s = byKey.get(keyOf(p));
          return `${pointLabel(curve, p)}: ${s === undefined ? "failed" : f(s)}`;
        })
        .join(" · ");
    lines.push(`| ${CURVE_TITLES[curve]} | ${cell((s) => k(s.recordsPerSecond))} | ${cell((s) => s.cpuMicrosPerRecord.toFixed(1))} | ${cell((s) => `${Math.round(s.peakRssBytes / MiB)} MiB`)} |`);
  }
  lines.push("", "| point | records/s | CPU µs/record | CPU cores | RSS: start / ready / peak | framed B/record | framed MB/s | records/request | emitting threads busy |", "|---|---|---|---|---|---|---|---|---|");
  const seen = new Set<string>();
  for (const curve of curves) {
    for (const p of CURVE_POINTS[curve]) {
      const s = byKey.get(keyOf(p));
      if (s === undefined || seen.has(s.key)) continue;
      seen.add(s.key);
      const label = `${s.threads} thread${s.threads === 1 ? "" : "s"}, ${s.partitions} partitions, ${s.shape} (${Math.round(s.framedBytes)} B)`;
      lines.push(
        `| ${label} | ${Math.round(s.recordsPerSecond).toLocaleString("en-US")}${range(s.recordsPerSecondRange, k)} | ${s.cpuMicrosPerRecord.toFixed(1)}${range(s.cpuMicrosPerRecordRange, (n) => n.toFixed(1))} | ${s.cpuCores.toFixed(2)} | ${Math.round(s.startRssBytes / MiB)} / ${Math.round(s.readyRssBytes / MiB)} / ${Math.round(s.peakRssBytes / MiB)} MiB | ${Math.round(s.framedBytes)} | ${s.framedMBps.toFixed(1)} | ${Math.round(s.recordsPerRequest)} | ${(100 * s.emitThreadBusy).toFixed(0)}% |`,
      );
    }
  }
  if (failures.length > 0) lines.push("", "Failed:", ...failures.map((f) => `- ${f}`));
  return lines.join("\n");
}

let o: Options;
try {
  o = parse(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench:scaling: ${(error as Error).message}\n`);
  process.exit(2);
}

let lease;
try {
  lease = await leaseStack();
} catch (error) {
  process.stderr.write(`bench:scaling: ${(error as Error).message}\n`);
  process.exit(2);
}
const release = lease.release;
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void release().finally(() => process.exit(130)));
for (const note of lease.notes) process.stderr.write(`==> bench:scaling: ${note}\n`);

// The distinct points of the chosen curves (the base point once), then ABBA.
const pass: Point[] = [];
for (const c of o.curves) for (const p of CURVE_POINTS[c]) if (!pass.some((q) => keyOf(q) === keyOf(p))) pass.push(p);
const jobs = abbaJobs(pass, o.passes);
const sizes = new Map(SHAPES.map((s) => [s, measuredSize(s)] as const));

const runs = new Map<string, ScalingResult[]>();
const { failures, startedAt, uptimeBefore, uptimeAfter, machine } = await runJobs(jobs, {
  settle: o.settle,
  label: (point) => `${point.threads} thread(s), ${point.partitions} partitions, ${point.shape} records`,
  run: (point, onProgress) => {
    const params: ScalingParams = { ...point, seconds: o.seconds, warmupSeconds: o.warmupSeconds };
    return runPhase<ScalingResult>({
      script: join(import.meta.dirname, "phases", "scaling-point.ts"),
      params,
      timeoutMs: (o.warmupSeconds + o.seconds + 150) * 1000,
      onProgress,
    });
  },
  done: (point, res) => void runs.set(keyOf(point), [...(runs.get(keyOf(point)) ?? []), res]),
  describe: (_, res) =>
    `${Math.round(res.recordsPerSecond).toLocaleString("en-US")} rec/s, ${res.cpuMicrosPerRecord.toFixed(1)} µs CPU/record (${res.cpuCores.toFixed(2)} cores), peak RSS ${Math.round(res.peakRssBytes / MiB)} MiB, acked ${res.acked} = on broker ${res.onBroker}${res.failed > 0 ? `, failed ${res.failed}` : ""}`,
});
await release();

const summaries = new Map<string, Summary>();
for (const p of pass) {
  const rs = runs.get(keyOf(p));
  if (rs !== undefined && rs.length > 0) summaries.set(keyOf(p), summarise(p, rs, sizes.get(p.shape)!.framedBytes));
}
const settings = `Full SDK with its defaults (producer thread, acks=all, idempotent, Snappy, 1 MiB / 5 ms, 5 MiB buffer per pipeline); PaymentAudit records built per call, keyed by payment id (1,000 ids), e-mail SHA-256-redacted; each emitting thread a node:worker_threads worker with its own pipeline, all in one process on one topic; a fresh process and topic per point; ${o.seconds} s windows after ${o.warmupSeconds} s warm-up; ${o.passes === 2 ? "two passes, ABBA (ranges in brackets)" : "one pass"}; CPU is the whole process (user + system, every thread) over the window; acked counts checked against the broker.${o.quick ? " --quick: a check that the points work, not a measurement." : ""}`;
const head = { command: commandLine("bench:scaling"), commit: commit(), startedAt, finishedAt: new Date().toISOString(), machine, uptimeBefore, uptimeAfter, settings };
const report = { ...head, options: o, recordSizes: Object.fromEntries(sizes), curves: Object.fromEntries(o.curves.map((c) => [c, CURVE_POINTS[c].map(keyOf)])), points: [...summaries.values()], failures, runs: Object.fromEntries(runs) };
finishReport(o.out, report, `${markdown(head, o.curves, summaries, failures)}\n`, failures);
