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
  /**
   * How many times `connect()` was called and succeeded, how many times
   * `disconnect()` was called, and how many sends came while not connected.
   */
  readonly connects: { readonly calls: number; readonly succeeded: number; readonly disconnects: number; readonly sendsUnconnected: number };
  /** The next `count` connects reject with `error`. */
  failNextConnect(error: LogwireError, count?: number): void;
  /** Holds connects until `releaseConnect()` (a broker slow to answer). */
  holdConnect(): void;
  releaseConnect(): void;
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
  const connects = { calls: 0, succeeded: 0, disconnects: 0, sendsUnconnected: 0 };
  let connected = false;
  let connectFailures: { error: LogwireError; count: number } | undefined;
  let connectHeld: { readonly promise: Promise<void>; readonly fire: () => void } | undefined;
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
    connects,
    failNextConnect(error, count = 1) {
      connectFailures = { error, count };
    },
    holdConnect() {
      if (connectHeld !== undefined) return;
      // A connect under way holds a socket (and kafkajs's retry timers): it keeps the process alive.
      const socket = setInterval(() => {}, 1 << 30);
      const held = cutter();
      connectHeld = { promise: held.promise, fire: () => (clearInterval(socket), held.fire()) };
    },
    releaseConnect() {
      connectHeld?.fire();
      connectHeld = undefined;
    },
    async connect() {
      connects.calls++;
      await connectHeld?.promise;
      if (connectFailures !== undefined && connectFailures.count > 0) {
        connectFailures.count--;
        throw connectFailures.error;
      }
      connects.succeeded++;
      connected = true;
      keepAlive ??= setInterval(() => {}, 1 << 30);
    },
    async send(batches) {
      if (!connected) connects.sendsUnconnected++;
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
      connects.disconnects++;
      connected = false;
      cut.fire();
      cut = cutter();
      clearInterval(keepAlive);
      keepAlive = undefined;
    },
  };
}
