import { createRequire } from "node:module";
import { createKafkajsInstance, type KafkajsInstance } from "./kafkajs-instance.ts";
import { installKafkajsPatches, type KafkajsPatch, type KafkajsPatchStatus } from "./kafkajs-patches.ts";
import { PRODUCE_REQUEST_MODULE } from "./kafkajs-patches-off.ts";
import type { KafkaLogger } from "../security-options.ts";
import type { ProduceRequestV3 } from "./kafkajs-produce-request.ts";

/** kafkajs's exports (`Kafka`, `logLevel`, `CompressionTypes`, ...), as `import kafkajs from "kafkajs"` gives them. */
export type Kafkajs = typeof import("kafkajs");

let packageJson: string | undefined;
let loaded: { readonly instance: KafkajsInstance; readonly exports: Kafkajs; readonly status: Readonly<Record<KafkajsPatch, KafkajsPatchStatus>> } | undefined;
let reported = false;

/**
 * logwire's own kafkajs: the kafkajs package logwire resolves, loaded as a
 * private instance (kafkajs-instance.ts) with logwire's patches installed
 * first (kafkajs-patches.ts). One per thread, created on first use.
 *
 * Importing logwire loads neither kafkajs nor a native module and patches
 * nothing: every runtime use of a kafkajs value goes through this module, so
 * kafkajs loads when the kafkajs transport (or the CLI's tail, or the
 * stack's admin) is created, and never in a process that only uses the
 * memory transport or, on its calling thread, the producer thread. Being
 * private, the instance leaves `require.cache` as it is: an application that
 * imports kafkajs itself, before or after, gets kafkajs as published, and
 * its codec table, classes and modules are its own.
 */
export function loadKafkajsInstance(): KafkajsInstance {
  return load().instance;
}

/**
 * The exports of logwire's kafkajs (loadKafkajsInstance). Given a `logger`,
 * says once per thread, as a `warn` line in the `logwire.transport`
 * namespace, which patches could not apply and why: kafkajs then runs as
 * published for them (same results, slower), which is no error.
 */
export function loadKafkajs(logger?: KafkaLogger): Kafkajs {
  const { exports, status, instance } = load();
  if (logger !== undefined && !reported) {
    reported = true;
    const notApplied = Object.entries(status).filter((e): e is [KafkajsPatch, { state: "not-applied"; reason: string }] => e[1].state === "not-applied");
    if (notApplied.length > 0 && logger.level !== "error") {
      const reasons = Object.fromEntries(notApplied.map(([name, s]) => [name, s.reason]));
      try {
        logger.log({
          level: "warn",
          namespace: "logwire.transport",
          message: `logwire's kafkajs patches ${notApplied.map(([name]) => name).join(", ")} could not apply to kafkajs ${instance.version ?? ""} at ${instance.root}; it runs as published there (same results, slower): ${notApplied.map(([name, s]) => `${name}: ${s.reason}`).join("; ")}`,
          fields: { kafkajs: instance.version, patches: reasons },
        });
      } catch {
        // A throwing logger must not break the transport (as in kafka-log.ts).
      }
    }
  }
  return exports;
}

/** What became of each patch, or undefined while logwire's kafkajs is not loaded. */
export function kafkajsPatchStatus(): Readonly<Record<KafkajsPatch, KafkajsPatchStatus>> | undefined {
  return loaded?.status;
}

/** kafkajs's own Produce request module (v3), evaluated in logwire's kafkajs: the fast path's fallback and the micro-benchmark's baseline. */
export function loadKafkajsProduceRequest(): ProduceRequestV3 {
  return loadKafkajsInstance().original(PRODUCE_REQUEST_MODULE) as ProduceRequestV3;
}

/**
 * For tests only: the package.json of the kafkajs to load instead of the one
 * logwire resolves (a copy with another module shape). Must be called before
 * kafkajs is first loaded.
 */
export function setKafkajsPackageForTests(path: string): void {
  if (loaded !== undefined) throw new Error("logwire's kafkajs is already loaded");
  packageJson = path;
}

function load(): NonNullable<typeof loaded> {
  if (loaded === undefined) {
    const instance = createKafkajsInstance(packageJson ?? createRequire(import.meta.url).resolve("kafkajs/package.json"));
    const status = installKafkajsPatches(instance);
    loaded = { instance, status, exports: instance.require("kafkajs") as Kafkajs };
  }
  return loaded;
}
