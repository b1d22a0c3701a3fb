// The seam between the pipeline and a Kafka client. The pipeline (and the
// producer thread) speak only this interface; everything client-specific
// lives under kafka/<client>/ behind it (kafka/kafkajs/ is the default).

/** The codecs a transport may be asked for (`compression` pipeline option). */
export type CompressionName = "snappy" | "gzip" | "lz4" | "zstd" | "none";

/** One record as the transport ships it: value already framed. */
export interface TransportRecord {
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface TransportTopicBatch {
  readonly topic: string;
  readonly records: readonly TransportRecord[];
}

/**
 * Buffers a `send` may take over from its caller: the record route frames
 * each attempt into one such buffer and never reads it after `send`
 * (buffer/record-route.ts), so the producer thread's transport moves it to
 * the thread instead of copying it (kafka/worker/transport-worker-protocol.ts).
 */
export const handedOver = new WeakSet<ArrayBuffer>();

/**
 * The small interface the pipeline produces through: the kafkajs producer
 * below, or the in-memory transport in unit tests. `send` ships several
 * topics in one request and resolves when the broker acked all of them. It
 * rejects with a LogwireError: `retriable` true for errors that may pass
 * (the pipeline retries the same request), false for permanent ones
 * (`produce_rejected`, `not_authorized`), which the pipeline dead-letters.
 * A failure after the request reached a socket unanswered is marked by
 * `markDeliveryUnknown` (buffer/delivery-unknown.ts): the broker may have written it.
 */
export interface ProduceTransport {
  connect(): Promise<void>;
  send(batches: readonly TransportTopicBatch[]): Promise<void>;
  /** The topic's `max.message.bytes`, or undefined when unknown (e.g. not created yet). */
  maxMessageBytes?(topic: string): Promise<number | undefined>;
  /**
   * Disconnects. A `send` still in flight is ended at once (a close that gave
   * up on it does not wait for its timeout): it rejects, marked
   * delivery-unknown when its request may have been written.
   */
  disconnect(): Promise<void>;
}
