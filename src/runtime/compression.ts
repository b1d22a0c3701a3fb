// First: must be evaluated before kafkajs loads (see the file).
import "./kafkajs-patches.ts";
import kafkajs from "kafkajs";
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from "snappy";
import { compressFrameSync as lz4Compress, decompressFrameSync as lz4Decompress } from "lz4-napi";
import { compress as zstdCompress, decompress as zstdDecompress } from "zstd-napi";
import type { CompressionName } from "./pipeline-options.ts";

const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * kafkajs ships only gzip; the other codecs are plugged into its global
 * `CompressionCodecs` table from well-kept native packages. The table is
 * global, so registering is idempotent and affects every kafkajs client in
 * the process (consumers can then read snappy/lz4/zstd batches too).
 *
 * Kafka's wire formats: snappy is raw Snappy (Java's xerial
 * `SnappyInputStream` accepts it; xerial-framed input from Java producers is
 * unframed on decompress), lz4 is the LZ4 frame format, zstd a zstd frame.
 */
interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/** Unframes xerial snappy-java's block format (magic, 2 ints, then [len][block]...). */
function snappyDecompress(buffer: Buffer): Buffer {
  if (buffer.length >= 16 && buffer.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const parts: Buffer[] = [];
    let pos = 16;
    while (pos + 4 <= buffer.length) {
      const len = buffer.readInt32BE(pos);
      pos += 4;
      parts.push(snappyUncompress(buffer.subarray(pos, pos + len)) as Buffer);
      pos += len;
    }
    return Buffer.concat(parts);
  }
  return snappyUncompress(buffer) as Buffer;
}

const codecs: Record<Exclude<CompressionName, "none" | "gzip">, Codec> = {
  snappy: {
    compress: async (e) => snappyCompress(e.buffer),
    decompress: async (b) => snappyDecompress(b),
  },
  lz4: {
    compress: async (e) => lz4Compress(e.buffer),
    decompress: async (b) => lz4Decompress(b),
  },
  zstd: {
    compress: async (e) => zstdCompress(e.buffer),
    decompress: async (b) => zstdDecompress(b),
  },
};

let registered = false;

/** Registers snappy, lz4 and zstd into kafkajs. Safe to call many times. */
export function registerCompressionCodecs(): void {
  if (registered) {
    return;
  }
  registered = true;
  const table = CompressionCodecs as unknown as Record<number, () => Codec>;
  table[CompressionTypes.Snappy] = () => codecs.snappy;
  table[CompressionTypes.LZ4] = () => codecs.lz4;
  table[CompressionTypes.ZSTD] = () => codecs.zstd;
}

/** The kafkajs compression type for a codec name. */
export function compressionType(name: CompressionName): number {
  switch (name) {
    case "snappy":
      return CompressionTypes.Snappy;
    case "gzip":
      return CompressionTypes.GZIP;
    case "lz4":
      return CompressionTypes.LZ4;
    case "zstd":
      return CompressionTypes.ZSTD;
    case "none":
      return CompressionTypes.None;
  }
}
