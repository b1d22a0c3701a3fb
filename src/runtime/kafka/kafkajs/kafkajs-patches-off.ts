import { createRequire } from "node:module";

/**
 * The escape hatch: with `LOGWIRE_KAFKAJS_PATCHES=off` in the environment,
 * kafkajs runs exactly as published. Each module patch installs itself only
 * while kafkajs has not loaded the module it replaces, so loading kafkajs's
 * own modules first, here, makes every patch stand down. Used by the
 * benchmark's "stock kafkajs" baseline, and by anyone who suspects a patch.
 */
export const GROUPING_MODULE = "kafkajs/src/producer/groupMessagesPerPartition";
export const PRODUCE_REQUEST_MODULE = "kafkajs/src/protocol/requests/produce/v3/request";
/** Every kafkajs module a patch replaces; each patch takes its path from here, so the switch covers them all. */
export const PATCHED_MODULES = [GROUPING_MODULE, PRODUCE_REQUEST_MODULE] as const;

/** Read from the environment when logwire is imported; nothing is loaded until `applyPatchesOff` runs. */
export const kafkajsPatchesOff: boolean = process.env["LOGWIRE_KAFKAJS_PATCHES"] === "off";

/**
 * With the switch off, loads kafkajs's own modules under every patched path,
 * so the module patches that run after it find them cached and stand down.
 * Must run before them (kafkajs-patches.ts). Idempotent; returns whether the
 * switch is off.
 */
export function applyPatchesOff(): boolean {
  if (kafkajsPatchesOff) {
    const require = createRequire(import.meta.url);
    for (const path of PATCHED_MODULES) require(path);
  }
  return kafkajsPatchesOff;
}
