import { open, readFile, rename, writeFile } from "node:fs/promises";
import { crc32 } from "./spool-record-format.ts";

/** Where the reader of a spool file stands, as `spool.pos` keeps it. Both are byte offsets at record boundaries. */
export interface SpoolPosition {
  /** Every record before it has settled (acked, dead-lettered or dropped): the next process starts reading here. */
  readonly settled: number;
  /** Records before it were read back into the buffer: those in `[settled, read)` may have reached the topic, and are sent again. */
  readonly read: number;
}

/** Fixed width, so a stored position can be overwritten in place (see storePosition). */
const WIDTH = 64;

export function formatPosition(p: SpoolPosition): string {
  const body = `${p.settled} ${p.read}`;
  return `${body} ${crc32(Buffer.from(body)).toString(16)}`.padEnd(WIDTH - 1) + "\n";
}

function offset(s: string | undefined): number | undefined {
  const n = Number(s);
  return s !== undefined && /^\d+$/.test(s) && Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The position in `text`, or undefined when there is none (empty, damaged).
 * A single number is what earlier versions stored, at close only: the read
 * position, when every record read had settled.
 */
export function parsePosition(text: string): SpoolPosition | undefined {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 1) {
    const n = offset(parts[0]);
    return n === undefined ? undefined : { settled: n, read: n };
  }
  if (parts.length !== 3) return undefined;
  const settled = offset(parts[0]);
  const read = offset(parts[1]);
  if (settled === undefined || read === undefined || read < settled) return undefined;
  if (parts[2] !== crc32(Buffer.from(`${parts[0]} ${parts[1]}`)).toString(16)) return undefined;
  return { settled, read };
}

export async function loadPosition(path: string): Promise<SpoolPosition | undefined> {
  try {
    return parsePosition(await readFile(path, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Stores the position atomically: a temp file renamed over `path`, so a
 * crash or a full disk leaves the previous position, never an empty or half
 * file (an empty one would read as "start at 0" and send every record again).
 *
 * On a full disk the temp file gets no block; the stored file has its block
 * already, so the position is then overwritten in place, which allocates
 * nothing: 64 bytes inside one page, which a process kill cannot tear.
 * Throws when both fail. No fsync: a position survives a process kill, not
 * a power loss (after which more records are sent again, none lost).
 */
export async function storePosition(path: string, p: SpoolPosition): Promise<void> {
  const text = formatPosition(p);
  const tmp = `${path}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (caught) {
    const fh = await open(path, "r+").catch(() => {
      throw caught;
    });
    try {
      const { bytesWritten } = await fh.write(text, 0);
      if (bytesWritten !== WIDTH) throw caught;
    } finally {
      await fh.close();
    }
  }
}
