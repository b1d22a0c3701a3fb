import snappy from "snappy";

/**
 * A kafkajs Snappy codec over the native `snappy` package, for tests.
 * Writes raw Snappy (which brokers accept); reads raw Snappy and the
 * xerial-framed form the Java client and brokers produce.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export function snappyCodec() {
  return {
    async compress(encoder: { buffer: Buffer }): Promise<Buffer> {
      return snappy.compress(encoder.buffer);
    },
    async decompress(buffer: Buffer): Promise<Buffer> {
      if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, 8).equals(XERIAL_MAGIC)) {
        return snappy.uncompress(buffer, { asBuffer: true }) as Promise<Buffer>;
      }
      const chunks: Buffer[] = [];
      for (let at = XERIAL_HEADER_BYTES; at < buffer.length; ) {
        const size = buffer.readUInt32BE(at);
        at += 4;
        chunks.push((await snappy.uncompress(buffer.subarray(at, at + size), { asBuffer: true })) as Buffer);
        at += size;
      }
      return Buffer.concat(chunks);
    },
  };
}
