// logwire's public API. Everything is listed by name; no `export *`.

// For users: the pipeline and its emitters.
// (createPipeline and friends are added by the pipeline module.)

// For users: errors.
export { ErrorCode, LogwireError, isLogwireError } from "./runtime/errors.ts";
export type { LogwireErrorInit } from "./runtime/errors.ts";

// For generated code and other libraries: the descriptor contract and framing.
export { isLogDescriptor } from "./runtime/log-descriptor.ts";
export type { LogDescriptor, SchemaFile, SubjectNameStrategy } from "./runtime/log-descriptor.ts";
export { decodeFrame, encodeFrameHeader, frame, MAGIC_BYTE } from "./runtime/wire-format.ts";
export type { DecodedFrame } from "./runtime/wire-format.ts";
// For generated code: helpers the generated redact functions call.
export { REDACTED_HASH_PREFIX, REDACTED_MASK, redactHash, redactMapValues, redactMask } from "./runtime/redaction.ts";
