import type { FileHandle } from "node:fs/promises";
import { decodeSpoolRecord, SPOOL_RECORD_HEADER as HEADER, spoolPayloadLength, spoolRecordIntact, spoolRecordTopic, type SpoolEntry } from "./spool-record-format.ts";

const READ_CHUNK = 256 * 1024;
/** No record is larger (batch.maxBytes is at most 64 MiB): a longer length is damage, not a record. */
const MAX_RECORD_BYTES = 65 * 1048576;

/**
 * Reads the records of a spool file through one cached chunk of at least
 * 256 KiB. Each read takes an `end`: bytes past it are never read, nor cached.
 */
export function createSpoolFileReader(fh: FileHandle) {
  let chunk = Buffer.alloc(0);
  let chunkStart = 0;

  async function ensure(pos: number, n: number, end: number): Promise<boolean> {
    if (pos >= chunkStart && pos + n <= chunkStart + chunk.length) return true;
    if (pos + n > end) return false;
    const len = Math.min(Math.max(n, READ_CHUNK), end - pos);
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    chunk = buf.subarray(0, bytesRead);
    chunkStart = pos;
    return bytesRead >= n;
  }

  /** Where the record at `pos` starts in `chunk`, and its payload's length, if a whole, intact record ends there by `end`. */
  async function recordAt(pos: number, end: number): Promise<{ at: number; len: number } | undefined> {
    if (!(await ensure(pos, HEADER, end))) return undefined;
    const len = spoolPayloadLength(chunk, pos - chunkStart);
    if (len === 0 || len > MAX_RECORD_BYTES || !(await ensure(pos, HEADER + len, end))) return undefined;
    const at = pos - chunkStart;
    return spoolRecordIntact(chunk, at, len) ? { at, len } : undefined;
  }

  return {
    /** The record at `pos` and the offset after it; undefined when no whole, intact record ends by `end` (torn or corrupt). */
    async entryAt(pos: number, end: number): Promise<{ entry: SpoolEntry; next: number } | undefined> {
      const r = await recordAt(pos, end);
      return r === undefined ? undefined : { entry: decodeSpoolRecord(chunk, r.at), next: pos + HEADER + r.len };
    },
    /** As `entryAt`, decoding only the topic. */
    async topicAt(pos: number, end: number): Promise<{ topic: string; next: number } | undefined> {
      const r = await recordAt(pos, end);
      return r === undefined ? undefined : { topic: spoolRecordTopic(chunk, r.at), next: pos + HEADER + r.len };
    },
    /** Forgets the cached chunk (the file was truncated). */
    reset(): void {
      chunk = Buffer.alloc(0);
      chunkStart = 0;
    },
  };
}

/**
 * What a previous process left from `from` on: the complete records (by
 * topic, and those ending by `readMark`, which it had read back), and where
 * the first torn or corrupt one starts (`tornAt`, else the file's size).
 */
export async function scanSpoolFile(reader: ReturnType<typeof createSpoolFileReader>, from: number, size: number, readMark: number): Promise<{ records: number; replayed: Map<string, number>; tornAt: number | undefined }> {
  let records = 0;
  const replayed = new Map<string, number>();
  for (let pos = from; pos < size; ) {
    const r = await reader.topicAt(pos, size);
    if (r === undefined) return { records, replayed, tornAt: pos };
    records++;
    if (r.next <= readMark) replayed.set(r.topic, (replayed.get(r.topic) ?? 0) + 1);
    pos = r.next;
  }
  return { records, replayed, tornAt: undefined };
}
