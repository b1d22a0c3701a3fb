// logwire's public API. Everything is listed by name; no `export *`.
// Generated code imports from "logwire/codegenv1" instead (src/runtime/codegenv1/),
// so nothing here exists only for generated code.

// For users: the pipeline, its options and its emitters.
export { createPipeline } from "./runtime/pipeline/pipeline.ts";
export type { Pipeline } from "./runtime/pipeline/pipeline.ts";
export type { CompressionName, ConnectMode, OverflowPolicy, PipelineOptions, ProducerThread, SchemaMode, TraceMode, ValidationMode } from "./runtime/pipeline/pipeline-options.ts";
export type { RuleViolation } from "./runtime/check/record-validation.ts";
export type { KafkaLogEntry, KafkaLogger, KafkaLogLevel, SaslMechanism, SaslOptions } from "./runtime/kafka/security-options.ts";
export type { Emitter } from "./runtime/pipeline/emitter.ts";
export type { PipelineStats } from "./runtime/metrics/pipeline-stats.ts";
export type { LogDescriptor } from "./runtime/registry/log-descriptor.ts";
export { DLQ_HEADERS } from "./runtime/dead-letter/dead-letter.ts";

// For users: errors.
export { ErrorCode, LogwireError, isLogwireError } from "./runtime/errors.ts";
export type { LogwireErrorInit } from "./runtime/errors.ts";

// For users: reading what logwire wrote (Confluent Protobuf framing).
export { decodeFrame, MAGIC_BYTE } from "./runtime/registry/wire-format.ts";
export type { DecodedFrame } from "./runtime/registry/wire-format.ts";

// For tests and other libraries: the producer seam and its in-memory stand-in,
// and writing frames without a pipeline.
export { createKafkaTransport } from "./runtime/kafka/kafkajs/kafka-transport.ts";
export type { ProduceTransport, TransportRecord, TransportTopicBatch } from "./runtime/transport/transport.ts";
export { createMemoryTransport } from "./runtime/transport/memory-transport.ts";
export type { MemoryTransport } from "./runtime/transport/memory-transport.ts";
export { encodeFrameHeader, frame } from "./runtime/registry/wire-format.ts";
