/**
 * Encoding micro-benchmark (issue 7, 2b): µs per record and bytes for one
 * ~250 B PaymentAudit record, encoded by
 *   - logwire's generated encoder (PaymentAuditLog.encode),
 *   - @bufbuild/protobuf toBinary,
 *   - protobufjs (the same .proto files, loaded at run time),
 *   - JSON.stringify of the record's JSON form, UTF-8 encoded.
 * All in one process, interleaved in rounds, in CPU time; the figure is the
 * fastest round (neighbours on a shared box only ever add time), the median
 * is printed beside it. Not a test.
 *
 *   npx tsx bench/encode-micro.ts [--rounds 15] [--ms 150]
 */
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { create, toBinary, toJson } from "@bufbuild/protobuf";
import protobuf from "protobufjs";
import { PaymentAuditLog } from "../proto/example/payments/v1/audit_logwire.ts";
import { Action, PaymentAuditSchema } from "../proto/example/payments/v1/audit_pb.ts";

const require = createRequire(import.meta.url);
const PROTO_DIR = join(import.meta.dirname, "..", "proto");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const ROUNDS = arg("rounds", 15);
const ROUND_MS = arg("ms", 150);

/** The seed's audit log: one payment state change. */
const record = create(PaymentAuditSchema, {
  paymentId: "pay_01HZX8K2M9Q4R7T1V3W5",
  actor: "svc-checkout",
  action: Action.CAPTURE,
  amount: { amountMinor: 129900n, currency: "EUR" },
  occurredAt: { seconds: 1718000000n, nanos: 123456789 },
  request: { requestId: "req-7f3a9c2e-4b1d-4e8f", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" },
  service: { service: "checkout", version: "1.42.0", region: "eu-west-1", instanceId: "checkout-7d9f8-x2k4p" },
  customerEmail: "sha256:3f7a9c2e4b1d4e8f",
  labels: { tenant: "acme", flow: "flash-sale" },
  method: { case: "card", value: { brand: "visa", last4: "4242", expiryMonth: 12, expiryYear: 2027 } },
});

// protobufjs: load the example .proto files themselves; well-known types come
// from protobufjs's bundled copies.
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => {
  if (target === "google/protobuf/descriptor.proto") return require.resolve("protobufjs/google/protobuf/descriptor.proto");
  if (target.startsWith("google/protobuf/")) return target;
  return join(PROTO_DIR, target);
};
root.loadSync("example/payments/v1/audit.proto");
const PbjsAudit = root.lookupType("example.payments.v1.PaymentAudit");
const json = toJson(PaymentAuditSchema, record);
const pbjsMessage = PbjsAudit.fromObject({
  ...(json as object),
  occurredAt: { seconds: 1718000000, nanos: 123456789 },
});

const encodeGenerated = PaymentAuditLog.encode;
if (encodeGenerated === undefined) throw new Error("PaymentAuditLog has no generated encoder; run buf generate");

const candidates: { name: string; encode: () => Uint8Array }[] = [
  { name: "generated encoder", encode: () => encodeGenerated(record) },
  { name: "toBinary", encode: () => toBinary(PaymentAuditSchema, record) },
  { name: "protobufjs", encode: () => PbjsAudit.encode(pbjsMessage).finish() },
  { name: "JSON.stringify + UTF-8", encode: () => Buffer.from(JSON.stringify(json), "utf8") },
];

const reference = toBinary(PaymentAuditSchema, record);
let sink = 0;

/**
 * µs of this process's CPU time (user + system) per call, over at least `ms`
 * milliseconds of it. CPU time rather than wall time: on a shared 2-core box
 * the wall clock mostly measures the neighbours.
 */
function measure(encode: () => Uint8Array, ms: number): number {
  let calls = 0;
  const start = process.cpuUsage();
  let spent = 0;
  while (spent < ms * 1000) {
    for (let i = 0; i < 1000; i++) sink += encode().length;
    calls += 1000;
    const used = process.cpuUsage(start);
    spent = used.user + used.system;
  }
  return spent / calls;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fastest = (xs: number[]): number => Math.min(...xs);

for (const c of candidates) measure(c.encode, 200); // warm-up, lets the JIT settle
const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
for (let r = 0; r < ROUNDS; r++) {
  process.stderr.write(`\rround ${r + 1}/${ROUNDS}`);
  for (const c of candidates) samples.get(c.name)?.push(measure(c.encode, ROUND_MS));
}
process.stderr.write("\n");

const cpu = cpus()[0]?.model ?? "unknown cpu";
console.log(`encode-micro: PaymentAudit, ${ROUNDS} rounds x ${ROUND_MS} ms CPU time, fastest round; node ${process.version}, ${cpus().length} x ${cpu}, load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
const base = fastest(samples.get("toBinary") ?? []);
console.log("encoder                  µs/record  (median)  records/s   bytes  vs toBinary  same bytes as toBinary");
for (const c of candidates) {
  const xs = samples.get(c.name) ?? [];
  const us = fastest(xs);
  const bytes = c.encode();
  const same = c.name.startsWith("JSON") ? "-" : Buffer.compare(bytes, reference) === 0 ? "yes" : "no";
  console.log(
    `${c.name.padEnd(24)} ${us.toFixed(3).padStart(9)}  ${median(xs).toFixed(3).padStart(8)}  ${Math.round(1e6 / us).toString().padStart(9)}  ${bytes.length.toString().padStart(6)}  ${(base / us).toFixed(2).padStart(10)}x  ${same}`,
  );
}
if (sink === 0) console.log("");
