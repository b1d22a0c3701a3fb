/**
 * Kafka's Java `Utils.murmur2`, the hash the Java producer's default
 * partitioner applies to record keys, in 32-bit integer arithmetic.
 *
 * kafkajs ships the same hash (`producer/partitioners/default/murmur2.js`)
 * but computes it with its BigInt-backed `Long`, three to four 64-bit
 * multiplications per 4 bytes of key, the largest single cost of
 * partitioning a logwire record (BENCHMARKS.md, "What was changed" 6).
 * `Math.imul` gives the same low 32 bits the Java `int` arithmetic keeps.
 * `test/runtime/murmur2.test.ts` checks it against kafkajs's function on
 * arbitrary bytes and strings; the pipeline's partitioning test checks the
 * resulting partitions against values computed by Java.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Same result as kafkajs's `murmur2(key)`: a Buffer is hashed as is, anything else as the UTF-8 of `String(key)`. */
export function murmur2(key: Uint8Array | string): number {
  const data = typeof key === "string" ? Buffer.from(key) : key;
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const end = length & ~3;
  for (let i = 0; i < end; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[end + 2]! << 16;
    if (tail >= 2) h ^= data[end + 1]! << 8;
    h ^= data[end]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}
