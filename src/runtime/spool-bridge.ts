import { createDiskSpool, type DiskSpool, type SpoolEntry } from "./disk-spool.ts";
import { ErrorCode, LogwireError } from "./errors.ts";
import type { createFlushEpochs } from "./flush-epochs.ts";
import type { LogDescriptor } from "./log-descriptor.ts";
import type { HeldLogRecord, LogType } from "./log-type.ts";
import type { LogTypes } from "./log-types.ts";
import type { PipelineMetrics } from "./metrics.ts";
import { HELD_RECORD_MEMORY_BYTES, RECORD_OVERHEAD_BYTES, type RecordBuffer, type Waiter } from "./record-buffer.ts";
import type { RecordOutcomes } from "./record-outcomes.ts";
import { frame } from "./wire-format.ts";

/** What the pipeline remembers of a spooled record of this process (runs of equal tags share one object). */
export interface SpoolTag {
  readonly topic: string;
  readonly epoch: number;
  readonly waiter: Waiter | undefined;
}

/**
 * Opens the disk spool of `buffer.spool`. `onLost` gets the tags of records
 * whose append failed (they are not in the spool): see `SpoolBridge.lost`.
 */
export function openSpool(spool: { readonly dir: string; readonly maxBytes: number }, onLost: (tags: readonly SpoolTag[], error: Error) => void): Promise<DiskSpool<SpoolTag>> {
  // A read is sized to the room in the buffer, so it counts each record as the buffer does.
  return createDiskSpool<SpoolTag>({ dir: spool.dir, maxBytes: spool.maxBytes, recordOverhead: RECORD_OVERHEAD_BYTES + HELD_RECORD_MEMORY_BYTES, onLost });
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

  /** Moves spooled records into the buffer once a quarter of it is free (or it is empty). */
  function feed(): void {
    if (feeding !== undefined || options.givingUp() || spool.records === 0) return;
    const room = options.bufferMaxBytes - buffer.heldBytes;
    if (room < options.bufferMaxBytes / 4 && buffer.heldBytes > 0) return;
    feeding = spool.read(room).then(
      (batch) => {
        for (const { entry, tag } of batch) {
          const t = replayType(entry);
          const epoch = tag?.epoch ?? restoredEpoch;
          const r: HeldLogRecord = { type: t, topic: t.topic, key: entry.key, payload: entry.value, bytes: entry.value.length + (entry.key?.length ?? 0) + RECORD_OVERHEAD_BYTES, enqueuedAt: 0, deadline: 0, epoch, waiter: tag?.waiter, seq: 0 };
          if (options.givingUp()) outcomes.drop(t.topic, "close_timeout", epoch, r.waiter);
          else if (!buffer.offer(r)) outcomes.drop(t.topic, "buffer_full", epoch, r.waiter);
        }
        feeding = undefined;
        // Nothing readable yet (still being written) or too little room: look again shortly.
        if (batch.length > 0) feed();
        else setTimeout(feed, 10).unref();
      },
      (caught) => {
        // A corrupt record inside the file (not a torn tail): stop reading; what is left stays counted as spooled.
        outcomes.report(LogwireError.from(caught));
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
      const entry: SpoolEntry = { topic: t.topic, typeName: t.descriptor.typeName, subject: t.descriptor.subject, key: r.key, value: frame(t.header, r.payload) };
      if (r.waiter !== undefined || lastTag?.epoch !== r.epoch || lastTag.topic !== t.topic || lastTag.waiter !== undefined) lastTag = { topic: t.topic, epoch: r.epoch, waiter: r.waiter };
      if (!spool.append(entry, lastTag)) {
        outcomes.drop(t.topic, "spool_full", r.epoch, r.waiter);
        return;
      }
      spooling = true;
      metrics.spooled(t.topic);
      feed();
    },
    feed,
    /** Records whose append to the spool failed: reported once, each dropped as `spool_failed`. */
    lost(tags: readonly SpoolTag[], error: Error): void {
      outcomes.report(new LogwireError(ErrorCode.Internal, `could not write to the disk spool in ${options.dir}: ${error.message}`, { fix: "check the spool directory is writable and its disk has room", cause: error }));
      for (const tag of tags) outcomes.drop(tag.topic, "spool_failed", tag.epoch, tag.waiter);
    },
    /** On close timeout: what is still on disk stays there for the next pipeline on the dir (counted as spooled, not dropped). */
    async leave(): Promise<void> {
      await feeding;
      await spool.close();
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
