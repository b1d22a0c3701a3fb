/**
 * Part b runs the encoder engineer's micro-benchmark, bench/encode-micro.ts,
 * unchanged, in a child process, and reads its table: one process, the four
 * encoders interleaved in rounds, median CPU time per record. Its
 * `round r/R` lines on stderr drive the progress bar.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

export interface EncoderFigure {
  readonly name: string;
  /** The figure encode-micro's ratio uses (its fastest round, or its median in older versions). */
  readonly microsPerRecord: number;
  /** The median round, when encode-micro prints it. */
  readonly medianMicrosPerRecord: number | undefined;
  readonly recordsPerSecond: number;
  readonly bytes: number;
  /** toBinary's µs divided by this one's: how many times faster than toBinary. */
  readonly speedupVsToBinary: number;
  /** "yes"/"no" against toBinary's bytes; "-" for JSON. */
  readonly sameBytesAsToBinary: string;
}

export interface EncodeResult {
  readonly header: string;
  readonly encoders: readonly EncoderFigure[];
}

// "name  µs  [median]  records/s  bytes  ratio x  same": the median column
// appeared when encode-micro switched to reporting the fastest round.
const ROW = /^(.+?)\s{2,}([\d.]+)\s+(?:([\d.]+)\s+)?(\d+)\s+(\d+)\s+([\d.]+)x\s+(\S+)\s*$/;

export function parseEncodeMicro(stdout: string): EncodeResult {
  const lines = stdout.split("\n");
  const encoders: EncoderFigure[] = [];
  for (const line of lines) {
    const m = ROW.exec(line);
    if (m === null) continue;
    encoders.push({
      name: m[1]!.trim(),
      microsPerRecord: Number(m[2]),
      medianMicrosPerRecord: m[3] === undefined ? undefined : Number(m[3]),
      recordsPerSecond: Number(m[4]),
      bytes: Number(m[5]),
      speedupVsToBinary: Number(m[6]),
      sameBytesAsToBinary: m[7]!,
    });
  }
  if (encoders.length === 0) throw new Error(`bench/encode-micro.ts printed no table:\n${stdout}`);
  return { header: lines.find((l) => l.startsWith("encode-micro:")) ?? "", encoders };
}

export function runEncodeMicro(o: { rounds: number; ms: number; timeoutMs: number; onProgress?: (f: number) => void }): Promise<EncodeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "encode-micro.ts"), "--rounds", String(o.rounds), "--ms", String(o.ms)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const rounds = [...d.toString().matchAll(/round (\d+)\/(\d+)/g)].pop();
      if (rounds !== undefined) o.onProgress?.(Number(rounds[1]) / Number(rounds[2]));
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`bench/encode-micro.ts exited with ${code}: ${err.replace(/\r/g, "\n").trim().split("\n").slice(-5).join("\n")}`));
      else {
        try {
          resolve(parseEncodeMicro(out));
        } catch (e) {
          reject(e);
        }
      }
    });
  });
}
