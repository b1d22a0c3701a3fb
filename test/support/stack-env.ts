/**
 * Endpoints of the real stack the integration tests run against. test/run.mjs
 * exports them after reusing or starting the stack; the defaults match
 * `logwire dev up` on its default ports, for running one test file by hand.
 */
const kafkaPort = process.env["LOGWIRE_KAFKA_PORT"] ?? "19092";
const registryPort = process.env["LOGWIRE_REGISTRY_PORT"] ?? "18081";

/** `host:port` list for kafkajs. */
export const brokers: string[] = (process.env["LOGWIRE_BROKERS"] ?? `127.0.0.1:${kafkaPort}`).split(",");

/** Confluent-compatible API of the registry: `http://127.0.0.1:18081/apis/ccompat/v7`. */
export const registryUrl: string = process.env["LOGWIRE_REGISTRY_URL"] ?? `http://127.0.0.1:${registryPort}/apis/ccompat/v7`;

/** The registry's root, for Apicurio's own API (`/apis/registry/v3/...`). */
export const registryBaseUrl: string = registryUrl.replace(/\/apis\/.*$/, "");

/** A topic or subject name no earlier run has used: `prefix-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
