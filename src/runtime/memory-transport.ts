import type { ProduceTransport, TransportTopicBatch } from "./kafka-transport.ts";
import type { LogwireError } from "./errors.ts";

/**
 * An in-memory `ProduceTransport` for unit tests: it records every request,
 * can hold requests until released (to fill the buffer) and can fail the
 * next requests with a given error.
 */
export interface MemoryTransport extends ProduceTransport {
  /** Every acked request, in order. */
  readonly requests: TransportTopicBatch[][];
  /** Requests currently waiting in `send`. */
  readonly inFlight: number;
  /** Holds all sends until `release()` is called. */
  hold(): void;
  release(): void;
  /** The next `count` sends reject with `error`. */
  failNext(error: LogwireError, count?: number): void;
  /** Per-topic limit reported by `maxMessageBytes`. */
  setMaxMessageBytes(topic: string, bytes: number): void;
}

export function createMemoryTransport(): MemoryTransport {
  const requests: TransportTopicBatch[][] = [];
  const limits = new Map<string, number>();
  let held: Promise<void> | undefined;
  let releaseHeld: (() => void) | undefined;
  let failures: { error: LogwireError; count: number } | undefined;
  let inFlight = 0;
  // Like a producer's open socket, a connected transport keeps the process
  // alive; the pipeline's own timers are unref()ed and rely on that.
  let keepAlive: NodeJS.Timeout | undefined;
  return {
    requests,
    get inFlight() {
      return inFlight;
    },
    hold() {
      if (held === undefined) {
        held = new Promise((resolve) => {
          releaseHeld = resolve;
        });
      }
    },
    release() {
      releaseHeld?.();
      held = undefined;
      releaseHeld = undefined;
    },
    failNext(error, count = 1) {
      failures = { error, count };
    },
    setMaxMessageBytes(topic, bytes) {
      limits.set(topic, bytes);
    },
    async connect() {
      keepAlive ??= setInterval(() => {}, 1 << 30);
    },
    async send(batches) {
      inFlight++;
      try {
        while (held !== undefined) {
          await held;
        }
        await Promise.resolve();
        if (failures !== undefined && failures.count > 0) {
          failures.count--;
          throw failures.error;
        }
        requests.push(batches.map((b) => ({ topic: b.topic, records: [...b.records] })));
      } finally {
        inFlight--;
      }
    },
    async maxMessageBytes(topic) {
      return limits.get(topic);
    },
    async disconnect() {
      clearInterval(keepAlive);
      keepAlive = undefined;
    },
  };
}
