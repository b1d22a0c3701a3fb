/**
 * A process with a disk spool for the spool fault tests to SIGKILL: it emits
 * keyed records at a steady rate through a pipeline spooling to
 * SPOOL_CHILD_DIR and prints its books as one JSON line every 50 ms. SIGUSR2
 * stops emitting. It never closes its pipeline: it only ever dies by SIGKILL.
 *
 * Records: code `key-<k>`, attempt = per-key sequence number, message padded
 * to SPOOL_CHILD_PAD bytes. Env: SPOOL_CHILD_BROKERS, SPOOL_CHILD_TOPIC,
 * SPOOL_CHILD_DIR, SPOOL_CHILD_PER_TICK (records per 5 ms), SPOOL_CHILD_PAD,
 * LOGWIRE_REGISTRY_URL.
 */
import { createPipeline } from "../../../src/runtime/pipeline/pipeline.ts";
import { PaymentErrorLog } from "../../../proto/example/payments/v1/error_logwire.ts";
import { registryUrl } from "../../support/stack-env.ts";

const KEYS = 20;
const env = process.env;
const topic = env["SPOOL_CHILD_TOPIC"]!;
const log = { ...PaymentErrorLog, topic, subject: `${topic}-value` };
const pipeline = await createPipeline({
  brokers: env["SPOOL_CHILD_BROKERS"]!.split(","),
  registry: { url: registryUrl },
  buffer: { maxBytes: 256 * 1024, spool: { dir: env["SPOOL_CHILD_DIR"]!, maxBytes: 512 * 1048576 } },
  batch: { maxBytes: 128 * 1024 },
  maxRecordBytes: 64 * 1024,
  requestTimeoutMs: 3_000,
});
const emitter = pipeline.emitter(log);
const perTick = Number(env["SPOOL_CHILD_PER_TICK"] ?? 50);
const pad = "x".repeat(Number(env["SPOOL_CHILD_PAD"] ?? 500));
const seq = new Array<number>(KEYS).fill(0);
let n = 0;
const emitting = setInterval(() => {
  for (let i = 0; i < perTick; i++) {
    const k = n++ % KEYS;
    emitter.emit({ code: `key-${k}`, attempt: seq[k]!++, message: pad });
  }
}, 5);
process.on("SIGUSR2", () => clearInterval(emitting));
setInterval(() => process.stdout.write(JSON.stringify(pipeline.stats()) + "\n"), 50);
