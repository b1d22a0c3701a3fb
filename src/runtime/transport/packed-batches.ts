import type { ProduceTransport, TransportRecord, TransportTopicBatch } from "./transport.ts";

/**
 * A request packed: every key and value back to back in one buffer, in
 * send order, the way the record route frames it (buffer/record-route.ts
 * `packRequest`) and the producer thread's protocol moves it
 * (kafka/worker/transport-worker-protocol.ts). `lengths` holds two Int32 per
 * record: key length (-1 for a null key), then value length. Headers are
 * rare (dead-letter records) and travel beside them as
 * `[recordIndex, headers]` pairs. `topics` lists the batches in order, with
 * their record counts.
 */
export interface PackedBatches {
  readonly topics: readonly { readonly topic: string; readonly count: number }[];
  readonly data: ArrayBuffer;
  readonly lengths: ArrayBuffer;
  readonly headers: readonly (readonly [number, Readonly<Record<string, string>>])[];
}

/**
 * Walks a packed request: `make` gets each record's place in `data` (key
 * offset and length, -1 for a null key, then value offset and length) and
 * its headers, in order; the result groups what it made by topic. The one
 * reader of the packed layout.
 */
export function readPacked<T>(
  packed: PackedBatches,
  make: (data: Buffer, keyOffset: number, keyLength: number, valueOffset: number, valueLength: number, headers: Readonly<Record<string, string>> | undefined) => T,
): { readonly topic: string; readonly items: T[] }[] {
  const data = Buffer.from(packed.data);
  const lengths = new Int32Array(packed.lengths);
  const headers = packed.headers.length === 0 ? undefined : new Map(packed.headers);
  const out: { topic: string; items: T[] }[] = [];
  let p = 0;
  let n = 0;
  for (const { topic, count } of packed.topics) {
    const items: T[] = new Array(count);
    for (let i = 0; i < count; i++, n++) {
      const keyLength = lengths[2 * n] as number;
      const keyOffset = p;
      if (keyLength > 0) p += keyLength;
      const valueLength = lengths[2 * n + 1] as number;
      items[i] = make(data, keyOffset, keyLength, p, valueLength, headers?.get(n));
      p += valueLength;
    }
    out.push({ topic, items });
  }
  return out;
}

/** The batches `packed` holds; keys and values are views into `data`. */
export function unpackBatches(packed: PackedBatches): TransportTopicBatch[] {
  return readPacked(packed, (data, keyOffset, keyLength, valueOffset, valueLength, headers): TransportRecord => {
    const key = keyLength < 0 ? null : data.subarray(keyOffset, keyOffset + keyLength);
    const value = data.subarray(valueOffset, valueOffset + valueLength);
    return headers === undefined ? { key, value } : { key, value, headers };
  }).map((b) => ({ topic: b.topic, records: b.items }));
}

type SendPacked = (packed: PackedBatches) => Promise<void>;

/** logwire's own transports that take a request packed, with the `send` they were created with. */
const packedSends = new WeakMap<ProduceTransport, { readonly send: ProduceTransport["send"]; readonly sendPacked: SendPacked }>();

/**
 * Marks `transport` (logwire's kafkajs transport, in the thread or on the
 * producer thread) as one that also takes a request packed: `sendPacked`
 * does what `send(unpackBatches(packed))` would, and may take `data` and
 * `lengths` over (detach them). Kept out of `ProduceTransport` itself, so
 * an object that wraps a transport (a spread copy with its own `send`)
 * never has its `send` bypassed.
 */
export function withPackedSend<T extends ProduceTransport>(transport: T, sendPacked: SendPacked): T {
  packedSends.set(transport, { send: transport.send, sendPacked });
  return transport;
}

/** The packed send of `transport`, when it has one and its `send` is still the one it was created with. */
export function packedSendOf(transport: ProduceTransport): SendPacked | undefined {
  const entry = packedSends.get(transport);
  return entry !== undefined && entry.send === transport.send ? entry.sendPacked : undefined;
}
