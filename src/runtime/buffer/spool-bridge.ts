import { createDiskSpool, type DiskSpool } from "../spool/disk-spool.ts";
import { ErrorCode, LogwireError } from "../errors.ts";
import type { createFlushEpochs } from "./flush-epochs.ts";
import type { HeldLogRecord, LogType, ReplayType, RouteType } from "./log-type.ts";
import type { PipelineMetrics } from "../metrics/metrics.ts";
import { HELD_RECORD_MEMORY_BYTES, HeldRecord, RECORD_OVERHEAD_BYTES, type RecordBuffer, type Waiter } from "./record-buffer.ts";
import type { RecordOutcomes } from "./record-outcomes.ts";
import { headerBytes } from "../record-headers.ts";
import type { SpoolEntry } from "../spool/spool-record-format.ts";
import { frame } from "../registry/wire-format.ts";

/** What the pipeline remembers of a spooled record of this process (runs of equal tags share one object). */
export interface SpoolTag {
  readonly topic: string;
  readonly epoch: number;
  readonly waiter: Waiter | undefined;
}

/** Opens the disk spool of `buffer.spool`; the route's SpoolBridge listens to it (what it loses, its disk errors). */
export function openSpool(spool: { readonly dir: string; readonly maxBytes: number }): Promise<DiskSpool<SpoolTag>> {
  return createDiskSpool<SpoolTag>({
    dir: spool.dir,
    maxBytes: spool.maxBytes,
    // A read is sized to the room in the buffer, so it counts each record as the buffer does.
    recordOverhead: RECORD_OVERHEAD_BYTES + HELD_RECORD_MEMORY_BYTES,
  });
}

/**
 * The waiter of a record read back from the spool: every way a held record
 * settles (ack, drop, dead-letter) calls its waiter once, and that is when
 * the spool may move its restart point past the record.
 */
class ReplayWaiter implements Waiter {
  constructor(
    private readonly spool: DiskSpool<SpoolTag>,
    readonly seq: number,
    /** The record's tag when this process spooled it; undefined for one a previous process left. */
    readonly tag: SpoolTag | undefined,
  ) {}
  resolve(): void {
    this.spool.settle(this.seq);
    this.tag?.waiter?.resolve();
  }
  reject(reason: unknown): void {
    this.spool.settle(this.seq);
    this.tag?.waiter?.reject(reason);
  }
}

export interface SpoolBridgeOptions {
  readonly spool: DiskSpool<SpoolTag>;
  readonly dir: string;
  readonly buffer: RecordBuffer<RouteType>;
  /** The route's lanes, in send order: replay lanes are added after the live ones that exist. */
  readonly lanes: Set<RouteType>;
  readonly epochs: ReturnType<typeof createFlushEpochs>;
  readonly outcomes: RecordOutcomes;
  readonly metrics: PipelineMetrics;
  readonly dlqTopic: (topic: string) => string;
  readonly bufferMaxBytes: number;
  readonly batchMaxBytes: number;
  /** True once close() timed out: nothing more is read back. */
  readonly givingUp: () => boolean;
}

/**
 * Connects the route's buffer to the disk spool (`buffer.spool`): records
 * that do not fit the buffer, and records past their delivery budget
 * (`deliveryTimeoutMs`), go to disk and are read back as the buffer drains.
 *
 * Order rule: once a record is spooled, every new record of a resolved type
 * is spooled too, until the spool is empty and every record read back has
 * been taken by the sender; read-back records are queued under per-(topic,
 * type) replay lanes (ReplayType, their value is already framed), created
 * after the live lanes, so batches put older live records first. Records of
 * a type whose schema id is still resolving cannot be spooled: they wait in
 * memory, and may go before records on disk. A record read back that runs
 * out of its budget again is appended anew, behind the records spooled
 * meanwhile.
 *
 * A record read back carries a ReplayWaiter, which tells the spool when it
 * settled, so the spool's restart point never passes a record not settled.
 * While the disk fails (`spool.failure`) the spool is skipped: records go
 * to memory when it has room, else are dropped as `spool_failed`.
 */
export class SpoolBridge {
  private readonly spool: DiskSpool<SpoolTag>;
  private readonly replayLanes = new Map<string, ReplayType>();
  /** Records a previous process left go first: new records queue behind them. */
  private spooling: boolean;
  private feeding: Promise<void> | undefined;
  private lastTag: SpoolTag | undefined;
  /** Records a previous process left settle under one epoch, begun once per record. */
  private restoredEpoch = 0;
  /** `leave()` settled the waiters and epochs of what remains in the spool. */
  private left = false;

  constructor(private readonly options: SpoolBridgeOptions) {
    const { spool, epochs, outcomes, metrics } = options;
    this.spool = spool;
    spool.listen({
      onLost: (tags, reason) => this.lost(tags, reason),
      onError: (error) => outcomes.report(error),
    });
    this.spooling = spool.records > 0;
    for (let i = 0; i < spool.restored; i++) this.restoredEpoch = epochs.begin();
    // A torn tail record was lost by the previous process: counted, with no topic.
    if (spool.torn > 0) outcomes.drop("", "spool_torn", undefined, undefined);
    // Restored records the previous process had read back already: sent again (at least once).
    for (const [topic, n] of spool.replayed) metrics.spoolReplayed(topic, n);
  }

  /** Records in the spool file (not read back), and bytes of the file. */
  get records(): number {
    return this.spool.records;
  }
  get bytes(): number {
    return this.spool.bytes;
  }
  /** Records restored at open (a previous process left them), and torn ones lost with them. */
  get restoredOrTorn(): number {
    return this.spool.restored + this.spool.torn;
  }

  private replayLane(e: SpoolEntry): ReplayType {
    const id = `${e.topic}\0${e.typeName}`;
    let t = this.replayLanes.get(id);
    if (t === undefined) {
      let batchLimit = this.options.batchMaxBytes;
      for (const live of this.options.lanes) if (live.kind === "log" && live.topic === e.topic) batchLimit = Math.min(batchLimit, live.batchLimit);
      t = { kind: "replay", topic: e.topic, dlqTopic: this.options.dlqTopic(e.topic), typeName: e.typeName, subject: e.subject, header: new Uint8Array(0), batchLimit, schema: undefined };
      this.replayLanes.set(id, t);
      this.options.lanes.add(t);
    }
    return t;
  }

  /**
   * Moves spooled records into the buffer once a quarter of it is free (or it
   * is empty). The room can shrink while the file is read (new records of a
   * type whose schema id is resolving go straight to the buffer), so each
   * record is offered as it is read, and the first that does not fit stays
   * on disk with those after it: a record leaves the file only for the buffer.
   */
  feed(): void {
    const { spool, buffer, bufferMaxBytes, givingUp } = this.options;
    if (this.feeding !== undefined || givingUp() || spool.records === 0) return;
    const room = bufferMaxBytes - buffer.heldBytes;
    if (room < bufferMaxBytes / 4 && buffer.heldBytes > 0) return;
    this.feeding = spool.read(room, ({ entry, tag, seq }) => {
      if (givingUp()) return false;
      const t = this.replayLane(entry);
      const epoch = tag?.epoch ?? this.restoredEpoch;
      const waiter = new ReplayWaiter(spool, seq, tag);
      const headers = entry.headers;
      const bytes = entry.value.length + (entry.key?.length ?? 0) + (headers === undefined ? 0 : headerBytes(headers)) + RECORD_OVERHEAD_BYTES;
      return buffer.offer(new HeldRecord<RouteType>(t, t.topic, entry.key, entry.value, headers, bytes, epoch, waiter));
    }).then(
      (taken) => {
        this.feeding = undefined;
        // Nothing readable yet (still being written) or too little room: look again shortly.
        if (taken.length > 0) this.feed();
        else setTimeout(() => this.feed(), 10).unref();
      },
      (caught: unknown) => {
        // An I/O error reading the file: the records stay counted as spooled; read again later.
        this.feeding = undefined;
        this.options.outcomes.report(LogwireError.from(caught, ErrorCode.Environment));
        setTimeout(() => this.feed(), 1000).unref();
      },
    );
  }

  /** Appends a live record; false when the spool refused it (full or failing). */
  private append(t: LogType, r: HeldLogRecord, header: Uint8Array): boolean {
    const entry: SpoolEntry = { topic: t.topic, typeName: t.typeName, subject: t.subject, key: r.key, value: frame(header, r.payload), headers: r.headers };
    const last = this.lastTag;
    if (r.waiter !== undefined || last?.epoch !== r.epoch || last.topic !== t.topic || last.waiter !== undefined) this.lastTag = { topic: t.topic, epoch: r.epoch, waiter: r.waiter };
    if (!this.spool.append(entry, this.lastTag)) return false;
    this.spooling = true;
    this.options.metrics.spooled(t.topic);
    this.feed();
    return true;
  }

  /** The hot path's last step with a spool: into the buffer, else (resolved types only) onto disk. */
  offer(t: LogType, r: HeldLogRecord): void {
    const { spool, buffer, outcomes } = this.options;
    if (this.spooling && this.feeding === undefined && spool.records === 0 && ![...this.replayLanes.values()].some((rt) => buffer.queuedBytes(rt) > 0)) this.spooling = false;
    if ((!this.spooling || t.header === undefined) && buffer.offer(r)) return;
    if (t.header === undefined) {
      outcomes.drop(t.topic, "buffer_full", r.epoch, r.waiter);
      return;
    }
    if (spool.failure !== undefined) {
      // The disk failed (full, or an I/O error), and is retried later: meanwhile
      // the spool is skipped, as if there were none. Per-key order between the
      // records on disk and these is not kept until the spool is back.
      if (!this.spooling || !buffer.offer(r)) outcomes.drop(t.topic, "spool_failed", r.epoch, r.waiter);
      return;
    }
    if (!this.append(t, r, t.header)) outcomes.drop(t.topic, spool.failure !== undefined ? "spool_failed" : "spool_full", r.epoch, r.waiter);
  }

  /**
   * Takes a record past its delivery budget (already settled out of the
   * buffer) instead of dropping it: appended to the spool, with its waiter
   * and flush epoch, to be read back and sent again. Returns false when the
   * spool cannot take it (full, failing, or a type whose schema id never
   * resolved): the caller drops it as `delivery_timeout`.
   */
  takeExpired(r: HeldLogRecord): boolean {
    const t = r.type;
    if (this.spool.failure !== undefined) return false;
    if (t.kind === "log") return t.header !== undefined && this.append(t, r, t.header);
    const replay = r.waiter as ReplayWaiter;
    const entry: SpoolEntry = { topic: t.topic, typeName: t.typeName, subject: t.subject, key: r.key, value: r.payload, headers: r.headers };
    if (!this.spool.append(entry, replay.tag)) return false;
    // The old copy in the file is done with; the new one carries the waiter and epoch.
    this.spool.settle(replay.seq);
    this.spooling = true;
    this.options.metrics.spooled(t.topic);
    this.feed();
    return true;
  }

  /**
   * Records that left the spool without being read back, each dropped for
   * `reason`: a failed append (`spool_failed`), or behind a corrupt record
   * (`spool_torn`). The disk error itself comes through `onError`.
   */
  private lost(tags: readonly (SpoolTag | undefined)[], reason: "spool_failed" | "spool_torn"): void {
    for (const tag of tags) this.options.outcomes.drop(tag?.topic ?? "", reason, tag?.epoch ?? this.restoredEpoch, tag?.waiter);
  }

  /**
   * For a record read back that close() gave up on and that never reached
   * the broker: true when it went back to the file, for
   * the next pipeline on the dir (counted as spooled); its caller's waiter
   * is rejected and its flush epoch settles, as `leave()` does for the rest.
   */
  giveBack(r: HeldLogRecord): boolean {
    if (r.type.kind !== "replay") return false;
    const replay = r.waiter as ReplayWaiter;
    this.spool.giveBack(replay.seq);
    // Given back before `leave()` settled what remains, it is among those.
    if (this.left) {
      replay.tag?.waiter?.reject(this.leftError(r.topic));
      this.options.epochs.done(r.epoch);
    }
    return true;
  }

  private leftError(topic: string): LogwireError {
    return new LogwireError(ErrorCode.Closed, `record for ${topic} left in the disk spool at close`, { fix: `a pipeline opened on ${this.options.dir} sends it` });
  }

  /**
   * On close timeout: what is still on disk stays there for the next
   * pipeline on the dir (counted as spooled, not dropped), and so do the
   * records read back that the sender has not taken yet. Records in flight
   * settle as usual; the route closes the spool once they have.
   */
  async leave(): Promise<void> {
    const { spool, buffer, epochs } = this.options;
    await this.feeding;
    for (const rt of this.replayLanes.values()) {
      for (const r of buffer.drainQueued(rt)) spool.giveBack((r.waiter as ReplayWaiter).seq);
    }
    await spool.settleWrites();
    for (const [tag, n] of spool.remaining()) {
      for (let i = 0; i < n; i++) {
        tag?.waiter?.reject(this.leftError(tag.topic));
        epochs.done(tag?.epoch ?? this.restoredEpoch);
      }
    }
    this.left = true;
  }

  /** Stores the restart point and closes the file; after every record settled. */
  close(): Promise<void> {
    return this.spool.close();
  }
}
