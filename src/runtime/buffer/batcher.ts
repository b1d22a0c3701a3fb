import { isDeliveryUnknown, markDeliveryUnknown } from "../transport/delivery-unknown.ts";
import { ErrorCode, type LogwireError } from "../errors.ts";
import type { ProduceTransport, TransportRecord, TransportTopicBatch } from "../transport/transport.ts";
import type { HeldRecord, RecordBuffer } from "./record-buffer.ts";

/** What the batcher needs from a log type. */
export interface BatchType {
  readonly topic: string;
  /** The frame header; undefined while the schema id resolves (records wait). */
  readonly header: Uint8Array | undefined;
  /** Largest batch for this type's topic: min(batch.maxBytes, the topic's max.message.bytes). */
  readonly batchLimit: number;
}

/** A dead-letter record waiting to be written. */
export interface DeadLetterEntry {
  readonly topic: string;
  readonly record: TransportRecord;
  readonly bytes: number;
  /** Most bytes of dead letters for `topic` in one request (the topic's limit); none when unknown. */
  readonly batchLimit?: number;
  /**
   * Called once: null when the DLQ acked it, else why it could not be written,
   * marked by `markDeliveryUnknown` when an attempt may have written it.
   */
  readonly done: (error: LogwireError | null) => void;
}

export interface BatcherOptions<T extends BatchType> {
  readonly buffer: RecordBuffer<T>;
  readonly transport: ProduceTransport;
  readonly types: () => Iterable<T>;
  readonly lingerMs: number;
  readonly batchMaxBytes: number;
  /** True while flush()/close() wait: batches go out without lingering. */
  readonly urgent: () => boolean;
  /** True once close() timed out: a request that keeps failing is given up. */
  readonly givingUp: () => boolean;
  readonly onRequest: (batches: readonly TransportTopicBatch[], bytes: number) => void;
  readonly onAcked: (records: readonly HeldRecord<T>[]) => void;
  /** A retriable failure; the same request is sent again after a backoff. */
  readonly onRetriableError: (records: readonly HeldRecord<T>[], error: LogwireError, attempt: number) => void;
  /**
   * A permanent failure (or a retriable one while giving up): the records
   * leave the buffer. A retriable `error` is marked by `markDeliveryUnknown`
   * when any attempt of the request may have been written.
   */
  readonly onFailed: (records: readonly HeldRecord<T>[], error: LogwireError) => void;
  /** Retries of a dead-letter write before it is counted as failed. The default is 3. */
  readonly dlqRetries?: number;
}

interface Request<T> {
  readonly records: HeldRecord<T>[];
  readonly batches: TransportTopicBatch[];
  readonly bytes: number;
  /** The last failed attempt's error, marked once any attempt may have been written (it stays so: a later refusal does not undo an earlier write). */
  failure: LogwireError | undefined;
}

/**
 * The Confluent frame (header + payload) as the Buffer kafkajs sends. Same
 * bytes as wire-format's `frame`, but in `Buffer.allocUnsafe`'s pooled slab:
 * a `new Uint8Array` per record gets its own backing store, which cost about
 * 1 µs per record in the benchmark's profile (bench/, BENCHMARKS.md), about
 * 7 times this. Every byte is written before the buffer is used.
 */
function framedValue(header: Uint8Array, payload: Uint8Array): Buffer {
  const value = Buffer.allocUnsafe(header.length + payload.length);
  value.set(header, 0);
  value.set(payload, header.length);
  return value;
}

/** Backoff of logwire's own retry loop, after kafkajs's retries are spent: 100 ms doubling to 5 s. */
function backoffMs(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
}

/** `error`, marked as possibly written when it or an earlier failure of the same request was. */
function keepUnknown(error: LogwireError, earlier: LogwireError | undefined): LogwireError {
  return earlier !== undefined && isDeliveryUnknown(earlier) ? markDeliveryUnknown(error) : error;
}

/**
 * Builds per-topic batches from the buffer and ships them, one request at a
 * time: kafkajs's idempotent producer requires `maxInFlightRequests: 1`, so
 * one `send` (one `sendBatch` spanning all ready topics) is in flight per
 * producer. kafkajs has no linger, so the batcher lingers: a request goes out
 * when a topic's ready bytes reach its batch limit, when the oldest ready
 * record has waited `lingerMs`, or at once while flushing.
 *
 * A request that failed retriably is resent as-is before anything else, so
 * per-partition order holds. Dead-letter records go in their own requests,
 * ahead of normal ones, so a DLQ failure never fails normal records and is
 * never itself dead-lettered.
 */
export function createBatcher<T extends BatchType>(options: BatcherOptions<T>) {
  const { buffer, transport } = options;
  const dlq: DeadLetterEntry[] = [];
  const dlqRetries = options.dlqRetries ?? 3;
  let inFlight = false;
  /** Inside `transport.send` (not in a backoff between attempts). */
  let sending = false;
  /** Ends the backoff under way early (a close that gave up). */
  let wake: (() => void) | undefined;
  let retry: Request<T> | undefined;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = 0;
  let scheduled = false;

  function readyState(): { bytes: number; full: boolean; oldest: number } {
    let bytes = 0;
    let full = false;
    let oldest = Infinity;
    for (const type of options.types()) {
      if (type.header === undefined) continue;
      const head = buffer.peek(type);
      if (head === undefined) continue;
      const b = buffer.queuedBytes(type);
      bytes += b;
      if (b >= type.batchLimit) full = true;
      if (head.enqueuedAt < oldest) oldest = head.enqueuedAt;
    }
    return { bytes, full, oldest };
  }

  function build(): Request<T> {
    const byTopic = new Map<string, { records: TransportRecord[]; bytes: number; limit: number }>();
    const records: HeldRecord<T>[] = [];
    let total = 0;
    for (const type of options.types()) {
      if (type.header === undefined) continue;
      let slot = byTopic.get(type.topic);
      if (slot === undefined) {
        slot = { records: [], bytes: 0, limit: type.batchLimit };
        byTopic.set(type.topic, slot);
      }
      for (let r = buffer.peek(type); r !== undefined; r = buffer.peek(type)) {
        if (slot.records.length > 0 && slot.bytes + r.bytes > slot.limit) break;
        buffer.take(type);
        slot.records.push({ key: r.key, value: framedValue(type.header, r.payload) });
        slot.bytes += r.bytes;
        records.push(r);
      }
      total += slot.bytes;
    }
    const batches: TransportTopicBatch[] = [];
    for (const [topic, slot] of byTopic) {
      if (slot.records.length > 0) batches.push({ topic, records: slot.records });
    }
    return { records, batches, bytes: total, failure: undefined };
  }

  /**
   * Waits `ms` before the next attempt; resolves true when `abandonRetry`
   * ended the wait early. Not unref()ed: while records wait to be retried,
   * the process stays alive (a broker that is down leaves no socket to hold
   * it), so a process that ended its own work meanwhile does not exit and lose them.
   */
  function backoff(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve(false);
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve(true);
      };
    });
  }

  /** `transport.send`, with `sending` set while it runs. */
  async function send(batches: TransportTopicBatch[]): Promise<void> {
    sending = true;
    try {
      await transport.send(batches);
    } finally {
      sending = false;
    }
  }

  /** The next dead letters, in order: up to batch.maxBytes in all, and up to each topic's `batchLimit` for it. */
  function buildDlq(): DeadLetterEntry[] {
    const out: DeadLetterEntry[] = [];
    const topicBytes = new Map<string, number>();
    let bytes = 0;
    while (dlq.length > 0) {
      const e = dlq[0]!;
      const forTopic = (topicBytes.get(e.topic) ?? 0) + e.bytes;
      if (out.length > 0 && (bytes + e.bytes > options.batchMaxBytes || forTopic > (e.batchLimit ?? Infinity))) break;
      dlq.shift();
      bytes += e.bytes;
      topicBytes.set(e.topic, forTopic);
      out.push(e);
    }
    return out;
  }

  async function sendDlq(entries: DeadLetterEntry[]): Promise<void> {
    const byTopic = new Map<string, TransportRecord[]>();
    for (const e of entries) {
      const list = byTopic.get(e.topic) ?? [];
      list.push(e.record);
      byTopic.set(e.topic, list);
    }
    const batches = [...byTopic].map(([topic, records]) => ({ topic, records }));
    let lastError: LogwireError | undefined;
    for (let i = 0; i <= dlqRetries; i++) {
      try {
        await send(batches);
        for (const e of entries) e.done(null);
        return;
      } catch (error) {
        lastError = keepUnknown(error as LogwireError, lastError);
        if (!lastError.retriable || options.givingUp() || i === dlqRetries) break;
        if (await backoff(backoffMs(i))) break;
      }
    }
    // The broker refused records of the request for good (too large,
    // invalid): one dead letter's refusal must not fail the others, so the
    // halves are sent on their own, down to single dead letters.
    if (entries.length > 1 && lastError!.code === ErrorCode.ProduceRejected && !isDeliveryUnknown(lastError!) && !options.givingUp()) {
      const half = Math.ceil(entries.length / 2);
      await sendDlq(entries.slice(0, half));
      await sendDlq(entries.slice(half));
      return;
    }
    for (const e of entries) e.done(lastError!);
  }

  async function sendMain(req: Request<T>): Promise<void> {
    options.onRequest(req.batches, req.bytes);
    try {
      await send(req.batches);
      retry = undefined;
      attempt = 0;
      options.onAcked(req.records);
    } catch (error) {
      const e = error as LogwireError;
      req.failure = keepUnknown(e, req.failure);
      if (e.retriable && !options.givingUp()) {
        attempt++;
        retry = req;
        options.onRetriableError(req.records, e, attempt);
        await backoff(backoffMs(attempt - 1));
      } else {
        retry = undefined;
        attempt = 0;
        // A permanent failure is the broker's answer to this attempt: it stays unmarked (dead-lettered).
        options.onFailed(req.records, e.retriable ? req.failure : e);
      }
    }
  }

  function run(): void {
    scheduled = false;
    if (inFlight) return;
    let work: Promise<void> | undefined;
    if (dlq.length > 0) {
      work = sendDlq(buildDlq());
    } else if (retry !== undefined) {
      work = sendMain(retry);
    } else {
      const ready = readyState();
      if (ready.bytes === 0) return;
      const waited = performance.now() - ready.oldest;
      if (ready.full || options.urgent() || waited >= options.lingerMs) {
        work = sendMain(build());
      } else {
        const at = ready.oldest + options.lingerMs;
        if (timer === undefined || timerAt > at) {
          if (timer !== undefined) clearTimeout(timer);
          timerAt = at;
          timer = setTimeout(() => {
            timer = undefined;
            kick();
          }, Math.max(0, at - performance.now()));
          timer.unref();
        }
        return;
      }
    }
    inFlight = true;
    work.finally(() => {
      inFlight = false;
      kick();
    });
  }

  /** Schedules a look at the buffer; cheap to call on every emit. */
  function kick(): void {
    if (scheduled || inFlight) return;
    scheduled = true;
    queueMicrotask(run);
  }

  return {
    kick,
    deadLetter(entry: DeadLetterEntry): void {
      dlq.push(entry);
      kick();
    },
    get dlqLength(): number {
      return dlq.length;
    },
    get busy(): boolean {
      return inFlight || retry !== undefined;
    },
    /**
     * For a close that gave up: takes the request waiting to be resent (in
     * its backoff, not being sent) and ends any backoff under way. `error`
     * is its last failure, marked by `markDeliveryUnknown` when an attempt
     * may have been written. A request being sent is not taken: the
     * transport's `disconnect()` ends it (kafka-transport.ts).
     */
    abandonRetry(): { records: HeldRecord<T>[]; error: LogwireError | undefined } {
      const r = sending ? undefined : retry;
      if (r !== undefined) {
        retry = undefined;
        attempt = 0;
      }
      wake?.();
      return { records: r?.records ?? [], error: r?.failure };
    },
  };
}

export type Batcher<T extends BatchType> = ReturnType<typeof createBatcher<T>>;
