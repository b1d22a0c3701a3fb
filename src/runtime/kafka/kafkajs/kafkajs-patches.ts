import type { KafkajsInstance } from "./kafkajs-instance.ts";
import { installLinearGrouping } from "./kafkajs-partition-grouping.ts";
import { kafkajsPatchesOff } from "./kafkajs-patches-off.ts";
import { installProduceRequest } from "./kafkajs-produce-request.ts";
import { installTimerClamp } from "./kafkajs-timer-clamp.ts";

/** The kafkajs version every patch was written against and checked against, byte for byte. */
export const PATCHED_VERSION = "2.2.4";

/** The patches by name: what the log line and `kafkajsPatchStatus` call them. */
export type KafkajsPatch = "partition-grouping" | "produce-request" | "timer-clamp";

/** What became of each patch in logwire's kafkajs: applied, switched off, or why it could not apply. */
export type KafkajsPatchStatus =
  | { readonly state: "applied" }
  | { readonly state: "off" }
  | { readonly state: "not-applied"; readonly reason: string };

const INSTALLERS: Readonly<Record<KafkajsPatch, (kafkajs: KafkajsInstance) => string | undefined>> = {
  "partition-grouping": installLinearGrouping,
  "produce-request": installProduceRequest,
  // Last: it loads kafkajs's request queue, which requires neither replaced module.
  "timer-clamp": installTimerClamp,
};

/**
 * Every change logwire makes to kafkajs 2.2.4 internals, in one place, made
 * to logwire's own kafkajs instance (kafkajs-instance.ts) before it loads
 * kafkajs's entry: two replace a module, one changes a prototype. Each
 * checks the shape of what it replaces and otherwise leaves kafkajs as it
 * is; any other kafkajs version runs as published. A patch that cannot apply
 * never fails the transport: the status says why, and the transport logs it
 * once (kafkajs-module.ts). `LOGWIRE_KAFKAJS_PATCHES=off` turns them all off
 * (kafkajs-patches-off.ts).
 *
 * Runs once per instance, when kafkajs is first needed (a transport, the
 * CLI's tail, the stack's admin), never when logwire is imported.
 */
export function installKafkajsPatches(kafkajs: KafkajsInstance): Readonly<Record<KafkajsPatch, KafkajsPatchStatus>> {
  const status = {} as Record<KafkajsPatch, KafkajsPatchStatus>;
  for (const [name, install] of Object.entries(INSTALLERS) as [KafkajsPatch, (k: KafkajsInstance) => string | undefined][]) {
    if (kafkajsPatchesOff) {
      status[name] = { state: "off" };
      continue;
    }
    if (kafkajs.version !== PATCHED_VERSION) {
      status[name] = { state: "not-applied", reason: `kafkajs ${kafkajs.version ?? "(no version)"} is not ${PATCHED_VERSION}` };
      continue;
    }
    let reason: string | undefined;
    try {
      reason = install(kafkajs);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    status[name] = reason === undefined ? { state: "applied" } : { state: "not-applied", reason };
  }
  return status;
}
