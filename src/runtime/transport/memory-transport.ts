import { markDeliveryUnknown } from "./delivery-unknown.ts";
import { ErrorCode, LogwireError } from "../errors.ts";
import type { ProduceTransport, TransportTopicBatch } from "./transport.ts";

/**
 * An in-memory `ProduceTransport` for unit tests: it records every request,
 * can hold requests until released (to fill the buffer), can fail the next
 * requests with a given error, and can lose the answers of the next requests.
 *
 * A held request is on the wire: the "broker" has its bytes and has not
 * answered. So `disconnect()` ends it as the kafkajs transport ends a request
 * in flight: it rejects marked delivery-unknown (delivery-unknown.ts), and
 * its records go to `unanswered`.
 */
export interface MemoryTransport extends ProduceTransport {
  /** Every acked request, in order. */
  readonly requests: TransportTopicBatch[][];
  /**
   * Requests the broker got but never answered (`loseAnswers`, or held when
   * `disconnect()` ended them): written or not, nobody knows; a test can
   * count them as written.
   */
  readonly unanswered: TransportTopicBatch[][];
  /** Requests currently waiting in `send`. */
  readonly inFlight: number;
  /** Holds all sends until `release()` is called. */
  hold(): void;
  release(): void;
  /** The next `count` sends reject with `error`: a definite failure, nothing written. */
  failNext(error: LogwireError, count?: number): void;
  /**
   * The next `count` sends reach the broker and get no answer: each goes to
   * `unanswered` and rejects with a retriable `broker_unavailable` marked
   * delivery-unknown, as a request timeout does.
   */
  loseAnswers(count?: number): void;
  /** Per-topic limit reported by `maxMessageBytes`. */
  setMaxMessageBytes(topic: string, bytes: number): void;
}

export function createMemoryTransport(): MemoryTransport {
  const requests: TransportTopicBatch[][] = [];
  const unanswered: TransportTopicBatch[][] = [];
  const limits = new Map<string, number>();
  let held: Promise<void> | undefined;
  let releaseHeld: (() => void) | undefined;
  let failures: { error: LogwireError; count: number } | undefined;
  let lost = 0;
  let inFlight = 0;
  /** Ends the held sends; replaced on each disconnect. */
  let cut: { readonly promise: Promise<void>; readonly fire: () => void } = cutter();
  // Like a producer's open socket, a connected transport keeps the process
  // alive; the pipeline's own timers are unref()ed and rely on that.
  let keepAlive: NodeJS.Timeout | undefined;

  function cutter(): { promise: Promise<void>; fire: () => void } {
    let fire!: () => void;
    const promise = new Promise<void>((resolve) => {
      fire = resolve;
    });
    return { promise, fire };
  }

  function unansweredError(why: string): LogwireError {
    return markDeliveryUnknown(new LogwireError(ErrorCode.BrokerUnavailable, `produce failed: ${why}`, { retriable: true, fix: "check that the brokers are reachable" }));
  }

  return {
    requests,
    unanswered,
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
    loseAnswers(count = 1) {
      lost = count;
    },
    setMaxMessageBytes(topic, bytes) {
      limits.set(topic, bytes);
    },
    async connect() {
      keepAlive ??= setInterval(() => {}, 1 << 30);
    },
    async send(batches) {
      inFlight++;
      const copy = (): TransportTopicBatch[] => batches.map((b) => ({ topic: b.topic, records: [...b.records] }));
      try {
        const ended = cut.promise.then(() => true);
        while (held !== undefined) {
          if (await Promise.race([held.then(() => false), ended])) {
            unanswered.push(copy());
            throw unansweredError("the producer was disconnected with a request in flight");
          }
        }
        await Promise.resolve();
        if (failures !== undefined && failures.count > 0) {
          failures.count--;
          throw failures.error;
        }
        if (lost > 0) {
          lost--;
          unanswered.push(copy());
          throw unansweredError("Request Produce(key: 0, version: 7) timed out");
        }
        requests.push(copy());
      } finally {
        inFlight--;
      }
    },
    async maxMessageBytes(topic) {
      return limits.get(topic);
    },
    async disconnect() {
      cut.fire();
      cut = cutter();
      clearInterval(keepAlive);
      keepAlive = undefined;
    },
  };
}
