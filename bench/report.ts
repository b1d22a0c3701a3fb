/**
 * The figures the issue asks for, computed from one run's results, and the
 * table printed at the end. Every ratio's two sides come from this run.
 */
import type { MachineInfo } from "./machine-info.ts";
import type { SuiteOptions } from "./suite-options.ts";
import type { SdkResult } from "./phases/sdk-throughput.ts";
import { MiB, SWEEP, type SuiteResults } from "./suite.ts";

export interface Figure {
  readonly id: string;
  readonly what: string;
  readonly value: string;
  readonly target: string;
  /** true/false against the target; undefined where there is none. */
  readonly met: boolean | undefined;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const fmtRate = (n: number) => (Number.isNaN(n) ? "n/a" : `${Math.round(n).toLocaleString("en-US")}/s`);
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(0)}%`;

/** The seed's "sample benchmark table" (Sarama, AWS m5.large). */
const SEED_SWEEP: Readonly<Record<string, string>> = { "100 kB / 0 ms": "30k/s", "500 kB / 2 ms": "70k/s", "1 MiB / 5 ms": "120k/s", "2 MiB / 10 ms": "135k/s" };

type Run = { readonly recordsPerSecond: number; readonly cpuCores: number; readonly recordsPerRequest: number };

/** Mean records/s of the passes, with their range when there are several. */
function rates(xs: readonly Run[]): string {
  if (xs.length === 0) return "n/a";
  const m = mean(xs.map((x) => x.recordsPerSecond));
  if (xs.length === 1) return fmtRate(m);
  const lo = Math.min(...xs.map((x) => x.recordsPerSecond));
  const hi = Math.max(...xs.map((x) => x.recordsPerSecond));
  return `${fmtRate(m)} [${Math.round(lo / 1000)}k-${Math.round(hi / 1000)}k]`;
}

/** Mean CPU µs (user + sys of the producing process) per acked record. */
function cpuPer(xs: readonly Run[]): number {
  return mean(xs.map((x) => (x.cpuCores * 1e6) / x.recordsPerSecond));
}

export function figures(r: SuiteResults): Figure[] {
  const out: Figure[] = [];
  const sdk = mean(r.sdk.map((s) => s.recordsPerSecond));
  const raw = mean(r.raw.map((s) => s.recordsPerSecond));
  const stock = mean(r.rawStock.map((s) => s.recordsPerSecond));
  const cpuSdk = cpuPer(r.sdk);
  const cpuRaw = cpuPer(r.raw);
  if (r.rawStock.length > 0) {
    const cpuStock = cpuPer(r.rawStock);
    out.push({ id: "a", what: "full SDK emit->ack ÷ raw kafkajs 2.2.4 as published, sendBatch (pre-encoded, same batching)", value: `${(sdk / stock).toFixed(2)}  (${rates(r.sdk)} ÷ ${rates(r.rawStock)})`, target: "≥ 0.90", met: sdk / stock >= 0.9 });
    out.push({ id: "a", what: "same, as CPU per record: raw ÷ SDK (less sensitive to load)", value: `${(cpuStock / cpuSdk).toFixed(2)}  (${cpuStock.toFixed(1)} vs ${cpuSdk.toFixed(1)} µs)`, target: "", met: undefined });
  }
  out.push({ id: "a", what: "full SDK ÷ raw kafkajs with logwire's own patches and partitioner (the SDK's cost over its transport)", value: `${(sdk / raw).toFixed(2)}  (${rates(r.sdk)} ÷ ${rates(r.raw)}; CPU/record ${cpuRaw.toFixed(1)} vs ${cpuSdk.toFixed(1)} µs)`, target: "", met: undefined });
  if (r.sdkMainThread.length > 0) {
    const main = mean(r.sdkMainThread.map((s) => s.recordsPerSecond));
    out.push({ id: "a", what: "full SDK, producer thread (default) ÷ producer on the emitting thread (producerThread: main)", value: `${(sdk / main).toFixed(2)}  (${rates(r.sdk)} ÷ ${rates(r.sdkMainThread)}; CPU/record ${cpuSdk.toFixed(1)} vs ${cpuPer(r.sdkMainThread).toFixed(1)} µs, cores ${mean(r.sdk.map((x) => x.cpuCores)).toFixed(2)} vs ${mean(r.sdkMainThread.map((x) => x.cpuCores)).toFixed(2)})`, target: "", met: undefined });
  }
  out.push({ id: "a", what: "records per produce request: SDK vs raw (raw never runs dry, so its batches are full)", value: `${Math.round(mean(r.sdk.map((x) => x.recordsPerRequest)))} vs ${Math.round(mean(r.raw.map((x) => x.recordsPerRequest)))}`, target: "", met: undefined });
  out.push({ id: "goal", what: "full SDK sustained logs/s, broker on the same box", value: rates(r.sdk), target: "≥ 150,000/s", met: sdk >= 150000 });
  if (r.encode !== undefined) {
    const find = (prefix: string) => r.encode!.encoders.find((e) => e.name.startsWith(prefix));
    const g = find("generated");
    const t = find("toBinary");
    const p = find("protobufjs");
    const j = find("JSON");
    if (g !== undefined && t !== undefined) {
      const medians = g.medianMicrosPerRecord !== undefined && t.medianMicrosPerRecord !== undefined ? `; medians ${g.medianMicrosPerRecord} vs ${t.medianMicrosPerRecord}, ${(t.medianMicrosPerRecord / g.medianMicrosPerRecord).toFixed(2)}x` : "";
      out.push({ id: "b", what: "generated encoder speed ÷ toBinary (encode-micro's fastest round)", value: `${(t.microsPerRecord / g.microsPerRecord).toFixed(2)}x  (${g.microsPerRecord} vs ${t.microsPerRecord} µs/record${medians}; ${g.bytes} B, same bytes: ${g.sameBytesAsToBinary})`, target: "≥ 5x", met: t.microsPerRecord / g.microsPerRecord >= 5 });
    }
    if (p !== undefined) out.push({ id: "b", what: "protobufjs", value: `${p.microsPerRecord} µs/record, ${p.bytes} B`, target: "", met: undefined });
    if (j !== undefined) out.push({ id: "b", what: "JSON.stringify (+UTF-8)", value: `${j.microsPerRecord} µs/record, ${j.bytes} B`, target: "", met: undefined });
  }
  if (r.wireSize !== undefined) {
    const { protobuf: p, json: j } = r.wireSize;
    out.push({ id: "c", what: "Protobuf ÷ JSON bytes on the wire, after Snappy", value: `${pct(p.wireBytesSnappy / j.wireBytesSnappy - 1)}  (${p.wireBytesSnappy.toFixed(1)} vs ${j.wireBytesSnappy.toFixed(1)} B/record)`, target: "seed: -55%", met: undefined });
    out.push({ id: "c", what: "Protobuf ÷ JSON bytes, uncompressed record batches", value: `${pct(p.wireBytesUncompressed / j.wireBytesUncompressed - 1)}  (${p.wireBytesUncompressed.toFixed(1)} vs ${j.wireBytesUncompressed.toFixed(1)} B/record)`, target: "seed: -55%", met: undefined });
    out.push({ id: "c", what: "Snappy saving on Protobuf batches", value: `${pct(p.wireBytesSnappy / p.wireBytesUncompressed - 1)}`, target: "seed: -45%", met: undefined });
  }
  if (r.rawJson.length > 0) {
    const json = mean(r.rawJson.map((x) => x.recordsPerSecond));
    out.push({ id: "c", what: "Protobuf ÷ JSON records/s (raw kafkajs, pre-encoded, 1 MiB batches)", value: `${(raw / json).toFixed(2)}  (${rates(r.raw)} vs ${rates(r.rawJson)}; CPU/record ${cpuRaw.toFixed(1)} vs ${cpuPer(r.rawJson).toFixed(1)} µs)`, target: "", met: undefined });
  }
  for (const point of SWEEP) {
    const runs = r.sweep.filter((s) => s.label === point.label).map((s) => s.result);
    if (runs.length === 0) continue;
    const seed = `seed: ${SEED_SWEEP[point.label] ?? "?"}`;
    out.push({ id: "d", what: `full SDK at ${point.label}`, value: `${rates(runs)}  (CPU/record ${cpuPer(runs).toFixed(1)} µs, ${Math.round(mean(runs.map((x) => x.recordsPerRequest)))} records/request)`, target: seed, met: undefined });
  }
  const latency = (runs: readonly SdkResult[]): string | undefined => {
    const lat = runs.map((s) => s.emitMicros).filter((x) => x !== undefined);
    if (lat.length === 0) return undefined;
    return `${mean(lat.map((l) => l.p50)).toFixed(1)} / ${mean(lat.map((l) => l.p99)).toFixed(1)} / ${mean(lat.map((l) => l.p999)).toFixed(0)} µs (${lat.reduce((n, l) => n + l.samples, 0)} samples)`;
  };
  const lat = latency(r.sdk);
  if (lat !== undefined) out.push({ id: "e", what: "emit() latency under full load, p50 / p99 / p99.9", value: lat, target: "", met: undefined });
  const latMain = latency(r.sdkMainThread);
  if (latMain !== undefined) out.push({ id: "e", what: "the same with the producer on the emitting thread (producerThread: main)", value: latMain, target: "", met: undefined });
  if (r.overload !== undefined) {
    const v = r.overload;
    out.push({ id: "e", what: "10x overload: offered / acked", value: `${fmtRate(v.offeredPerSecond)} offered (target ${fmtRate(v.targetOfferedPerSecond)}) / ${fmtRate(v.ackedPerSecond)} acked, dropped ${Object.entries(v.dropped).map(([k, n]) => `${k} ${n}`).join(", ") || "none"}`, target: "", met: undefined });
    out.push({ id: "e", what: "10x overload: buffer held (max) vs cap", value: `${(v.maxBufferedBytes / MiB).toFixed(2)} MiB of ${(v.capacityBytes / MiB).toFixed(0)} MiB`, target: "≤ cap", met: v.maxBufferedBytes <= v.capacityBytes });
    if (v.retainedHeapGrowthBytes !== undefined) {
      out.push({ id: "e", what: "10x overload: retained heap + external growth (after full GC, buffer full) vs cap", value: `${(v.retainedHeapGrowthBytes / MiB).toFixed(1)} MiB with ${(v.bufferedBytesAtGc / MiB).toFixed(1)} MiB buffered (mid-overload: ${((v.retainedMidOverloadBytes ?? NaN) / MiB).toFixed(1)} MiB with ${(v.bufferedBytesMidOverload / MiB).toFixed(1)} MiB); cap ${(v.capacityBytes / MiB).toFixed(0)} MiB`, target: "≈ cap", met: undefined });
    }
    out.push({ id: "e", what: "10x overload: max RSS - baseline (mid, end)", value: `${(v.rssGrowthBytes / MiB).toFixed(1)} MiB (RSS ${(v.rssMidBytes / MiB).toFixed(0)} -> ${(v.rssEndBytes / MiB).toFixed(0)} MiB, baseline ${(v.baselineRssBytes / MiB).toFixed(0)} MiB)`, target: "bounded", met: undefined });
  }
  return out;
}

export function formatTable(fs: readonly Figure[], machine: MachineInfo, o: SuiteOptions, r: SuiteResults): string {
  const failures = r.failures;
  const lines = [
    `logwire bench (${o.quick ? "quick" : "full"}, ${o.seconds} s windows): ${machine.nproc} x ${machine.cpuModel}, ${machine.memTotalGiB} GiB, node ${machine.node}, kafka ${machine.kafka}, ${machine.registry}`,
    `settings: acks=all, idempotent, snappy, 1 MiB / 5 ms unless stated; records: PaymentAudit (seed audit log), keyed, ${3} partitions`,
    "",
  ];
  const w = Math.max(...fs.map((f) => f.what.length));
  for (const f of fs) {
    const mark = f.met === undefined ? " " : f.met ? "✓" : "✗";
    lines.push(`${f.id.padEnd(5)}${f.what.padEnd(w + 2)}${mark} ${f.value}${f.target === "" ? "" : `   [${f.target}]`}`);
  }
  if (r.hotPath !== undefined) {
    lines.push("", "per-record CPU of each step (bench/hot-path-micro.ts, median of 5 rounds):");
    for (const c of r.hotPath) lines.push(`  ${c.side.padEnd(8)} ${c.microsPerRecord.toFixed(2).padStart(6)} µs  ${c.step}`);
  }
  if (r.profile !== undefined) {
    const share = (x: number) => `${(100 * x).toFixed(1)}%`;
    lines.push("", `profile of the SDK phase (${r.profile.file}), self time as a share of busy time:`);
    lines.push(`  by stage: ${r.profile.stages.map((st) => `${st.stage} ${share(st.share)}`).join("; ")}`);
    lines.push(`  by area: ${r.profile.areas.slice(0, 7).map((a) => `${a.area} ${share(a.share)}`).join(", ")}`);
    for (const f of r.profile.functions.slice(0, 12)) lines.push(`  ${share(f.share).padStart(6)}  ${f.name}  ${f.where}`);
  }
  for (const f of failures) lines.push(`FAILED ${f}`);
  return lines.join("\n");
}
