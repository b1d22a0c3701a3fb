/**
 * CPU per `emit()` of a record the full `drop-newest` buffer drops, with the
 * memory transport held so nothing drains. Under overload every excess
 * record pays this; BENCHMARKS.md ("Reading the results", e) quotes it.
 * Usage: `tsx bench/drop-micro.ts [--rounds 5]`.
 */
import { createPipeline } from "../src/runtime/pipeline/pipeline.ts";
import { createMemoryTransport } from "../src/runtime/transport/memory-transport.ts";
import { PaymentAuditLog } from "../proto/example/payments/v1/audit_logwire.ts";
import { auditPool } from "./workload.ts";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1] ?? 5) || 5;
const pool = auditPool();
const memory = createMemoryTransport();
const pipeline = await createPipeline({ transport: memory, schema: { mode: "use-schema-id", ids: { [PaymentAuditLog.subject]: 7 } } });
const emitter = pipeline.emitter(PaymentAuditLog);
memory.hold();
let i = 0;
// Fill the 5 MiB buffer until it refuses a record.
while ((pipeline.stats().dropped["buffer_full"] ?? 0) === 0) emitter.emit(pool[i++ % pool.length]!);
const micros: number[] = [];
for (let r = 0; r < rounds; r++) {
  const n = 200_000;
  const t0 = process.cpuUsage();
  for (let k = 0; k < n; k++) emitter.emit(pool[i++ % pool.length]!);
  const t = process.cpuUsage(t0);
  micros.push((t.user + t.system) / n);
}
const dropped = pipeline.stats().dropped["buffer_full"] ?? 0;
memory.release();
await pipeline.close();
micros.sort((a, b) => a - b);
process.stdout.write(`dropped emit (drop-newest, full buffer): median ${micros[Math.floor(rounds / 2)]!.toFixed(2)} µs CPU per record over ${rounds} rounds (${micros.map((m) => m.toFixed(2)).join(", ")}); ${dropped} drops counted\n`);
