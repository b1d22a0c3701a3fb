import { after, test } from "node:test";
import assert from "node:assert/strict";
import { fromBinary } from "@bufbuild/protobuf";
import { createPipeline, type Pipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { decodeFrame } from "../../src/runtime/registry/wire-format.ts";
import { ErrorCode, isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import type { ProducerThread } from "../../src/runtime/pipeline/pipeline-options.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { PaymentErrorSchema } from "../../proto/example/payments/v1/error_pb.ts";
import { registryUrl, uniqueName } from "../support/stack-env.ts";
import { createDedicatedStack, type DedicatedStack } from "./support/dedicated-stack.ts";
import { assertBooksBalance } from "./support/figures.ts";
import { readAll } from "./support/topic-reader.ts";

/**
 * An app that starts while Kafka is down: with `connect: "background"`,
 * createPipeline resolves against a broker that is not running, records
 * emitted meanwhile wait in the buffer, and once the broker starts they
 * reach it, every one, through the producer thread and on the calling
 * thread alike. With `connect: "wait"` (the default) the same call rejects
 * with `broker_unavailable`. The broker is a dedicated one (its own ports
 * and LOGWIRE_HOME); the shared dev stack is never touched.
 */
const N = 200;

let dedicated: DedicatedStack | undefined;
const pipelines: Pipeline[] = [];
after(async () => {
  await Promise.race([Promise.all(pipelines.map((p) => p.close().catch(() => undefined))), new Promise((r) => setTimeout(r, 10_000))]);
  await dedicated?.dispose();
});

test('connect: "background": the app starts while Kafka is down, and what it logged meanwhile reaches the broker once it is up (producer thread and calling thread)', { timeout: 240_000 }, async () => {
  dedicated = await createDedicatedStack("kafka");
  const brokers = dedicated.brokers;

  // The default waits for the connect, and rejects when there is no broker.
  await assert.rejects(
    createPipeline({ brokers, registry: { url: registryUrl }, retries: { retries: 1, initialRetryTimeMs: 50 }, requestTimeoutMs: 1000 }),
    (e: unknown) => isLogwireError(e) && e.code === ErrorCode.BrokerUnavailable && e.path === "brokers",
  );

  const runs = (["worker", "main"] as ProducerThread[]).map(async (producerThread) => {
    const log = { ...PaymentErrorLog, topic: uniqueName(`start-down-${producerThread}`), subject: "" };
    log.subject = `${log.topic}-value`;
    const errors: LogwireError[] = [];
    const pipeline = await createPipeline({
      brokers,
      registry: { url: registryUrl },
      producerThread,
      connect: "background",
      retries: { retries: 2, initialRetryTimeMs: 100 },
      requestTimeoutMs: 2000,
      deliveryTimeoutMs: 180_000,
      closeTimeoutMs: 30_000,
      onError: (e) => errors.push(e),
    });
    pipelines.push(pipeline);
    const emitter = pipeline.emitter(log);
    const waits: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      const record = { code: `start-${i}`, message: `emitted while the broker was down (${producerThread})`, attempt: i };
      if (i % 50 === 0) waits.push(emitter.emitAndWait(record));
      else emitter.emit(record);
    }
    return { producerThread, log, errors, pipeline, waits };
  });
  const opened = await Promise.all(runs);

  // Long enough for the first connects to fail and be reported.
  for (let i = 0; i < 200 && opened.some((o) => !o.errors.some((e) => e.code === ErrorCode.BrokerUnavailable)); i++) await new Promise((r) => setTimeout(r, 50));
  for (const o of opened) {
    const s = o.pipeline.stats();
    assert.equal(s.acked, 0, `${o.producerThread}: nothing can be acked before the broker runs`);
    assert.equal(s.pending, N, `${o.producerThread}: every record waits: ${JSON.stringify(s)}`);
    assert.ok(o.errors.some((e) => e.code === ErrorCode.BrokerUnavailable), `${o.producerThread}: onError hears of the failed connect: ${o.errors.map((e) => e.message).join(" | ")}`);
  }

  await dedicated.start();
  for (const o of opened) {
    await Promise.all(o.waits);
    await o.pipeline.flush();
    const s = o.pipeline.stats();
    assert.equal(s.acked, N, `${o.producerThread}: ${JSON.stringify(s)}`);
    assertBooksBalance(s);
    const read = await readAll(brokers, [o.log.topic]);
    const attempts = read.map((r) => fromBinary(PaymentErrorSchema, decodeFrame(r.value).payload).attempt ?? -1).sort((a, b) => a - b);
    assert.deepEqual(attempts, Array.from({ length: N }, (_, i) => i), `${o.producerThread}: every record on the broker, once`);
    await o.pipeline.close();
  }
});
