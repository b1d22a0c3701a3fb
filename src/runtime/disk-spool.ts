import { mkdir, open, readFile, unlink, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

/** One record as the spool keeps it: enough to send it again without its log type. */
export interface SpoolEntry {
  readonly topic: string;
  /** For dead-letter headers if the record fails on replay. */
  readonly typeName: string;
  readonly subject: string;
  readonly key: Buffer | null;
  /** The framed value (Confluent header + Protobuf bytes), sent as is. */
  readonly value: Uint8Array;
}

/** A record read back; `tag` is undefined for records a previous process left. */
export interface SpoolRead<Tag> {
  readonly entry: SpoolEntry;
  readonly tag: Tag | undefined;
}

export interface DiskSpoolOptions<Tag> {
  /** Directory of the spool file; created if missing. One pipeline per directory. */
  readonly dir: string;
  /** Bound of the spool file, including records still queued for writing. */
  readonly maxBytes: number;
  /** Added to key + value bytes when measuring a record against a read budget. */
  readonly recordOverhead: number;
  /** Records whose append failed (disk error); they are not in the spool. */
  readonly onLost: (tags: readonly Tag[], error: Error) => void;
}

export interface DiskSpool<Tag> {
  /** Records in the spool not yet read back (on disk or queued for writing). */
  readonly records: number;
  /** Bytes of the spool file, including queued writes. */
  readonly bytes: number;
  /** Complete records a previous process left (found at open). */
  readonly restored: number;
  /** Torn or corrupt tail records truncated at open (0 or 1). */
  readonly torn: number;
  /** Queues a record for appending; false when it would pass `maxBytes` or the write queue bound (the caller counts `spool_full`). */
  append(entry: SpoolEntry, tag: Tag): boolean;
  /** The next records in append order whose sizes sum to at most `budget` (none if the next one does not fit). */
  read(budget: number): Promise<SpoolRead<Tag>[]>;
  /** Tags of the records not read back, oldest first, as `[tag, count]` runs. */
  remaining(): Array<[Tag | undefined, number]>;
  /** Waits for queued writes, records the read position for the next process, closes the file. */
  close(): Promise<void>;
}

/** Bytes per record on disk before the payload: u32 length, u32 CRC-32 of the payload. */
const HEADER = 8;
/** Bound of records queued in memory for writing: `append` never waits for the disk. */
const WRITE_QUEUE_MAX_BYTES = 8 * 1048576;
const READ_CHUNK = 256 * 1024;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE), table-driven; node:zlib's crc32 needs Node 22. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One record's bytes on disk: header, then topic, type name, subject (u16 length each), key (i32 length, -1 for none), value. */
export function encodeSpoolRecord(e: SpoolEntry): Buffer {
  const topic = Buffer.from(e.topic);
  const typeName = Buffer.from(e.typeName);
  const subject = Buffer.from(e.subject);
  const keyLen = e.key === null ? 0 : e.key.length;
  const len = 6 + topic.length + typeName.length + subject.length + 4 + keyLen + e.value.length;
  const b = Buffer.allocUnsafe(HEADER + len);
  let p = HEADER;
  for (const s of [topic, typeName, subject]) {
    b.writeUInt16BE(s.length, p);
    s.copy(b, p + 2);
    p += 2 + s.length;
  }
  b.writeInt32BE(e.key === null ? -1 : keyLen, p);
  p += 4;
  if (e.key !== null) p += e.key.copy(b, p);
  b.set(e.value, p);
  b.writeUInt32BE(len, 0);
  b.writeUInt32BE(crc32(b, HEADER), 4);
  return b;
}

function decodePayload(b: Buffer, start: number, end: number): SpoolEntry {
  let p = start;
  const str = (): string => {
    const n = b.readUInt16BE(p);
    const s = b.toString("utf8", p + 2, p + 2 + n);
    p += 2 + n;
    return s;
  };
  const topic = str();
  const typeName = str();
  const subject = str();
  const keyLen = b.readInt32BE(p);
  p += 4;
  const key = keyLen < 0 ? null : Buffer.from(b.subarray(p, p + keyLen));
  p += Math.max(0, keyLen);
  return { topic, typeName, subject, key, value: Buffer.from(b.subarray(p, end)) };
}

/**
 * An append-only file of records, read back in append order: the pipeline's
 * overflow past its memory budget when `buffer.spool` is set.
 *
 * Each record is `[u32 length][u32 crc32][payload]`. At open the unread part
 * of the file is scanned: an incomplete or corrupt record (a crash during an
 * append) and anything after it is truncated and counted in `torn`. Appends
 * are queued in memory (bounded) and written with positional writes, so
 * `append` never blocks; all file operations run one at a time, in order.
 * When every record has been read back the file is truncated to zero; the
 * file only shrinks then, so `maxBytes` bounds it while records are read.
 * `close()` stores the read position in `spool.pos`, so the next process
 * starts where this one stopped; after a crash it starts at the last stored
 * position, so records read since may be sent twice (at least once).
 */
export async function createDiskSpool<Tag>(options: DiskSpoolOptions<Tag>): Promise<DiskSpool<Tag>> {
  await mkdir(options.dir, { recursive: true });
  const dataPath = join(options.dir, "logwire.spool");
  const posPath = join(options.dir, "spool.pos");
  const fh: FileHandle = await open(dataPath, "a+").then(async (h) => {
    await h.close();
    return open(dataPath, "r+");
  });
  let size = (await fh.stat()).size;
  let readOffset = 0;
  try {
    const pos = Number((await readFile(posPath, "utf8")).trim());
    if (Number.isInteger(pos) && pos >= 0 && pos <= size) readOffset = pos;
  } catch {
    // No stored position: read from the start.
  }

  // Scan what a previous process left: count complete records, cut a torn tail.
  let restored = 0;
  let torn = 0;
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
  function at(pos: number): number {
    return pos - chunkStart;
  }
  for (let pos = readOffset; pos < size; ) {
    let ok = await ensure(pos, HEADER, size);
    const len = ok ? chunk.readUInt32BE(at(pos)) : 0;
    ok = ok && len > 0 && len <= options.maxBytes && (await ensure(pos, HEADER + len, size));
    if (!ok || chunk.readUInt32BE(at(pos) + 4) !== crc32(chunk, at(pos) + HEADER, at(pos) + HEADER + len)) {
      await fh.truncate(pos);
      size = pos;
      torn = 1;
      break;
    }
    restored++;
    pos += HEADER + len;
  }
  chunk = Buffer.alloc(0);
  chunkStart = 0;

  let writtenEnd = size;
  let pending: { bytes: Buffer; tag: Tag }[] = [];
  let pendingBytes = 0;
  let records = restored;
  /** Tags of written, unread records, oldest first, as runs of identical tags. */
  const runs: { tag: Tag | undefined; count: number }[] = restored > 0 ? [{ tag: undefined, count: restored }] : [];
  let ops: Promise<unknown> = Promise.resolve();
  let writeScheduled = false;

  function serial<R>(op: () => Promise<R>): Promise<R> {
    const next = ops.then(op);
    ops = next.catch(() => undefined);
    return next;
  }

  function pushRun(tag: Tag | undefined): void {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.tag === tag) last.count++;
    else runs.push({ tag, count: 1 });
  }

  function shiftRun(): Tag | undefined {
    const first = runs[0]!;
    if (--first.count === 0) runs.shift();
    return first.tag;
  }

  async function writePending(): Promise<void> {
    writeScheduled = false;
    const batch = pending;
    pending = [];
    pendingBytes = 0;
    if (batch.length === 0) return;
    const bytes = Buffer.concat(batch.map((p) => p.bytes));
    try {
      await fh.write(bytes, 0, bytes.length, writtenEnd);
      writtenEnd += bytes.length;
      for (const p of batch) pushRun(p.tag);
    } catch (caught) {
      records -= batch.length;
      options.onLost(batch.map((p) => p.tag), caught instanceof Error ? caught : new Error(String(caught)));
    }
  }

  async function truncateIfDrained(): Promise<void> {
    if (readOffset !== writtenEnd || pending.length > 0 || writtenEnd === 0) return;
    await unlink(posPath).catch(() => undefined);
    await fh.truncate(0);
    readOffset = 0;
    writtenEnd = 0;
    chunk = Buffer.alloc(0);
    chunkStart = 0;
  }

  return {
    get records() {
      return records;
    },
    get bytes() {
      return writtenEnd + pendingBytes;
    },
    restored,
    torn,
    append(entry, tag) {
      const bytes = encodeSpoolRecord(entry);
      if (writtenEnd + pendingBytes + bytes.length > options.maxBytes || pendingBytes + bytes.length > WRITE_QUEUE_MAX_BYTES) return false;
      pending.push({ bytes, tag });
      pendingBytes += bytes.length;
      records++;
      if (!writeScheduled) {
        writeScheduled = true;
        void serial(writePending);
      }
      return true;
    },
    read(budget) {
      return serial(async () => {
        const out: SpoolRead<Tag>[] = [];
        let used = 0;
        while (readOffset < writtenEnd) {
          if (!(await ensure(readOffset, HEADER, writtenEnd))) break;
          const len = chunk.readUInt32BE(at(readOffset));
          if (!(await ensure(readOffset, HEADER + len, writtenEnd))) break;
          const start = at(readOffset) + HEADER;
          if (chunk.readUInt32BE(start - 4) !== crc32(chunk, start, start + len)) {
            throw new Error(`spool record at byte ${readOffset} of ${dataPath} is corrupt`);
          }
          const entry = decodePayload(chunk, start, start + len);
          const cost = (entry.key?.length ?? 0) + entry.value.length + options.recordOverhead;
          if (used + cost > budget) break;
          used += cost;
          readOffset += HEADER + len;
          records--;
          out.push({ entry, tag: shiftRun() });
        }
        await truncateIfDrained();
        return out;
      });
    },
    remaining() {
      const out: Array<[Tag | undefined, number]> = runs.map((r) => [r.tag, r.count]);
      for (const p of pending) out.push([p.tag, 1]);
      return out;
    },
    close() {
      return serial(async () => {
        await writePending();
        if (readOffset > 0 && readOffset < writtenEnd) await writeFile(posPath, String(readOffset));
        else await truncateIfDrained();
        await fh.close();
      });
    },
  };
}
