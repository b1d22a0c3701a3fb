/**
 * The peers table and the goal-2 ratios from one run's results, as
 * markdown ready for BENCHMARKS.md. Every ratio's two sides come from this
 * run; each row gives the mean of its passes and their range.
 */
import type { MachineInfo } from "../machine-info.ts";
import { CONTENDERS, type ContenderId } from "./contenders.ts";
import type { PeerResult } from "./peer-phase.ts";
import type { Variant } from "./records.ts";
import { THREAD_GROUPS, type ThreadGroup } from "../thread-cpu.ts";

export interface PeerRow {
  readonly contender: ContenderId;
  readonly label: string;
  readonly variant: Variant | "bytes";
  readonly passes: number;
  readonly recordsPerSecond: number;
  readonly cpuMicrosPerRecord: number;
  readonly ranges: { readonly recordsPerSecond: readonly [number, number]; readonly cpuMicrosPerRecord: readonly [number, number]; readonly peakRssMiB: readonly [number, number]; readonly startRssMiB: readonly [number, number] };
  readonly countsMatch: boolean;
  readonly counts: string;
  /** Mean CPU µs per record by thread over the passes that have it (bench/thread-cpu.ts). */
  readonly threads: Partial<Record<ThreadGroup, number>> | undefined;
}

export interface Ratio {
  readonly variant: Variant;
  readonly against: ContenderId;
  readonly what: "records/s" | "CPU per record";
  readonly value: number;
  readonly target: number;
  readonly met: boolean;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs: readonly number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];

function meanThreads(runs: readonly PeerResult[]): Partial<Record<ThreadGroup, number>> | undefined {
  const split = runs.flatMap((r) => (r.threadMicrosPerRecord === undefined ? [] : [r.threadMicrosPerRecord]));
  if (split.length === 0) return undefined;
  const out: Partial<Record<ThreadGroup, number>> = {};
  for (const g of THREAD_GROUPS) out[g] = mean(split.map((t) => t[g] ?? 0));
  return out;
}

export function peerRows(results: readonly PeerResult[]): PeerRow[] {
  const rows: PeerRow[] = [];
  for (const c of CONTENDERS) {
    for (const variant of ["per-call", "pool"] as const) {
      const runs = results.filter((r) => r.contender === c.id && r.variant === variant);
      if (runs.length === 0) continue;
      rows.push({
        contender: c.id,
        label: c.label,
        variant: c.buildsRecords ? variant : "bytes",
        passes: runs.length,
        recordsPerSecond: mean(runs.map((r) => r.recordsPerSecond)),
        cpuMicrosPerRecord: mean(runs.map((r) => r.cpuMicrosPerRecord)),
        ranges: {
          recordsPerSecond: range(runs.map((r) => r.recordsPerSecond)),
          cpuMicrosPerRecord: range(runs.map((r) => r.cpuMicrosPerRecord)),
          peakRssMiB: range(runs.map((r) => r.peakRssBytes / 1048576)),
          startRssMiB: range(runs.map((r) => r.startRssBytes / 1048576)),
        },
        countsMatch: runs.every((r) => r.countsMatch),
        counts: runs.map((r) => `${r.acked}/${r.onBroker}${r.failed > 0 ? ` (${r.failed} failed)` : ""}`).join(", "),
        threads: meanThreads(runs),
      });
    }
  }
  return rows;
}

/** Goal 2: logwire (defaults) ≥ 2× Confluent's client sending bytes and ≥ 25× its serializer stack, on records/s and on CPU per record. */
export function goalRatios(rows: readonly PeerRow[]): Ratio[] {
  const out: Ratio[] = [];
  for (const variant of ["per-call", "pool"] as const) {
    const lw = rows.find((r) => r.contender === "logwire" && r.variant === variant);
    if (lw === undefined) continue;
    const against: readonly [ContenderId, number][] = [["confluent-bytes", 2], ["confluent-serializer", 25]];
    for (const [id, target] of against) {
      const other = rows.find((r) => r.contender === id && (r.variant === variant || r.variant === "bytes"));
      if (other === undefined) continue;
      const speed = lw.recordsPerSecond / other.recordsPerSecond;
      const cpu = other.cpuMicrosPerRecord / lw.cpuMicrosPerRecord;
      out.push({ variant, against: id, what: "records/s", value: speed, target, met: speed >= target });
      out.push({ variant, against: id, what: "CPU per record", value: cpu, target, met: cpu >= target });
    }
  }
  return out;
}

const k = (n: number) => (n >= 10000 ? `${Math.round(n / 1000)}k` : `${(n / 1000).toFixed(1)}k`);
/** The passes' range after the mean, when they differ. */
const passes = (r: readonly [number, number], f: (n: number) => string) => (f(r[0]) === f(r[1]) ? "" : ` (${f(r[0])}–${f(r[1])})`);
const spread = ([lo, hi]: readonly [number, number], f: (n: number) => string) => (f(lo) === f(hi) ? f(lo) : `${f(lo)}–${f(hi)}`);

export interface ReportHead {
  readonly command: string;
  readonly commit: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: MachineInfo;
  readonly uptimeBefore: string;
  readonly uptimeAfter: string;
  readonly settings: string;
  readonly skipped: readonly string[];
}

export function peersMarkdown(head: ReportHead, rows: readonly PeerRow[], ratios: readonly Ratio[], failures: readonly string[]): string {
  const m = head.machine;
  const lines = [
    `Run of ${head.startedAt.slice(0, 16).replace("T", " ")}–${head.finishedAt.slice(11, 16)} UTC, \`${head.command}\`, commit ${head.commit}.`,
    `Machine: ${m.nproc} × ${m.cpuModel}, ${m.memTotalGiB} GiB, Node ${m.node}, Kafka ${m.kafka} (same box), ${m.registry}.`,
    `Load before: \`${head.uptimeBefore}\`; after: \`${head.uptimeAfter}\`.`,
    `Settings: ${head.settings}.`,
    "",
  ];
  for (const variant of ["per-call", "pool"] as const) {
    const mine = rows.filter((r) => r.variant === variant || r.variant === "bytes");
    if (!rows.some((r) => r.variant === variant)) continue;
    lines.push(variant === "per-call" ? "Records built per call from changing request data:" : "Records from the pre-built pool (as `npm run bench`):", "");
    lines.push("| contender | records/s | CPU µs/record | peak RSS (process at start) | acked = on broker |", "|---|---|---|---|---|");
    for (const r of mine) {
      const us = (n: number) => n.toFixed(1);
      lines.push(`| ${r.label} | ${k(r.recordsPerSecond)}${passes(r.ranges.recordsPerSecond, k)} | ${us(r.cpuMicrosPerRecord)}${passes(r.ranges.cpuMicrosPerRecord, us)} | ${spread(r.ranges.peakRssMiB, (n) => n.toFixed(0))} MiB (at start ${spread(r.ranges.startRssMiB, (n) => n.toFixed(0))}) | ${r.countsMatch ? "✓" : "✗"} ${r.counts} |`);
    }
    lines.push("");
  }
  const split = rows.filter((r) => r.threads !== undefined);
  if (split.length > 0) {
    lines.push("CPU µs per record by thread (`/proc/self/task`, mean of the passes):", "");
    lines.push(`| contender | variant | ${THREAD_GROUPS.join(" | ")} |`, `|---|---|${THREAD_GROUPS.map(() => "---|").join("")}`);
    for (const r of split) lines.push(`| ${r.label} | ${r.variant} | ${THREAD_GROUPS.map((g) => (r.threads![g] ?? 0).toFixed(2)).join(" | ")} |`);
    lines.push("");
  }
  if (ratios.length > 0) {
    lines.push("| goal 2 | variant | logwire ÷ | value | target | met |", "|---|---|---|---|---|---|");
    for (const q of ratios) lines.push(`| ${q.what} | ${q.variant} | ${q.against} | ${q.value.toFixed(2)}× | ≥ ${q.target}× | ${q.met ? "yes" : "no"} |`);
    lines.push("");
  }
  for (const s of head.skipped) lines.push(`Skipped: ${s}`);
  for (const f of failures) lines.push(`FAILED ${f}`);
  return lines.join("\n");
}
