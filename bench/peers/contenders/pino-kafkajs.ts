/**
 * Contender 7: JSON logging, pino writing each line into kafkajs (through
 * the kafkajs batcher, kafkajs-batcher.ts). pino's destination is a plain
 * object with a synchronous `write`, the cheapest pino destination there
 * is; the key is the payment id, set before the call. The record is the
 * same audit record as JSON (int64 as numbers, the oneof as its member),
 * e-mail hashed, with pino's level, time, pid and hostname.
 */
import { createRequire } from "node:module";
import { protobufjsShape } from "./kafkajs-registry.ts";
import type { Sink, SinkContext } from "../sink.ts";
import { openKafkajsBatcher } from "./kafkajs-batcher.ts";

const require = createRequire(import.meta.url);

type PinoFactory = (options: { base?: unknown }, destination: { write(line: string): void }) => { info(obj: object): void };

export async function openPinoKafkajs(ctx: SinkContext): Promise<Sink> {
  const pino = require("pino") as PinoFactory;
  const batcher = await openKafkajsBatcher(ctx.topic, ctx.brokers);
  let key = "";
  const logger = pino({}, { write: (line) => batcher.push(key, line) });
  return {
    ...batcher.sink,
    log(record) {
      key = record.paymentId!;
      logger.info(protobufjsShape(record));
    },
  };
}
