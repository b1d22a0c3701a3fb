import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";

/**
 * The contract between `protoc-gen-logwire` and the runtime.
 *
 * For every message marked `option (logwire.v1.log) = {...}` the plugin writes
 * one `LogDescriptor` constant into `<file>_logwire.ts`. The runtime consumes it
 * through `pipeline.emitter(descriptor)`. The runtime never imports codegen; the
 * plugin imports only this type (and the types it references).
 */

/** Confluent's subject name strategies, by their Confluent names. */
export type SubjectNameStrategy = "topic" | "record" | "topic-record";

/**
 * One `.proto` file as the registry sees it.
 *
 * `name` is the import path (`example/payments/v1/common.proto`). It is also the
 * reference name, and, as Confluent's serializers do, the subject under which a
 * referenced file is registered.
 *
 * The schema is registered the way Confluent's own clients register it: a
 * base64 `FileDescriptorProto` (Apicurio accepts this form from 3.1.3 on and
 * runs its compatibility rules on it). logwire's own options, the import of
 * `logwire/v1/options.proto` and `source_code_info` are stripped first, so the
 * registry sees only the data shape.
 */
export interface SchemaFile {
  /** Import path of the file, e.g. `example/payments/v1/audit.proto`. */
  readonly name: string;
  /** Base64 of the stripped `FileDescriptorProto`, as registered. */
  readonly schema: string;
  /**
   * Import paths this file depends on, in declaration order, after stripping.
   * Well-known types (`google/protobuf/*.proto`) are listed; like Confluent's
   * clients, the registry code does not register them as references.
   */
  readonly dependencies: readonly string[];
}

/**
 * The brand of descriptors this runtime reads. It changes with the contract:
 * v2 made `check`, `redactCopy` and `encodeInit` required and `check` return
 * the copy or `undefined` (v1 let older code return a boolean or leave them
 * out); v3 added `validate` and `traceFields`, which a v2 runtime would
 * silently ignore (records of a type that asks for validation sent
 * unchecked), so it refuses them instead. The plugin ships in the same
 * package, so `buf generate` with it writes this brand.
 */
export const LOG_DESCRIPTOR_KIND = "logwire.log/v3";

/**
 * A field filled from the span active at emit() when the record leaves it
 * empty (`(logwire.v1.field).trace_id` / `.span_id`).
 */
export interface TraceField {
  /** Property names (protobuf-es `localName`s) from the log message down to the field; every segment but the last is a singular message field outside a oneof. */
  readonly path: readonly string[];
  /** Which id: `traceId` (16 bytes) or `spanId` (8 bytes). */
  readonly part: "traceId" | "spanId";
  /** A bytes field gets the raw id; a string field its lower-case hex. */
  readonly bytes: boolean;
}

/** A generated description of one log record type. */
export interface LogDescriptor<Desc extends DescMessage = DescMessage> {
  /** Brand, so the runtime can reject objects that are not generated descriptors, or generated for another contract. */
  readonly kind: typeof LOG_DESCRIPTOR_KIND;
  /** The protobuf-es message schema (`GenMessage`) from `<file>_pb.ts`. */
  readonly schema: Desc;
  /** Fully-qualified message name, e.g. `example.payments.v1.PaymentAudit`. */
  readonly typeName: string;
  /** Kafka topic the records go to. */
  readonly topic: string;
  /** Strategy the subject below was derived with. */
  readonly subjectStrategy: SubjectNameStrategy;
  /** The value subject, derived from `topic`, `typeName` and `subjectStrategy`. */
  readonly subject: string;
  /**
   * Confluent message-index path of the message inside its file: the index of
   * each enclosing message from the top level down, e.g. `[0]` for the first
   * top-level message, `[1, 0]` for the first nested message of the second.
   */
  readonly messageIndexes: readonly number[];
  /** Fraction of records kept, in (0, 1]. 1 keeps all. */
  readonly sampleRate: number;
  /**
   * Compiled check, by the record contract of src/runtime/check/record-check.ts:
   * reads each value of `value` once and returns a copy made of exactly the
   * values it read (a `MessageInitShape<Desc>` of plain objects and arrays)
   * when `checkRecord(schema, value)` finds no problem in it, else
   * `undefined`; it throws when reading `value` throws. The runtime runs it
   * on every record, and redacts, keys and encodes the copy, so what was
   * checked is what is written; `checkRecord` runs only on records it
   * rejects, for the problem list. `undefined` exactly when the message has
   * no specialized encoder (`encodeInit` is `undefined` too): the runtime
   * then runs `checkRecord` on every record.
   */
  readonly check: ((value: unknown) => object | undefined) | undefined;
  /**
   * Partition key extractor compiled from the `key` field options, or
   * `undefined` when the message has no key field (records are then spread by
   * the producer's partitioner). Called after redaction. With `encodeInit`,
   * the runtime passes it the copy `check` returned, redacted by
   * `redactCopy`, not a message: generated
   * extractors read a missing field as its default, as in the message
   * `create()` would make.
   */
  readonly key: ((message: MessageShape<Desc>) => string) | undefined;
  /**
   * Replaces values of fields marked `redact` in place, before encoding.
   * `undefined` when the message has no redacted field.
   */
  readonly redact: ((message: MessageShape<Desc>) => void) | undefined;
  /**
   * The same redaction without changing its argument: returns the record (a
   * message or an init object) with the fields marked `redact` replaced,
   * copying only the objects on the way to a replaced value, or the record
   * itself when nothing changes. With `owned`, the record is the runtime's
   * own (the copy `check` returned): its fields are replaced in place, with
   * no copy. Present whenever `redact` and `encodeInit` are (`isLogDescriptor`
   * refuses a descriptor without it, so no record skips redaction);
   * `undefined` when the message has no redacted field or no generated
   * encoder.
   */
  readonly redactCopy: ((record: MessageInitShape<Desc>, owned?: boolean) => MessageInitShape<Desc>) | undefined;
  /**
   * Specialized encoder, byte-identical to `toBinary(schema, message)`.
   * `undefined` falls back to `toBinary`.
   */
  readonly encode: ((message: MessageShape<Desc>) => Uint8Array) | undefined;
  /**
   * The specialized encoder for the copy `check` returned (it also takes a
   * protobuf-es message or a plain init object: a missing or `undefined`
   * field is its default, nested messages may be either), with the bytes of
   * `toBinary(schema, create(schema, record))`. With it, the runtime never
   * creates a message: it redacts the copy with `redactCopy`, keys and
   * encodes it. `undefined` when the message has no specialized encoder
   * (see `check`): the runtime creates a message and uses `redact`, `key`
   * and `encode` on it.
   */
  readonly encodeInit: ((record: MessageInitShape<Desc>) => Uint8Array) | undefined;
  /** `(logwire.v1.log).validate`: records are checked against the message's protovalidate rules at emit() (record-validation.ts). */
  readonly validate: boolean;
  /** The fields filled from the active span, in the order the plugin found them (the message's own first); empty when none. */
  readonly traceFields: readonly TraceField[];
  /**
   * The file that declares the message, followed by every file it imports,
   * transitively, in dependency order (a file appears after all it imports is
   * NOT guaranteed; consumers resolve by name). `files[0]` is the root.
   */
  readonly files: readonly SchemaFile[];
}

/**
 * Type guard for descriptors generated for this runtime: the brand,
 * `redactCopy` wherever `redact` and `encodeInit` are both set (the runtime
 * redacts the check's copy with it), and `validate` and `traceFields` (a
 * descriptor without them would skip validation silently).
 */
export function isLogDescriptor(arg: unknown): arg is LogDescriptor {
  if (typeof arg !== "object" || arg === null) return false;
  const d = arg as { kind?: unknown; redact?: unknown; redactCopy?: unknown; encodeInit?: unknown; validate?: unknown; traceFields?: unknown };
  return (
    d.kind === LOG_DESCRIPTOR_KIND &&
    (d.encodeInit === undefined || d.redact === undefined || typeof d.redactCopy === "function") &&
    typeof d.validate === "boolean" &&
    Array.isArray(d.traceFields)
  );
}
