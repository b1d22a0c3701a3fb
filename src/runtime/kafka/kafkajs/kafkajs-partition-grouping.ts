import Module, { createRequire } from "node:module";
import { GROUPING_MODULE } from "./kafkajs-patches-off.ts";

/**
 * kafkajs 2.2.4 groups a send's messages by partition with
 * `Object.assign(result, { [p]: [...current, message] })`, copying the
 * partition's array on every message: quadratic in records per partition. At
 * logwire's 1 MiB batches (about 4,000 records of 250 B) that costs ~5 µs per
 * record, more than logwire's whole encode path (BENCHMARKS.md, profile).
 *
 * `installLinearGrouping` must run before kafkajs loads (loadKafkajs in
 * kafkajs-module.ts runs it): it puts a linear function with the same result
 * (same keys, same arrays in the same order) into the CommonJS cache under
 * kafkajs's own module path, so `sendMessages` picks it up when kafkajs
 * loads. It only does so for the kafkajs version it was written against and
 * only if kafkajs has not loaded that module yet; otherwise kafkajs keeps its
 * own (slower, equally correct) code.
 */
type Partitioner = (o: { topic: string; partitionMetadata: readonly unknown[]; message: unknown }) => number;

export interface GroupInput {
  readonly topic: string;
  readonly partitionMetadata: readonly unknown[];
  readonly messages: readonly unknown[];
  readonly partitioner: Partitioner;
}

export function groupMessagesPerPartition(o: GroupInput): Record<number, unknown[]> {
  const result: Record<number, unknown[]> = {};
  if (o.partitionMetadata.length === 0) return result;
  for (const message of o.messages) {
    const partition = o.partitioner({ topic: o.topic, partitionMetadata: o.partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

const PATCHED_VERSION = "2.2.4";
const require = createRequire(import.meta.url);

let installed: boolean | undefined;

/** Puts the linear grouping in place, once; returns whether it is (see linearGroupingInstalled). */
export function installLinearGrouping(): boolean {
  installed ??= install();
  return installed;
}

function install(): boolean {
  try {
    const version = (require("kafkajs/package.json") as { version?: string }).version;
    const path = require.resolve(GROUPING_MODULE);
    if (version !== PATCHED_VERSION || require.cache[path] !== undefined) return false;
    const cached = new Module(path);
    cached.filename = path;
    cached.loaded = true;
    cached.exports = groupMessagesPerPartition;
    require.cache[path] = cached;
    return true;
  } catch {
    return false;
  }
}

/** Whether the linear grouping is in place (false: not installed yet, kafkajs was loaded first, or another version). */
export function linearGroupingInstalled(): boolean {
  return installed === true;
}
