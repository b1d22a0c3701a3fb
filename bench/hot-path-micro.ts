import { create } from "@bufbuild/protobuf";
import { Histogram, Registry } from "prom-client";
import { PaymentAuditLog } from "../proto/example/payments/v1/audit_logwire.ts";
import { checkRecord } from "../src/runtime/record-check.ts";
import { auditPool } from "./workload.ts";
import { frame, encodeFrameHeader } from "../src/runtime/wire-format.ts";
const pool = auditPool(4096);
const d = PaymentAuditLog;
const msgs = pool.map((p) => { const m = create(d.schema, p); return m; });
const h = new Histogram({ name: "x", help: "x", buckets: [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 1e-3, 1e-2], registers: [new Registry()] });
const header = encodeFrameHeader(1, [0]);
const payloads = msgs.map((m) => d.encode!(m));
function bench(name: string, f: (i: number) => unknown) {
  let s = 0;
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage(); const N = 200000;
    for (let i = 0; i < N; i++) s += (f(i & 4095) ? 1 : 0);
    const c = process.cpuUsage(c0);
    if (r === 2) console.log(name.padEnd(28), ((c.user + c.system) / N).toFixed(3), "µs");
  }
}
bench("checkRecord", (i) => checkRecord(d.schema, pool[i]));
bench("create", (i) => create(d.schema, pool[i] as never));
bench("key Buffer.from", (i) => Buffer.from(d.key!(msgs[i]!)));
bench("redact (hash)", (i) => { const m = msgs[i]!; const e = m.customerEmail; d.redact!(m); m.customerEmail = e; return 1; });
bench("encode (generated)", (i) => d.encode!(msgs[i]!));
bench("frame + Buffer.from", (i) => Buffer.from(frame(header, payloads[i]!).buffer));
bench("frame via allocUnsafe", (i) => { const p = payloads[i]!; const b = Buffer.allocUnsafe(header.length + p.length); b.set(header, 0); b.set(p, header.length); return b; });
bench("histogram observe + 2 now", (i) => { const t = performance.now(); h.observe((performance.now() - t) / 1000); return i; });
