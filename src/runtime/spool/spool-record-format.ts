import type { RecordHeaders } from "../record-headers.ts";

/** One record as the spool keeps it: enough to send it again without its log type. */
export interface SpoolEntry {
  readonly topic: string;
  /** For dead-letter headers if the record fails on replay. */
  readonly typeName: string;
  readonly subject: string;
  readonly key: Buffer | null;
  /** The framed value (Confluent header + Protobuf bytes), sent as is. */
  readonly value: Uint8Array;
  /** The record's own Kafka headers (`traceparent`, `tracestate`), sent with it again; undefined for none. */
  readonly headers?: RecordHeaders | undefined;
}

/** Bytes per record on disk before the payload: u32 format and length, u32 CRC-32. */
export const SPOOL_RECORD_HEADER = 8;

// A record is `[u32 word][u32 crc32][payload]`; the word's top 4 bits name
// the record's format, the low 28 its payload's length (no record is near
// 2^28 bytes: batch.maxBytes is at most 64 MiB). Each record names its own
// format, so a file written by an earlier version, and then appended to by
// this one, reads back whole.
//
// Format 1, the first (the word is the bare length): topic, type name,
// subject (u16 length + UTF-8 each), key (i32 length, -1 for none), value
// (the rest). The CRC covers the payload. A record without headers is still
// written so, byte for byte: a file of such records is one an earlier
// version reads too.
//
// Format 2, a record with headers: as format 1, with the headers between
// key and value (u16 count; per header a u16-length name and a u32-length
// value, UTF-8). The CRC covers the word and then the payload, so a flipped
// format bit fails it. An earlier version reads the word as a length past
// any record's: damage, which it counts (`spool_torn`) and cuts, never a
// record read wrong.
const FORMAT_SHIFT = 28;
const LENGTH_MASK = (1 << FORMAT_SHIFT) - 1;
const FORMAT_1 = 0;
const FORMAT_2 = 1;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 (IEEE), table-driven; node:zlib's crc32 needs Node 22. `previous`
 * continues a CRC: crc32(b, previous = crc32(a)) is the CRC of a then b.
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One record's bytes on disk: format 2 when it has headers, else format 1 (see above). */
export function encodeSpoolRecord(e: SpoolEntry): Buffer {
  const topic = Buffer.from(e.topic);
  const typeName = Buffer.from(e.typeName);
  const subject = Buffer.from(e.subject);
  const keyLen = e.key === null ? 0 : e.key.length;
  const headers: Buffer[] = [];
  if (e.headers !== undefined) for (const name in e.headers) headers.push(Buffer.from(name), Buffer.from(e.headers[name]!));
  const format = headers.length > 0 ? FORMAT_2 : FORMAT_1;
  let len = 6 + topic.length + typeName.length + subject.length + 4 + keyLen + e.value.length;
  if (format === FORMAT_2) {
    len += 2;
    for (let i = 0; i < headers.length; i += 2) len += 2 + headers[i]!.length + 4 + headers[i + 1]!.length;
  }
  const b = Buffer.allocUnsafe(SPOOL_RECORD_HEADER + len);
  let p = SPOOL_RECORD_HEADER;
  for (const s of [topic, typeName, subject]) {
    b.writeUInt16BE(s.length, p);
    s.copy(b, p + 2);
    p += 2 + s.length;
  }
  b.writeInt32BE(e.key === null ? -1 : keyLen, p);
  p += 4;
  if (e.key !== null) p += e.key.copy(b, p);
  if (format === FORMAT_2) {
    b.writeUInt16BE(headers.length / 2, p);
    p += 2;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      b.writeUInt16BE(name.length, p);
      p += 2 + name.copy(b, p + 2);
      b.writeUInt32BE(value.length, p);
      p += 4 + value.copy(b, p + 4);
    }
  }
  b.set(e.value, p);
  b.writeUInt32BE(((format << FORMAT_SHIFT) | len) >>> 0, 0);
  b.writeUInt32BE(format === FORMAT_1 ? crc32(b, SPOOL_RECORD_HEADER) : crc32(b, SPOOL_RECORD_HEADER, b.length, crc32(b, 0, 4)), 4);
  return b;
}

/** The payload length of the record whose header starts at `b[pos]` (its format bits left off). */
export function spoolPayloadLength(b: Buffer, pos: number): number {
  return b.readUInt32BE(pos) & LENGTH_MASK;
}

/**
 * Whether the record whose header starts at `b[pos]`, followed by its
 * `spoolPayloadLength` bytes, is of a format this version reads and its
 * CRC matches: else it is torn or damaged.
 */
export function spoolRecordIntact(b: Buffer, pos: number, len: number): boolean {
  const format = b.readUInt32BE(pos) >>> FORMAT_SHIFT;
  const start = pos + SPOOL_RECORD_HEADER;
  const stored = b.readUInt32BE(pos + 4);
  if (format === FORMAT_1) return stored === crc32(b, start, start + len);
  if (format === FORMAT_2) return stored === crc32(b, start, start + len, crc32(b, pos, pos + 4));
  return false;
}

/** The entry of the intact record whose header starts at `b[pos]` (spoolRecordIntact). */
export function decodeSpoolRecord(b: Buffer, pos: number): SpoolEntry {
  const format = b.readUInt32BE(pos) >>> FORMAT_SHIFT;
  const end = pos + SPOOL_RECORD_HEADER + spoolPayloadLength(b, pos);
  let p = pos + SPOOL_RECORD_HEADER;
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
  if (format !== FORMAT_2) return { topic, typeName, subject, key, value: Buffer.from(b.subarray(p, end)) };
  const headers: Record<string, string> = {};
  const count = b.readUInt16BE(p);
  p += 2;
  for (let i = 0; i < count; i++) {
    const name = str();
    const n = b.readUInt32BE(p);
    headers[name] = b.toString("utf8", p + 4, p + 4 + n);
    p += 4 + n;
  }
  return { topic, typeName, subject, key, value: Buffer.from(b.subarray(p, end)), headers };
}

/** The topic of the record whose header starts at `b[pos]`, without decoding the rest (every format begins with it). */
export function spoolRecordTopic(b: Buffer, pos: number): string {
  const start = pos + SPOOL_RECORD_HEADER;
  return b.toString("utf8", start + 2, start + 2 + b.readUInt16BE(start));
}

/**
 * Every complete, intact record of a spool file's bytes, in order, with its
 * byte range; stops at the first torn or corrupt one (`tornAt`). For tools
 * and tests that read a spool file directly.
 */
export function scanSpoolBytes(b: Buffer, from = 0): { records: Array<{ start: number; end: number; entry: SpoolEntry }>; tornAt: number | undefined } {
  const records: Array<{ start: number; end: number; entry: SpoolEntry }> = [];
  let pos = from;
  while (pos < b.length) {
    if (pos + SPOOL_RECORD_HEADER > b.length) return { records, tornAt: pos };
    const len = spoolPayloadLength(b, pos);
    const end = pos + SPOOL_RECORD_HEADER + len;
    if (len === 0 || end > b.length || !spoolRecordIntact(b, pos, len)) return { records, tornAt: pos };
    records.push({ start: pos, end, entry: decodeSpoolRecord(b, pos) });
    pos = end;
  }
  return { records, tornAt: undefined };
}
