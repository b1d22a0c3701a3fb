/**
 * Part e, memory against the cap: runs the overload phase (10x the given
 * drain rate, open loop, drop-newest) once per `buffer.maxBytes`, and prints
 * how much memory the process holds with the buffer full. If the buffer's
 * memory is proportional to its cap, the slope between two caps is the
 * memory per byte of cap, and what is left is the fixed part (a request in
 * flight, the heap's slack). Needs nothing running: it reuses or starts the
 * dev stack like `npm run bench`.
 *
 *   npx tsx bench/overload-caps.ts [--caps 5,20] [--rounds 2] [--drain 110000] [--thread worker|main]
 */
import { runPhase } from "./phase-runner.ts";
import type { OverloadResult } from "./phases/overload.ts";
import { leaseStack } from "./stack-guard.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const MiB = 1048576;
const caps = arg("caps", "5,20").split(",").map(Number);
const rounds = Number(arg("rounds", "2"));
const drainRate = Number(arg("drain", "110000"));
const thread = arg("thread", "worker") as "worker" | "main";

const lease = await leaseStack();
try {
  for (const note of lease.notes) console.log(`# ${note}`);
  console.log(`overload-caps: 10x ${drainRate} records/s offered for 6 s, producerThread ${thread}, ${rounds} round(s) per cap`);
  console.log("cap MiB  buffered MiB  retained MiB (buffer full, after GC)  retained mid-overload MiB  RSS growth MiB  retained / cap");
  const retained = new Map<number, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const cap of caps) {
      const res = await runPhase<OverloadResult>({
        script: "overload.ts",
        params: { seconds: 6, drainRate, overloadFactor: 10, bufferMaxBytes: cap * MiB, producerThread: thread },
        nodeFlags: ["--expose-gc"],
        timeoutMs: 120000,
      });
      const held = (res.retainedHeapGrowthBytes ?? Number.NaN) / MiB;
      retained.set(cap, [...(retained.get(cap) ?? []), held]);
      console.log(
        `${String(cap).padStart(7)}  ${(res.bufferedBytesAtGc / MiB).toFixed(2).padStart(12)}  ${held.toFixed(1).padStart(36)}  ${((res.retainedMidOverloadBytes ?? Number.NaN) / MiB).toFixed(1).padStart(25)}  ${(res.rssGrowthBytes / MiB).toFixed(1).padStart(14)}  ${(held / cap).toFixed(2).padStart(14)}`,
      );
    }
  }
  if (caps.length >= 2) {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const lo = caps[0]!;
    const hi = caps[caps.length - 1]!;
    const slope = (mean(retained.get(hi)!) - mean(retained.get(lo)!)) / (hi - lo);
    console.log(`slope: ${slope.toFixed(2)} MiB held per MiB of cap; fixed part at ${lo} MiB: ${(mean(retained.get(lo)!) - slope * lo).toFixed(1)} MiB`);
  }
} finally {
  await lease.release();
}
