import { createRequire } from "node:module";
import type { KafkajsInstance } from "./kafkajs-instance.ts";
import { PRODUCE_REQUEST_MODULE } from "./kafkajs-patches-off.ts";
import { PackedMessage } from "./packed-message.ts";

/**
 * kafkajs 2.2.4 encodes a Produce request record by record: per message an
 * object spread, a `Record()` call that builds an `Encoder` (a 512-byte
 * buffer and a `Buffer.from` per varint, varlongs through BigInt), then the
 * batch concatenates the encoders, compresses, and the result is copied
 * into a new encoder at each level (batch, partition, topic, request); its
 * CRC32C is computed in JavaScript (BENCHMARKS.md, "What was changed" 5).
 *
 * This module replaces `kafkajs/src/protocol/requests/produce/v3/request.js`
 * (v4..v7 wrap v3 and only change `apiVersion`) with one that writes each
 * partition's record batch straight into one buffer: a size pass, a write
 * pass, the codec from kafkajs's table, a native CRC32C from
 * `@node-rs/crc32`. The bytes are kafkajs's, byte for byte (property-tested
 * against kafkajs's own module). An input it does not handle exactly (a
 * message that is not a plain object, a key or value that is not a Buffer or
 * string, odd headers or timestamps, an unknown codec) is encoded by
 * kafkajs's original code instead, so whatever kafkajs would send or throw,
 * this sends or throws.
 *
 * Installed like kafkajs-partition-grouping.ts: into logwire's own kafkajs
 * instance (kafkajs-instance.ts), before that instance loads the module;
 * never into an application's kafkajs. The native CRC32C package loads then,
 * not when logwire is imported; if it cannot load, the patch does not apply
 * and kafkajs's own code runs.
 */
const MODULE_ID = PRODUCE_REQUEST_MODULE;
const require = createRequire(import.meta.url);

/** kafkajs's `Encoder`: the request must stay one, v4..v7 and `protocol/request.js` take its `buf`/`offset`. */
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}

interface Codec {
  compress(encoder: KafkajsEncoder): Promise<Buffer>;
}

/** kafkajs's internals this module writes with, loaded from kafkajs's own directory (the same instances kafkajs uses). */
interface Kafkajs {
  readonly Encoder: new (initialSize?: number) => KafkajsEncoder;
  readonly Long: { fromInt(n: number): unknown; fromValue(v: unknown): { getHighBits(): number; getLowBits(): number } };
  readonly compression: { Types: { None: number }; COMPRESSION_CODEC_MASK: number; lookupCodec(type: unknown): Codec | null };
  readonly apiKey: number;
  /** @node-rs/crc32's CRC32C (Kafka's record batch checksum). */
  readonly crc32c: (input: Buffer) => number;
}

export interface ProduceMessage {
  key?: unknown;
  value?: unknown;
  headers?: unknown;
  timestamp?: unknown;
}

export interface ProducePartitionData {
  partition: number;
  firstSequence?: number;
  messages: ProduceMessage[];
}

export interface ProduceTopicData {
  topic: string;
  partitions: Iterable<ProducePartitionData>;
}

export interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: Iterable<ProduceTopicData>;
}

export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: "Produce";
  expectResponse(): boolean;
  encode(): Promise<KafkajsEncoder>;
}

export type ProduceRequestV3 = (args: ProduceRequestArgs) => ProduceRequest;

// Offsets in one partition's block: partition, record set size, then the v2 record batch (base offset .. records).
const PARTITION = 0;
const RECORD_SET_SIZE = 4;
const BASE_OFFSET = 8;
const BATCH_LENGTH = 16;
const MAGIC = 24;
const CRC = 25;
const ATTRIBUTES = 29; // the CRC covers attributes .. end
const LAST_OFFSET_DELTA = 31;
const FIRST_TIMESTAMP = 35;
const MAX_TIMESTAMP = 43;
const PRODUCER_ID = 51;
const PRODUCER_EPOCH = 59;
const FIRST_SEQUENCE = 61;
const RECORD_COUNT = 65;
const RECORDS = 69;
const TRANSACTIONAL_MASK = 16;

/** kafkajs's `Encoder.sizeOfVarInt` (32-bit zigzag). */
function sizeOfVarInt(value: number): number {
  let v = (value << 1) ^ (value >> 31);
  let bytes = 1;
  while ((v & 0xffffff80) !== 0) {
    bytes++;
    v >>>= 7;
  }
  return bytes;
}

/** kafkajs's `Encoder.writeVarInt`; returns the offset after it. */
function writeVarInt(buf: Buffer, at: number, value: number): number {
  let v = (value << 1) ^ (value >> 31);
  while ((v & 0xffffff80) !== 0) {
    buf[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[at++] = v & 0x7f;
  return at;
}

/** Timestamp deltas the fast path writes: their zigzag (up to 2|v|+1) stays an exact double. Larger ones go to kafkajs. */
const MAX_DELTA = 2 ** 52;

/** kafkajs's 64-bit zigzag, for an integer |value| < MAX_DELTA. */
function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function sizeOfVarLong(value: number): number {
  let v = zigzag64(value);
  let bytes = 1;
  while (v >= 0x80) {
    bytes++;
    v = Math.floor(v / 0x80);
  }
  return bytes;
}

function writeVarLong(buf: Buffer, at: number, value: number): number {
  let v = zigzag64(value);
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at++] = v;
  return at;
}

/** Byte length of a key, value or header value as kafkajs writes it (null: -1), or NaN for a type kafkajs does not write as it sizes it. */
function bytesLength(value: unknown): number {
  if (value == null) return -1;
  if (typeof value === "string") return Buffer.byteLength(value, "utf8");
  if (Buffer.isBuffer(value)) return value.length;
  return Number.NaN;
}

/** Below this many bytes a loop copies faster than `set`. */
const SHORT_COPY = 16;

/** kafkajs's `writeVarIntBytes` for a value measured by `bytesLength`. */
function writeBytes(buf: Buffer, at: number, value: unknown, length: number): number {
  at = writeVarInt(buf, at, length);
  if (length <= 0) return at;
  if (typeof value === "string") {
    buf.write(value, at, length, "utf8");
    return at + length;
  }
  return copyBytes(buf, at, value as Buffer, 0, length);
}

/** `writeBytes` for bytes at `offset` of `data` (a PackedMessage's key or value), with no view made. */
function writePacked(buf: Buffer, at: number, data: Buffer, offset: number, length: number): number {
  at = writeVarInt(buf, at, length);
  return length <= 0 ? at : copyBytes(buf, at, data, offset, length);
}

/** Copies `length` bytes of `from` at `offset` into `buf` at `at`; returns the offset after them. */
function copyBytes(buf: Buffer, at: number, from: Buffer, offset: number, length: number): number {
  if (length < SHORT_COPY) {
    // A key of a few bytes: a loop copies faster than `set`.
    for (let i = 0; i < length; i++) buf[at + i] = from[offset + i]!;
  } else if (offset === 0 && length === from.length) {
    buf.set(from, at); // cheaper than Buffer#copy for small buffers
  } else {
    from.copy(buf, at, offset, offset + length);
  }
  return at + length;
}

/** kafkajs's header list (`Record` v0): per key its value, or each element of an array value. */
function headerPairs(headers: object): [string, unknown][] {
  const pairs: [string, unknown][] = [];
  for (const key of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[key];
    if (Array.isArray(value)) for (const v of value) pairs.push([key, v]);
    else pairs.push([key, value]);
  }
  return pairs;
}

/** Size of a message's headers section (count, then key/value pairs), or NaN for headers the fast path leaves to kafkajs. */
function sizeOfHeaders(headers: unknown): number {
  if (headers === undefined) return 1;
  if (typeof headers !== "object" || headers === null) return Number.NaN;
  const pairs = headerPairs(headers);
  let size = sizeOfVarInt(pairs.length);
  for (const [key, value] of pairs) {
    const keyLength = Buffer.byteLength(key, "utf8");
    const valueLength = value == null ? Number.NaN : bytesLength(value); // kafkajs throws on a null header value
    size += sizeOfVarInt(keyLength) + keyLength + sizeOfVarInt(valueLength) + valueLength;
  }
  return size;
}

/** Writes headers already measured by `sizeOfHeaders`. */
function writeHeaders(buf: Buffer, at: number, headers: object | undefined): number {
  if (headers === undefined) {
    buf[at] = 0;
    return at + 1;
  }
  const pairs = headerPairs(headers);
  at = writeVarInt(buf, at, pairs.length);
  for (const [key, value] of pairs) {
    at = writeBytes(buf, at, key, Buffer.byteLength(key, "utf8"));
    at = writeBytes(buf, at, value, bytesLength(value));
  }
  return at;
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** kafkajs's `Encoder.writeString` for a string or null (the only types it writes as it sizes them). */
function sizeOfString(value: unknown): number {
  if (value == null) return 2;
  return typeof value === "string" ? 2 + Buffer.byteLength(value, "utf8") : Number.NaN;
}

function writeString(buf: Buffer, at: number, value: string | null | undefined): number {
  if (value == null) return buf.writeInt16BE(-1, at);
  const length = Buffer.byteLength(value, "utf8");
  at = buf.writeInt16BE(length, at);
  buf.write(value, at, length, "utf8");
  return at + length;
}

function createProduceRequest(k: Kafkajs, original: () => ProduceRequestV3): ProduceRequestV3 {
  const { Encoder, Long, crc32c } = k;
  const { Types, COMPRESSION_CODEC_MASK, lookupCodec } = k.compression;

  /** An `Encoder` holding exactly `buffer` (kafkajs reads `buf`/`offset`/`buffer`; no copy). */
  const encoderOf = (buffer: Buffer): KafkajsEncoder => {
    const encoder = new Encoder(0);
    encoder.buf = buffer;
    encoder.offset = buffer.length;
    return encoder;
  };

  const writeInt64 = (buf: Buffer, at: number, value: unknown): void => {
    const long = Long.fromValue(value);
    buf.writeInt32BE(long.getHighBits(), at);
    buf.writeInt32BE(long.getLowBits(), at + 4);
  };

  /** One partition's records, measured (the size pass), ready to write. */
  interface Sized {
    readonly partition: number;
    readonly firstSequence: number;
    readonly messages: ProduceMessage[];
    readonly firstTimestamp: unknown;
    readonly maxTimestamp: unknown;
    /** Per record: key length, value length, body size. */
    readonly lengths: Int32Array;
    readonly deltas: Float64Array;
    /** Bytes of the records section, uncompressed. */
    readonly recordsSize: number;
    /** The compressed records, once compressed; null when the batch is uncompressed. */
    compressed: Buffer | null;
  }

  /**
   * The size pass over one partition's messages, or null when the input is
   * one the fast path leaves to kafkajs.
   */
  function sizePartition(data: ProducePartitionData): Sized | null {
    const { partition, messages, firstSequence = 0 } = data;
    if (!Array.isArray(messages)) return null;
    const n = messages.length;
    // Timestamps exactly as kafkajs takes them: a lexicographic sort of the non-null ones
    // (read in order, holes skipped, as kafkajs's map does).
    const dateNow = Date.now();
    let stamps: unknown[] | undefined;
    for (let i = 0; i < n; i++) {
      const m = messages[i] as ProduceMessage;
      if (m === undefined && !(i in messages)) continue;
      const t = m.timestamp;
      if (t != null) (stamps ??= []).push(t);
    }
    const timestamps = stamps === undefined ? [dateNow] : stamps.sort();
    const firstTimestamp = timestamps[0];
    const maxTimestamp = timestamps[timestamps.length - 1];

    // Per record the key, value and body lengths, and the timestamp delta.
    const lengths = new Int32Array(n * 3);
    const deltas = new Float64Array(n);
    let recordsSize = 0;
    for (let i = 0; i < n; i++) {
      const m = messages[i];
      const packed = m instanceof PackedMessage;
      if (!packed && !isPlainObject(m)) return null;
      const delta = ((m!.timestamp || dateNow) as number) - (firstTimestamp as number);
      // A PackedMessage's lengths are read as they are: its getters would make a view each.
      const keyLength = packed ? m.keyLength : bytesLength(m!.key);
      const valueLength = packed ? m.valueLength : bytesLength(m!.value);
      const headersSize = sizeOfHeaders(m!.headers);
      if (!Number.isInteger(delta) || Math.abs(delta) >= MAX_DELTA || Number.isNaN(keyLength + valueLength + headersSize)) return null;
      const bodySize =
        1 +
        sizeOfVarLong(delta) +
        sizeOfVarInt(i) +
        sizeOfVarInt(keyLength) +
        Math.max(keyLength, 0) +
        sizeOfVarInt(valueLength) +
        Math.max(valueLength, 0) +
        headersSize;
      lengths[i * 3] = keyLength;
      lengths[i * 3 + 1] = valueLength;
      lengths[i * 3 + 2] = bodySize;
      deltas[i] = delta;
      recordsSize += sizeOfVarInt(bodySize) + bodySize;
    }
    return { partition, firstSequence, messages, firstTimestamp, maxTimestamp, lengths, deltas, recordsSize, compressed: null };
  }

  /** Writes the measured records at `at` of `buf` (the write pass); returns the offset after them. */
  function writeRecords(buf: Buffer, at: number, p: Sized): number {
    const { messages, lengths, deltas } = p;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      at = writeVarInt(buf, at, lengths[i * 3 + 2]!);
      buf[at++] = 0; // attributes
      at = writeVarLong(buf, at, deltas[i]!);
      at = writeVarInt(buf, at, i);
      if (m instanceof PackedMessage) {
        at = writePacked(buf, at, m.data, m.keyOffset, lengths[i * 3]!);
        at = writePacked(buf, at, m.data, m.valueOffset, lengths[i * 3 + 1]!);
      } else {
        at = writeBytes(buf, at, m.key, lengths[i * 3]!);
        at = writeBytes(buf, at, m.value, lengths[i * 3 + 1]!);
      }
      at = writeHeaders(buf, at, m.headers as object | undefined);
    }
    return at;
  }

  /**
   * Uncompressed records to hand a codec, reused from one request to the
   * next (a fresh buffer of that size costs more to touch than to fill).
   * Taken while a codec runs, so two requests encoding at once (one per
   * broker) never share one; a codec reads its input before it resolves
   * (kafkajs's gzip, logwire's snappy, lz4, zstd).
   */
  const scratch: Buffer[] = [];
  const SCRATCH_MAX = 4 * 1024 * 1024;

  async function compress(codec: Codec, p: Sized): Promise<Buffer> {
    let buf = scratch.pop();
    if (buf === undefined || buf.length < p.recordsSize) buf = Buffer.allocUnsafeSlow(Math.max(p.recordsSize, 64 * 1024));
    try {
      writeRecords(buf, 0, p);
      return await codec.compress(encoderOf(buf.subarray(0, p.recordsSize)));
    } finally {
      if (buf.length <= SCRATCH_MAX && scratch.length < 2) scratch.push(buf);
    }
  }

  /**
   * One partition's block as kafkajs's `partitionsEncoder` writes it
   * (partition, record set size, record batch), at `at` of `out`; returns the
   * offset after it.
   */
  function writePartition(out: Buffer, at: number, p: Sized, o: { compression: number; transactional: boolean; producerId: unknown; producerEpoch: number }): number {
    const n = p.messages.length;
    const end = p.compressed === null ? writeRecords(out, at + RECORDS, p) : at + RECORDS + p.compressed.length;
    if (p.compressed !== null) out.set(p.compressed, at + RECORDS);
    const length = end - at;
    out.writeInt32BE(p.partition, at + PARTITION);
    out.writeInt32BE(length - BASE_OFFSET, at + RECORD_SET_SIZE);
    out.fill(0, at + BASE_OFFSET, at + BATCH_LENGTH); // base offset 0 (int64)
    out.writeInt32BE(length - BATCH_LENGTH - 4, at + BATCH_LENGTH);
    out.writeInt32BE(0, at + BATCH_LENGTH + 4); // partition leader epoch
    out.writeInt8(2, at + MAGIC);
    out.writeInt16BE((o.compression & COMPRESSION_CODEC_MASK) | (o.transactional ? TRANSACTIONAL_MASK : 0), at + ATTRIBUTES);
    out.writeInt32BE(n - 1, at + LAST_OFFSET_DELTA);
    writeInt64(out, at + FIRST_TIMESTAMP, p.firstTimestamp);
    writeInt64(out, at + MAX_TIMESTAMP, p.maxTimestamp);
    writeInt64(out, at + PRODUCER_ID, o.producerId);
    out.writeInt16BE(o.producerEpoch, at + PRODUCER_EPOCH);
    out.writeInt32BE(p.firstSequence, at + FIRST_SEQUENCE);
    out.writeInt32BE(n, at + RECORD_COUNT);
    out.writeUInt32BE(crc32c(out.subarray(at + ATTRIBUTES, end)), at + CRC);
    return end;
  }

  return (args) => {
    const {
      acks,
      timeout,
      transactionalId = null,
      producerId = Long.fromInt(-1),
      producerEpoch = 0,
      compression = Types.None,
      topicData,
    } = args;
    return {
      apiKey: k.apiKey,
      apiVersion: 3,
      apiName: "Produce",
      expectResponse: () => acks !== 0,
      encode: async () => {
        const fallback = () => original()(args).encode();
        // Size pass over every partition, then (compressed) each partition's records through the codec,
        // then the request written once into one buffer of its exact size.
        let size = sizeOfString(transactionalId) + 2 + 4 + 4;
        const topics: { topic: string; partitions: Sized[] }[] = [];
        for (const { topic, partitions } of topicData) {
          const sized: Sized[] = [];
          size += sizeOfString(topic) + 4;
          for (const data of partitions) {
            const p = sizePartition(data);
            if (p === null) return fallback();
            sized.push(p);
          }
          topics.push({ topic, partitions: sized });
        }
        if (Number.isNaN(size)) return fallback();
        const uncompressed = compression === Types.None;
        const codec = uncompressed ? null : lookupCodec(compression);
        if (!uncompressed && codec === null) return fallback();
        for (const { partitions } of topics) {
          for (const p of partitions) {
            if (codec !== null) p.compressed = await compress(codec, p);
            size += RECORDS + (p.compressed === null ? p.recordsSize : p.compressed.length);
          }
        }

        const o = { compression, transactional: !!transactionalId, producerId, producerEpoch };
        const out = Buffer.allocUnsafe(size);
        let at = writeString(out, 0, transactionalId);
        at = out.writeInt16BE(acks, at);
        at = out.writeInt32BE(timeout, at);
        at = out.writeInt32BE(topics.length, at);
        for (const { topic, partitions } of topics) {
          at = writeString(out, at, topic);
          at = out.writeInt32BE(partitions.length, at);
          for (const p of partitions) at = writePartition(out, at, p, o);
        }
        return encoderOf(out);
      },
    };
  };
}

let installed = false;

const isFunction = (v: unknown): boolean => typeof v === "function";

/**
 * Gives logwire's kafkajs the one-buffer Produce request, before that
 * instance loads the module (kafkajs-patches.ts runs it). Checks first that
 * kafkajs's internals it writes with have the shape it was written against.
 * Returns why it could not apply, or undefined when it is in place.
 */
export function installProduceRequest(kafkajs: KafkajsInstance): string | undefined {
  const own = kafkajs.original(MODULE_ID);
  const encoder = kafkajs.require("kafkajs/src/protocol/encoder");
  const long = kafkajs.require("kafkajs/src/utils/long") as Partial<Kafkajs["Long"]>;
  const compression = kafkajs.require("kafkajs/src/protocol/message/compression") as Partial<Kafkajs["compression"]> | undefined;
  const apiKeys = kafkajs.require("kafkajs/src/protocol/requests/apiKeys") as { Produce?: unknown } | undefined;
  if (
    !isFunction(own) ||
    !isFunction(encoder) ||
    !isFunction(long?.fromInt) ||
    !isFunction(long?.fromValue) ||
    typeof compression?.Types?.None !== "number" ||
    typeof compression.COMPRESSION_CODEC_MASK !== "number" ||
    !isFunction(compression.lookupCodec) ||
    typeof apiKeys?.Produce !== "number"
  ) {
    return `${MODULE_ID} or the encoder, Long, compression and apiKeys modules it writes with are not shaped as in kafkajs 2.2.4`;
  }
  let crc32c: Kafkajs["crc32c"];
  try {
    crc32c = (require("@node-rs/crc32") as typeof import("@node-rs/crc32")).crc32c;
  } catch (error) {
    return `@node-rs/crc32 did not load: ${error instanceof Error ? error.message : String(error)}`;
  }
  const internals: Kafkajs = {
    Encoder: encoder as Kafkajs["Encoder"],
    Long: long as Kafkajs["Long"],
    compression: compression as Kafkajs["compression"],
    apiKey: apiKeys.Produce,
    crc32c,
  };
  kafkajs.replace(MODULE_ID, createProduceRequest(internals, () => own as ProduceRequestV3));
  installed = true;
  return undefined;
}

/** Whether logwire's kafkajs builds Produce requests in one buffer (false: not loaded yet, switched off, or it could not apply). */
export function produceRequestInstalled(): boolean {
  return installed;
}
