import { createRequire } from "node:module";
import { installKafkajsPatches } from "./kafkajs-patches.ts";

/** kafkajs's exports (`Kafka`, `logLevel`, `CompressionTypes`, ...), as `import kafkajs from "kafkajs"` gives them. */
export type Kafkajs = typeof import("kafkajs");

let kafkajs: Kafkajs | undefined;

/**
 * kafkajs, with logwire's patches installed first (kafkajs-patches.ts).
 * Importing logwire loads neither kafkajs nor a native module and patches
 * nothing: every runtime use of a kafkajs value goes through this function,
 * so the patches are installed when the kafkajs transport (or the CLI's
 * tail) is created, and never in a process that only uses the memory
 * transport or the producer thread.
 *
 * The module patches go into the CommonJS cache, so kafkajs is loaded with
 * `require` (the same instance an `import` of kafkajs gets). A patched
 * module kafkajs has already loaded stays kafkajs's own (slower, same
 * result): an app that imports kafkajs itself before the transport is
 * created keeps kafkajs's grouping, which kafkajs loads with its index.
 */
export function loadKafkajs(): Kafkajs {
  if (kafkajs === undefined) {
    installKafkajsPatches();
    kafkajs = createRequire(import.meta.url)("kafkajs") as Kafkajs;
  }
  return kafkajs;
}
