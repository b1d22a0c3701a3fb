import { installLinearGrouping } from "./kafkajs-partition-grouping.ts";
import { applyPatchesOff } from "./kafkajs-patches-off.ts";
import { installProduceRequest } from "./kafkajs-produce-request.ts";
import { installTimerClamp } from "./kafkajs-timer-clamp.ts";

/**
 * Every change logwire makes to kafkajs 2.2.4 internals, in one place. Two
 * patches put a replacement module into the CommonJS cache under kafkajs's
 * own path, so they must run before kafkajs loads; one changes a prototype.
 * Each checks the kafkajs version it was written against and otherwise
 * leaves kafkajs as it is. `LOGWIRE_KAFKAJS_PATCHES=off` turns them all off
 * (kafkajs-patches-off.ts).
 *
 * Nothing here runs when logwire is imported: loadKafkajs (kafkajs-module.ts)
 * calls this when a transport or the CLI's tail first needs kafkajs. Safe to
 * call many times; each patch installs once.
 */
export function installKafkajsPatches(): void {
  // The switch first: it loads kafkajs's own modules, so the module patches after it stand down.
  applyPatchesOff();
  installLinearGrouping();
  installProduceRequest();
  // Last: it loads kafkajs's request queue, which loads neither patched module.
  installTimerClamp();
}
