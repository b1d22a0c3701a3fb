import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { decodeFrame } from "../../../src/runtime/registry/wire-format.ts";
import type { PipelineStats } from "../../../src/runtime/metrics/pipeline-stats.ts";
import { parsePosition } from "../../../src/runtime/spool/spool-position.ts";
import { scanSpoolBytes } from "../../../src/runtime/spool/spool-record-format.ts";
import { readPidFile } from "../../../src/stack/process-control.ts";
import { PaymentErrorSchema } from "../../../proto/example/payments/v1/error_pb.ts";
import type { DedicatedStack } from "./dedicated-stack.ts";

/** `code/attempt` of a framed PaymentError value: the id the spool tests track records by. */
export function recordId(value: Uint8Array): string {
  const m = fromBinary(PaymentErrorSchema, decodeFrame(value).payload);
  return `${m.code}/${m.attempt}`;
}

function brokerPid(d: DedicatedStack): number {
  const record = readPidFile(join(d.config.stateDir, "kafka.pid"));
  if (record === undefined) throw new Error("the dedicated broker has no pid file");
  return record.pid;
}

/**
 * Freezes the dedicated broker (SIGSTOP): its sockets stay open and requests
 * hang until they time out, as with a broker stuck in a long GC pause or on
 * a partitioned network. `resume` (SIGCONT) is idempotent; call it in an
 * after hook, since a stopped broker cannot be stopped gracefully.
 */
export function createBrokerPause(d: DedicatedStack): { pause(): void; resume(): void; readonly paused: boolean } {
  let paused = false;
  return {
    pause() {
      process.kill(brokerPid(d), "SIGSTOP");
      paused = true;
    },
    resume() {
      if (!paused) return;
      paused = false;
      try {
        process.kill(brokerPid(d), "SIGCONT");
      } catch {
        // Gone already.
      }
    },
    get paused() {
      return paused;
    },
  };
}

export interface SpoolChild {
  /** The child's books, as last printed (every 50 ms). */
  readonly stats: PipelineStats | undefined;
  /** Resolves with the first printed books that satisfy `pred`; rejects after `timeoutMs` or if the child exits. */
  waitFor(pred: (s: PipelineStats) => boolean, timeoutMs: number, what: string): Promise<PipelineStats>;
  /** SIGUSR2: stop emitting. */
  stopEmitting(): void;
  /** SIGKILL; resolves once the child is gone. */
  kill(): Promise<void>;
}

/** Starts test/reliability/support/spool-child.ts (see there) under tsx. */
export function startSpoolChild(env: { brokers: readonly string[]; topic: string; dir: string; perTick: number; pad: number }): SpoolChild {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "spool-child.ts")], {
    env: { ...process.env, SPOOL_CHILD_BROKERS: env.brokers.join(","), SPOOL_CHILD_TOPIC: env.topic, SPOOL_CHILD_DIR: env.dir, SPOOL_CHILD_PER_TICK: String(env.perTick), SPOOL_CHILD_PAD: String(env.pad) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stats: PipelineStats | undefined;
  let stderr = "";
  let exited = false;
  const listeners = new Set<() => void>();
  let partial = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    for (const line of lines) if (line.startsWith("{")) stats = JSON.parse(line) as PipelineStats;
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const gone = new Promise<void>((resolve) => child.once("exit", () => {
    exited = true;
    for (const l of listeners) l();
    resolve();
  }));
  // Never outlive the test process.
  const killSync = (): void => {
    if (!exited) child.kill("SIGKILL");
  };
  process.once("exit", killSync);
  return {
    get stats() {
      return stats;
    },
    waitFor(pred, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`spool child: timed out after ${timeoutMs} ms waiting for ${what}; last books ${JSON.stringify(stats)}; stderr: ${stderr}`)), timeoutMs);
        const check = (): void => {
          if (stats !== undefined && pred(stats)) done(undefined, stats);
          else if (exited) done(new Error(`spool child exited while waiting for ${what}; stderr: ${stderr}`));
        };
        function done(error: Error | undefined, s?: PipelineStats): void {
          clearTimeout(timer);
          listeners.delete(check);
          if (error !== undefined) reject(error);
          else resolve(s!);
        }
        listeners.add(check);
        check();
      });
    },
    stopEmitting() {
      child.kill("SIGUSR2");
    },
    async kill() {
      process.off("exit", killSync);
      if (!exited) child.kill("SIGKILL");
      await gone;
    },
  };
}

/** What a dead process left in a spool dir, read directly from its files. */
export interface SpoolDirContents {
  /** Offset where the next process starts reading (the stored settled position; 0 without one). */
  readonly settled: number;
  /** Ids of the complete records from there, in file order. */
  readonly ids: string[];
  /** Where the first torn or corrupt record starts, if any. */
  readonly tornAt: number | undefined;
  readonly fileBytes: number;
}

export async function readSpoolDir(dir: string): Promise<SpoolDirContents> {
  const bytes = await readFile(join(dir, "logwire.spool"));
  const pos = parsePosition(await readFile(join(dir, "spool.pos"), "utf8").catch(() => ""));
  const settled = pos !== undefined && pos.settled <= bytes.length ? pos.settled : 0;
  const scan = scanSpoolBytes(bytes, settled);
  return { settled, ids: scan.records.map((r) => recordId(r.entry.value)), tornAt: scan.tornAt, fileBytes: bytes.length };
}

/** Mounts a tmpfs of `size` (e.g. "2m") on `dir`: a real small disk. Needs root. */
export function mountTmpfs(dir: string, size: string): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
}

/** Unmounts what mountTmpfs mounted (lazily, should a file still be open). */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync("umount", [dir]);
  } catch {
    execFileSync("umount", ["-l", dir]);
  }
}
