import type { Message } from "@bufbuild/protobuf";
import type { BatchType } from "./batcher.ts";
import type { LogwireError } from "../errors.ts";
import type { LogDescriptor } from "../registry/log-descriptor.ts";
import type { HeldRecord } from "./record-buffer.ts";
import type { ResolvedSchema } from "../registry/schema-registration.ts";

/** Per log type: where it goes and, once resolved, its frame header. */
export interface LogType extends BatchType {
  readonly descriptor: LogDescriptor;
  readonly dlqTopic: string;
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

/** A record of a log type held by the pipeline's buffer. */
export type HeldLogRecord = HeldRecord<LogType>;
