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

/** Bytes per record on disk before the payload: u32 length, u32 CRC-32 of the payload. */
export const SPOOL_RECORD_HEADER = 8;

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
  b.set(e.value, p);
  b.writeUInt32BE(len, 0);
  b.writeUInt32BE(crc32(b, SPOOL_RECORD_HEADER), 4);
  return b;
}

/** The payload of a record whose bytes are `b[start, end)` (after the 8-byte header). */
export function decodeSpoolPayload(b: Buffer, start: number, end: number): SpoolEntry {
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

/** The topic of a payload, without decoding the rest. */
export function spoolPayloadTopic(b: Buffer, start: number): string {
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
    const len = b.readUInt32BE(pos);
    const end = pos + SPOOL_RECORD_HEADER + len;
    if (len === 0 || end > b.length || b.readUInt32BE(pos + 4) !== crc32(b, pos + SPOOL_RECORD_HEADER, end)) return { records, tornAt: pos };
    records.push({ start: pos, end, entry: decodeSpoolPayload(b, pos + SPOOL_RECORD_HEADER, end) });
    pos = end;
  }
  return { records, tornAt: undefined };
}
