/**
 * What-if, for the profile section only (never used by the SDK): kafkajs
 * 2.2.4 groups a batch's messages by partition with
 * `Object.assign(result, { [p]: [...current, message] })`, which copies each
 * partition's array on every message: quadratic in records per partition.
 * At 1 MiB batches of ~250 B records (about 4,300 records, 3 partitions) that
 * is ~5 µs per record, more than logwire's whole encode path. Loaded with
 * `node --import` before kafkajs, this puts a linear version with the same
 * result into the CommonJS cache, so the bench can show what the fix buys.
 */
import Module, { createRequire } from "node:module";

type Partitioner = (o: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;

function groupMessagesPerPartition(o: { topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: Partitioner }): Record<number, unknown[]> {
  if (o.partitionMetadata.length === 0) return {};
  const result: Record<number, unknown[]> = {};
  for (const message of o.messages) {
    const partition = o.partitioner({ topic: o.topic, partitionMetadata: o.partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

const require = createRequire(import.meta.url);
const path = require.resolve("kafkajs/src/producer/groupMessagesPerPartition");
const cached = new Module(path);
cached.filename = path;
cached.loaded = true;
cached.exports = groupMessagesPerPartition;
require.cache[path] = cached;
