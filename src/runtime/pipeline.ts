import { clone, create, isMessage, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, Message } from "@bufbuild/protobuf";
import type { Registry } from "prom-client";
import { createBatcher, type BatchType } from "./batcher.ts";
import { createDiskSpool, type SpoolEntry } from "./disk-spool.ts";
import { createDeadLetterRecord, safeJson, type DeadLetterValueFormat } from "./dead-letter.ts";
import { createEmitter, type Emitter } from "./emitter.ts";
import { ErrorCode, LogwireError } from "./errors.ts";
import { createKafkaTransport } from "./kafka-transport.ts";
import { isLogDescriptor, type LogDescriptor } from "./log-descriptor.ts";
import { createPipelineMetrics } from "./metrics.ts";
import { resolveOptions, type PipelineOptions } from "./pipeline-options.ts";
import { createStatsBook, type PipelineStats } from "./pipeline-stats.ts";
import { createFlushEpochs } from "./flush-epochs.ts";
import { installSignalHandlers } from "./signal-handlers.ts";
import { checkRecord } from "./record-check.ts";
import { RECORD_OVERHEAD_BYTES, RecordBuffer, type HeldRecord, type Waiter } from "./record-buffer.ts";
import { createSchemaResolver, type ResolvedSchema } from "./schema-registration.ts";
import { encodeFrameHeader, frame } from "./wire-format.ts";

export interface Pipeline {
  /** The emitter of one generated log type. Throws `invalid_option` for anything but a generated descriptor. */
  emitter<Desc extends DescMessage>(descriptor: LogDescriptor<Desc>): Emitter<Desc>;
  /** Resolves when every record emitted before the call is acked, dead-lettered or dropped (counted). */
  flush(): Promise<void>;
  /** Flushes, then disconnects. Idempotent: every call returns the same promise. */
  close(): Promise<void>;
  /** The books: emitted = acked + dropped + deadLettered + pending. */
  stats(): PipelineStats;
  /** The prom-client registry holding the pipeline's metrics. */
  readonly metricsRegistry: Registry;
}

/** Per log type: where it goes and, once resolved, its frame header. */
interface LogType extends BatchType {
  readonly descriptor: LogDescriptor;
  readonly dlqTopic: string;
  readonly headerLength: number;
  header: Uint8Array | undefined;
  batchLimit: number;
  maxRecordBytes: number;
  schema: ResolvedSchema | undefined;
  /** Set when the type can never be delivered (incompatible schema, ...): records are dead-lettered. */
  failure: LogwireError | undefined;
  readonly encode: (message: Message) => Uint8Array;
}

type Held = HeldRecord<LogType>;

/** What the pipeline remembers of a spooled record of this process (runs of equal tags share one object). */
interface SpoolTag {
  readonly topic: string;
  readonly epoch: number;
  readonly waiter: Waiter | undefined;
}

/** Bytes kept free below a topic's max.message.bytes for the batch header. */
const BATCH_HEADER_ROOM = 512;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Creates the pipeline: validates options (throws `invalid_option` naming the
 * option path), registers the compression codecs and connects the producer.
 */
export async function createPipeline(options: PipelineOptions): Promise<Pipeline> {
  const o = resolveOptions(options);
  const transport = o.transport ?? createKafkaTransport(o);
  const book = createStatsBook();
  const types = new Map<LogDescriptor, LogType>();
  let closed = false;
  let givingUp = false;
  let closePromise: Promise<void> | undefined;

  const epochs = createFlushEpochs();
  const epochDone = (e: number): void => epochs.done(e);

  const buffer: RecordBuffer<LogType> = new RecordBuffer<LogType>({
    maxBytes: o.bufferMaxBytes,
    overflow: o.overflow,
    blockTimeoutMs: o.blockTimeoutMs,
    onDrop: (r, reason) => drop(r.topic, reason, r.epoch, r.waiter),
    onAdmit: () => batcher.kick(),
  });
  const spool = o.spool === undefined ? undefined : await createDiskSpool<SpoolTag>({
    dir: o.spool.dir,
    maxBytes: o.spool.maxBytes,
    recordOverhead: RECORD_OVERHEAD_BYTES,
    onLost: (tags, error) => {
      report(new LogwireError(ErrorCode.Internal, `could not write to the disk spool in ${o.spool!.dir}: ${error.message}`, { fix: "check the spool directory is writable and its disk has room", cause: error }));
      for (const tag of tags) drop(tag.topic, "spool_failed", tag.epoch, tag.waiter);
    },
  });
  const metrics = createPipelineMetrics({
    registry: o.metricsRegistry,
    prefix: o.metricsPrefix,
    queue: () => ({ lengthByTopic: buffer.lengthByTopic, bytes: buffer.heldBytes, capacityBytes: o.bufferMaxBytes }),
    ...(spool === undefined ? {} : { spoolBytes: () => spool.bytes }),
  });
  const resolver = createSchemaResolver({
    url: o.registry?.url,
    auth: o.registry?.auth,
    mode: o.schemaMode,
    ids: o.schemaIds,
    onCall: (op, outcome) => metrics.registryCall(op, outcome),
  });

  function report(error: LogwireError): void {
    queueMicrotask(() => o.onError(error));
  }

  function drop(topic: string, reason: string, e: number | undefined, waiter: Waiter | undefined, error?: LogwireError): void {
    book.dropped(reason);
    metrics.dropped(topic, reason);
    waiter?.reject(error ?? new LogwireError(reason === "closed" ? ErrorCode.Closed : ErrorCode.BufferFull, `record for ${topic} dropped: ${reason}`, {
      fix: reason === "closed" ? "emit before close()" : "raise buffer.maxBytes, lower the emit rate, or choose another buffer.overflow policy",
    }));
    if (e !== undefined) epochDone(e);
  }

  let dlqBytes = 0;
  function deadLetter(type: LogType, e: number, waiter: Waiter | undefined, error: LogwireError, key: Buffer | null, value: Uint8Array, format: DeadLetterValueFormat): void {
    const record = createDeadLetterRecord({
      error,
      originalTopic: type.topic,
      typeName: type.descriptor.typeName,
      subject: type.descriptor.subject,
      schemaId: type.schema?.id ?? (error.details?.["registeredId"] as number | undefined),
      key,
      value,
      valueFormat: format,
      maxValueBytes: Math.min(65536, o.maxRecordBytes - 16384),
    });
    const bytes = record.value.length + 4096;
    if (dlqBytes + bytes > o.bufferMaxBytes) {
      report(new LogwireError(ErrorCode.BufferFull, `dead-letter queue for ${type.dlqTopic} is full; record dropped`, { fix: "check why the dead-letter topic is slow or failing", cause: error }));
      drop(type.topic, "dlq_full", e, waiter, error);
      return;
    }
    dlqBytes += bytes;
    report(error);
    batcher.deadLetter({
      topic: type.dlqTopic,
      record,
      bytes,
      done: (dlqError) => {
        dlqBytes -= bytes;
        if (dlqError === null) {
          book.deadLettered(error.code);
          metrics.deadLettered(type.topic, error.code);
          waiter?.reject(error);
          epochDone(e);
        } else {
          metrics.dlqFailed(type.topic);
          report(new LogwireError(ErrorCode.BrokerUnavailable, `could not write to dead-letter topic ${type.dlqTopic}: ${dlqError.message}`, { fix: "check the dead-letter topic exists and is writable", cause: dlqError }));
          drop(type.topic, "dlq_failed", e, waiter, error);
        }
      },
    });
  }

  function deadLetterHeld(r: Held, error: LogwireError): void {
    const t = r.type;
    if (t.header === undefined) deadLetter(t, r.epoch, r.waiter, error, r.key, r.payload, "protobuf");
    else deadLetter(t, r.epoch, r.waiter, error, r.key, frame(t.header, r.payload), "framed");
  }

  const batcher = createBatcher<LogType>({
    buffer,
    transport,
    types: () => types.values(),
    lingerMs: o.lingerMs,
    batchMaxBytes: o.batchMaxBytes,
    urgent: () => epochs.waiting || closed || awaiting > 0,
    givingUp: () => givingUp,
    onRequest: (batches, bytes) => {
      for (const b of batches) metrics.produceRequests(b.topic, b.records.length);
      metrics.batchBytes(bytes);
    },
    onAcked: (records) => {
      book.acked(records.length);
      if (spool !== undefined) feedSpool();
      const byTopic = new Map<string, number>();
      for (const r of records) {
        byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1);
        buffer.settle(r);
        r.waiter?.resolve();
        epochDone(r.epoch);
      }
      for (const [topic, n] of byTopic) metrics.produceSuccess(topic, n);
    },
    onRetriableError: (records, error) => {
      countErrors(records);
      report(error);
    },
    onFailed: (records, error) => {
      countErrors(records);
      for (const r of records) {
        buffer.settle(r);
        if (givingUp && error.retriable) drop(r.topic, "close_timeout", r.epoch, r.waiter, error);
        else deadLetterHeld(r, error);
      }
      if (spool !== undefined) feedSpool();
    },
  });

  function countErrors(records: readonly Held[]): void {
    const byTopic = new Map<string, number>();
    for (const r of records) byTopic.set(r.topic, (byTopic.get(r.topic) ?? 0) + 1);
    for (const [topic, n] of byTopic) metrics.produceError(topic, n);
  }

  /** Resolves a type's schema id, retrying while the registry is unreachable. */
  async function resolveType(t: LogType): Promise<void> {
    const limit = transport.maxMessageBytes?.(t.topic).catch(() => undefined);
    for (let attempt = 0; ; attempt++) {
      try {
        const schema = await resolver.resolve(t.descriptor);
        const topicMax = await limit;
        if (topicMax !== undefined && topicMax > BATCH_HEADER_ROOM) {
          t.batchLimit = Math.min(t.batchLimit, topicMax - BATCH_HEADER_ROOM);
          t.maxRecordBytes = Math.min(t.maxRecordBytes, topicMax - BATCH_HEADER_ROOM);
        }
        t.schema = schema;
        t.header = encodeFrameHeader(schema.id, t.descriptor.messageIndexes);
        batcher.kick();
        return;
      } catch (caught) {
        const error = LogwireError.from(caught);
        if (error.retriable && !givingUp) {
          report(error);
          await sleep(Math.min(30000, 100 * 2 ** Math.min(attempt, 9)));
          continue;
        }
        if (givingUp) {
          for (const r of buffer.drainQueued(t)) {
            drop(r.topic, "close_timeout", r.epoch, r.waiter, error);
          }
          return;
        }
        t.failure = error;
        for (const r of buffer.drainQueued(t)) {
          deadLetterHeld(r, error);
        }
        return;
      }
    }
  }

  function typeOf(descriptor: LogDescriptor): LogType {
    let t = types.get(descriptor);
    if (t === undefined) {
      const schema = descriptor.schema;
      const encode = descriptor.encode ?? ((m: Message) => toBinary(schema, m));
      t = {
        descriptor,
        topic: descriptor.topic,
        dlqTopic: o.dlqTopic(descriptor.topic),
        headerLength: encodeFrameHeader(0, descriptor.messageIndexes).length,
        header: undefined,
        batchLimit: o.batchMaxBytes,
        maxRecordBytes: o.maxRecordBytes,
        schema: undefined,
        failure: undefined,
        encode: encode as (m: Message) => Uint8Array,
      };
      types.set(descriptor, t);
      void resolveType(t);
    }
    return t;
  }

  /**
   * Records of `emitAndWait` callers not yet settled. While there are any,
   * batches go out without lingering: someone is awaiting the ack.
   */
  let awaiting = 0;

  /** The hot path: check, sample, redact, encode, size-check, enqueue. */
  function accept(t: LogType, init: unknown, callerWaiter: Waiter | undefined): void {
    book.emitted();
    let waiter = callerWaiter;
    if (callerWaiter !== undefined) {
      awaiting++;
      waiter = {
        resolve: () => {
          awaiting--;
          callerWaiter.resolve();
        },
        reject: (reason) => {
          awaiting--;
          callerWaiter.reject(reason);
        },
      };
    }
    if (closed) {
      drop(t.topic, "closed", undefined, waiter);
      return;
    }
    const e = epochs.begin();
    try {
      admit(t, init, e, waiter);
    } catch (bug) {
      // A logwire bug must neither reach the caller nor leave the record
      // pending (flush would wait for it forever): count it and report it.
      report(LogwireError.from(bug));
      drop(t.topic, "internal", e, waiter, LogwireError.from(bug));
    }
  }

  function admit(t: LogType, init: unknown, e: number, waiter: Waiter | undefined): void {
    const d = t.descriptor;
    const started = performance.now();
    const problems = checkRecord(d.schema, init);
    if (problems.length > 0) {
      const first = problems[0]!;
      const error = new LogwireError(ErrorCode.InvalidRecord, `${d.typeName} record does not match its schema: expected ${first.expected}, received ${first.received}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}`, {
        path: first.path,
        fix: "pass values of the generated types (use TypeScript, or fix the caller)",
        details: { problems },
      });
      deadLetter(t, e, waiter, error, null, Buffer.from(safeJson(init)), "json");
      return;
    }
    if (d.sampleRate < 1 && Math.random() >= d.sampleRate) {
      drop(t.topic, "sampled", e, waiter);
      return;
    }
    let key: Buffer | null = null;
    let payload: Uint8Array;
    try {
      let message = isMessage(init, d.schema) ? (init as Message) : (create(d.schema, init as never) as Message);
      if (d.key !== undefined) key = Buffer.from(d.key(message as never));
      if (d.redact !== undefined) {
        if (message === init) message = clone(d.schema, message as never) as Message;
        d.redact(message as never);
      }
      payload = t.encode(message);
    } catch (caught) {
      const error = new LogwireError(ErrorCode.InvalidRecord, `${d.typeName} record could not be encoded: ${caught instanceof Error ? caught.message : String(caught)}`, {
        fix: "pass values of the generated types",
        cause: caught,
      });
      deadLetter(t, e, waiter, error, key, Buffer.from(safeJson(init)), "json");
      return;
    }
    metrics.encodeSeconds((performance.now() - started) / 1000);
    const size = t.headerLength + payload.length + (key?.length ?? 0);
    if (size > t.maxRecordBytes) {
      const error = new LogwireError(ErrorCode.RecordTooLarge, `${d.typeName} record is ${size} bytes, larger than the limit of ${t.maxRecordBytes} bytes`, {
        fix: "log less per record (split it or trim large fields), or raise maxRecordBytes and the topic's max.message.bytes",
        details: { recordBytes: size, maxRecordBytes: t.maxRecordBytes },
      });
      if (t.header === undefined) deadLetter(t, e, waiter, error, key, payload, "protobuf");
      else deadLetter(t, e, waiter, error, key, frame(t.header, payload), "framed");
      return;
    }
    if (t.failure !== undefined) {
      if (t.header === undefined) deadLetter(t, e, waiter, t.failure, key, payload, "protobuf");
      else deadLetter(t, e, waiter, t.failure, key, frame(t.header, payload), "framed");
      return;
    }
    const record: Held = { type: t, topic: t.topic, key, payload, bytes: size + RECORD_OVERHEAD_BYTES, enqueuedAt: 0, deadline: 0, epoch: e, waiter };
    if (spool !== undefined) offerOrSpool(t, record);
    else if (!buffer.offer(record)) drop(t.topic, "buffer_full", e, waiter);
  }

  // The disk spool (buffer.spool). Order rule: once a record is spooled,
  // every new record of a resolved type is spooled too, until the spool is
  // empty and every record read back has been taken by the sender; read-back
  // records are queued under per-(topic, type) replay types whose header is
  // empty (their value is already framed), created after the live types, so
  // batches put older live records first.
  const replayTypes = new Map<string, LogType>();
  // Records a previous process left go first: new records queue behind them.
  let spooling = (spool?.records ?? 0) > 0;
  let feeding: Promise<void> | undefined;
  let lastTag: SpoolTag | undefined;
  let restoredEpoch = 0;
  for (let i = 0; i < (spool?.restored ?? 0); i++) restoredEpoch = epochs.begin();
  if (spool !== undefined && spool.torn > 0) {
    book.dropped("spool_torn");
    metrics.dropped("", "spool_torn");
  }

  function offerOrSpool(t: LogType, r: Held): void {
    if (spooling && feeding === undefined && spool!.records === 0 && ![...replayTypes.values()].some((rt) => buffer.queuedBytes(rt) > 0)) spooling = false;
    if ((!spooling || t.header === undefined) && buffer.offer(r)) return;
    if (t.header === undefined) {
      drop(t.topic, "buffer_full", r.epoch, r.waiter);
      return;
    }
    const entry: SpoolEntry = { topic: t.topic, typeName: t.descriptor.typeName, subject: t.descriptor.subject, key: r.key, value: frame(t.header, r.payload) };
    if (r.waiter !== undefined || lastTag?.epoch !== r.epoch || lastTag.topic !== t.topic || lastTag.waiter !== undefined) lastTag = { topic: t.topic, epoch: r.epoch, waiter: r.waiter };
    if (!spool!.append(entry, lastTag)) {
      drop(t.topic, "spool_full", r.epoch, r.waiter);
      return;
    }
    spooling = true;
    metrics.spooled(t.topic);
    feedSpool();
  }

  function replayType(e: SpoolEntry): LogType {
    const id = `${e.topic}\0${e.typeName}`;
    let t = replayTypes.get(id);
    if (t === undefined) {
      let batchLimit = o.batchMaxBytes;
      for (const live of types.values()) if (live.topic === e.topic) batchLimit = Math.min(batchLimit, live.batchLimit);
      const descriptor = { typeName: e.typeName, subject: e.subject, topic: e.topic } as unknown as LogDescriptor;
      t = { descriptor, topic: e.topic, dlqTopic: o.dlqTopic(e.topic), headerLength: 0, header: new Uint8Array(0), batchLimit, maxRecordBytes: o.maxRecordBytes, schema: undefined, failure: undefined, encode: () => new Uint8Array(0) };
      replayTypes.set(id, t);
      types.set(descriptor, t);
    }
    return t;
  }

  /** Moves spooled records into the buffer once a quarter of it is free (or it is empty). */
  function feedSpool(): void {
    if (feeding !== undefined || givingUp || spool!.records === 0) return;
    const room = o.bufferMaxBytes - buffer.heldBytes;
    if (room < o.bufferMaxBytes / 4 && buffer.heldBytes > 0) return;
    feeding = spool!.read(room).then(
      (batch) => {
        for (const { entry, tag } of batch) {
          const t = replayType(entry);
          const epoch = tag?.epoch ?? restoredEpoch;
          const r: Held = { type: t, topic: t.topic, key: entry.key, payload: entry.value, bytes: entry.value.length + (entry.key?.length ?? 0) + RECORD_OVERHEAD_BYTES, enqueuedAt: 0, deadline: 0, epoch, waiter: tag?.waiter };
          if (givingUp) drop(t.topic, "close_timeout", epoch, r.waiter);
          else if (!buffer.offer(r)) drop(t.topic, "buffer_full", epoch, r.waiter);
        }
        feeding = undefined;
        // Nothing readable yet (still being written) or too little room: look again shortly.
        if (batch.length > 0) feedSpool();
        else setTimeout(feedSpool, 10).unref();
      },
      (caught) => {
        // A corrupt record inside the file (not a torn tail): stop reading; what is left stays counted as spooled.
        report(LogwireError.from(caught));
      },
    );
  }

  /** On close timeout: what is still on disk stays there for the next pipeline on the dir (counted as spooled, not dropped). */
  async function leaveSpool(): Promise<void> {
    await feeding;
    await spool!.close();
    for (const [tag, n] of spool!.remaining()) {
      for (let i = 0; i < n; i++) {
        tag?.waiter?.reject(new LogwireError(ErrorCode.Closed, `record for ${tag.topic} left in the disk spool at close`, { fix: `a pipeline opened on ${o.spool!.dir} sends it` }));
        epochDone(tag?.epoch ?? restoredEpoch);
      }
    }
  }

  function flush(): Promise<void> {
    const flushed = epochs.flush();
    batcher.kick();
    return flushed;
  }

  let removeSignalHandlers = (): void => {};

  function close(): Promise<void> {
    closePromise ??= (async () => {
      closed = true;
      const flushed = flush().then(() => true);
      const inTime = await Promise.race([flushed, sleep(o.closeTimeoutMs).then(() => false)]);
      if (!inTime) {
        givingUp = true;
        if (spool !== undefined) await leaveSpool();
        for (const r of buffer.drainQueued()) {
          drop(r.topic, "close_timeout", r.epoch, r.waiter);
        }
        for (const r of batcher.abandonRetry()) {
          buffer.settle(r);
          drop(r.topic, "close_timeout", r.epoch, r.waiter);
        }
        await flushed;
      }
      if (spool !== undefined && inTime) await spool.close();
      removeSignalHandlers();
      await transport.disconnect();
    })();
    return closePromise;
  }

  try {
    await transport.connect();
  } catch (caught) {
    await spool?.close();
    throw caught;
  }
  if (spool !== undefined) feedSpool();
  if (o.handleSignals) removeSignalHandlers = installSignalHandlers(close);

  return {
    emitter<Desc extends DescMessage>(descriptor: LogDescriptor<Desc>): Emitter<Desc> {
      if (!isLogDescriptor(descriptor)) {
        throw new LogwireError(ErrorCode.InvalidOption, "not a generated log descriptor", {
          path: "emitter(descriptor)",
          fix: "pass a descriptor from a *_logwire.ts file generated by protoc-gen-logwire (e.g. PaymentAuditLog)",
        });
      }
      const t = typeOf(descriptor as LogDescriptor);
      return createEmitter(descriptor, (init, waiter) => accept(t, init, waiter), (bug) => report(LogwireError.from(bug)));
    },
    flush,
    close,
    stats: () => (spool === undefined ? book.snapshot(buffer.heldBytes, o.bufferMaxBytes) : book.snapshot(buffer.heldBytes, o.bufferMaxBytes, spool.records, spool.restored + spool.torn)),
    metricsRegistry: metrics.registry,
  };
}
