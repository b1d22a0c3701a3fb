// Type test: "logwire" is the user API and "logwire/codegenv1" what generated
// code imports; neither carries the other's names. `@ts-expect-error` fails
// the typecheck when the line compiles (tsc runs on test/ in `npm test`).
import type * as logwire from "logwire";
import type * as codegenv1 from "logwire/codegenv1";

// Helpers of generated code are not in the user entry.
// @ts-expect-error encodeWith is for generated encoders
export type EncodeWith = typeof logwire.encodeWith;
// @ts-expect-error redactHash is for generated redact functions
export type RedactHash = typeof logwire.redactHash;
// @ts-expect-error write functions of well-known types are for generated encoders
export type WriteTimestamp = typeof logwire.write$google$protobuf$Timestamp;
// @ts-expect-error SchemaFile is part of generated descriptors
export type Schema = logwire.SchemaFile;

// The user API is not in the subpath for generated code.
// @ts-expect-error createPipeline is for applications
export type CreatePipeline = typeof codegenv1.createPipeline;
// @ts-expect-error errors are for applications
export type ErrorClass = typeof codegenv1.LogwireError;

// Both name the one descriptor type: a generated descriptor is what pipeline.emitter() takes.
export const descriptor: logwire.LogDescriptor = null as unknown as codegenv1.LogDescriptor;
export type Emitter = ReturnType<logwire.Pipeline["emitter"]>;
