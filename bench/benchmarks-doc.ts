/**
 * Writes the measured part of BENCHMARKS.md from a results file: machine,
 * load, the figures table, per-step costs and the profile summary, between
 * the `<!-- results:start -->` and `<!-- results:end -->` markers, so the
 * document's numbers are exactly one run's. The prose around them is
 * written by hand. Usage: `tsx bench/benchmarks-doc.ts [results.json]`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MachineInfo } from "./machine-info.ts";
import type { Figure } from "./report.ts";
import type { SuiteOptions } from "./suite-options.ts";
import type { SuiteResults } from "./suite.ts";

interface Report {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly options: SuiteOptions;
  readonly machine: MachineInfo;
  readonly load: { readonly uptimeBefore: string; readonly uptimeAfter: string };
  readonly figures: readonly Figure[];
  readonly results: SuiteResults;
}

const START = "<!-- results:start -->";
const END = "<!-- results:end -->";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

export function renderResults(r: Report): string {
  const m = r.machine;
  const out: string[] = [
    `Run of ${r.startedAt.slice(0, 16).replace("T", " ")}–${r.finishedAt.slice(11, 16)} UTC, command \`${r.command}\` (${r.options.seconds} s windows after ${r.options.warmupSeconds} s warm-up${r.options.quick ? ", quick" : ", two passes"}).`,
    "",
    "| machine | |",
    "|---|---|",
    `| cores (\`nproc\`) | ${m.nproc} |`,
    `| CPU (/proc/cpuinfo) | ${m.cpuModel} |`,
    `| RAM | ${m.memTotalGiB} GiB |`,
    `| Node | ${m.node} |`,
    `| Java | Kafka on ${m.kafkaJava}; registry on ${m.registryJava} |`,
    `| Kafka | ${m.kafka} (KRaft, single node, same box), kafkajs ${m.kafkajs} |`,
    `| registry | ${m.registry} |`,
    `| load before (\`uptime\`) | ${r.load.uptimeBefore} |`,
    `| load after | ${r.load.uptimeAfter} |`,
    "",
    "| part | what | result | target / seed |",
    "|---|---|---|---|",
  ];
  for (const f of r.figures) {
    const verdict = f.met === undefined ? "" : f.met ? " ✓" : " ✗";
    out.push(`| ${f.id} | ${cell(f.what)} | ${cell(f.value)}${verdict} | ${cell(f.target)} |`);
  }
  const hp = r.results.hotPath;
  if (hp !== undefined) {
    out.push("", "Per-record CPU of each step (`bench/hot-path-micro.ts`, one process, median of 5 rounds, CPU time):", "", "| side | step | µs / record |", "|---|---|---|");
    for (const c of hp) out.push(`| ${c.side} | ${cell(c.step)} | ${c.microsPerRecord.toFixed(2)} |`);
  }
  const p = r.results.profile;
  if (p !== undefined) {
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    out.push("", `CPU profile of one more SDK run at 1 MiB / 5 ms (${Math.round(p.recordsPerSecond).toLocaleString("en-US")} records/s under the profiler; \`bench/results/profile/sdk-throughput.cpuprofile\`, ${Math.round(p.totalMs)} ms sampled over the measurement window). The profiler samples the emitting thread only: kafkajs, Snappy and the sockets run on the producer thread and are not in it. Busy time by stage (each sample charged to the outermost stage on its stack):`, "");
    out.push("| stage | share of busy time |", "|---|---|");
    for (const s of p.stages) out.push(`| ${cell(s.stage)} | ${pct(s.share)} |`);
    out.push("", "Top self time:", "", "| self | function | where |", "|---|---|---|");
    for (const f of p.functions.slice(0, 15)) out.push(`| ${pct(f.share)} | \`${cell(f.name)}\` | ${cell(f.where)} |`);
  }
  if (r.results.failures.length > 0) out.push("", ...r.results.failures.map((f) => `- FAILED: ${f}`));
  return out.join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const file = process.argv[2] ?? join(import.meta.dirname, "results", "latest.json");
  const doc = join(import.meta.dirname, "..", "BENCHMARKS.md");
  const report = JSON.parse(readFileSync(file, "utf8")) as Report;
  const text = readFileSync(doc, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a === -1 || b < a) {
    process.stderr.write(`BENCHMARKS.md has no ${START} ... ${END} section to fill\n`);
    process.exit(2);
  }
  writeFileSync(doc, `${text.slice(0, a + START.length)}\n${renderResults(report)}\n${text.slice(b)}`);
  process.stdout.write(`BENCHMARKS.md: results of ${report.startedAt} written\n`);
}
