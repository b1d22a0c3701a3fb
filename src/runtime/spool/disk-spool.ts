import { mkdir, open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, LogwireError } from "../errors.ts";
import { headerBytes } from "../record-headers.ts";
import { spoolCorruptError, spoolPositionError, spoolReadError, spoolWriteError } from "./spool-disk-errors.ts";
import { loadPosition, storePosition } from "./spool-position.ts";
import { createSpoolFileReader, scanSpoolFile } from "./spool-file-reader.ts";
import { appendWhole, fileHandleWrite, type SpoolWrite } from "./spool-file-writer.ts";
import { createReadLog } from "./spool-read-log.ts";
import { encodeSpoolRecord, type SpoolEntry } from "./spool-record-format.ts";

/** A record read back; `tag` is undefined for records a previous process left. */
export interface SpoolRead<Tag> {
  readonly entry: SpoolEntry;
  readonly tag: Tag | undefined;
  /** Names the record to `settle` and `giveBack`. */
  readonly seq: number;
}

export interface DiskSpoolOptions<Tag> {
  /** Directory of the spool file; created if missing. One pipeline per directory. */
  readonly dir: string;
  /** Bound of the spool file, including records still queued for writing. */
  readonly maxBytes: number;
  /** Added to key + value + header bytes when measuring a record against a read budget. */
  readonly recordOverhead: number;
  /**
   * Records that leave the spool without being read back, each to be counted
   * as dropped for `reason`: appends that failed (`spool_failed`), or the
   * records behind a corrupt one inside the file (`spool_torn`).
   */
  readonly onLost?: (tags: readonly (Tag | undefined)[], reason: "spool_failed" | "spool_torn") => void;
  /** Disk problems, each reported once until the disk works again (all `environment` LogwireErrors). */
  readonly onError?: (error: LogwireError) => void;
  /** For tests: writes to the spool file (default `FileHandle.write`); may write less than asked, as a full disk does. */
  readonly write?: SpoolWrite;
}

/** Where a spool reports what it loses and its disk problems (`onLost`, `onError` of DiskSpoolOptions). */
export interface DiskSpoolListener<Tag> {
  readonly onLost: NonNullable<DiskSpoolOptions<Tag>["onLost"]>;
  readonly onError: NonNullable<DiskSpoolOptions<Tag>["onError"]>;
}

export interface DiskSpool<Tag> {
  /**
   * Sets where lost records and disk problems go, in place of the options'
   * `onLost`/`onError`: for an owner created after the spool. The spool calls
   * neither before its first append, read or close.
   */
  listen(listener: DiskSpoolListener<Tag>): void;
  /** Records in the spool, not read back or given back (on disk or queued for writing). */
  readonly records: number;
  /** Bytes of the spool file, including queued writes. */
  readonly bytes: number;
  /** Complete records a previous process left (found at open). */
  readonly restored: number;
  /** Torn or corrupt tail records truncated at open (0 or 1). */
  readonly torn: number;
  /** Of the restored records, by topic, those the previous process had already read back: they are sent again, and may be in the topic twice. */
  readonly replayed: ReadonlyMap<string, number>;
  /** Set while appends are suspended after a failed write; they are tried again SPOOL_RETRY_MS later, or once the spool drains. */
  readonly failure: LogwireError | undefined;
  /** Queues a record for appending (`tag` undefined for a record restored at open and spooled anew); false when closed, suspended (`failure`), or past `maxBytes` or the write queue bound. */
  append(entry: SpoolEntry, tag: Tag | undefined): boolean;
  /**
   * Reads the next records in append order whose sizes sum to at most
   * `budget`, and hands each to `accept` (default: take all). A record leaves
   * the file only when `accept` takes it: the first it refuses and the ones
   * after stay unread. Before any record is handed out, the read mark is
   * stored (see `replayed`).
   */
  read(budget: number, accept?: (r: SpoolRead<Tag>) => boolean): Promise<SpoolRead<Tag>[]>;
  /** A record read back settled (acked, dead-lettered or dropped). */
  settle(seq: number): void;
  /** A record read back goes back unsent: it stays in the file for the next process, and counts in `records` again. */
  giveBack(seq: number): void;
  /** Resolves once every queued append is on disk (or reported lost). */
  settleWrites(): Promise<void>;
  /** Tags of the records in the spool (unread, queued or given back) as `[tag, count]` runs. */
  remaining(): Array<[Tag | undefined, number]>;
  /** Writes queued appends, stores the read position, closes the file. Never rejects: failures go to `onError`. */
  close(): Promise<void>;
}

/**
 * The restart point is stored at least once every this many settled
 * records (and before each read from the file): a crash delivers at most
 * these twice, plus the records of the request that completed them and of
 * the one in flight.
 */
export const SPOOL_POSITION_EVERY = 1000;
/** After a failed write, appends are refused for this long, then tried again. */
export const SPOOL_RETRY_MS = 1000;
/** Bound of records queued in memory for writing: `append` never waits for the disk. */
const WRITE_QUEUE_MAX_BYTES = 8 * 1048576;

/**
 * An append-only file of records, read back in append order: the pipeline's
 * overflow past its memory budget when `buffer.spool` is set.
 *
 * Each record is `[u32 format and length][u32 crc32][payload]`
 * (spool-record-format.ts: a record with headers is format 2, one without
 * is written as the first format was). Appends are queued in
 * memory (bounded) and written with positional writes, so `append` never
 * blocks; all file operations run one at a time, in order. Only whole
 * records count as written: a short write (a full disk) is cut back to the
 * last whole record, its other records are reported lost, and appends are
 * suspended for SPOOL_RETRY_MS.
 *
 * `spool.pos` holds two offsets (spool-position.ts): where the oldest record
 * not yet settled starts, where the next process starts reading; and how far
 * records were read back. It is stored atomically at open, before each read,
 * every SPOOL_POSITION_EVERY settled records and at close. Delivery is at
 * least once: after a crash the next process starts at the stored restart
 * point, so the records read back since are sent again, and those that had
 * reached the topic are there twice (the next process counts the records
 * read back before its start in `replayed`). At open the unread
 * part is scanned: an incomplete or corrupt last record (a crash during an
 * append) is truncated and counted in `torn`. The file is truncated to zero
 * once every record in it has settled, so `maxBytes` bounds it meanwhile.
 */
export async function createDiskSpool<Tag>(options: DiskSpoolOptions<Tag>): Promise<DiskSpool<Tag>> {
  await mkdir(options.dir, { recursive: true });
  const dataPath = join(options.dir, "logwire.spool");
  const posPath = join(options.dir, "spool.pos");
  const write = options.write ?? fileHandleWrite;
  const fh: FileHandle = await open(dataPath, "a+").then(async (h) => {
    await h.close();
    return open(dataPath, "r+");
  });
  let size = (await fh.stat()).size;
  const stored = await loadPosition(posPath);
  // A stored position past the end is stale (a crash between truncating the file and storing 0): read from the start.
  const valid = stored !== undefined && stored.settled <= size;
  let readOffset = valid ? stored.settled : 0;
  const previousMark = valid ? stored.read : 0;

  // What a previous process left: complete records from the restart point on; a torn tail is cut.
  const reader = createSpoolFileReader(fh);
  const scan = await scanSpoolFile(reader, readOffset, size, previousMark).catch(async (caught: unknown) => {
    await fh.close();
    throw caught;
  });
  reader.reset();
  const restored = scan.records;
  const torn = scan.tornAt === undefined ? 0 : 1;
  if (scan.tornAt !== undefined) {
    await fh.truncate(scan.tornAt);
    size = scan.tornAt;
  }

  let writtenEnd = size;
  /** Highest read mark stored: records before it were handed to the buffer (by this or a previous process). */
  let readMark = Math.min(Math.max(previousMark, readOffset), size);
  let pending: { bytes: Buffer; tag: Tag | undefined }[] = [];
  let pendingBytes = 0;
  let writingRecords = 0;
  let writingBytes = 0;
  /** Tags of written, unread records, oldest first, as runs of identical tags. */
  const runs: { tag: Tag | undefined; count: number }[] = restored > 0 ? [{ tag: undefined, count: restored }] : [];
  let unread = restored;
  let givenBack = 0;
  const log = createReadLog<Tag>();
  let ops: Promise<unknown> = Promise.resolve();
  let writeScheduled = false;
  let upkeepScheduled = false;
  let sinceSave = 0;
  let failure: LogwireError | undefined;
  let retryAt = 0;
  let failureReported = false;
  let positionFailing = false;
  let closed = false;
  let listener: DiskSpoolListener<Tag> = { onLost: options.onLost ?? (() => {}), onError: options.onError ?? (() => {}) };

  function serial<R>(op: () => Promise<R>): Promise<R> {
    const next = ops.then(op);
    ops = next.catch(() => undefined);
    return next;
  }

  /** Runs an operation nobody awaits; whatever it throws is reported, never unhandled. */
  function background(op: () => Promise<void>): void {
    serial(op).catch((caught: unknown) => listener.onError(LogwireError.from(caught, ErrorCode.Environment)));
  }

  function pushRun(tag: Tag | undefined): void {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.tag === tag) last.count++;
    else runs.push({ tag, count: 1 });
    unread++;
  }

  function shiftRun(): void {
    const first = runs[0]!;
    if (--first.count === 0) runs.shift();
    unread--;
  }

  const frontier = (): number => log.frontier() ?? readOffset;

  function suspended(): LogwireError | undefined {
    return failure !== undefined && Date.now() < retryAt ? failure : undefined;
  }

  async function savePosition(): Promise<void> {
    sinceSave = 0;
    const settled = frontier();
    try {
      await storePosition(posPath, { settled, read: Math.max(readMark, settled) });
      positionFailing = false;
    } catch (caught) {
      if (!positionFailing) listener.onError(spoolPositionError(options.dir, caught));
      positionFailing = true;
    }
  }

  async function writePending(): Promise<void> {
    writeScheduled = false;
    const batch = pending;
    writingRecords = batch.length;
    writingBytes = pendingBytes;
    pending = [];
    pendingBytes = 0;
    if (batch.length === 0) return;
    const { whole, bytes, error } = await appendWhole(fh, write, batch.map((p) => p.bytes), writtenEnd);
    for (let i = 0; i < whole; i++) pushRun(batch[i]!.tag);
    writtenEnd += bytes;
    // The records not written stay counted until they are reported lost.
    writingRecords = batch.length - whole;
    writingBytes = 0;
    if (error === undefined) {
      failure = undefined;
      failureReported = false;
      return;
    }
    failure = await spoolWriteError(options.dir, options.maxBytes, error);
    retryAt = Date.now() + SPOOL_RETRY_MS;
    if (!failureReported) listener.onError(failure);
    failureReported = true;
    writingRecords = 0;
    listener.onLost(batch.slice(whole).map((p) => p.tag), "spool_failed");
  }

  /** Every record written was read back and has settled; records queued for writing go to the truncated file's start. */
  const drained = (): boolean => writtenEnd > 0 && readOffset === writtenEnd && log.length === 0 && writingRecords === 0;

  async function truncateIfDrained(): Promise<void> {
    if (!drained()) return;
    // Truncate first: a crash before the position is stored leaves one past the end, read as stale.
    await fh.truncate(0);
    readOffset = 0;
    writtenEnd = 0;
    readMark = 0;
    reader.reset();
    // Space came back: a suspended spool may be tried again at once.
    retryAt = 0;
    await savePosition();
  }

  /** After records settled: truncates a drained file, else stores the position every SPOOL_POSITION_EVERY records. */
  function upkeep(): void {
    if (upkeepScheduled || closed) return;
    upkeepScheduled = true;
    background(async () => {
      upkeepScheduled = false;
      if (closed) return;
      if (drained()) await truncateIfDrained();
      else if (sinceSave >= SPOOL_POSITION_EVERY) await savePosition();
    });
  }

  /** Everything behind a corrupt record inside the file is lost: its length cannot be trusted. */
  function dropUnread(corruptAt: number): void {
    const tags: (Tag | undefined)[] = [];
    for (const r of runs) for (let i = 0; i < r.count; i++) tags.push(r.tag);
    runs.length = 0;
    unread = 0;
    readOffset = writtenEnd;
    listener.onError(spoolCorruptError(dataPath, corruptAt, tags.length));
    listener.onLost(tags, "spool_torn");
  }

  // Stored now, so that the file exists to be overwritten in place once the disk is full.
  await storePosition(posPath, { settled: readOffset, read: readMark }).catch(() => undefined);

  return {
    get records() {
      return unread + writingRecords + pending.length + givenBack;
    },
    get bytes() {
      return writtenEnd + writingBytes + pendingBytes;
    },
    restored,
    torn,
    replayed: scan.replayed,
    get failure() {
      return suspended();
    },
    append(entry, tag) {
      if (closed || suspended() !== undefined) return false;
      const bytes = encodeSpoolRecord(entry);
      if (writtenEnd + writingBytes + pendingBytes + bytes.length > options.maxBytes || pendingBytes + bytes.length > WRITE_QUEUE_MAX_BYTES) return false;
      pending.push({ bytes, tag });
      pendingBytes += bytes.length;
      if (!writeScheduled) {
        writeScheduled = true;
        background(writePending);
      }
      return true;
    },
    read(budget, accept) {
      return serial(async () => {
        if (closed) return [];
        const found: { entry: SpoolEntry; start: number; end: number }[] = [];
        let corruptAt: number | undefined;
        let used = 0;
        let pos = readOffset;
        try {
          // Below writtenEnd are whole records only: one that does not fit there is damage, not a write in progress.
          while (pos < writtenEnd) {
            const r = await reader.entryAt(pos, writtenEnd);
            if (r === undefined) {
              corruptAt = pos;
              break;
            }
            const cost = (r.entry.key?.length ?? 0) + r.entry.value.length + (r.entry.headers === undefined ? 0 : headerBytes(r.entry.headers)) + options.recordOverhead;
            if (used + cost > budget) break;
            used += cost;
            found.push({ entry: r.entry, start: pos, end: r.next });
            pos = r.next;
          }
        } catch (caught) {
          throw spoolReadError(dataPath, caught);
        }
        // The read mark goes to disk before any record can reach the broker, so
        // that after a crash the next process knows which records it sends again.
        if (found.length > 0 && pos > readMark) {
          readMark = pos;
          await savePosition();
        }
        const out: SpoolRead<Tag>[] = [];
        for (const f of found) {
          const tag = runs[0]!.tag;
          const r: SpoolRead<Tag> = { entry: f.entry, tag, seq: log.nextSeq };
          if (accept !== undefined && !accept(r)) break;
          // Logged after `accept` took it: a record settles asynchronously (an ack), never inside `accept`.
          log.push(f.start, f.end, tag);
          shiftRun();
          readOffset = f.end;
          out.push(r);
        }
        if (corruptAt !== undefined && out.length === found.length) dropUnread(corruptAt);
        await truncateIfDrained();
        return out;
      });
    },
    listen(l) {
      listener = l;
    },
    settle(seq) {
      const moved = log.settle(seq);
      if (moved === 0) return;
      sinceSave += moved;
      if ((log.length === 0 && readOffset === writtenEnd) || sinceSave >= SPOOL_POSITION_EVERY) upkeep();
    },
    giveBack(seq) {
      if (log.giveBack(seq)) givenBack++;
    },
    settleWrites() {
      return serial(writePending);
    },
    remaining() {
      const out: Array<[Tag | undefined, number]> = runs.map((r) => [r.tag, r.count]);
      for (const p of pending) out.push([p.tag, 1]);
      for (const tag of log.returned()) out.push([tag, 1]);
      return out;
    },
    close() {
      return serial(async () => {
        if (closed) return;
        closed = true;
        try {
          await writePending();
          await truncateIfDrained();
          if (writtenEnd > 0) await savePosition();
        } catch (caught) {
          listener.onError(LogwireError.from(caught, ErrorCode.Environment));
        }
        await fh.close().catch(() => undefined);
      });
    },
  };
}
