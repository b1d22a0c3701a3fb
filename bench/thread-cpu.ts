/**
 * CPU time per thread of this process, from Linux's /proc/self/task/<tid>/stat
 * (user + system ticks), grouped by what the thread is, so a benchmark can
 * say where a record's CPU goes: the emitting thread, logwire's producer
 * thread (named by worker-transport.ts), V8's helper threads (GC and the
 * optimizing compiler), libuv's pool, and the rest (a client library's own
 * threads, such as librdkafka's). A thread that ends between two readings
 * takes its ticks with it. Undefined off Linux.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export type ThreadGroup = "emitting thread" | "producer thread" | "V8 helpers" | "libuv pool" | "other";

export const THREAD_GROUPS: readonly ThreadGroup[] = ["emitting thread", "producer thread", "V8 helpers", "libuv pool", "other"];

function groupOf(comm: string): ThreadGroup {
  if (comm === "MainThread") return "emitting thread";
  // Linux keeps 15 characters of a thread's name: "logwire-producer" reads "logwire-produce".
  if (comm.startsWith("logwire-produc")) return "producer thread";
  if (comm === "V8Worker") return "V8 helpers";
  if (comm === "libuv-worker") return "libuv pool";
  return "other";
}

let ticksPerSecond: number | undefined;

/** CPU seconds so far per thread group, or undefined where /proc/self/task is missing. */
export function threadCpuSeconds(): Map<ThreadGroup, number> | undefined {
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return undefined;
  }
  ticksPerSecond ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  const out = new Map<ThreadGroup, number>();
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // "tid (comm) state ppid ...": the name may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "state".
    const ticks = Number(fields[11]) + Number(fields[12]);
    const group = groupOf(comm);
    out.set(group, (out.get(group) ?? 0) + ticks / ticksPerSecond);
  }
  return out;
}

/** CPU µs per record of each thread group between two readings. */
export function threadMicrosPerRecord(before: Map<ThreadGroup, number> | undefined, after: Map<ThreadGroup, number> | undefined, records: number): Partial<Record<ThreadGroup, number>> | undefined {
  if (before === undefined || after === undefined || records <= 0) return undefined;
  const out: Partial<Record<ThreadGroup, number>> = {};
  for (const g of THREAD_GROUPS) {
    const s = (after.get(g) ?? 0) - (before.get(g) ?? 0);
    if (s > 0) out[g] = (s * 1e6) / records;
  }
  return out;
}
