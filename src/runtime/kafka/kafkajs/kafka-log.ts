import type { logCreator } from "kafkajs";
import { safeJson } from "../../bounded-json.ts";
import { loadKafkajs } from "./kafkajs-module.ts";
import { scrubSecrets } from "../secret-scrub.ts";
import type { KafkaLogger, KafkaLogLevel } from "../security-options.ts";

/**
 * Routes kafkajs's log lines to the caller's `logger`. kafkajs never logs a
 * password itself, but its fields carry broker errors verbatim, so the
 * message and every field pass through the secret scrubber first.
 */

function fromKafkajs(level: number): KafkaLogLevel {
  const { logLevel } = loadKafkajs();
  if (level <= logLevel.ERROR) return "error";
  if (level === logLevel.WARN) return "warn";
  if (level === logLevel.INFO) return "info";
  return "debug";
}

/** kafkajs's numeric level for a logger; the default is `warn`. */
export function kafkaLogLevel(logger: KafkaLogger): number {
  const { logLevel } = loadKafkajs();
  const toKafkajs: Record<KafkaLogLevel, number> = { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG };
  return toKafkajs[logger.level ?? "warn"];
}

export function kafkaLogCreator(logger: KafkaLogger, secrets: readonly string[]): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _name, ...fields } = log as { message: string; timestamp?: unknown; logger?: unknown } & Record<string, unknown>;
    try {
      logger.log({
        level: fromKafkajs(level),
        namespace,
        message: scrubSecrets(String(message), secrets),
        fields: JSON.parse(scrubSecrets(safeJson(fields, 16384), secrets)) as Record<string, unknown>,
      });
    } catch {
      // A throwing logger must not break the Kafka client.
    }
  };
}
