import type { FileHandle } from "node:fs/promises";
import { noProgressError } from "./spool-disk-errors.ts";

/** A positional write that may write less than asked (as a full disk does); returns the bytes written. */
export type SpoolWrite = (fh: FileHandle, bytes: Buffer, offset: number, length: number, position: number) => Promise<number>;

export const fileHandleWrite: SpoolWrite = async (fh, bytes, offset, length, position) => (await fh.write(bytes, offset, length, position)).bytesWritten;

/**
 * Appends encoded records at `position`, going on after short writes. A full
 * disk writes what fits and returns a short count without an error; only
 * the next write throws (ENOSPC). Returns how many records were written
 * whole, their bytes, and the error that stopped the rest. A record written
 * in part is cut off again; should that fail, the next append overwrites it,
 * and a torn tail is cut at open anyway.
 */
export async function appendWhole(fh: FileHandle, write: SpoolWrite, records: readonly Buffer[], position: number): Promise<{ whole: number; bytes: number; error: unknown }> {
  const bytes = records.length === 1 ? records[0]! : Buffer.concat(records);
  let done = 0;
  let error: unknown;
  try {
    while (done < bytes.length) {
      const n = await write(fh, bytes, done, bytes.length - done, position + done);
      if (n <= 0) throw noProgressError();
      done += n;
    }
  } catch (caught) {
    error = caught;
  }
  let whole = 0;
  let wholeBytes = 0;
  while (whole < records.length && wholeBytes + records[whole]!.length <= done) wholeBytes += records[whole++]!.length;
  if (done > wholeBytes) await fh.truncate(position + wholeBytes).catch(() => undefined);
  return { whole, bytes: wholeBytes, error };
}
