/**
 * A kafkajs message over a packed request (transport/packed-batches.ts).
 *
 * kafkajs holds each request's messages until the broker answers, long
 * enough for young-generation collections to promote them. A message
 * therefore keeps where its key and value are in the request's buffer, not
 * views of them: logwire's Produce request encoder copies straight from
 * `data` (kafkajs-produce-request.ts), and the `key` and `value` getters
 * make a view per call for whatever else reads them (the partitioner,
 * kafkajs's own checks and encoder).
 */
export class PackedMessage {
  /** Where the partitioner last put it (-1: not yet); see partition-acks.ts. */
  lwPartition = -1;

  constructor(
    /** The request's keys and values, back to back. */
    readonly data: Buffer,
    readonly keyOffset: number,
    /** -1 for a null key. */
    readonly keyLength: number,
    readonly valueOffset: number,
    readonly valueLength: number,
    readonly headers: Record<string, string> | undefined,
  ) {}

  get key(): Buffer | null {
    return this.keyLength < 0 ? null : this.data.subarray(this.keyOffset, this.keyOffset + this.keyLength);
  }

  get value(): Buffer {
    return this.data.subarray(this.valueOffset, this.valueOffset + this.valueLength);
  }
}
