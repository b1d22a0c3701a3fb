/**
 * Per-record CPU cost of each step on the emit -> produce path, one process,
 * interleaved rounds, median, CPU time (robust on a busy box). The SDK's
 * steps (what `accept()` and the batcher do per record) beside kafkajs's
 * (what every producer pays, raw or not), so the profile's shares can be
 * read as microseconds. The emit path is measured both ways, before (a
 * message per record: checkRecord, create(), redact in place, encode) and
 * now (generated check, copy-on-write redaction, the init object encoded as
 * it is), and printed side by side at the end.
 * Usage: `tsx bench/hot-path-micro.ts [--rounds 5]`.
 * Also run as the suite's "profile" step (prints JSON with --json).
 */
import { create } from "@bufbuild/protobuf";
import { Histogram, Registry } from "prom-client";
import { PaymentAuditLog } from "../proto/example/payments/v1/audit_logwire.ts";
import { registerCompressionCodecs } from "../src/runtime/kafka/kafkajs/compression.ts";
import { loadKafkajs, loadKafkajsInstance, loadKafkajsProduceRequest } from "../src/runtime/kafka/kafkajs/kafkajs-module.ts";
import { produceRequestInstalled, type ProduceRequestV3 } from "../src/runtime/kafka/kafkajs/kafkajs-produce-request.ts";
import { checkRecord } from "../src/runtime/check/record-check.ts";
import { encodeFrameHeader, frame } from "../src/runtime/registry/wire-format.ts";
import { createPartitionTracker } from "../src/runtime/kafka/kafkajs/partition-acks.ts";
import { auditPool, preEncodedPool } from "./workload.ts";

// The kafkajs the SDK runs: logwire's own instance, its patches installed.
const { Partitioners, CompressionTypes } = loadKafkajs();
// kafkajs internals: the functions its producer calls per request.
const group = loadKafkajsInstance().require("kafkajs/src/producer/groupMessagesPerPartition") as (o: object) => Record<string, unknown[]>;
// The Produce request: kafkajs's own module (compiled from its file) and the one kafkajs resolves, logwire's patch.
const produceV3Kafkajs = loadKafkajsProduceRequest();
const produceV3Patched = loadKafkajsInstance().require("kafkajs/src/protocol/requests/produce/v3/request") as ProduceRequestV3;

export interface StepCost {
  readonly step: string;
  readonly side: "sdk" | "kafkajs";
  readonly microsPerRecord: number;
}

/** The emit path's steps before (a message per record) and now (the init object as it is). */
const STEP = {
  check: "generated check (descriptor.check)",
  create: "create() from the init object",
  redact: "redact (sha256 of the e-mail)",
  redactCopy: "redactCopy (sha256 of the e-mail, into a copy)",
  encode: "generated encode",
  encodeInit: "generated encode of the init object (encodeInit)",
  before: "emit path before: checkRecord, create, redact, key, encode",
  now: "emit path now: check, redactCopy, key, encodeInit",
} as const;

/** The emit path's steps side by side, before and now, in µs per record. */
function sideBySide(costs: readonly StepCost[]): string[] {
  const us = (step: string): string => costs.find((c) => c.step === step)?.microsPerRecord.toFixed(2).padStart(6) ?? "     -";
  return [
    "emit path per record, before -> now (µs):",
    `  check    checkRecord ${us("checkRecord (plain-JS guard)")}  ->  generated check ${us(STEP.check)}`,
    `  message  create()    ${us(STEP.create)}  ->  none`,
    `  redact   in place    ${us(STEP.redact)}  ->  into a copy     ${us(STEP.redactCopy)}`,
    `  encode   message     ${us(STEP.encode)}  ->  init object     ${us(STEP.encodeInit)}`,
    `  all, one loop (+key) ${us(STEP.before)}  ->                  ${us(STEP.now)}`,
  ];
}

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? d : Number(process.argv[i + 1]);
};

export async function measureHotPath(rounds = 5): Promise<StepCost[]> {
  registerCompressionCodecs();
  const pool = auditPool(4096);
  const d = PaymentAuditLog;
  const msgs = pool.map((p) => create(d.schema, p));
  const redacted = pool.map((p) => d.redactCopy!(p));
  const header = encodeFrameHeader(1, [0]);
  const payloads = msgs.map((m) => d.encode!(m));
  const histogram = new Histogram({ name: "h", help: "h", buckets: [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 1e-3, 1e-2], registers: [new Registry()] });
  const encoded = preEncodedPool(pool);
  // One 1 MiB batch worth of records (~4,100), 3 partitions, as the bench sends.
  const batch = encoded.slice(0, 4096);
  const partitionMetadata = [0, 1, 2].map((p) => ({ partitionId: p, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
  const partitioner = Partitioners.DefaultPartitioner() as unknown as (o: object) => number;
  const ours = createPartitionTracker().createPartitioner() as unknown as (o: object) => number;
  const perPartition = group({ topic: "t", partitionMetadata, messages: batch, partitioner });

  let sink = 0;
  const perRecord: { step: string; side: StepCost["side"]; n: number; run: () => unknown }[] = [
    { step: "checkRecord (plain-JS guard)", side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) sink += checkRecord(d.schema, pool[i]).length; } },
    { step: STEP.check, side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) sink += d.check!(pool[i]) ? 1 : 0; } },
    { step: STEP.create, side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) sink += create(d.schema, pool[i]!).actor.length; } },
    { step: STEP.redact, side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) { const m = msgs[i]!; const e = m.customerEmail; d.redact!(m); m.customerEmail = e; } } },
    { step: STEP.redactCopy, side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) sink += d.redactCopy!(pool[i]!) === pool[i] ? 0 : 1; } },
    { step: STEP.encode, side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) sink += d.encode!(msgs[i]!).length; } },
    { step: STEP.encodeInit, side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) sink += d.encodeInit!(redacted[i]!).length; } },
    {
      step: STEP.before,
      side: "sdk",
      n: 4096,
      run: () => {
        for (let i = 0; i < 4096; i++) {
          const init = pool[i]!;
          if (checkRecord(d.schema, init).length > 0) throw new Error("invalid record in the pool");
          const m = create(d.schema, init);
          d.redact!(m);
          sink += Buffer.from(d.key!(m)).length + d.encode!(m).length;
        }
      },
    },
    {
      step: STEP.now,
      side: "sdk",
      n: 4096,
      run: () => {
        for (let i = 0; i < 4096; i++) {
          const init = pool[i]!;
          // What admission encodes: the check's copy, redacted in place.
          const checked = d.check!(init);
          if (checked === undefined) throw new Error("invalid record in the pool");
          const record = d.redactCopy!(checked as never, true);
          sink += Buffer.from(d.key!(record as never)).length + d.encodeInit!(record).length;
        }
      },
    },
    { step: "key to Buffer", side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) sink += Buffer.from(d.key!(msgs[i]!)).length; } },
    { step: "encode-time histogram (2 clock reads + observe)", side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) { const t = performance.now(); histogram.observe((performance.now() - t) / 1000); } } },
    { step: "frame: new Uint8Array (before)", side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) sink += Buffer.from(frame(header, payloads[i]!).buffer).length; } },
    { step: "frame: Buffer.allocUnsafe (now)", side: "sdk", n: 4096, run: () => { for (let i = 0; i < 4096; i++) { const p = payloads[i]!; const b = Buffer.allocUnsafe(header.length + p.length); b.set(header, 0); b.set(p, header.length); sink += b.length; } } },
    { step: "murmur2 partitioner, kafkajs's (before)", side: "kafkajs", n: 4096, run: () => { for (const message of batch) sink += partitioner({ topic: "t", partitionMetadata, message }); } },
    { step: "murmur2 partitioner, logwire's (now)", side: "kafkajs", n: 4096, run: () => { for (const message of batch) sink += ours({ topic: "t", partitionMetadata, message }); } },
    { step: "groupMessagesPerPartition (1 MiB batch)", side: "kafkajs", n: 4096, run: () => { sink += Object.keys(group({ topic: "t", partitionMetadata, messages: batch, partitioner })).length; } },
  ];
  const topicData = [{ topic: "t", partitions: Object.entries(perPartition).map(([p, messages]) => ({ partition: Number(p), firstSequence: 0, messages: messages as object[] })) }];
  // Same request both ways (byte-identical output: test/runtime/kafkajs-produce-request.test.ts); the patch only when installed (not with
  // LOGWIRE_KAFKAJS_PATCHES=off). kafkajs's own goes last, as before: the GC of its garbage is charged to whatever runs next.
  const perRequest: { step: string; request: ProduceRequestV3 }[] = [
    ...(produceRequestInstalled() ? [{ step: "produce request encode, logwire's patch (records, snappy, crc) (now)", request: produceV3Patched }] : []),
    { step: "produce request encode, kafkajs's own (records, snappy, crc) (before)", request: produceV3Kafkajs },
  ];
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const samples = new Map<string, number[]>();
  for (let r = -1; r < rounds; r++) {
    for (const s of perRecord) {
      const t = cpu();
      for (let k = 0; k < 5; k++) s.run();
      if (r >= 0) (samples.get(s.step) ?? samples.set(s.step, []).get(s.step)!).push((cpu() - t) / (5 * s.n));
    }
    for (const s of perRequest) {
      const t = cpu();
      for (let k = 0; k < 5; k++) sink += (await s.request({ acks: -1, timeout: 30000, compression: CompressionTypes.Snappy, topicData }).encode()).buffer.length;
      if (r >= 0) (samples.get(s.step) ?? samples.set(s.step, []).get(s.step)!).push((cpu() - t) / (5 * batch.length));
    }
  }
  if (sink === 0) process.stdout.write("");
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return [...samples].map(([step, xs]) => ({ step, side: step.startsWith("produce") ? "kafkajs" : perRecord.find((s) => s.step === step)!.side, microsPerRecord: median(xs) }));
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const costs = await measureHotPath(arg("rounds", 5));
  if (process.argv.includes("--json")) process.stdout.write(JSON.stringify(costs) + "\n");
  else {
    for (const c of costs) process.stdout.write(`${c.side.padEnd(8)} ${c.microsPerRecord.toFixed(2).padStart(6)} µs  ${c.step}\n`);
    process.stdout.write(`\n${sideBySide(costs).join("\n")}\n`);
  }
}
