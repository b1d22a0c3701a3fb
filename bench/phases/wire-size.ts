/**
 * Child phase, part c (size): bytes on the wire of the same records as
 * Protobuf (framed, as logwire sends them) and as proto3 JSON, in Kafka
 * record batches of up to 1 MiB built by kafkajs's own RecordBatch/Record
 * encoders (so per-record varints, the batch header and the Snappy block are
 * exactly what a produce request carries), compressed with the native Snappy
 * codec logwire registers, and uncompressed for the Snappy saving itself.
 */
import { createRequire } from "node:module";
import kafkajs from "kafkajs";
import { registerCompressionCodecs } from "../../src/runtime/kafka/kafkajs/compression.ts";
import { RECORD_OVERHEAD_BYTES } from "../../src/runtime/buffer/record-buffer.ts";
import { progress, runChild } from "../phase-child.ts";
import { auditPool, jsonPool, preEncodedPool } from "../workload.ts";

const require = createRequire(import.meta.url);
// kafkajs's internal encoders (not part of its typed API): the bytes they
// produce are the bytes its producer puts in a produce request.
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as {
  RecordBatch: (o: { compression: number; records: unknown[] }) => Promise<{ buffer: Buffer }>;
};
const Record = require("kafkajs/src/protocol/recordBatch/record/v0") as (o: { offsetDelta: number; key: Buffer; value: Buffer }) => unknown;
const { CompressionTypes } = kafkajs;

export interface FormatSize {
  readonly records: number;
  readonly batches: number;
  /** Value bytes per record (the payload alone). */
  readonly valueBytes: number;
  /** Record-batch bytes per record, uncompressed and Snappy-compressed. */
  readonly wireBytesUncompressed: number;
  readonly wireBytesSnappy: number;
}

export interface WireSizeResult {
  readonly protobuf: FormatSize;
  readonly json: FormatSize;
}

async function measure(records: readonly { key: Buffer; value: Buffer }[], batchBytes: number): Promise<FormatSize> {
  let plain = 0;
  let snappy = 0;
  let batches = 0;
  for (let i = 0; i < records.length; ) {
    const batch: unknown[] = [];
    let bytes = 0;
    for (; i < records.length; i++) {
      const r = records[i]!;
      const size = r.key.length + r.value.length + RECORD_OVERHEAD_BYTES;
      if (batch.length > 0 && bytes + size > batchBytes) break;
      batch.push(Record({ offsetDelta: batch.length, key: r.key, value: r.value }));
      bytes += size;
    }
    plain += (await RecordBatch({ compression: CompressionTypes.None, records: batch })).buffer.length;
    snappy += (await RecordBatch({ compression: CompressionTypes.Snappy, records: batch })).buffer.length;
    batches++;
  }
  const n = records.length;
  return {
    records: n,
    batches,
    valueBytes: records.reduce((s, r) => s + r.value.length, 0) / n,
    wireBytesUncompressed: plain / n,
    wireBytesSnappy: snappy / n,
  };
}

await runChild<{ readonly batchBytes: number }, WireSizeResult>(async (p) => {
  registerCompressionCodecs(kafkajs);
  const pool = auditPool();
  const protobuf = await measure(preEncodedPool(pool), p.batchBytes);
  progress(0.5);
  return { protobuf, json: await measure(jsonPool(pool), p.batchBytes) };
});
