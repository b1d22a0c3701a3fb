// logwire's public API. Everything is listed by name; no `export *`.

// For users: the pipeline and its emitters.
export { createPipeline } from "./runtime/pipeline.ts";
export type { Pipeline } from "./runtime/pipeline.ts";
export type { CompressionName, OverflowPolicy, PipelineOptions, SchemaMode } from "./runtime/pipeline-options.ts";
export type { KafkaLogEntry, KafkaLogger, KafkaLogLevel, SaslMechanism, SaslOptions } from "./runtime/security-options.ts";
export type { Emitter } from "./runtime/emitter.ts";
export type { PipelineStats } from "./runtime/pipeline-stats.ts";
export { DLQ_HEADERS } from "./runtime/dead-letter.ts";

// For tests and other libraries: the producer seam and its in-memory stand-in.
export { createKafkaTransport } from "./runtime/kafka-transport.ts";
export type { ProduceTransport, TransportRecord, TransportTopicBatch } from "./runtime/kafka-transport.ts";
export { createMemoryTransport } from "./runtime/memory-transport.ts";
export type { MemoryTransport } from "./runtime/memory-transport.ts";

// For users: errors.
export { ErrorCode, LogwireError, isLogwireError } from "./runtime/errors.ts";
export type { LogwireErrorInit } from "./runtime/errors.ts";

// For generated code and other libraries: the descriptor contract and framing.
export { isLogDescriptor } from "./runtime/log-descriptor.ts";
export type { LogDescriptor, SchemaFile, SubjectNameStrategy } from "./runtime/log-descriptor.ts";
export { decodeFrame, encodeFrameHeader, frame, MAGIC_BYTE } from "./runtime/wire-format.ts";
export type { DecodedFrame } from "./runtime/wire-format.ts";
// For generated code: helpers the generated redact functions call.
export { REDACTED_HASH_PREFIX, REDACTED_MASK, redactedList, redactedMap, redactHash, redactMapValues, redactMask } from "./runtime/redaction.ts";
// For generated code: the primitives of generated encoders (one pass into an output slab).
export {
  bufferFull, sizeVarint32, writeBool, writeDouble, writeFixed32, writeFloat, writeInt32, writeLength,
  writeSfixed32, writeSint32, writeUint32, writeVarint32,
} from "./runtime/proto-writer.ts";
export { writeFixed64, writeInt64, writeSfixed64, writeSint64, writeUint64 } from "./runtime/int64-writer.ts";
export type { Int64Value } from "./runtime/int64-writer.ts";
export { writeBytes, writeString, writeTaggedBytes, writeTaggedString, writeUnknown } from "./runtime/utf8-writer.ts";
export { encoderFallbackCount, fallbackToBinary } from "./runtime/encoder-fallback.ts";
export { encodeWith } from "./runtime/output-slab.ts";
export type { WriteFn } from "./runtime/output-slab.ts";
// For generated code: write functions of the well-known types, shared by every generated module.
export {
  write$google$protobuf$Any, write$google$protobuf$BoolValue, write$google$protobuf$BytesValue,
  write$google$protobuf$DoubleValue, write$google$protobuf$Duration, write$google$protobuf$Empty,
  write$google$protobuf$FieldMask, write$google$protobuf$FloatValue, write$google$protobuf$Int32Value,
  write$google$protobuf$Int64Value, write$google$protobuf$ListValue, write$google$protobuf$StringValue,
  write$google$protobuf$Struct, write$google$protobuf$Timestamp, write$google$protobuf$UInt32Value,
  write$google$protobuf$UInt64Value, write$google$protobuf$Value,
} from "./runtime/wkt-writers.ts";
// For generated code: the predicates generated check functions share with checkRecord, and the
// check functions of the well-known types.
export {
  isInt32MapKey, isInt64, isInt64MapKey, isRecordObject, isUint32MapKey, isUint64, isUint64MapKey,
} from "./runtime/record-check.ts";
export {
  check$google$protobuf$Any, check$google$protobuf$BoolValue, check$google$protobuf$BytesValue,
  check$google$protobuf$DoubleValue, check$google$protobuf$Duration, check$google$protobuf$Empty,
  check$google$protobuf$FieldMask, check$google$protobuf$FloatValue, check$google$protobuf$Int32Value,
  check$google$protobuf$Int64Value, check$google$protobuf$ListValue, check$google$protobuf$StringValue,
  check$google$protobuf$Struct, check$google$protobuf$Timestamp, check$google$protobuf$UInt32Value,
  check$google$protobuf$UInt64Value, check$google$protobuf$Value,
} from "./runtime/wkt-checks.ts";
