/**
 * What-if for the profile section (not used by the SDK): a Kafka v2 record
 * batch written straight into one buffer, the way logwire could write it
 * itself instead of going through kafkajs's per-record `Encoder` objects.
 * Same bytes as kafkajs's `RecordBatch` (checked in `measureSketch`), Snappy
 * from the native codec, CRC32C from kafkajs's JS table (a native CRC would
 * be cheaper still). Only what a logwire batch needs: no headers, one
 * timestamp per batch, keys present.
 */
import { createRequire } from "node:module";
import { compressSync } from "snappy";

const require = createRequire(import.meta.url);
const crc32C = require("kafkajs/src/protocol/recordBatch/crc32C") as (b: Buffer) => number;

function zigzag32(n: number): number {
  return (n << 1) ^ (n >> 31);
}

function sizeVarint(n: number): number {
  let v = zigzag32(n) >>> 0;
  let s = 1;
  while (v >= 0x80) {
    v >>>= 7;
    s++;
  }
  return s;
}

function putVarint(buf: Buffer, at: number, n: number): number {
  let v = zigzag32(n) >>> 0;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v;
  return at;
}

/** The records section: [length][attributes][timestampDelta 0][offsetDelta][key][value][0 headers] per record. */
export function encodeRecords(records: readonly { key: Buffer; value: Buffer }[]): Buffer {
  let size = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const body = 1 + 1 + sizeVarint(i) + sizeVarint(r.key.length) + r.key.length + sizeVarint(r.value.length) + r.value.length + 1;
    size += sizeVarint(body) + body;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const body = 1 + 1 + sizeVarint(i) + sizeVarint(r.key.length) + r.key.length + sizeVarint(r.value.length) + r.value.length + 1;
    at = putVarint(out, at, body);
    out[at++] = 0; // attributes
    out[at++] = 0; // timestampDelta (zigzag 0)
    at = putVarint(out, at, i);
    at = putVarint(out, at, r.key.length);
    at += r.key.copy(out, at);
    at = putVarint(out, at, r.value.length);
    at += r.value.copy(out, at);
    out[at++] = 0; // no headers
  }
  return out;
}

/** A whole v2 record batch (base offset 0), optionally Snappy-compressed (attributes codec 2). */
export function encodeRecordBatch(
  records: readonly { key: Buffer; value: Buffer }[],
  o: { timestamp: number; producerId: bigint; producerEpoch: number; firstSequence: number; snappy: boolean },
): Buffer {
  const raw = encodeRecords(records);
  const payload = o.snappy ? (compressSync(raw) as Buffer) : raw;
  const bodyLength = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4 + payload.length; // attributes .. records
  const out = Buffer.allocUnsafe(8 + 4 + 4 + 1 + 4 + bodyLength);
  out.writeBigInt64BE(0n, 0); // first offset
  out.writeInt32BE(4 + 1 + 4 + bodyLength, 8); // length
  out.writeInt32BE(0, 12); // partition leader epoch
  out.writeInt8(2, 16); // magic
  const body = 21;
  out.writeInt16BE(o.snappy ? 2 : 0, body);
  out.writeInt32BE(records.length - 1, body + 2);
  out.writeBigInt64BE(BigInt(o.timestamp), body + 6);
  out.writeBigInt64BE(BigInt(o.timestamp), body + 14);
  out.writeBigInt64BE(o.producerId, body + 22);
  out.writeInt16BE(o.producerEpoch, body + 30);
  out.writeInt32BE(o.firstSequence, body + 32);
  out.writeInt32BE(records.length, body + 36);
  payload.copy(out, body + 40);
  out.writeUInt32BE(crc32C(out.subarray(body)), 17);
  return out;
}
