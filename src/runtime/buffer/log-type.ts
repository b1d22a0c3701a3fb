import type { Message } from "@bufbuild/protobuf";
import type { LogwireError } from "../errors.ts";
import type { LogDescriptor } from "../registry/log-descriptor.ts";
import type { HeldRecord } from "./record-buffer.ts";
import type { ResolvedSchema } from "../registry/schema-registration.ts";

/**
 * A lane of the record route (record-route.ts): the records of one lane
 * queue in order and go out in batches to `topic`. A lane is a generated
 * log type (`LogType`) or, with a disk spool, the records of one (topic,
 * type name) read back from it (`ReplayType`).
 */
export interface RouteLane {
  readonly topic: string;
  /** Where the lane's records are dead-lettered. */
  readonly dlqTopic: string;
  /** Fully-qualified Protobuf name of the records, for dead-letter headers. */
  readonly typeName: string;
  /** Registry subject of the records, for dead-letter headers. */
  readonly subject: string;
  /** Prepended to each payload to frame it; undefined while the schema id resolves (records wait). */
  readonly header: Uint8Array | undefined;
  /** Largest batch for this lane's topic: min(batch.maxBytes, the topic's max.message.bytes). */
  readonly batchLimit: number;
  /** The schema id, once known (dead-letter headers name it). */
  readonly schema: ResolvedSchema | undefined;
}

/** Per generated log type: where it goes and, once resolved, its frame header. */
export interface LogType extends RouteLane {
  readonly kind: "log";
  readonly descriptor: LogDescriptor;
  readonly headerLength: number;
  header: Uint8Array | undefined;
  batchLimit: number;
  maxRecordBytes: number;
  schema: ResolvedSchema | undefined;
  /**
   * The smallest accounted size (HeldRecord.bytes) of a record of this type
   * encoded so far, 0 before the first: admission drops a record before
   * encoding it when a drop-newest buffer lacks room even for that.
   */
  smallestRecordBytes: number;
  /** Set when the type can never be delivered (incompatible schema, ...): records are dead-lettered. */
  failure: LogwireError | undefined;
  readonly encode: (message: Message) => Uint8Array;
}

/**
 * Records read back from the disk spool, of one topic and type name. Their
 * payload is already framed (with the schema id it was emitted under), so
 * the header is empty, and nothing is encoded or resolved for them.
 */
export interface ReplayType extends RouteLane {
  readonly kind: "replay";
  readonly header: Uint8Array;
  readonly schema: undefined;
}

export type RouteType = LogType | ReplayType;

/** A record held by the route's buffer. */
export type HeldLogRecord = HeldRecord<RouteType>;
