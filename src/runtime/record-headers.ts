/**
 * A record's own Kafka headers (today the span's `traceparent` and
 * `tracestate`, pipeline/trace-context.ts): set at emit(), sent with the
 * record, kept by the disk spool and carried by its dead letter.
 */
export type RecordHeaders = Readonly<Record<string, string>>;

/** Bytes the headers add to a record on the wire: a count varint, then a length varint, name and value per header. */
export function headerBytes(headers: RecordHeaders): number {
  let n = 1;
  for (const name in headers) n += 2 + Buffer.byteLength(name) + 2 + Buffer.byteLength(headers[name]!);
  return n;
}
