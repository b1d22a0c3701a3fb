/**
 * The contenders of `npm run bench:peers`, in the order. Each runs
 * in a fresh child process (peer-phase.ts) against the same broker, with the
 * same records, the same SHA-256 of the e-mail and the same settings where
 * its client has them. `bytes` contenders send records encoded before the
 * clock, so they run once per pass, not once per record variant.
 */
import type { Variant } from "./records.ts";
import type { Sink, SinkContext } from "./sink.ts";

export type ContenderId = "logwire" | "logwire-main" | "confluent-bytes" | "confluent-serializer" | "platformatic" | "kafkajs-registry" | "pino-kafkajs";

export interface Contender {
  readonly id: ContenderId;
  readonly label: string;
  /** false: sends pre-encoded bytes, the record variant does not apply. */
  readonly buildsRecords: boolean;
  /** Needs @confluentinc/kafka-javascript's native binding. */
  readonly librdkafka: boolean;
  readonly open: (ctx: SinkContext) => Promise<Sink>;
}

export const CONTENDERS: readonly Contender[] = [
  { id: "logwire", label: "logwire, defaults (producer thread)", buildsRecords: true, librdkafka: false, open: async (c) => (await import("./contenders/logwire.ts")).openLogwire(c, "worker") },
  { id: "logwire-main", label: 'logwire, `producerThread: "main"`', buildsRecords: true, librdkafka: false, open: async (c) => (await import("./contenders/logwire.ts")).openLogwire(c, "main") },
  { id: "confluent-bytes", label: "Confluent kafka-javascript, pre-encoded bytes (no serializer)", buildsRecords: false, librdkafka: true, open: async (c) => (await import("./contenders/confluent.ts")).openConfluentBytes(c) },
  { id: "confluent-serializer", label: "Confluent kafka-javascript + its ProtobufSerializer", buildsRecords: true, librdkafka: true, open: async (c) => (await import("./contenders/confluent.ts")).openConfluentSerializer(c) },
  { id: "platformatic", label: "@platformatic/kafka + protobuf-es `toBinary` + framing", buildsRecords: true, librdkafka: false, open: async (c) => (await import("./contenders/platformatic.ts")).openPlatformatic(c) },
  { id: "kafkajs-registry", label: "kafkajs + @kafkajs/confluent-schema-registry", buildsRecords: true, librdkafka: false, open: async (c) => (await import("./contenders/kafkajs-registry.ts")).openKafkajsRegistry(c) },
  { id: "pino-kafkajs", label: "pino JSON → kafkajs", buildsRecords: true, librdkafka: false, open: async (c) => (await import("./contenders/pino-kafkajs.ts")).openPinoKafkajs(c) },
];

export function contender(id: string): Contender {
  const c = CONTENDERS.find((x) => x.id === id);
  if (c === undefined) throw new Error(`unknown contender "${id}": use one of ${CONTENDERS.map((x) => x.id).join(", ")}`);
  return c;
}

/** One measurement: a contender with a record variant (`pool` for the bytes contender). */
export interface Job {
  readonly contender: ContenderId;
  readonly variant: Variant;
}
