import type { RecordHeaders } from "../record-headers.ts";

/** Bytes counted per record on top of value and key: Kafka's per-record varints, attributes and deltas. */
export const RECORD_OVERHEAD_BYTES = 24;

/** What happens when a record does not fit in the buffer. */
export type OverflowPolicy = "drop-newest" | "drop-oldest" | "block";

/**
 * Memory a held record costs beyond its accounted (wire) bytes, counted
 * against `buffer.maxBytes` so that the budget bounds memory, not only wire
 * bytes: the record object (15 fields), its boxed enqueue time, its queue
 * slot and its share of the slabs its bytes are in, less the 24 B of
 * RECORD_OVERHEAD_BYTES already counted. Measured with a full buffer after a
 * full GC: 152 B for ~40 B records, 177 B for the seed's ~280 B audit records
 * (test/runtime/buffer-memory.test.ts holds the buffer to it). It was 296 B
 * while each record kept a view of its payload and a `Buffer` of its key
 * (BENCHMARKS.md, "What was changed" 18). Batches are still sized in wire bytes.
 */
export const HELD_RECORD_MEMORY_BYTES = 176;

/** What a held record of `bytes` accounted bytes counts against `buffer.maxBytes`. */
function memoryCost(bytes: number): number {
  return bytes + HELD_RECORD_MEMORY_BYTES;
}

/** Settles an `emitAndWait` promise. */
export interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
}

/**
 * A record accepted by `emit`, held until it is acked, dead-lettered or dropped.
 *
 * Under load, held records outlive young-generation collections and are
 * promoted, so what each one keeps alive is what the old generation grows
 * by. A record therefore keeps where its key and payload bytes are (the
 * `ArrayBuffer`, offset and length), not a view of them: the views made on
 * the emit path die young. The record route copies the bytes from there
 * into its request (`packRequest`); the `key` and `payload` getters make a
 * view for the colder paths (dead letters, the spool).
 */
export class HeldRecord<T> {
  /** Where the key's bytes are, or null for a null key. */
  readonly keyStore: ArrayBuffer | null;
  readonly keyOffset: number;
  /** The key's length in bytes, 0 for a null key. */
  readonly keyLength: number;
  /** Where the Protobuf payload's bytes are (unframed; framed when its request is packed). */
  readonly payloadStore: ArrayBuffer;
  readonly payloadOffset: number;
  readonly payloadLength: number;
  /**
   * `performance.now()` when it was offered to the buffer: its emit for a
   * live record, its read-back for one from the spool. Linger and the
   * delivery budget (`deliveryTimeoutMs`, record-route.ts) are measured from it.
   */
  enqueuedAt = 0;
  /** For `block`: when a record waiting for space gives up. */
  deadline = 0;
  /** Admission order, for `drop-oldest` across types; set by the buffer. */
  seq = 0;

  constructor(
    /** The record's log type (owns topic, header, status). */
    readonly type: T,
    readonly topic: string,
    key: Uint8Array | null,
    payload: Uint8Array,
    /**
     * Kafka headers sent with the record (the span's `traceparent` and
     * `tracestate`, trace-context.ts), or undefined for none. Counted in
     * `bytes`. Kept by the disk spool, and carried by the record's dead letter.
     */
    readonly headers: RecordHeaders | undefined,
    /** Accounted size: frame header + payload + key + headers + RECORD_OVERHEAD_BYTES. */
    readonly bytes: number,
    /** The flush epoch the record was emitted in (flush-epochs.ts). */
    readonly epoch: number,
    readonly waiter: Waiter | undefined,
  ) {
    if (key === null) {
      this.keyStore = null;
      this.keyOffset = 0;
      this.keyLength = 0;
    } else {
      this.keyStore = key.buffer as ArrayBuffer;
      this.keyOffset = key.byteOffset;
      this.keyLength = key.byteLength;
    }
    this.payloadStore = payload.buffer as ArrayBuffer;
    this.payloadOffset = payload.byteOffset;
    this.payloadLength = payload.byteLength;
  }

  /** The key, as a view of its bytes (made per call), or null. */
  get key(): Buffer | null {
    return this.keyStore === null ? null : Buffer.from(this.keyStore, this.keyOffset, this.keyLength);
  }

  /** The payload, unframed, as a view of its bytes (made per call). */
  get payload(): Uint8Array {
    return new Uint8Array(this.payloadStore, this.payloadOffset, this.payloadLength);
  }
}

/** A FIFO with O(1) push/shift that compacts itself. */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}

export interface RecordBufferOptions<T> {
  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
  readonly blockTimeoutMs: number;
  /** Called for records the policy drops after accepting them (evicted or timed out). */
  readonly onDrop: (record: HeldRecord<T>, reason: "buffer_full" | "block_timeout") => void;
  /** Called when records entered a queue (to kick the sender). */
  readonly onAdmit: () => void;
}

/**
 * The byte-bounded buffer, modelled on OpenTelemetry's BatchLogRecordProcessor
 * queue but budgeted in bytes, per log type.
 *
 * Every held record counts against `maxBytes` until it is settled, including
 * while it waits for its type's schema id and while it is in flight, so the
 * memory held by records is bounded by `maxBytes` (`2 × maxBytes` under
 * `block`, see below). A record counts its accounted bytes plus
 * HELD_RECORD_MEMORY_BYTES, the objects that carry it, so that `maxBytes`
 * bounds memory and not only wire bytes (BENCHMARKS.md, "What was changed" 14).
 *
 * Overflow policies, applied when a record does not fit:
 * - `drop-newest` (default): the new record is dropped (`buffer_full`).
 * - `drop-oldest`: the oldest queued records (not yet in flight) are evicted
 *   (`buffer_full`) until the new one fits; if in-flight records hold the
 *   space, the new one is dropped.
 * - `block`: `emit()` is synchronous and must not stall the event loop (the
 *   producer that frees space runs on it), so "blocking" means the record
 *   waits in a second FIFO of at most `maxBytes` until space frees, and is
 *   dropped (`block_timeout`) if `blockTimeoutMs` passes first. Order is kept:
 *   while records wait, new records queue behind them. `emitAndWait()` under
 *   `block` resolves only after the record got space and was acked, so an
 *   awaiting caller is paced by the broker. When the waiting FIFO is full too,
 *   the new record is dropped (`buffer_full`).
 */
export class RecordBuffer<T> {
  /** Memory bytes (`memoryCost`) of admitted records not yet settled. */
  heldBytes = 0;
  /** Admitted records not yet settled, by topic. */
  readonly lengthByTopic = new Map<string, number>();
  private readonly waiting = new Fifo<HeldRecord<T>>();
  private waitingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly queues = new Map<T, { fifo: Fifo<HeldRecord<T>>; bytes: number }>();

  constructor(private readonly options: RecordBufferOptions<T>) {}

  /** The queue of one type; types are queued separately so one waiting for its id does not stall others. */
  private queueOf(type: T): { fifo: Fifo<HeldRecord<T>>; bytes: number } {
    let q = this.queues.get(type);
    if (q === undefined) {
      q = { fifo: new Fifo(), bytes: 0 };
      this.queues.set(type, q);
    }
    return q;
  }

  /** The oldest queued record of a type, without taking it. */
  peek(type: T): HeldRecord<T> | undefined {
    return this.queues.get(type)?.fifo.peek();
  }

  /** Takes the oldest queued record of a type for sending; it stays held (counted) until settled. */
  take(type: T): HeldRecord<T> | undefined {
    const q = this.queues.get(type);
    const r = q?.fifo.shift();
    if (r !== undefined) q!.bytes -= r.bytes;
    return r;
  }

  /** Bytes queued (not yet taken) for a type. */
  queuedBytes(type: T): number {
    return this.queues.get(type)?.bytes ?? 0;
  }

  /**
   * True when `offer` would surely refuse any record of `minBytes` or more:
   * only under `drop-newest` (the other policies make room or wait), and
   * only when even that smallest record does not fit. Lets admission drop a
   * record before redacting and encoding it, with the same outcome.
   */
  refuses(minBytes: number): boolean {
    return this.options.overflow === "drop-newest" && this.heldBytes + memoryCost(minBytes) > this.options.maxBytes;
  }

  /** Offers a record; returns false when it was dropped (the caller counts `buffer_full`). */
  offer(record: HeldRecord<T>): boolean {
    record.enqueuedAt = performance.now();
    const cost = memoryCost(record.bytes);
    if (this.waiting.length === 0 && this.heldBytes + cost <= this.options.maxBytes) {
      this.admit(record);
      this.options.onAdmit();
      return true;
    }
    switch (this.options.overflow) {
      case "drop-newest":
        return false;
      case "drop-oldest":
        while (this.heldBytes + cost > this.options.maxBytes) {
          const victim = this.oldestQueued();
          if (victim === undefined) return false;
          this.take(victim.type);
          this.settle(victim);
          this.options.onDrop(victim, "buffer_full");
        }
        this.admit(record);
        this.options.onAdmit();
        return true;
      case "block":
        if (this.waitingBytes + cost > this.options.maxBytes) return false;
        record.deadline = performance.now() + this.options.blockTimeoutMs;
        this.waiting.push(record);
        this.waitingBytes += cost;
        this.armTimer();
        return true;
    }
  }

  /** Marks a record as no longer held (acked, dead-lettered, dropped) and lets waiting records in. */
  settle(record: HeldRecord<T>): void {
    this.heldBytes -= memoryCost(record.bytes);
    const n = (this.lengthByTopic.get(record.topic) ?? 1) - 1;
    if (n === 0) this.lengthByTopic.delete(record.topic);
    else this.lengthByTopic.set(record.topic, n);
    this.admitWaiting();
  }

  /** Removes every record that has not been taken by the sender (for close timeouts and failed types). */
  drainQueued(type?: T): HeldRecord<T>[] {
    const out: HeldRecord<T>[] = [];
    for (const [t, q] of this.queues) {
      if (type === undefined || t === type) {
        out.push(...q.fifo.drain());
        q.bytes = 0;
      }
    }
    for (const r of out) this.settle(r);
    if (type === undefined) {
      const waiting = this.waiting.drain();
      this.waitingBytes = 0;
      out.push(...waiting);
    }
    return out;
  }

  /** Records accepted but not yet admitted (block policy). */
  get waitingCount(): number {
    return this.waiting.length;
  }

  private admit(record: HeldRecord<T>): void {
    this.heldBytes += memoryCost(record.bytes);
    this.lengthByTopic.set(record.topic, (this.lengthByTopic.get(record.topic) ?? 0) + 1);
    record.seq = this.seq++;
    const q = this.queueOf(record.type);
    q.fifo.push(record);
    q.bytes += record.bytes;
  }

  private oldestQueued(): HeldRecord<T> | undefined {
    let best: HeldRecord<T> | undefined;
    for (const q of this.queues.values()) {
      const head = q.fifo.peek();
      if (head !== undefined && (best === undefined || head.seq < best.seq)) best = head;
    }
    return best;
  }

  private admitWaiting(): void {
    let admitted = false;
    for (;;) {
      const next = this.waiting.peek();
      if (next === undefined || this.heldBytes + memoryCost(next.bytes) > this.options.maxBytes) break;
      this.waiting.shift();
      this.waitingBytes -= memoryCost(next.bytes);
      this.admit(next);
      admitted = true;
    }
    if (admitted) this.options.onAdmit();
  }

  private armTimer(): void {
    if (this.timer !== undefined) return;
    const head = this.waiting.peek();
    if (head === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      for (;;) {
        const r = this.waiting.peek();
        if (r === undefined || r.deadline > now) break;
        this.waiting.shift();
        this.waitingBytes -= memoryCost(r.bytes);
        this.options.onDrop(r, "block_timeout");
      }
      this.armTimer();
    }, Math.max(0, head.deadline - performance.now()) + 1);
    this.timer.unref();
  }
}
