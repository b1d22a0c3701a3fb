import { toBinary, type Message } from "@bufbuild/protobuf";
import { LogwireError } from "../errors.ts";
import type { ProduceTransport } from "../transport/transport.ts";
import type { LogDescriptor } from "../registry/log-descriptor.ts";
import type { LogType } from "../buffer/log-type.ts";
import { createRecordValidator } from "../check/record-validation.ts";
import type { AdmittedType } from "./record-admission.ts";
import type { RecordRoute } from "../buffer/record-route.ts";
import type { RegistrySignal, SchemaResolver } from "../registry/schema-registration.ts";
import { createSchemaReverify } from "./schema-reverify.ts";
import { encodeFrameHeader } from "../registry/wire-format.ts";

/** Bytes kept free below a topic's max.message.bytes for the batch header. */
const BATCH_HEADER_ROOM = 512;

export interface LogTypesOptions {
  readonly transport: ProduceTransport;
  /** Creates the schema resolver, given where its signs of a registry that lost state go. */
  readonly createResolver: (onSuspect: (signal: RegistrySignal) => void) => SchemaResolver;
  /** Where the records of each type go: the route holds them while the type resolves, and is told when it did. */
  readonly route: RecordRoute;
  readonly dlqTopic: (topic: string) => string;
  readonly batchMaxBytes: number;
  readonly maxRecordBytes: number;
  /** `validation` pipeline option: "off" compiles no type's rules. */
  readonly validation: "schema" | "off";
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
  const { route } = options;
  const { buffer, outcomes } = route;
  const types = new Map<LogDescriptor, AdmittedType>();
  // The resolver's signs that cached ids may be stale (SchemaResolverOptions.onSuspect) re-verify them, holding their records; see schema-reverify.ts.
  const resolver = options.createResolver((signal) => reverify.signal(signal));

  /** Resolves a type's schema id, retrying while the registry is unreachable. */
  async function resolveType(t: LogType): Promise<void> {
    const limit = options.transport.maxMessageBytes?.(t.topic).catch(() => undefined);
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
        route.kick();
        return;
      } catch (caught) {
        const error = LogwireError.from(caught);
        const givingUp = route.gaveUp;
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
    resolver,
    types: () => types.values(),
    reresolve: resolveType,
    report: (error) => outcomes.report(error),
    released: () => route.kick(),
    givingUp: () => route.gaveUp,
    closed: () => route.closed,
  });

  return {
    /**
     * The type of a generated descriptor; the first call starts resolving its
     * schema id. A type whose schema asks for validation gets its rules
     * compiled here, so emitter() throws when they cannot be used
     * (`invalid_option`) or @bufbuild/protovalidate is not installed
     * (`environment`), before any record is accepted; the type is then not
     * created, and the next emitter() call tries again.
     */
    typeOf(descriptor: LogDescriptor): AdmittedType {
      let t = types.get(descriptor);
      if (t === undefined) {
        const schema = descriptor.schema;
        const validator = descriptor.validate && options.validation === "schema" ? createRecordValidator(schema) : undefined;
        const encode = descriptor.encode ?? ((m: Message) => toBinary(schema, m));
        t = {
          kind: "log",
          descriptor,
          typeName: descriptor.typeName,
          subject: descriptor.subject,
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
          validator,
        };
        types.set(descriptor, t);
        route.addLane(t);
        void resolveType(t);
      }
      return t;
    },
    /** Every type, in the order they were created. */
    values(): IterableIterator<AdmittedType> {
      return types.values();
    },
  };
}

export type LogTypes = ReturnType<typeof createLogTypes>;
