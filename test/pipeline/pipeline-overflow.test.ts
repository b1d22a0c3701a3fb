import { test } from "node:test";
import assert from "node:assert/strict";
import { Registry } from "prom-client";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createSchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";
import type { OverflowPolicy } from "../../src/runtime/pipeline/pipeline-options.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { onUniqueTopic } from "./support/descriptors.ts";
import { consumeAll } from "./support/kafka-helpers.ts";
import { metricValue } from "./support/metric-values.ts";

const BUFFER = 64 * 1024;

async function overflow(policy: OverflowPolicy) {
  const log = onUniqueTopic(PaymentErrorLog, `overflow-${policy}`);
  const metrics = new Registry();
  const pipeline = await createPipeline({
    brokers,
    registry: { url: registryUrl },
    buffer: { maxBytes: BUFFER, overflow: policy },
    batch: { maxBytes: 16 * 1024 },
    maxRecordBytes: 8 * 1024,
    metrics: { registry: metrics },
  });
  const emitter = pipeline.emitter(log);
  await emitter.emitAndWait(simulatePaymentRequest(0).error); // the schema id is resolved before the burst
  // 10 bursts, each about 10x the buffer, emitted synchronously within one tick.
  let emitted = 1;
  let maxHeld = 0;
  for (let burst = 0; burst < 10; burst++) {
    for (let i = 0; i < 2000; i++) {
      emitter.emit(simulatePaymentRequest(emitted++).error);
      if (i % 50 === 0) maxHeld = Math.max(maxHeld, pipeline.stats().bufferedBytes);
    }
    await new Promise((r) => setImmediate(r));
  }
  await pipeline.close();
  return { log, metrics, stats: pipeline.stats(), emitted, maxHeld };
}

for (const policy of ["drop-newest", "drop-oldest"] as const) {
  test(`overflow at 10x the buffer (${policy}): held bytes never pass the budget, and emitted = acked + dropped exactly`, async () => {
    const { log, metrics, stats, emitted, maxHeld } = await overflow(policy);
    assert.ok(maxHeld <= BUFFER, `held ${maxHeld} bytes, budget ${BUFFER}`);
    assert.ok(maxHeld > BUFFER * 0.9, "the buffer really filled");
    assert.equal(stats.emitted, emitted);
    assert.equal(stats.pending, 0);
    assert.deepEqual(Object.keys(stats.dropped), ["buffer_full"]);
    assert.deepEqual(stats.deadLettered, {});
    assert.equal(stats.unknown, 0);
    const dropped = stats.dropped["buffer_full"]!;
    assert.ok(dropped > emitted / 2, `most of the burst is dropped (${dropped} of ${emitted})`);
    assert.equal(stats.acked + dropped + stats.unknown, emitted);

    // The broker has exactly the acked records, and the metrics say the same.
    const records = await consumeAll([log.topic]);
    assert.equal(records.length, stats.acked);
    assert.equal(await metricValue(metrics, "produce_success_total", { topic: log.topic }), stats.acked);
    assert.equal(await metricValue(metrics, "logwire_dropped_total", { topic: log.topic, reason: "buffer_full" }), dropped);

    // drop-newest keeps the start of each burst, drop-oldest its end.
    const decoder = createSchemaDecoder({ registryUrl });
    const last = records[records.length - 1]!;
    const seq = Number(((await decoder.decode(last.value)).json as { labels: { seq: string } }).labels.seq);
    if (policy === "drop-oldest") assert.equal(seq, emitted - 1, "the newest record survives");
    else assert.ok(seq < emitted - 1000, "the newest records were dropped");
  });
}
