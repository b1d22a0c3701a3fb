// logwire's public API. Everything is listed by name; no `export *`.
// Generated code imports from "logwire/codegenv1" instead (src/runtime/codegenv1/),
// so nothing here exists only for generated code.

// For users: the pipeline, its options and its emitters.
export { createPipeline } from "./runtime/pipeline.ts";
export type { Pipeline } from "./runtime/pipeline.ts";
export type { CompressionName, OverflowPolicy, PipelineOptions, SchemaMode } from "./runtime/pipeline-options.ts";
export type { KafkaLogEntry, KafkaLogger, KafkaLogLevel, SaslMechanism, SaslOptions } from "./runtime/security-options.ts";
export type { Emitter } from "./runtime/emitter.ts";
export type { PipelineStats } from "./runtime/pipeline-stats.ts";
export type { LogDescriptor } from "./runtime/log-descriptor.ts";
export { DLQ_HEADERS } from "./runtime/dead-letter.ts";

// For users: errors.
export { ErrorCode, LogwireError, isLogwireError } from "./runtime/errors.ts";
export type { LogwireErrorInit } from "./runtime/errors.ts";

// For users: reading what logwire wrote (Confluent Protobuf framing).
export { decodeFrame, MAGIC_BYTE } from "./runtime/wire-format.ts";
export type { DecodedFrame } from "./runtime/wire-format.ts";

// For tests and other libraries: the producer seam and its in-memory stand-in,
// and writing frames without a pipeline.
export { createKafkaTransport } from "./runtime/kafka-transport.ts";
export type { ProduceTransport, TransportRecord, TransportTopicBatch } from "./runtime/kafka-transport.ts";
export { createMemoryTransport } from "./runtime/memory-transport.ts";
export type { MemoryTransport } from "./runtime/memory-transport.ts";
export { encodeFrameHeader, frame } from "./runtime/wire-format.ts";
