/**
 * The producer thread (see worker-transport.ts): runs logwire's kafkajs
 * transport — partitioning, record batches, compression, CRC, sockets — and
 * answers the pipeline's thread. Loaded through transport-worker-boot.mjs.
 */
import { parentPort, workerData } from "node:worker_threads";
import { createKafkaTransport } from "../kafkajs/kafka-transport.ts";
import type { KafkaLogEntry } from "../security-options.ts";
import { errorToWire, unpackBatches, type FromWorker, type ToWorker, type WorkerTransportInit } from "./transport-worker-protocol.ts";
import { packedSendOf } from "../../transport/packed-batches.ts";

const port = parentPort;
if (port === null) throw new Error("transport-worker.ts runs as a worker thread (see worker-transport.ts)");
const init = workerData as WorkerTransportInit;
const post = (message: FromWorker): void => port.postMessage(message);

const transport = createKafkaTransport({
  brokers: init.brokers,
  clientId: init.clientId,
  compression: init.compression,
  retries: init.retries,
  initialRetryTimeMs: init.initialRetryTimeMs,
  requestTimeoutMs: init.requestTimeoutMs,
  sasl: init.sasl,
  ssl: init.ssl,
  secrets: init.secrets,
  logger: init.logLevel === undefined ? undefined : { level: init.logLevel, log: (entry: KafkaLogEntry) => post({ type: "log", entry }) },
});

const sendPacked = packedSendOf(transport);

async function answer(id: number, work: () => Promise<number | undefined | void>): Promise<void> {
  try {
    const value = await work();
    post({ type: "done", id, value: value ?? undefined });
  } catch (caught) {
    post({ type: "failed", id, error: errorToWire(caught) });
  }
}

port.on("message", (m: ToWorker) => {
  switch (m.type) {
    case "connect":
      void answer(m.id, () => transport.connect());
      return;
    case "send":
      // Straight into kafkajs's messages, no record objects on the way (kafka-transport.ts `packedMessages`).
      void answer(m.id, () => (sendPacked === undefined ? transport.send(unpackBatches(m)) : sendPacked(m)));
      return;
    case "maxMessageBytes":
      void answer(m.id, async () => transport.maxMessageBytes?.(m.topic));
      return;
    case "disconnect":
      void answer(m.id, async () => {
        await transport.disconnect();
        // Nothing else to do here: let the thread end once the answer is out.
        port.unref();
      });
      return;
  }
});
post({ type: "loaded" });
