/**
 * Waits until the machine is quiet before a broker-bound phase. After a
 * throughput phase the broker is still writing and deleting that topic's
 * segments for seconds, and the phase after it would measure the broker's
 * aftermath instead of itself (BENCHMARKS.md, "How it measures"). Reads
 * /proc/stat (Linux); elsewhere it just pauses briefly.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Resolves once the whole machine's busy share over `windowMs` is below `busyShare`, or after `maxMs`. Returns the ms waited. */
export async function settle(o: { busyShare?: number; windowMs?: number; maxMs?: number } = {}): Promise<number> {
  const busyShare = o.busyShare ?? 0.25;
  const windowMs = o.windowMs ?? 1000;
  const maxMs = o.maxMs ?? 30000;
  const t0 = performance.now();
  let before = cpuTimes();
  if (before === undefined) {
    await sleep(2000);
    return 2000;
  }
  while (performance.now() - t0 < maxMs) {
    await sleep(windowMs);
    const after = cpuTimes()!;
    const share = (after.busy - before.busy) / Math.max(1, after.total - before.total);
    before = after;
    if (share < busyShare) break;
  }
  return Math.round(performance.now() - t0);
}
