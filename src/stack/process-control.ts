import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";

/**
 * Starting and stopping the stack's JVMs. A pid file records what `up`
 * started; `down` only ever signals a pid from such a file, and only while
 * that process's command line still carries the marker written with it, so a
 * recycled pid is never killed.
 */
export interface PidRecord {
  readonly pid: number;
  /** A string that must appear in `/proc/<pid>/cmdline` (e.g. the properties file). */
  readonly marker: string;
  readonly startedAt: string;
}

export interface SpawnDetachedOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Truncated at each start; receives stdout and stderr. */
  readonly logFile: string;
  readonly pidFile: string;
  readonly marker: string;
}

/** Starts a process that outlives this one, with output in `logFile`. */
export function spawnDetached(options: SpawnDetachedOptions): Promise<PidRecord> {
  const fd = openSync(options.logFile, "w");
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", fd, fd],
    });
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => {
        child.unref();
        const record: PidRecord = { pid: child.pid ?? -1, marker: options.marker, startedAt: new Date().toISOString() };
        writeFileSync(options.pidFile, JSON.stringify(record) + "\n");
        resolve(record);
      });
    });
  } finally {
    closeSync(fd);
  }
}

export function readPidFile(pidFile: string): PidRecord | undefined {
  if (!existsSync(pidFile)) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(readFileSync(pidFile, "utf8")) as Partial<PidRecord>;
    if (typeof parsed.pid === "number" && typeof parsed.marker === "string") {
      return { pid: parsed.pid, marker: parsed.marker, startedAt: String(parsed.startedAt ?? "") };
    }
  } catch {
    // A torn or hand-edited file counts as absent.
  }
  return undefined;
}

export function removePidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

/** True while the recorded process runs and is still the one we started. */
export function isRecordAlive(record: PidRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    // ESRCH: gone. EPERM: it exists but belongs to someone else, so not ours.
    return false;
  }
  const cmdline = `/proc/${record.pid}/cmdline`;
  if (!existsSync(cmdline)) {
    // No procfs (macOS): trust the pid.
    return existsSync("/proc") ? false : true;
  }
  try {
    const text = readFileSync(cmdline, "utf8").replaceAll("\0", " ");
    if (readFileSync(`/proc/${record.pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z")) {
      return false;
    }
    return text.includes(record.marker);
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
export async function stopRecord(record: PidRecord, graceMs = 30_000): Promise<"stopped" | "killed" | "gone"> {
  if (!isRecordAlive(record)) {
    return "gone";
  }
  process.kill(record.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRecordAlive(record)) {
      return "stopped";
    }
    await sleep(200);
  }
  try {
    process.kill(record.pid, "SIGKILL");
  } catch {
    return "stopped";
  }
  while (isRecordAlive(record)) {
    await sleep(100);
  }
  return "killed";
}

/**
 * The last `count` lines of a file worth showing a person, or [] when it does
 * not exist. Java stack frames are skipped so the causes fit in the window.
 */
export function tailFile(path: string, count = 20): string[] {
  if (!existsSync(path)) {
    return [];
  }
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !/^\s+(at |\.\.\. \d+ more)/.test(l));
  return lines.slice(-count);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
