import type { ConnectionOptions } from "node:tls";
import { ErrorCode, LogwireError } from "../errors.ts";

/**
 * The security options of `createPipeline` (SASL, TLS) and the Kafka client
 * logger, validated up front so a typo fails at start naming its option path
 * instead of as an opaque handshake error later. Error messages never echo a
 * password: they name the field and its type only.
 */

/** SASL mechanisms logwire passes to kafkajs; the names are kafkajs's. */
export type SaslMechanism = "plain" | "scram-sha-256" | "scram-sha-512";

export interface SaslOptions {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

export type KafkaLogLevel = "error" | "warn" | "info" | "debug";

/** One log line of the Kafka client, secrets scrubbed. */
export interface KafkaLogEntry {
  readonly level: KafkaLogLevel;
  /** The kafkajs component, e.g. `Connection`, `BrokerPool`, `SASLPlainAuthenticator`. */
  readonly namespace: string;
  readonly message: string;
  /** The structured fields kafkajs attached (broker, error, retry counts). */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface KafkaLogger {
  /** Lines below this level are not produced at all. The default is `"warn"`. */
  readonly level?: KafkaLogLevel;
  readonly log: (entry: KafkaLogEntry) => void;
}

const MECHANISMS: readonly SaslMechanism[] = ["plain", "scram-sha-256", "scram-sha-512"];
const LEVELS: readonly KafkaLogLevel[] = ["error", "warn", "info", "debug"];
const TLS_MATERIAL = ["ca", "cert", "key", "pfx"] as const;

function bad(path: string, message: string, fix: string): LogwireError {
  return new LogwireError(ErrorCode.InvalidOption, message, { path, fix });
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}

/** Validates `sasl`. Mechanism names are accepted in any case (`SCRAM-SHA-256` as Kafka writes it) and passed on lowercase. */
export function resolveSasl(value: unknown): SaslOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad("sasl", `must be an object, received ${describe(value)}`, 'pass sasl: { mechanism: "scram-sha-512", username, password }');
  }
  const v = value as Record<string, unknown>;
  const mechanism = typeof v["mechanism"] === "string" ? v["mechanism"].toLowerCase() : undefined;
  if (mechanism === undefined || !(MECHANISMS as readonly string[]).includes(mechanism)) {
    throw bad(
      "sasl.mechanism",
      `${typeof v["mechanism"] === "string" ? `"${v["mechanism"]}"` : describe(v["mechanism"])} is not one of ${MECHANISMS.map((m) => `"${m}"`).join(", ")}`,
      "set sasl.mechanism to the mechanism the broker's listener enables (sasl.enabled.mechanisms)",
    );
  }
  for (const field of ["username", "password"] as const) {
    if (typeof v[field] !== "string" || v[field] === "") {
      throw bad(`sasl.${field}`, `must be a non-empty string, received ${v[field] === "" ? "an empty string" : describe(v[field])}`, `pass the principal's ${field} as a string`);
    }
  }
  return { mechanism: mechanism as SaslMechanism, username: v["username"] as string, password: v["password"] as string };
}

function isTlsMaterial(x: unknown): boolean {
  return typeof x === "string" || Buffer.isBuffer(x) || (typeof x === "object" && x !== null && "pem" in x);
}

/** Validates `ssl`: `true`/`false` or `tls.ConnectionOptions`, whose PEM fields must be strings or Buffers (or arrays of them). */
export function resolveSsl(value: unknown): boolean | ConnectionOptions | undefined {
  if (value === undefined || typeof value === "boolean") return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw bad("ssl", `must be true or a tls.ConnectionOptions object, received ${describe(value)}`, "pass ssl: true for the system CAs, or ssl: { ca: [pem] } for a private CA");
  }
  const v = value as Record<string, unknown>;
  for (const field of TLS_MATERIAL) {
    const x = v[field];
    if (x === undefined) continue;
    const items = Array.isArray(x) ? x : [x];
    if (items.length === 0 || !items.every(isTlsMaterial)) {
      throw bad(`ssl.${field}`, `must be a PEM string or Buffer (or an array of them), received ${describe(x)}`, `read the file first, e.g. ssl: { ${field}: [readFileSync("${field}.pem", "utf8")] }`);
    }
  }
  if (v["rejectUnauthorized"] !== undefined && typeof v["rejectUnauthorized"] !== "boolean") {
    throw bad("ssl.rejectUnauthorized", `must be a boolean, received ${describe(v["rejectUnauthorized"])}`, "leave it out (true) so the broker's certificate is checked");
  }
  for (const field of ["servername", "passphrase"] as const) {
    if (v[field] !== undefined && typeof v[field] !== "string") {
      throw bad(`ssl.${field}`, `must be a string, received ${describe(v[field])}`, `pass ssl.${field} as a string or leave it out`);
    }
  }
  return value as ConnectionOptions;
}

/** Validates `logger`. */
export function resolveLogger(value: unknown): KafkaLogger | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || typeof (value as { log?: unknown }).log !== "function") {
    throw bad("logger", `must be an object with a log(entry) function, received ${describe(value)}`, 'pass logger: { level: "warn", log: (entry) => ... }');
  }
  const level = (value as { level?: unknown }).level;
  if (level !== undefined && !(LEVELS as readonly unknown[]).includes(level)) {
    throw bad("logger.level", `"${String(level)}" is not one of ${LEVELS.map((l) => `"${l}"`).join(", ")}`, 'set logger.level to one of them, or leave it out for "warn"');
  }
  return value as KafkaLogger;
}
