import { createRequire } from "node:module";

/**
 * The escape hatch: with `LOGWIRE_KAFKAJS_PATCHES=off` in the environment,
 * kafkajs runs exactly as published. Each patch installs itself only while
 * kafkajs has not loaded the module it replaces, so loading kafkajs's own
 * modules first, here, makes every patch stand down. Used by the benchmark's
 * "stock kafkajs" baseline, and by anyone who suspects a patch.
 */
export const GROUPING_MODULE = "kafkajs/src/producer/groupMessagesPerPartition";
export const PRODUCE_REQUEST_MODULE = "kafkajs/src/protocol/requests/produce/v3/request";
/** Every kafkajs module a patch replaces; each patch takes its path from here, so the switch covers them all. */
export const PATCHED_MODULES = [GROUPING_MODULE, PRODUCE_REQUEST_MODULE] as const;

export const kafkajsPatchesOff: boolean = process.env["LOGWIRE_KAFKAJS_PATCHES"] === "off";

if (kafkajsPatchesOff) {
  const require = createRequire(import.meta.url);
  for (const path of PATCHED_MODULES) require(path);
}
