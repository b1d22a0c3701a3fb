import { createRequire } from "node:module";

/**
 * The escape hatch: with `LOGWIRE_KAFKAJS_PATCHES=off` in the environment,
 * kafkajs runs exactly as published. Each patch installs itself only while
 * kafkajs has not loaded the module it replaces, so loading kafkajs's own
 * modules first, here, makes every patch stand down. Used by the benchmark's
 * "stock kafkajs" baseline, and by anyone who suspects a patch.
 */
export const PATCHED_MODULES = [
  "kafkajs/src/producer/groupMessagesPerPartition",
  "kafkajs/src/protocol/requests/produce/v3/request",
] as const;

export const kafkajsPatchesOff: boolean = process.env["LOGWIRE_KAFKAJS_PATCHES"] === "off";

if (kafkajsPatchesOff) {
  const require = createRequire(import.meta.url);
  for (const path of PATCHED_MODULES) require(path);
}
