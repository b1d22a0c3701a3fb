/**
 * The route of a record, from `emit()` to its outcome, owned by one object
 * (as OpenTelemetry's BatchLogRecordProcessorBase owns its queue, timer and
 * export): the buffer, the linger timer, the request in flight and its
 * retries, settlement, the flush epochs, the delivery budget and, with
 * `buffer.spool`, the disk spool.
 *
 * Every state a record admitted by record-admission.ts can be in:
 *
 *   held ─────────► in flight ─────► acked
 *    │  ▲             │    ▲
 *    │  │             │    └── retried: the same request again, after a backoff
 *    │  │             ├────► dead-lettered: refused for good (dead-letter.ts)
 *    │  │             ├────► unknown: given up on after it may have been written
 *    │  │             └────► dropped(close_timeout): close() gave up
 *    │  │
 *    │  └── spooled (on disk; read back into a replay lane when the buffer has room)
 *    │        ▲
 *    ├────────┴─ past deliveryTimeoutMs, held or retried: spooled when a spool is
 *    │           configured, else dropped(delivery_timeout), or unknown when an
 *    │           attempt may have been written
 *    ├──► dropped(buffer_full | block_timeout | close_timeout | closed | internal)
 *    └──► dead-lettered: its type can never be delivered (log-types.ts)
 *
 * held: in `buffer` (queued in its lane, or waiting for its type's schema
 * id), counted against `buffer.maxBytes` until it settles. in flight /
 * retried: taken from its lane into the request being sent (`retry` while it
 * waits to be resent), still held. dead-lettered: once the DLQ acked its dead
 * letter; one that cannot be written ends dropped(dlq_full | dlq_failed), or
 * unknown (record-outcomes.ts). spooled: on disk, not held; when close()
 * gives up, records read back and not sent go back there. Every terminal
 * state settles the record's flush epoch and its `emitAndWait` waiter
 * exactly once, and is counted in the books (pipeline-stats.ts) and the
 * metrics.
 *
 * One loop sends: one request at a time (kafkajs's idempotent producer
 * requires `maxInFlightRequests: 1`), dead letters first, then a request that
 * failed retriably (resent as-is, so per-partition order holds), then a new
 * one when a lane's ready bytes reach its batch limit, when the oldest ready
 * record has waited `lingerMs`, or at once while someone waits (flush,
 * close, emitAndWait). The retries below it — kafkajs's own, the kafkajs
 * transport's resend of partitions it skipped, a new producer thread after
 * a crash (worker-transport.ts) — all happen inside one attempt of this
 * loop, and the loop is bounded by `deliveryTimeoutMs`, measured from the
 * record's emit (modelled on Java's `delivery.timeout.ms` and librdkafka's
 * `message.timeout.ms`): past it a held or retried record is spooled,
 * dropped or unknown as drawn above. An attempt under way is not cut
 * short: its answer decides, so a record settles at the latest one attempt
 * (bounded by `requestTimeoutMs` and the transport's retries) after its
 * budget.
 */
import { isDeliveryUnknown, markDeliveryUnknown } from "../transport/delivery-unknown.ts";
import { ErrorCode, LogwireError } from "../errors.ts";
import type { DiskSpool } from "../spool/disk-spool.ts";
import type { PipelineMetrics, QueueSnapshot } from "../metrics/metrics.ts";
import type { createStatsBook, PipelineStats } from "../metrics/pipeline-stats.ts";
import { handedOver, type ProduceTransport, type TransportRecord, type TransportTopicBatch } from "../transport/transport.ts";
import { packedSendOf, unpackBatches, type PackedBatches } from "../transport/packed-batches.ts";
import { createFlushEpochs } from "./flush-epochs.ts";
import type { HeldLogRecord, LogType, RouteType } from "./log-type.ts";
import { RecordBuffer, type OverflowPolicy, type Waiter } from "./record-buffer.ts";
import { createRecordOutcomes, type DeadLetterEntry, type RecordOutcomes } from "./record-outcomes.ts";
import { SpoolBridge, type SpoolTag } from "./spool-bridge.ts";

export interface RecordRouteOptions {
  readonly transport: ProduceTransport;
  readonly book: ReturnType<typeof createStatsBook>;
  /** Creates the pipeline's metrics, given the gauges the route reads at scrape time. */
  readonly createMetrics: (gauges: { readonly queue: () => QueueSnapshot; readonly spoolBytes?: () => number }) => PipelineMetrics;
  /** The disk spool of `buffer.spool`, opened (spool-bridge.ts `openSpool`). */
  readonly spool?: { readonly disk: DiskSpool<SpoolTag>; readonly dir: string } | undefined;
  /** The pipeline's `onError` hook (called in a microtask, never on the caller's stack). */
  readonly onError: (error: LogwireError) => void;
  readonly bufferMaxBytes: number;
  readonly overflow: OverflowPolicy;
  readonly blockTimeoutMs: number;
  readonly lingerMs: number;
  readonly batchMaxBytes: number;
  readonly maxRecordBytes: number;
  /** Bound of the time from `emit()` to ack, across every retry (see the top of this file). */
  readonly deliveryTimeoutMs: number;
  readonly dlqTopic: (topic: string) => string;
  /** Retries of a dead-letter write before it is counted as failed. The default is 3. */
  readonly dlqRetries?: number;
}

/** Records of one lane in a request, with the frame header they were taken under. */
interface LaneSlice {
  readonly topic: string;
  readonly header: Uint8Array;
  readonly records: HeldLogRecord[];
}

/** One request: the records it carries, by lane, in send order. */
interface Request {
  readonly slices: LaneSlice[];
  /** Every record of `slices`, in the same order. */
  readonly records: HeldLogRecord[];
  readonly bytes: number;
  /** The earliest delivery deadline of its records (performance.now() clock). */
  readonly expiresAt: number;
  /** The last failed attempt's error, marked once any attempt may have been written (it stays so: a later refusal does not undo an earlier write). */
  failure: LogwireError | undefined;
}

/** Below this many bytes a loop copies faster than `set` (keys and frame headers are a few bytes). */
const SHORT_COPY = 16;

/** Copies `n` bytes of `from`, starting at `offset`, into `data` at `p`; returns the offset after them. */
function put(data: Buffer, p: number, from: Uint8Array, offset: number, n: number): number {
  if (n < SHORT_COPY) {
    for (let i = 0; i < n; i++) data[p + i] = from[offset + i]!;
  } else {
    data.set(from.subarray(offset, offset + n), p);
  }
  return p + n;
}

/**
 * Packs a request for one attempt (transport/packed-batches.ts): every
 * record's key and Confluent frame (header + payload, the bytes of
 * wire-format's `frame`) written once, back to back in one fresh
 * ArrayBuffer, in the order the records are sent, with their lengths beside
 * them; the only per-record object made here is a short-lived view of the
 * payload's bytes. logwire's transports take
 * it as is (`packedSendOf`): the producer thread's moves both buffers to the
 * thread with no further copy (they are detached from this thread), the
 * in-thread one makes kafkajs's messages straight from it. Any other
 * transport gets the batches as views into the buffer (`unpackBatches`). So
 * each attempt packs the request anew, and nothing keeps the buffer after
 * `send`.
 */
function packRequest(req: Request): PackedBatches {
  let total = 0;
  let count = 0;
  for (const slice of req.slices) {
    const h = slice.header.length;
    count += slice.records.length;
    for (const r of slice.records) total += r.keyLength + h + r.payloadLength;
  }
  // Not from the shared pool: a buffer of its own, which the producer thread can take whole.
  // Every byte is written below before it is read.
  const data = Buffer.allocUnsafeSlow(total);
  const buffer = data.buffer as ArrayBuffer;
  // A transport that wraps one of logwire's and sends its views on to it: the buffer is still the thread's to take (packBatches).
  handedOver.add(buffer);
  const lengths = new Int32Array(2 * count);
  const topics: { topic: string; count: number }[] = [];
  const headers: [number, Readonly<Record<string, string>>][] = [];
  let current: { topic: string; count: number } | undefined;
  let keyView = new Uint8Array(0);
  let keyViewStore: ArrayBuffer | null = null;
  let p = 0;
  let n = 0;
  for (const slice of req.slices) {
    if (slice.topic !== current?.topic) {
      current = { topic: slice.topic, count: 0 };
      topics.push(current);
    }
    current.count += slice.records.length;
    const header = slice.header;
    const h = header.length;
    for (const r of slice.records) {
      const keyStore = r.keyStore;
      if (keyStore === null) {
        lengths[2 * n] = -1;
      } else {
        // Keys share Node's pool, so one view of a store serves many records.
        if (keyStore !== keyViewStore) {
          keyView = new Uint8Array(keyStore);
          keyViewStore = keyStore;
        }
        p = put(data, p, keyView, r.keyOffset, r.keyLength);
        lengths[2 * n] = r.keyLength;
      }
      p = put(data, p, header, 0, h);
      // A view made here dies young; the held record keeps none (record-buffer.ts).
      data.set(new Uint8Array(r.payloadStore, r.payloadOffset, r.payloadLength), p);
      p += r.payloadLength;
      lengths[2 * n + 1] = h + r.payloadLength;
      if (r.headers !== undefined) headers.push([n, r.headers]);
      n++;
    }
  }
  return { topics, data: buffer, lengths: lengths.buffer, headers };
}

/** Backoff between attempts of the route's loop: 100 ms doubling to 5 s, and never past the request's delivery budget. */
function backoffMs(attempt: number): number {
  return Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
}

/** `error`, marked as possibly written when it or an earlier failure of the same request was. */
function keepUnknown(error: LogwireError, earlier: LogwireError | undefined): LogwireError {
  return earlier !== undefined && isDeliveryUnknown(earlier) ? markDeliveryUnknown(error) : error;
}

function countByTopic(records: readonly HeldLogRecord[]): Map<string, number> {
  const byTopic = new Map<string, number>();
  for (const r of records) byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1);
  return byTopic;
}

export class RecordRoute {
  readonly metrics: PipelineMetrics;
  /** Settlement of records not acked (drop, dead letter, unknown) and `onError` reports. */
  readonly outcomes: RecordOutcomes;
  readonly buffer: RecordBuffer<RouteType>;
  private readonly epochs = createFlushEpochs();
  /** Every lane, in send order: live types as created, replay lanes after those that existed. */
  private readonly lanes = new Set<RouteType>();
  private readonly spool: SpoolBridge | undefined;
  private readonly transport: ProduceTransport;
  private readonly book: ReturnType<typeof createStatsBook>;
  private readonly budget: number;
  private readonly dlq: DeadLetterEntry[] = [];
  private readonly dlqRetries: number;

  /** close() was called: nothing new is admitted, and batches go out without lingering. */
  private closing = false;
  /** close() timed out: a request that keeps failing is given up, nothing is read back from the spool. */
  private givingUp = false;
  /** Records of `emitAndWait` callers not yet settled: batches go out without lingering while any are. */
  private awaiting = 0;

  /** A request (or dead-letter write) is under way, in an attempt or a backoff. */
  private inFlight = false;
  /** Inside `transport.send` (not in a backoff between attempts). */
  private sending = false;
  /** Ends the backoff under way early (a close that gave up). */
  private wake: (() => void) | undefined;
  /** The request that failed retriably, sent again before anything else. */
  private retry: Request | undefined;
  private attempt = 0;
  private scheduled = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private lingerAt = 0;
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiryAt = 0;
  private closePromise: Promise<void> | undefined;
  /** The transport connected (`link`). */
  private linked = false;
  /** The transport's connect under way, if any. */
  private linking: Promise<void> | undefined;
  /** close() disconnected the transport. */
  private disconnected = false;
  /** Ends a send's wait for the connect (a close that gave up). */
  private cutLink: ((error: LogwireError) => void) | undefined;

  constructor(private readonly options: RecordRouteOptions) {
    this.transport = options.transport;
    this.book = options.book;
    this.budget = options.deliveryTimeoutMs;
    this.dlqRetries = options.dlqRetries ?? 3;
    this.buffer = new RecordBuffer<RouteType>({
      maxBytes: options.bufferMaxBytes,
      overflow: options.overflow,
      blockTimeoutMs: options.blockTimeoutMs,
      onDrop: (r, reason) => this.outcomes.drop(r.topic, reason, r.epoch, r.waiter),
      onAdmit: () => this.kick(),
    });
    const disk = options.spool?.disk;
    this.metrics = options.createMetrics({
      queue: () => ({ lengthByTopic: this.buffer.lengthByTopic, bytes: this.buffer.heldBytes, capacityBytes: options.bufferMaxBytes }),
      ...(disk === undefined ? {} : { spoolBytes: () => disk.bytes }),
    });
    this.outcomes = createRecordOutcomes({
      book: this.book,
      metrics: this.metrics,
      onError: options.onError,
      settled: (e) => this.epochs.done(e),
      sendDeadLetter: (entry) => {
        this.dlq.push(entry);
        this.kick();
      },
      dlqMaxBytes: options.bufferMaxBytes,
      maxRecordBytes: options.maxRecordBytes,
      maxMessageBytes: this.transport.maxMessageBytes?.bind(this.transport),
    });
    this.spool =
      options.spool === undefined
        ? undefined
        : new SpoolBridge({
            spool: options.spool.disk,
            dir: options.spool.dir,
            buffer: this.buffer,
            lanes: this.lanes,
            epochs: this.epochs,
            outcomes: this.outcomes,
            metrics: this.metrics,
            dlqTopic: options.dlqTopic,
            bufferMaxBytes: options.bufferMaxBytes,
            batchMaxBytes: options.batchMaxBytes,
            givingUp: () => this.givingUp,
          });
  }

  /** close() was called (log-types.ts stops probing an unreachable registry). */
  get closed(): boolean {
    return this.closing;
  }

  /** close() timed out (log-types.ts drops the records of types still resolving). */
  get gaveUp(): boolean {
    return this.givingUp;
  }

  /**
   * Adds a lane (a log type, when first used); its records go after those of
   * the lanes added before it. Its topic's per-topic counters start at 0
   * (metrics.ts `initTopic`), before any record of it is counted.
   */
  addLane(t: LogType): void {
    this.lanes.add(t);
    this.metrics.initTopic(t.topic);
  }

  /**
   * Connects the transport, then starts reading back what a previous
   * process left in the spool (`connect: "wait"`, the default: createPipeline
   * waits for it and rejects with its error, the spool closed).
   */
  async connect(): Promise<void> {
    try {
      await this.link();
    } catch (caught) {
      await this.spool?.close();
      throw caught;
    }
  }

  /**
   * `connect: "background"`: starts connecting and returns. Records wait in
   * the buffer meanwhile; the first request waits for the connection, and a
   * failed connect is that request's failed attempt (reported, retried
   * within `deliveryTimeoutMs` when retriable, each retry connecting anew).
   * A failure of this first connect is reported through `onError`.
   */
  connectInBackground(): void {
    this.link().catch((caught: unknown) => {
      if (!this.closing) this.outcomes.report(LogwireError.from(caught));
    });
  }

  /** The transport's connect: one at a time, asked again after a failure; the spool is read back once it succeeds. */
  private link(): Promise<void> {
    if (this.linked) return Promise.resolve();
    this.linking ??= this.transport.connect().then(
      () => {
        this.linked = true;
        this.linking = undefined;
        // A connect that ended after close() disconnected: disconnect again, so no socket outlives the pipeline.
        if (this.disconnected) void this.transport.disconnect().catch(() => {});
        else this.spool?.feed();
      },
      (caught: unknown) => {
        this.linking = undefined;
        throw caught;
      },
    );
    return this.linking;
  }

  /**
   * Waits for `link()` inside a send; a close that gave up ends the wait
   * (`cutLink`), so a connect that kafkajs keeps retrying cannot hold it.
   */
  private async awaitLink(): Promise<void> {
    const linking = this.link();
    linking.catch(() => {}); // Raced below: when the cut wins, nobody else reads this rejection.
    const cut = new Promise<never>((_, reject) => {
      this.cutLink = reject;
    });
    try {
      await Promise.race([linking, cut]);
    } finally {
      this.cutLink = undefined;
    }
  }

  // ---- emit: held ------------------------------------------------------

  /**
   * A record was emitted: counts it and gives it a flush epoch. Returns the
   * waiter to carry (wrapping `callerWaiter`, which keeps batches from
   * lingering until it settles), or undefined when the route is closed: the
   * record is then dropped (`closed`).
   */
  begin(topic: string, callerWaiter: Waiter | undefined): { readonly epoch: number; readonly waiter: Waiter | undefined } | undefined {
    this.book.emitted();
    let waiter = callerWaiter;
    if (callerWaiter !== undefined) {
      this.awaiting++;
      waiter = {
        resolve: () => {
          this.awaiting--;
          callerWaiter.resolve();
        },
        reject: (reason) => {
          this.awaiting--;
          callerWaiter.reject(reason);
        },
      };
    }
    if (this.closing) {
      this.outcomes.drop(topic, "closed", undefined, waiter);
      return undefined;
    }
    return { epoch: this.epochs.begin(), waiter };
  }

  /** Takes a record that passed admission: into the buffer, else the spool; dropped when neither has room. */
  offer(t: LogType, r: HeldLogRecord): void {
    if (this.spool !== undefined) this.spool.offer(t, r);
    else if (!this.buffer.offer(r)) this.outcomes.drop(t.topic, "buffer_full", r.epoch, r.waiter);
  }

  /**
   * Whether `offer` would surely drop any record of `minBytes` or more as
   * `buffer_full` (RecordBuffer.refuses); never with a spool, which takes
   * what the buffer cannot.
   */
  refuses(minBytes: number): boolean {
    return this.spool === undefined && this.buffer.refuses(minBytes);
  }

  // ---- the loop: held → in flight ----------------------------------------

  /** Schedules a look at the buffer; cheap to call on every emit. */
  kick(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    queueMicrotask(() => this.run());
  }

  private get urgent(): boolean {
    return this.epochs.waiting || this.closing || this.awaiting > 0;
  }

  /** Ready bytes of resolved lanes, whether one is full, the oldest ready record, and the oldest held one (resolved or not). */
  private readyState(): { bytes: number; full: boolean; oldest: number; oldestHeld: number } {
    let bytes = 0;
    let full = false;
    let oldest = Infinity;
    let oldestHeld = Infinity;
    for (const lane of this.lanes) {
      const head = this.buffer.peek(lane);
      if (head === undefined) continue;
      if (head.enqueuedAt < oldestHeld) oldestHeld = head.enqueuedAt;
      if (lane.header === undefined) continue;
      const b = this.buffer.queuedBytes(lane);
      bytes += b;
      if (b >= lane.batchLimit) full = true;
      if (head.enqueuedAt < oldest) oldest = head.enqueuedAt;
    }
    return { bytes, full, oldest, oldestHeld };
  }

  private run(): void {
    this.scheduled = false;
    if (this.inFlight) return;
    let work: Promise<void> | undefined;
    if (this.dlq.length > 0) {
      work = this.sendDlq(this.buildDlq());
    } else if (this.retry !== undefined) {
      work = this.sendMain(this.retry);
    } else {
      let ready = this.readyState();
      if (ready.oldestHeld + this.budget <= performance.now()) {
        this.sweep();
        ready = this.readyState();
      } else if (ready.oldestHeld !== Infinity) {
        this.armExpiry(ready.oldestHeld + this.budget);
      }
      if (ready.bytes === 0) return;
      const waited = performance.now() - ready.oldest;
      if (ready.full || this.urgent || waited >= this.options.lingerMs) {
        work = this.sendMain(this.build());
      } else {
        this.armLinger(ready.oldest + this.options.lingerMs);
        return;
      }
    }
    this.inFlight = true;
    void work.finally(() => {
      this.inFlight = false;
      this.kick();
    });
  }

  private armLinger(at: number): void {
    if (this.lingerTimer !== undefined && this.lingerAt <= at) return;
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerAt = at;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.kick();
    }, Math.max(0, at - performance.now()));
    this.lingerTimer.unref();
  }

  /**
   * Sweeps the buffer when its oldest held record runs out of budget, even
   * if nothing else happens then, and while a request is in flight: queued
   * records do not wait for an attempt under way to end.
   */
  private armExpiry(at: number): void {
    if (this.expiryTimer !== undefined && this.expiryAt <= at) return;
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    this.expiryAt = at;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      this.sweep();
      this.kick();
    }, Math.max(0, at - performance.now()) + 1);
    this.expiryTimer.unref();
  }

  /** Expires the queued records past their budget, and arms the sweep for the next oldest. */
  private sweep(): void {
    // Once close() gave up, it settles every record itself.
    if (this.givingUp) return;
    const now = performance.now();
    const expired: HeldLogRecord[] = [];
    let oldest = Infinity;
    for (const lane of this.lanes) {
      let r = this.buffer.peek(lane);
      // Lane heads are the oldest: records queue in the order they were offered.
      for (; r !== undefined && r.enqueuedAt + this.budget <= now; r = this.buffer.peek(lane)) {
        this.buffer.take(lane);
        this.buffer.settle(r);
        expired.push(r);
      }
      if (r !== undefined && r.enqueuedAt < oldest) oldest = r.enqueuedAt;
    }
    this.expire(expired, undefined);
    if (oldest !== Infinity) this.armExpiry(oldest + this.budget);
  }

  /**
   * Takes the next request from the queues of resolved lanes, lane by lane,
   * up to each topic's batch limit. The slices of one topic go together
   * (one batch per topic), in lane order.
   */
  private build(): Request {
    const byTopic = new Map<string, { slices: LaneSlice[]; bytes: number; limit: number; count: number }>();
    const records: HeldLogRecord[] = [];
    let total = 0;
    let expiresAt = Infinity;
    for (const lane of this.lanes) {
      const header = lane.header;
      if (header === undefined || this.buffer.peek(lane) === undefined) continue;
      let group = byTopic.get(lane.topic);
      if (group === undefined) {
        group = { slices: [], bytes: 0, limit: lane.batchLimit, count: 0 };
        byTopic.set(lane.topic, group);
      }
      const slice: LaneSlice = { topic: lane.topic, header, records: [] };
      for (let r = this.buffer.peek(lane); r !== undefined; r = this.buffer.peek(lane)) {
        if (group.count > 0 && group.bytes + r.bytes > group.limit) break;
        this.buffer.take(lane);
        slice.records.push(r);
        group.bytes += r.bytes;
        group.count++;
        if (r.enqueuedAt < expiresAt) expiresAt = r.enqueuedAt;
      }
      if (slice.records.length > 0) group.slices.push(slice);
    }
    const slices: LaneSlice[] = [];
    for (const group of byTopic.values()) {
      total += group.bytes;
      for (const slice of group.slices) {
        slices.push(slice);
        for (const r of slice.records) records.push(r);
      }
    }
    return { slices, records, bytes: total, expiresAt: expiresAt + this.budget, failure: undefined };
  }

  /**
   * Waits `ms` before the next attempt; resolves true when `abandonRetry`
   * ended the wait early. Not unref()ed: while records wait to be retried,
   * the process stays alive (a broker that is down leaves no socket to hold
   * it), so a process that ended its own work meanwhile does not exit and lose them.
   */
  private backoff(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  /**
   * `transport.send` (after the connect, with `connect: "background"`), with
   * `sending` set while it runs. A packed request goes as the transport takes
   * it (`packedSendOf`: logwire's own transports), else as batches.
   */
  private async send(request: TransportTopicBatch[] | PackedBatches): Promise<void> {
    this.sending = true;
    try {
      if (!this.linked) await this.awaitLink();
      if (Array.isArray(request)) {
        await this.transport.send(request);
      } else {
        const sendPacked = packedSendOf(this.transport);
        await (sendPacked === undefined ? this.transport.send(unpackBatches(request)) : sendPacked(request));
      }
    } finally {
      this.sending = false;
    }
  }

  /** One attempt of a request; a retriable failure leaves it in `retry`, to be sent again after a backoff. */
  private async sendMain(req: Request): Promise<void> {
    let r: Request | undefined = req;
    if (req.failure !== undefined) {
      r = this.trimExpired(req);
      if (r === undefined) {
        this.retry = undefined;
        this.attempt = 0;
        return;
      }
    }
    for (const [topic, n] of countByTopic(r.records)) this.metrics.produceRequests(topic, n);
    this.metrics.batchBytes(r.bytes);
    try {
      await this.send(packRequest(r));
      this.retry = undefined;
      this.attempt = 0;
      this.acked(r.records);
    } catch (error) {
      const e = error as LogwireError;
      r.failure = keepUnknown(e, r.failure);
      this.countErrors(r.records);
      if (e.retriable && !this.givingUp) {
        this.attempt++;
        this.retry = r;
        this.outcomes.report(e);
        // Never waits past the budget: the request is trimmed as soon as it ends.
        await this.backoff(Math.max(0, Math.min(backoffMs(this.attempt - 1), r.expiresAt - performance.now())));
      } else {
        this.retry = undefined;
        this.attempt = 0;
        // A permanent failure is the broker's answer to this attempt: it stays unmarked (dead-lettered).
        this.failed(r.records, e.retriable ? r.failure : e);
      }
    }
  }

  // ---- settlement: acked | dead-lettered | dropped | unknown | spooled --------

  private acked(records: readonly HeldLogRecord[]): void {
    this.book.acked(records.length);
    for (const r of records) {
      this.buffer.settle(r);
      r.waiter?.resolve();
      this.epochs.done(r.epoch);
    }
    for (const [topic, n] of countByTopic(records)) this.metrics.produceSuccess(topic, n);
    // After settling: feed() reads only once a quarter of the buffer is
    // free, and nothing else calls it when this request freed that quarter.
    this.spool?.feed();
  }

  private countErrors(records: readonly HeldLogRecord[]): void {
    for (const [topic, n] of countByTopic(records)) this.metrics.produceError(topic, n);
  }

  /**
   * A permanent failure (or a retriable one while giving up): the records
   * leave the buffer. A retriable `error` is marked by `markDeliveryUnknown`
   * when any attempt of the request may have been written.
   */
  private failed(records: readonly HeldLogRecord[], error: LogwireError): void {
    for (const r of records) this.buffer.settle(r);
    // Given up on after the request may have been written: neither dropped nor dead-lettered.
    if (this.givingUp && error.retriable && isDeliveryUnknown(error)) this.outcomes.unknown(records, error);
    else {
      for (const r of records) {
        if (!this.givingUp || !error.retriable) this.outcomes.deadLetterHeld(r, error);
        // A record read back from the spool that never reached the broker goes back to the file.
        else if (this.spool?.giveBack(r) !== true) this.outcomes.drop(r.topic, "close_timeout", r.epoch, r.waiter, error);
      }
    }
    this.spool?.feed();
  }

  /**
   * The request to send again, without its records past their budget
   * (which are expired); undefined when none is left. Records of a lane are
   * in emit order, so what is left keeps its order.
   */
  private trimExpired(req: Request): Request | undefined {
    const now = performance.now();
    // Once close() gave up, the spool is left: close() settles what remains.
    if (req.expiresAt > now || this.givingUp) return req;
    const expired: HeldLogRecord[] = [];
    const slices: LaneSlice[] = [];
    const records: HeldLogRecord[] = [];
    let bytes = 0;
    let expiresAt = Infinity;
    for (const slice of req.slices) {
      const kept: HeldLogRecord[] = [];
      for (const r of slice.records) {
        if (r.enqueuedAt + this.budget <= now) {
          expired.push(r);
          continue;
        }
        kept.push(r);
        records.push(r);
        bytes += r.bytes;
        if (r.enqueuedAt < expiresAt) expiresAt = r.enqueuedAt;
      }
      if (kept.length > 0) slices.push({ topic: slice.topic, header: slice.header, records: kept });
    }
    for (const r of expired) this.buffer.settle(r);
    this.expire(expired, req.failure);
    if (records.length === 0) return undefined;
    return { slices, records, bytes, expiresAt: expiresAt + this.budget, failure: req.failure };
  }

  /**
   * Records past their delivery budget, already settled out of the buffer;
   * `cause` is their request's last failure, if they were sent. The spool
   * takes them when there is one; else they are dropped as
   * `delivery_timeout`, or counted unknown when an attempt may have written
   * them. `onError` gets one error per topic.
   */
  private expire(records: readonly HeldLogRecord[], cause: LogwireError | undefined): void {
    if (records.length === 0) return;
    const spool = this.spool;
    const kept = spool === undefined ? records : records.filter((r) => !spool.takeExpired(r));
    if (kept.length === 0) return;
    if (cause !== undefined && isDeliveryUnknown(cause)) {
      this.outcomes.unknown(kept, cause);
      return;
    }
    const byTopic = new Map<string, HeldLogRecord[]>();
    for (const r of kept) {
      const list = byTopic.get(r.topic);
      if (list === undefined) byTopic.set(r.topic, [r]);
      else list.push(r);
    }
    for (const [topic, list] of byTopic) {
      const what = list.length === 1 ? "1 record" : `${list.length} records`;
      const error = new LogwireError(ErrorCode.DeliveryTimeout, `${what} for ${topic} dropped (delivery_timeout): not acked within deliveryTimeoutMs (${this.budget} ms) of emit()${cause === undefined ? "" : `; last failure: ${cause.rawMessage}`}`, {
        retriable: true,
        fix: "check why the brokers are unreachable or slow, raise deliveryTimeoutMs, or set buffer.spool to keep records on disk past it",
        details: { topic, records: list.length, reason: "delivery_timeout", deliveryTimeoutMs: this.budget },
        ...(cause === undefined ? {} : { cause }),
      });
      for (const r of list) this.outcomes.drop(topic, "delivery_timeout", r.epoch, r.waiter, error);
      this.outcomes.report(error);
    }
  }

  // ---- dead letters ----------------------------------------------------

  /** The next dead letters, in order: up to batch.maxBytes in all, and up to each topic's `batchLimit` for it. */
  private buildDlq(): DeadLetterEntry[] {
    const out: DeadLetterEntry[] = [];
    const topicBytes = new Map<string, number>();
    let bytes = 0;
    while (this.dlq.length > 0) {
      const e = this.dlq[0]!;
      const forTopic = (topicBytes.get(e.topic) ?? 0) + e.bytes;
      if (out.length > 0 && (bytes + e.bytes > this.options.batchMaxBytes || forTopic > (e.batchLimit ?? Infinity))) break;
      this.dlq.shift();
      bytes += e.bytes;
      topicBytes.set(e.topic, forTopic);
      out.push(e);
    }
    return out;
  }

  /**
   * Dead letters go in their own requests, ahead of normal ones, so a DLQ
   * failure never fails normal records and is never itself dead-lettered;
   * a write is tried `dlqRetries` more times, then counted as failed.
   */
  private async sendDlq(entries: DeadLetterEntry[]): Promise<void> {
    const byTopic = new Map<string, TransportRecord[]>();
    for (const e of entries) {
      const list = byTopic.get(e.topic) ?? [];
      list.push(e.record);
      byTopic.set(e.topic, list);
    }
    const batches = [...byTopic].map(([topic, records]) => ({ topic, records }));
    let lastError: LogwireError | undefined;
    for (let i = 0; i <= this.dlqRetries; i++) {
      try {
        await this.send(batches);
        for (const e of entries) e.done(null);
        return;
      } catch (error) {
        lastError = keepUnknown(error as LogwireError, lastError);
        if (!lastError.retriable || this.givingUp || i === this.dlqRetries) break;
        if (await this.backoff(backoffMs(i))) break;
      }
    }
    // The broker refused records of the request for good (too large,
    // invalid): one dead letter's refusal must not fail the others, so the
    // halves are sent on their own, down to single dead letters.
    if (entries.length > 1 && lastError!.code === ErrorCode.ProduceRejected && !isDeliveryUnknown(lastError!) && !this.givingUp) {
      const half = Math.ceil(entries.length / 2);
      await this.sendDlq(entries.slice(0, half));
      await this.sendDlq(entries.slice(half));
      return;
    }
    for (const e of entries) e.done(lastError!);
  }

  // ---- flush and close -------------------------------------------------

  /** Resolves when every record emitted before the call has settled (spooled ones once read back and settled). */
  flush(): Promise<void> {
    const flushed = this.epochs.flush();
    this.kick();
    return flushed;
  }

  /**
   * Flushes; after `closeTimeoutMs` gives up: queued records are dropped
   * (`close_timeout`), and a request in flight is ended at once (its records
   * `unknown` when it reached the broker, else dropped); records read back
   * from the spool that never reached the broker go back to the file instead. Then closes the
   * spool and disconnects the transport. Idempotent.
   */
  close(closeTimeoutMs: number): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing = true;
      const flushed = this.flush().then(() => true);
      const timedOut = new Promise<boolean>((resolve) => setTimeout(resolve, closeTimeoutMs, false).unref());
      const inTime = await Promise.race([flushed, timedOut]);
      if (!inTime) {
        this.givingUp = true;
        const abandoned = this.abandonRetry();
        // What stays on disk, and the records read back and still queued, settle there (counted spooled).
        if (this.spool !== undefined) await this.spool.leave();
        for (const r of this.buffer.drainQueued()) this.outcomes.drop(r.topic, "close_timeout", r.epoch, r.waiter);
        for (const r of abandoned.records) this.buffer.settle(r);
        if (abandoned.error !== undefined && isDeliveryUnknown(abandoned.error)) this.outcomes.unknown(abandoned.records, abandoned.error);
        else for (const r of abandoned.records) if (this.spool?.giveBack(r) !== true) this.outcomes.drop(r.topic, "close_timeout", r.epoch, r.waiter, abandoned.error);
        this.wake?.();
        this.cutLink?.(
          new LogwireError(ErrorCode.BrokerUnavailable, "close() gave up before the producer connected", {
            retriable: true,
            fix: "check that the brokers are reachable; records not yet sent are dropped (close_timeout) or given back to the spool",
          }),
        );
        // Ends a request in flight now rather than at its timeout; the transport
        // says whether it may have been written (kafka-transport.ts), and
        // `failed` counts its records as unknown or dropped.
        const disconnected = this.transport.disconnect();
        await flushed;
        await disconnected;
      }
      // After everything settled, so the stored restart point is past every acked record.
      await this.spool?.close();
      this.disconnected = true;
      await this.transport.disconnect();
    })();
    return this.closePromise;
  }

  /**
   * For a close that gave up: takes the request waiting to be resent (in
   * its backoff, not being sent); the caller then ends the backoff. `error`
   * is its last failure, marked by `markDeliveryUnknown` when an attempt
   * may have been written. A request being sent is not taken: the
   * transport's `disconnect()` ends it (kafka-transport.ts).
   */
  private abandonRetry(): { records: HeldLogRecord[]; error: LogwireError | undefined } {
    const r = this.sending ? undefined : this.retry;
    if (r !== undefined) {
      this.retry = undefined;
      this.attempt = 0;
    }
    return { records: r?.records ?? [], error: r?.failure };
  }

  /** The books: emitted (+ restored) = acked + dropped + deadLettered + unknown + pending + spooled. */
  stats(): PipelineStats {
    const { heldBytes } = this.buffer;
    const max = this.options.bufferMaxBytes;
    return this.spool === undefined ? this.book.snapshot(heldBytes, max) : this.book.snapshot(heldBytes, max, this.spool.records, this.spool.restoredOrTorn);
  }
}
