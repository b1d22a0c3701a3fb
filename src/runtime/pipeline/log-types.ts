import { toBinary, type Message } from "@bufbuild/protobuf";
import { LogwireError } from "../errors.ts";
import type { ProduceTransport } from "../transport/transport.ts";
import type { LogDescriptor } from "../registry/log-descriptor.ts";
import type { LogType } from "../buffer/log-type.ts";
import type { RecordBuffer } from "../buffer/record-buffer.ts";
import type { RecordOutcomes } from "../buffer/record-outcomes.ts";
import type { SchemaResolver } from "../registry/schema-registration.ts";
import { createSchemaReverify } from "./schema-reverify.ts";
import { encodeFrameHeader } from "../registry/wire-format.ts";

/** Bytes kept free below a topic's max.message.bytes for the batch header. */
const BATCH_HEADER_ROOM = 512;

export interface LogTypesOptions {
  readonly transport: ProduceTransport;
  readonly resolver: SchemaResolver;
  readonly buffer: RecordBuffer<LogType>;
  readonly outcomes: RecordOutcomes;
  readonly dlqTopic: (topic: string) => string;
  readonly batchMaxBytes: number;
  readonly maxRecordBytes: number;
  /** True once close() timed out: unresolvable types drop their records instead of retrying. */
  readonly givingUp: () => boolean;
  /** True once close() was called: an unreachable registry is no longer probed (schema-reverify.ts). */
  readonly closed: () => boolean;
  /** A type got its header: its waiting records can be sent. */
  readonly resolved: () => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The pipeline's log types, created on first use, and the resolution of
 * each type's schema id (and its topic's size limit) in the background.
 * Records of a type wait in the buffer until its header is set; a type that
 * can never be resolved dead-letters them.
 */
export function createLogTypes(options: LogTypesOptions) {
  const { buffer, outcomes } = options;
  const types = new Map<LogDescriptor, LogType>();

  /** Resolves a type's schema id, retrying while the registry is unreachable. */
  async function resolveType(t: LogType): Promise<void> {
    const limit = options.transport.maxMessageBytes?.(t.topic).catch(() => undefined);
    for (let attempt = 0; ; attempt++) {
      try {
        const schema = await options.resolver.resolve(t.descriptor);
        const topicMax = await limit;
        if (topicMax !== undefined && topicMax > BATCH_HEADER_ROOM) {
          t.batchLimit = Math.min(t.batchLimit, topicMax - BATCH_HEADER_ROOM);
          t.maxRecordBytes = Math.min(t.maxRecordBytes, topicMax - BATCH_HEADER_ROOM);
        }
        t.schema = schema;
        t.header = encodeFrameHeader(schema.id, t.descriptor.messageIndexes);
        options.resolved();
        return;
      } catch (caught) {
        const error = LogwireError.from(caught);
        const givingUp = options.givingUp();
        if (error.retriable && !givingUp) {
          outcomes.report(error);
          await sleep(Math.min(30000, 100 * 2 ** Math.min(attempt, 9)));
          continue;
        }
        if (givingUp) {
          for (const r of buffer.drainQueued(t)) {
            outcomes.drop(r.topic, "close_timeout", r.epoch, r.waiter, error);
          }
          return;
        }
        t.failure = error;
        for (const r of buffer.drainQueued(t)) {
          outcomes.deadLetterHeld(r, error);
        }
        return;
      }
    }
  }

  const reverify = createSchemaReverify({
    resolver: options.resolver,
    types: () => types.values(),
    reresolve: resolveType,
    report: (error) => outcomes.report(error),
    released: options.resolved,
    givingUp: options.givingUp,
    closed: options.closed,
  });

  return {
    /** The resolver's signs that cached ids may be stale (SchemaResolverOptions.onSuspect): re-verifies them, holding their records; see schema-reverify.ts. */
    registrySignal: reverify.signal,
    /** The type of a generated descriptor; the first call starts resolving its schema id. */
    typeOf(descriptor: LogDescriptor): LogType {
      let t = types.get(descriptor);
      if (t === undefined) {
        const schema = descriptor.schema;
        const encode = descriptor.encode ?? ((m: Message) => toBinary(schema, m));
        t = {
          descriptor,
          topic: descriptor.topic,
          dlqTopic: options.dlqTopic(descriptor.topic),
          headerLength: encodeFrameHeader(0, descriptor.messageIndexes).length,
          header: undefined,
          batchLimit: options.batchMaxBytes,
          maxRecordBytes: options.maxRecordBytes,
          schema: undefined,
          smallestRecordBytes: 0,
          failure: undefined,
          encode: encode as (m: Message) => Uint8Array,
        };
        types.set(descriptor, t);
        void resolveType(t);
      }
      return t;
    },
    /** Adds a type that needs no resolution (the spool's replay types); it is sent after the types added before it. */
    add(descriptor: LogDescriptor, t: LogType): void {
      types.set(descriptor, t);
    },
    /** Every type, in the order they were added. */
    values(): IterableIterator<LogType> {
      return types.values();
    },
  };
}

export type LogTypes = ReturnType<typeof createLogTypes>;
