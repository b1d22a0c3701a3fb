import { createDiskSpool, type DiskSpool } from "../spool/disk-spool.ts";
import { ErrorCode, LogwireError } from "../errors.ts";
import type { createFlushEpochs } from "../buffer/flush-epochs.ts";
import type { LogDescriptor } from "../registry/log-descriptor.ts";
import type { HeldLogRecord, LogType } from "../buffer/log-type.ts";
import type { LogTypes } from "./log-types.ts";
import type { PipelineMetrics } from "../metrics/metrics.ts";
import { HELD_RECORD_MEMORY_BYTES, RECORD_OVERHEAD_BYTES, type RecordBuffer, type Waiter } from "../buffer/record-buffer.ts";
import type { RecordOutcomes } from "../buffer/record-outcomes.ts";
import type { SpoolEntry } from "../spool/spool-record-format.ts";
import { frame } from "../registry/wire-format.ts";

/** What the pipeline remembers of a spooled record of this process (runs of equal tags share one object). */
export interface SpoolTag {
  readonly topic: string;
  readonly epoch: number;
  readonly waiter: Waiter | undefined;
}

/**
 * Opens the disk spool of `buffer.spool`. Records it loses and disk errors go
 * to the bridge (`SpoolBridge.lost`, `SpoolBridge.report`), created after it:
 * the spool calls neither before its first append, read or close.
 */
export function openSpool(spool: { readonly dir: string; readonly maxBytes: number }, bridge: () => SpoolBridge): Promise<DiskSpool<SpoolTag>> {
  return createDiskSpool<SpoolTag>({
    dir: spool.dir,
    maxBytes: spool.maxBytes,
    // A read is sized to the room in the buffer, so it counts each record as the buffer does.
    recordOverhead: RECORD_OVERHEAD_BYTES + HELD_RECORD_MEMORY_BYTES,
    onLost: (tags, reason) => bridge().lost(tags, reason),
    onError: (error) => bridge().report(error),
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
    private readonly inner: Waiter | undefined,
  ) {}
  resolve(): void {
    this.spool.settle(this.seq);
    this.inner?.resolve();
  }
  reject(reason: unknown): void {
    this.spool.settle(this.seq);
    this.inner?.reject(reason);
  }
}

export interface SpoolBridgeOptions {
  readonly spool: DiskSpool<SpoolTag>;
  readonly dir: string;
  readonly buffer: RecordBuffer<LogType>;
  readonly types: LogTypes;
  readonly epochs: ReturnType<typeof createFlushEpochs>;
  readonly outcomes: RecordOutcomes;
  readonly metrics: PipelineMetrics;
  readonly dlqTopic: (topic: string) => string;
  readonly bufferMaxBytes: number;
  readonly batchMaxBytes: number;
  readonly maxRecordBytes: number;
  /** True once close() timed out: nothing more is read back. */
  readonly givingUp: () => boolean;
}

/**
 * Connects the buffer to the disk spool (`buffer.spool`): records that do
 * not fit the buffer go to disk and are read back as the buffer drains.
 *
 * Order rule: once a record is spooled, every new record of a resolved type
 * is spooled too, until the spool is empty and every record read back has
 * been taken by the sender; read-back records are queued under per-(topic,
 * type) replay types whose header is empty (their value is already framed),
 * created after the live types, so batches put older live records first.
 * Records of a type whose schema id is still resolving cannot be spooled:
 * they wait in memory, and may go before records on disk.
 *
 * A record read back carries a ReplayWaiter, which tells the spool when it
 * settled, so the spool's restart point never passes a record not settled.
 * While the disk fails (`spool.failure`) the spool is skipped: records go
 * to memory when it has room, else are dropped as `spool_failed`.
 */
export function createSpoolBridge(options: SpoolBridgeOptions) {
  const { spool, buffer, epochs, outcomes, metrics } = options;
  const replayTypes = new Map<string, LogType>();
  // Records a previous process left go first: new records queue behind them.
  let spooling = spool.records > 0;
  let feeding: Promise<void> | undefined;
  let lastTag: SpoolTag | undefined;
  // Records a previous process left settle under one epoch, begun once per record.
  let restoredEpoch = 0;
  for (let i = 0; i < spool.restored; i++) restoredEpoch = epochs.begin();
  // A torn tail record was lost by the previous process: counted, with no topic.
  if (spool.torn > 0) outcomes.drop("", "spool_torn", undefined, undefined);
  // Restored records the previous process had read back already: sent again (at least once).
  for (const [topic, n] of spool.replayed) metrics.spoolReplayed(topic, n);

  function replayType(e: SpoolEntry): LogType {
    const id = `${e.topic}\0${e.typeName}`;
    let t = replayTypes.get(id);
    if (t === undefined) {
      let batchLimit = options.batchMaxBytes;
      for (const live of options.types.values()) if (live.topic === e.topic) batchLimit = Math.min(batchLimit, live.batchLimit);
      const descriptor = { typeName: e.typeName, subject: e.subject, topic: e.topic } as unknown as LogDescriptor;
      t = { descriptor, topic: e.topic, dlqTopic: options.dlqTopic(e.topic), headerLength: 0, header: new Uint8Array(0), batchLimit, maxRecordBytes: options.maxRecordBytes, schema: undefined, smallestRecordBytes: 0, failure: undefined, encode: () => new Uint8Array(0) };
      replayTypes.set(id, t);
      options.types.add(descriptor, t);
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
  function feed(): void {
    if (feeding !== undefined || options.givingUp() || spool.records === 0) return;
    const room = options.bufferMaxBytes - buffer.heldBytes;
    if (room < options.bufferMaxBytes / 4 && buffer.heldBytes > 0) return;
    feeding = spool.read(room, ({ entry, tag, seq }) => {
      if (options.givingUp()) return false;
      const t = replayType(entry);
      const epoch = tag?.epoch ?? restoredEpoch;
      const waiter = new ReplayWaiter(spool, seq, tag?.waiter);
      return buffer.offer({ type: t, topic: t.topic, key: entry.key, payload: entry.value, bytes: entry.value.length + (entry.key?.length ?? 0) + RECORD_OVERHEAD_BYTES, enqueuedAt: 0, deadline: 0, epoch, waiter, seq: 0 });
    }).then(
      (taken) => {
        feeding = undefined;
        // Nothing readable yet (still being written) or too little room: look again shortly.
        if (taken.length > 0) feed();
        else setTimeout(feed, 10).unref();
      },
      (caught: unknown) => {
        // An I/O error reading the file: the records stay counted as spooled; read again later.
        feeding = undefined;
        outcomes.report(LogwireError.from(caught, ErrorCode.Environment));
        setTimeout(feed, 1000).unref();
      },
    );
  }

  return {
    /** The hot path's last step with a spool: into the buffer, else (resolved types only) onto disk. */
    offer(t: LogType, r: HeldLogRecord): void {
      if (spooling && feeding === undefined && spool.records === 0 && ![...replayTypes.values()].some((rt) => buffer.queuedBytes(rt) > 0)) spooling = false;
      if ((!spooling || t.header === undefined) && buffer.offer(r)) return;
      if (t.header === undefined) {
        outcomes.drop(t.topic, "buffer_full", r.epoch, r.waiter);
        return;
      }
      if (spool.failure !== undefined) {
        // The disk failed (full, or an I/O error), and is retried later: meanwhile
        // the spool is skipped, as if there were none. Per-key order between the
        // records on disk and these is not kept until the spool is back.
        if (!spooling || !buffer.offer(r)) outcomes.drop(t.topic, "spool_failed", r.epoch, r.waiter);
        return;
      }
      const entry: SpoolEntry = { topic: t.topic, typeName: t.descriptor.typeName, subject: t.descriptor.subject, key: r.key, value: frame(t.header, r.payload) };
      if (r.waiter !== undefined || lastTag?.epoch !== r.epoch || lastTag.topic !== t.topic || lastTag.waiter !== undefined) lastTag = { topic: t.topic, epoch: r.epoch, waiter: r.waiter };
      if (!spool.append(entry, lastTag)) {
        outcomes.drop(t.topic, spool.failure !== undefined ? "spool_failed" : "spool_full", r.epoch, r.waiter);
        return;
      }
      spooling = true;
      metrics.spooled(t.topic);
      feed();
    },
    feed,
    /**
     * Records that left the spool without being read back, each dropped for
     * `reason`: a failed append (`spool_failed`), or behind a corrupt record
     * (`spool_torn`). The disk error itself comes through `report`.
     */
    lost(tags: readonly (SpoolTag | undefined)[], reason: "spool_failed" | "spool_torn"): void {
      for (const tag of tags) outcomes.drop(tag?.topic ?? "", reason, tag?.epoch ?? restoredEpoch, tag?.waiter);
    },
    /** A disk problem (an `environment` error, reported once until the disk works again). */
    report(error: LogwireError): void {
      outcomes.report(error);
    },
    /**
     * On close timeout: what is still on disk stays there for the next
     * pipeline on the dir (counted as spooled, not dropped), and so do the
     * records read back that the sender has not taken yet. Records in flight
     * settle as usual; the pipeline closes the spool once they have.
     */
    async leave(): Promise<void> {
      await feeding;
      for (const rt of replayTypes.values()) {
        for (const r of buffer.drainQueued(rt)) spool.giveBack((r.waiter as ReplayWaiter).seq);
      }
      await spool.settleWrites();
      for (const [tag, n] of spool.remaining()) {
        for (let i = 0; i < n; i++) {
          tag?.waiter?.reject(new LogwireError(ErrorCode.Closed, `record for ${tag.topic} left in the disk spool at close`, { fix: `a pipeline opened on ${options.dir} sends it` }));
          epochs.done(tag?.epoch ?? restoredEpoch);
        }
      }
    },
  };
}

export type SpoolBridge = ReturnType<typeof createSpoolBridge>;
