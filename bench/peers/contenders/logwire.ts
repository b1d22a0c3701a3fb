/**
 * Contenders 1 and 2: logwire with its defaults (acks=all, idempotent,
 * Snappy, 1 MiB / 5 ms, the producer thread), and the same with
 * `producerThread: "main"`. `emit()` checks, hashes the e-mail
 * (`REDACTION_HASH` in audit.proto), encodes and frames; the sink is the
 * emitter, as in bench/phases/sdk-throughput.ts, and waits when the buffer
 * nears its cap exactly as bench/load-driver.ts does.
 */
import { pathToFileURL } from "node:url";
import { createPipeline as createFromSources } from "../../../src/runtime/pipeline/pipeline.ts";
import { auditOn } from "../../workload.ts";
import type { Sink, SinkContext } from "../sink.ts";

const CHUNK_ROOM = 2 * 256 * 1024;

/** The built package when run.ts built it (LOGWIRE_BENCH_DIST), else the sources. */
async function loadCreatePipeline(): Promise<typeof createFromSources> {
  const dist = process.env["LOGWIRE_BENCH_DIST"];
  if (dist === undefined || dist === "") return createFromSources;
  return ((await import(pathToFileURL(dist).href)) as { createPipeline: typeof createFromSources }).createPipeline;
}

export async function openLogwire(ctx: SinkContext, producerThread: "worker" | "main"): Promise<Sink> {
  const createPipeline = await loadCreatePipeline();
  const errors = new Set<string>();
  const pipeline = await createPipeline({
    brokers: [...ctx.brokers],
    registry: { url: ctx.registryUrl },
    onError: (e) => errors.add(e.message),
    ...(producerThread === "main" ? { producerThread } : {}),
  });
  const emitter = pipeline.emitter(auditOn(ctx.topic));
  const highWater = pipeline.stats().capacityBytes - CHUNK_ROOM;
  const failed = () => {
    const s = pipeline.stats();
    return Object.values(s.dropped).reduce((a, b) => a + b, 0) + Object.values(s.deadLettered).reduce((a, b) => a + b, 0) + s.unknown;
  };
  return {
    log: (record) => emitter.emit(record),
    backlogged: () => pipeline.stats().bufferedBytes > highWater,
    acked: () => pipeline.stats().acked,
    failed,
    close: () => pipeline.close(),
    errors: () => [...errors],
  };
}
