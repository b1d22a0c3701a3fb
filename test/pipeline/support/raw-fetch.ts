import { connect } from "node:net";

/** One record batch header as stored on the broker. */
export interface BatchHeader {
  readonly baseOffset: bigint;
  readonly magic: number;
  readonly attributes: number;
  /** attributes & 0x07: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly codec: number;
  readonly producerId: bigint;
  readonly recordCount: number;
}

/**
 * Reads the record-batch headers of one partition with a hand-written Fetch
 * v4 request, so the test sees the bytes the broker stores and serves, not
 * what kafkajs's decoder chooses to expose (it hides the attributes).
 * Fetch v4 is the oldest version Kafka 4.x still serves (KIP-896).
 */
export async function fetchBatchHeaders(broker: string, topic: string, partition: number): Promise<BatchHeader[]> {
  const [host, port] = broker.split(":") as [string, string];
  const clientId = Buffer.from("logwire-test");
  const topicBytes = Buffer.from(topic);
  const body = Buffer.alloc(4 + 4 + 4 + 4 + 1 + 4 + 2 + topicBytes.length + 4 + 4 + 8 + 4);
  let o = 0;
  o = body.writeInt32BE(-1, o); // replica_id
  o = body.writeInt32BE(100, o); // max_wait_ms
  o = body.writeInt32BE(1, o); // min_bytes
  o = body.writeInt32BE(64 * 1024 * 1024, o); // max_bytes
  o = body.writeInt8(0, o); // isolation_level
  o = body.writeInt32BE(1, o); // topics
  o = body.writeInt16BE(topicBytes.length, o);
  o += topicBytes.copy(body, o);
  o = body.writeInt32BE(1, o); // partitions
  o = body.writeInt32BE(partition, o);
  o = body.writeBigInt64BE(0n, o); // fetch_offset
  body.writeInt32BE(64 * 1024 * 1024, o); // partition_max_bytes
  const header = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  header.writeInt16BE(1, 0); // api_key Fetch
  header.writeInt16BE(4, 2); // api_version
  header.writeInt32BE(7, 4); // correlation_id
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);

  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(Number(port), host, () => socket.write(Buffer.concat([size, header, body])));
    const chunks: Buffer[] = [];
    let total = 0;
    socket.on("data", (c) => {
      chunks.push(c);
      total += c.length;
      const all = Buffer.concat(chunks, total);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) {
        socket.end();
        resolve(all.subarray(4, 4 + all.readInt32BE(0)));
      }
    });
    socket.on("error", reject);
    socket.setTimeout(10000, () => socket.destroy(new Error("fetch timed out")));
  });

  let p = 4; // correlation_id
  p += 4; // throttle_time_ms
  const topics = response.readInt32BE(p);
  p += 4;
  if (topics !== 1) throw new Error(`expected 1 topic in the fetch response, got ${topics}`);
  p += 2 + response.readInt16BE(p); // topic name
  p += 4; // partitions count (1)
  p += 4; // partition
  const errorCode = response.readInt16BE(p);
  p += 2;
  if (errorCode !== 0) throw new Error(`fetch error code ${errorCode}`);
  p += 8 + 8; // high watermark, last stable offset
  const aborted = response.readInt32BE(p);
  p += 4 + Math.max(0, aborted) * 16;
  const recordsLength = response.readInt32BE(p);
  p += 4;
  const end = p + recordsLength;
  const out: BatchHeader[] = [];
  while (p + 61 <= end) {
    const baseOffset = response.readBigInt64BE(p);
    const batchLength = response.readInt32BE(p + 8);
    if (p + 12 + batchLength > end) break; // a partial batch at the end of the fetch
    const magic = response.readInt8(p + 16);
    const attributes = response.readInt16BE(p + 21);
    const producerId = response.readBigInt64BE(p + 43);
    const recordCount = response.readInt32BE(p + 57);
    out.push({ baseOffset, magic, attributes, codec: attributes & 0x07, producerId, recordCount });
    p += 12 + batchLength;
  }
  return out;
}
