import { randomUUID } from "node:crypto";
import { Command, InvalidArgumentError } from "commander";
import type { Kafka } from "kafkajs";
import { registerCompressionCodecs } from "../runtime/kafka/kafkajs/compression.ts";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { loadKafkajs } from "../runtime/kafka/kafkajs/kafkajs-module.ts";
import { createSchemaDecoder } from "./decode/schema-decoder.ts";
import { createProgress, createStyle, defaultBrokers, defaultRegistryUrl, printLine } from "./output.ts";
import { deadLetterOutcome, formatJsonLine, formatTextLine, shouldShowHeaders } from "./tail-record-format.ts";
import type { DecodeOutcome, TailRecord } from "./tail-record-format.ts";

export interface TailOptions {
  readonly fromBeginning?: boolean;
  readonly max?: number;
  readonly idleMs?: number;
  readonly json?: boolean;
  readonly brokers: string;
  readonly registry: string;
  readonly quiet?: boolean;
}

/** Default `--idle-ms` when `--max` is given: stop after this long without a record. */
const DEFAULT_IDLE_MS = 3000;

/** `logwire tail <topic>`: consume and print records as JSON decoded through the registry. */
export function tailCommand(): Command {
  return new Command("tail")
    .description("print a topic's records as readable JSON, decoded with the schema registered under each record's schema id")
    .argument("<topic>", "the topic to read, e.g. payments.audit or a dead-letter topic")
    .option("--from-beginning", "read from the earliest offset instead of only new records")
    .option("--max <n>", "stop after n records (malformed ones count)", parsePositiveInt)
    .option("--idle-ms <ms>", `with --max: stop when no record arrives for this long (default ${DEFAULT_IDLE_MS}); without --max: none`, parsePositiveInt)
    .option("--json", "one JSON object per record instead of text lines")
    .option("--brokers <list>", "comma-separated bootstrap brokers (env LOGWIRE_BROKERS)", defaultBrokers())
    .option("--registry <url>", "schema registry URL, Confluent API (env LOGWIRE_REGISTRY_URL)", defaultRegistryUrl())
    .option("-q, --quiet", "no progress lines on stderr")
    .addHelpText(
      "after",
      `
Each record is decoded with the schema registered under its id (any client's schema, base64 or .proto text).
A record that does not decode (no magic byte, unknown schema id, truncated bytes, bad message index,
an Avro or JSON Schema id) prints one ERROR line with the reason and the first bytes, and the tail goes on.
A value with no JSON form (a Timestamp after year 9999) prints as its fields, then PROBLEM <field>: <why>.
Headers are shown on dead-letter topics (name ending in "dlq") and whenever logwire.* headers are present.
A dead letter whose value is not a frame (JSON input, bare Protobuf) or was cut to fit its topic
(header logwire.value.truncated-from) prints as "dead letter (<format> value[, truncated from <n> bytes])".
Stops on SIGINT/SIGTERM, after --max records, or after --idle-ms without records.

Exit codes:
  0  stopped normally
  2  could not tail: broker unreachable, topic missing, bad option`,
    )
    .action(async (topic: string, options: TailOptions) => {
      await runTail(topic, options);
    });
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new InvalidArgumentError("expected a positive integer");
  }
  return n;
}

/** Tails one topic until --max, --idle-ms or a signal; the `tail` command and the demo use it. */
export async function runTail(topic: string, options: TailOptions): Promise<void> {
  // kafkajs loads here, logwire's patches first: not when the CLI starts.
  const { Kafka, logLevel } = loadKafkajs();
  const quiet = options.quiet === true || options.json === true;
  const progress = createProgress(quiet);
  const style = createStyle();
  const decoder = createSchemaDecoder({ registryUrl: options.registry });
  // Batches written by logwire are Snappy (or lz4/zstd) compressed; without the
  // codecs kafkajs cannot read them and retries the fetch silently forever.
  registerCompressionCodecs();
  const kafka = new Kafka({
    clientId: "logwire-tail",
    brokers: options.brokers.split(",").map((b) => b.trim()),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 2, initialRetryTime: 200 },
  });

  await assertTopicExists(kafka, topic, options.brokers);
  // A fresh group per run: no committed offsets, no interference with other readers.
  const consumer = kafka.consumer({ groupId: `logwire-tail-${randomUUID()}`, allowAutoTopicCreation: false });
  const idleMs = options.idleMs ?? (options.max !== undefined ? DEFAULT_IDLE_MS : undefined);
  let seen = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    if (idleMs !== undefined) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        progress.step(`no record for ${idleMs} ms, stopping after ${seen} record(s)`);
        finish();
      }, idleMs);
    }
  };
  const onSignal = () => finish();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    progress.step(`connecting to ${options.brokers}, decoding with ${options.registry}`);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: options.fromBeginning === true });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      progress.step(`reading ${topic}${options.fromBeginning === true ? " from the beginning" : " (new records only; --from-beginning for all)"}`);
      armIdle();
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        if (options.max !== undefined && seen >= options.max) {
          return;
        }
        seen++;
        const record: TailRecord = {
          topic: t,
          partition,
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key,
          value: message.value,
          headers: message.headers,
        };
        const outcome = deadLetterOutcome(record.headers, record.value) ?? (await decodeValue(decoder, record.value));
        printLine(formatRecord(record, outcome, options.json === true, style));
        armIdle();
        if (options.max !== undefined && seen >= options.max) {
          finish();
        }
      },
    });
    await done;
  } finally {
    clearTimeout(idleTimer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await consumer.disconnect().catch(() => undefined);
  }
}

async function decodeValue(decoder: ReturnType<typeof createSchemaDecoder>, value: Buffer | null): Promise<DecodeOutcome> {
  try {
    return { ok: true, record: await decoder.decode(value ?? new Uint8Array()) };
  } catch (error) {
    return { ok: false, error };
  }
}

function formatRecord(record: TailRecord, outcome: DecodeOutcome, json: boolean, style: ReturnType<typeof createStyle>): string {
  const show = shouldShowHeaders(record.topic, record.headers);
  return json ? formatJsonLine(record, outcome, show) : formatTextLine(record, outcome, show, style);
}

async function assertTopicExists(kafka: InstanceType<typeof Kafka>, topic: string, brokers: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) {
      throw new LogwireError(ErrorCode.InvalidOption, `topic ${topic} does not exist on ${brokers}`, {
        path: "topic",
        fix: "check the topic name, or produce to the topic first",
      });
    }
  } catch (error) {
    if (error instanceof LogwireError) {
      throw error;
    }
    throw new LogwireError(ErrorCode.Environment, `cannot reach the Kafka brokers ${brokers}: ${(error as Error).message}`, {
      path: "--brokers",
      fix: "start the stack (npx logwire dev up) or pass the right --brokers",
      cause: error,
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
