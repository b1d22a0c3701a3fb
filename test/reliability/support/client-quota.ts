import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findJava } from "../../../src/stack/java-runtime.ts";
import { resolveStackConfig } from "../../../src/stack/stack-config.ts";

/**
 * Sets (or, with `null`, removes) a broker-side `producer_byte_rate` quota
 * for one client id, so a test can give the pipeline a known delivery
 * capacity without slowing anyone else: the quota names only that client id.
 * kafkajs cannot alter quotas, so this runs ClientQuota.java with Kafka's own
 * Admin client from the stack's cached jars (~3 s for the JVM).
 */
export function setProducerQuota(broker: string, clientId: string, bytesPerSecond: number | null): void {
  const config = resolveStackConfig();
  const libs = join(config.cacheDir, `kafka-${config.kafka.version}`, "libs", "*");
  const java = findJava("the quota helper", 17);
  const source = join(dirname(fileURLToPath(import.meta.url)), "ClientQuota.java");
  const result = spawnSync(java.path, ["-cp", libs, source, broker, clientId, bytesPerSecond === null ? "remove" : String(bytesPerSecond)], { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0 || !result.stdout.includes("ok")) {
    throw new Error(`setting the producer quota failed (exit ${result.status}): ${result.stderr.split("\n").slice(-10).join("\n")}`);
  }
}
