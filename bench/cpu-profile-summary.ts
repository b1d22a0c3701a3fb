/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per
 * function, highest first, with the share of all sampled time, and the same
 * grouped by package/folder, so BENCHMARKS.md can say where the hot path's
 * time goes. Usage: `tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /**
   * Inclusive busy-time shares of the stages of the hot path: each sample is
   * charged to the outermost stage on its stack (emit path = pipeline
   * `accept`, batch building = the record route's `build` and `packRequest`, kafkajs = any kafkajs frame,
   * gc = the collector); the rest is "other" (timers, sockets, the driver).
   */
  readonly stages: readonly { readonly stage: string; readonly share: number }[];
  readonly functions: readonly HotFunction[];
  readonly areas: readonly { readonly area: string; readonly selfMs: number; readonly share: number }[];
}

/** Where a script lives, short: `kafkajs/src/protocol/encoder.js:12`, `src/runtime/pipeline/pipeline.ts:250`. */
function shortUrl(url: string, line: number): string {
  if (url === "") return "(native)";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf("node_modules/");
  const rel = nm >= 0 ? path.slice(nm + "node_modules/".length) : path.replace(/^.*?\/(src|proto|bench|test)\//, "$1/");
  return `${rel}:${line + 1}`;
}

/** The package or logwire folder a script belongs to. */
function areaOf(url: string, name: string): string {
  if (url === "") return name === "(garbage collector)" || name === "(idle)" || name === "(program)" ? name : "(native)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith("node:")) return "node internals";
  const m = /\/(src\/[a-z]+|proto|bench)\//.exec(url);
  return m === null ? "other" : m[1]!;
}

export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    total += dt;
  });
  const fns = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const name = f.functionName || "(anonymous)";
    const where = shortUrl(f.url, f.lineNumber);
    const key = `${name}@${where}`;
    const entry = fns.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    fns.set(key, entry);
    const area = areaOf(f.url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const idle = selfUsOf(profile, byId, "(idle)");
  const busy = Math.max(1, total - idle);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOf = (n: ProfileNode): string | undefined => {
    const { functionName: f, url } = n.callFrame;
    if (f === "(garbage collector)") return "gc";
    if (f === "accept" && url.includes("/src/runtime/pipeline/pipeline")) return "emit path (check, create, redact, encode, enqueue)";
    if ((f === "build" || f === "packRequest" || f === "frameRequest") && url.includes("/src/runtime/buffer/record-route")) return "batch building (framing)";
    if (url.includes("/node_modules/kafkajs/")) return "kafkajs (partition, encode, compress, send)";
    return undefined;
  };
  const stageUs = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === "(idle)") return;
    let stage = "other (driver, timers, sockets, metrics)";
    for (let n: ProfileNode | undefined = leaf; n !== undefined; n = byId.get(parent.get(n.id) ?? -1)) {
      stage = stageOf(n) ?? stage;
    }
    stageUs.set(stage, (stageUs.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return {
    totalMs: total / 1000,
    stages: [...stageUs].sort((a, b) => b[1] - a[1]).map(([stage, us]) => ({ stage, share: us / busy })),
    functions: [...fns.values()]
      .filter((f) => f.name !== "(idle)")
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfMs: f.us / 1000, share: f.us / busy })),
    areas: [...areas]
      .filter(([a]) => a !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, selfMs: us / 1000, share: us / busy })),
  };
}

function selfUsOf(profile: CpuProfile, byId: Map<number, ProfileNode>, name: string): number {
  let us = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName === name) us += profile.timeDeltas[i] ?? 0;
  });
  return us;
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)}%`;
  const lines = [`busy-time shares (idle excluded) of ${s.totalMs.toFixed(0)} ms sampled`, "", "by stage (inclusive):"];
  for (const st of s.stages) lines.push(`  ${pct(st.share)}  ${st.stage}`);
  lines.push("", "by area (self):");
  for (const a of s.areas.slice(0, 12)) lines.push(`  ${pct(a.share)}  ${a.area}`);
  lines.push("", "top self time:");
  for (const f of s.functions) lines.push(`  ${pct(f.share)}  ${f.name}  ${f.where}`);
  return lines.join("\n");
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write("usage: tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  process.stdout.write(formatSummary(summariseProfile(profile, Number(process.argv[3] ?? 25))) + "\n");
}
