import { statfs } from "node:fs/promises";
import { ErrorCode, LogwireError } from "../errors.ts";

function errnoCode(caught: unknown): string | undefined {
  const code = (caught as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function messageOf(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}

/** A write that wrote nothing without an error: treated as a full disk. */
export function noProgressError(): Error {
  return Object.assign(new Error("ENOSPC: the write made no progress"), { code: "ENOSPC" });
}

/**
 * What a failed append to the spool file becomes: an `environment` error
 * naming the option that fixes it. On a full disk that is
 * `buffer.spool.maxBytes`, set larger than the disk can hold.
 */
export async function spoolWriteError(dir: string, maxBytes: number, caught: unknown): Promise<LogwireError> {
  const code = errnoCode(caught);
  const meanwhile = "until a write succeeds (retried every second), records that do not fit in memory are dropped as spool_failed";
  if (code === "ENOSPC" || code === "EDQUOT") {
    const free = await statfs(dir).then((s) => s.bavail * s.bsize, () => undefined);
    return new LogwireError(ErrorCode.Environment, `the disk of the spool in ${dir} is full (${messageOf(caught)}): ${free === undefined ? "" : `${free} bytes free, `}buffer.spool.maxBytes is ${maxBytes}; ${meanwhile}`, {
      path: "buffer.spool.maxBytes",
      retriable: true,
      fix: "free space on that disk, or lower buffer.spool.maxBytes below the space the disk has free",
      cause: caught,
    });
  }
  return new LogwireError(ErrorCode.Environment, `could not write to the disk spool in ${dir} (${messageOf(caught)}); ${meanwhile}`, {
    path: "buffer.spool.dir",
    retriable: true,
    fix: "check that buffer.spool.dir is writable and its disk is healthy",
    cause: caught,
  });
}

/** A read position that could not be stored: nothing is lost, a restart sends more records again. */
export function spoolPositionError(dir: string, caught: unknown): LogwireError {
  return new LogwireError(ErrorCode.Environment, `could not store the read position of the disk spool in ${dir} (${messageOf(caught)}); a restart would send the records read since the last stored position again`, {
    path: "buffer.spool.dir",
    retriable: true,
    fix: "free space on that disk and check that buffer.spool.dir is writable",
    cause: caught,
  });
}

/** A record inside the spool file (not its torn tail) fails its CRC: the file was damaged or changed under the pipeline. */
export function spoolCorruptError(path: string, at: number, lost: number): LogwireError {
  return new LogwireError(ErrorCode.Environment, `spool record at byte ${at} of ${path} is corrupt; the ${lost} records not read back from it are dropped as spool_torn`, {
    fix: "check the disk, and that nothing else writes to buffer.spool.dir",
  });
}

/** Reading the spool file failed (an I/O error); the records stay counted as spooled and reading is retried. */
export function spoolReadError(path: string, caught: unknown): LogwireError {
  return new LogwireError(ErrorCode.Environment, `could not read the disk spool ${path} (${messageOf(caught)}); retrying every second`, {
    path: "buffer.spool.dir",
    retriable: true,
    fix: "check the disk of buffer.spool.dir",
    cause: caught,
  });
}
