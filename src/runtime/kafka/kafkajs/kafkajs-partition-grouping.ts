import type { KafkajsInstance } from "./kafkajs-instance.ts";
import { GROUPING_MODULE } from "./kafkajs-patches-off.ts";

/**
 * kafkajs 2.2.4 groups a send's messages by partition with
 * `Object.assign(result, { [p]: [...current, message] })`, copying the
 * partition's array on every message: quadratic in records per partition,
 * and one logwire request carries up to a whole batch (`batch.maxBytes`) of
 * records per topic (BENCHMARKS.md, "What was changed" 4).
 *
 * `installLinearGrouping` gives logwire's own kafkajs instance
 * (kafkajs-instance.ts) a linear function with the same result (same keys,
 * same arrays in the same order) under kafkajs's module path, before that
 * instance loads, so its `sendMessages` requires it. An application's own
 * kafkajs keeps kafkajs's code.
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

let installed = false;

/**
 * Gives logwire's kafkajs the linear grouping, before that instance loads its
 * producer (kafkajs-patches.ts runs it). Returns why it could not, or
 * undefined when it is in place.
 */
export function installLinearGrouping(kafkajs: KafkajsInstance): string | undefined {
  // The shape this replaces: a module exporting kafkajs's one-argument function.
  const own = kafkajs.original(GROUPING_MODULE);
  if (typeof own !== "function" || own.length !== 1) return `${GROUPING_MODULE} does not export the function it replaces`;
  kafkajs.replace(GROUPING_MODULE, groupMessagesPerPartition);
  installed = true;
  return undefined;
}

/** Whether logwire's kafkajs groups with the linear function (false: not loaded yet, switched off, or it could not apply). */
export function linearGroupingInstalled(): boolean {
  return installed;
}
