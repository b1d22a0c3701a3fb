/**
 * The escape hatch: with `LOGWIRE_KAFKAJS_PATCHES=off` in the environment,
 * logwire's kafkajs instance runs exactly as published (kafkajs-patches.ts
 * installs nothing). Used by the benchmark's "stock kafkajs" baseline, and by
 * anyone who suspects a patch.
 */
export const GROUPING_MODULE = "kafkajs/src/producer/groupMessagesPerPartition";
export const PRODUCE_REQUEST_MODULE = "kafkajs/src/protocol/requests/produce/v3/request";
/** Every kafkajs module a patch replaces (the timer clamp changes a prototype instead). */
export const PATCHED_MODULES = [GROUPING_MODULE, PRODUCE_REQUEST_MODULE] as const;

/** Read from the environment when logwire is imported; nothing is loaded or patched then. */
export const kafkajsPatchesOff: boolean = process.env["LOGWIRE_KAFKAJS_PATCHES"] === "off";
