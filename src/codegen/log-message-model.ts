import { getOption, hasOption, ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescFile, DescMessage } from "@bufbuild/protobuf";
import { field as fieldOption, log as logOption, SubjectStrategy } from "../../proto/logwire/v1/options_pb.ts";
import type { SubjectNameStrategy, TraceField } from "../runtime/registry/log-descriptor.ts";
import { checkTopicName } from "./kafka-topic.ts";
import { schemaError } from "./schema-error.ts";

/** Everything the printer needs about one `(logwire.v1.log)` message, validated. */
export interface LogMessageModel {
  readonly message: DescMessage;
  readonly topic: string;
  readonly subjectStrategy: SubjectNameStrategy;
  readonly subject: string;
  readonly sampleRate: number;
  /** Confluent message-index path (indexes into `message_type` / `nested_type`, map entries included). */
  readonly messageIndexes: readonly number[];
  /** Key parts in join order; each a field path from the log message down to a scalar or enum leaf. */
  readonly keyPaths: readonly (readonly DescField[])[];
  /** `(logwire.v1.log).validate`: check records against the message's protovalidate rules at emit(). */
  readonly validate: boolean;
  /** Fields filled from the active span (`(logwire.v1.field).trace_id` / `.span_id`), as the runtime reads them. */
  readonly traceFields: readonly TraceField[];
}

/** Whether the message carries `option (logwire.v1.log)`. */
export function isLogMessage(message: DescMessage): boolean {
  return hasOption(message, logOption);
}

/** Reads and validates the options of a log message; throws a `LogwireError` on bad input. */
export function readLogMessage(message: DescMessage): LogMessageModel {
  const file = message.file;
  const options = getOption(message, logOption);
  if (options.topic === "") {
    throw schemaError(file, message, "missing topic", 'set it in the log option, e.g. option (logwire.v1.log) = {topic: "payments.audit"}');
  }
  const topicProblem = checkTopicName(options.topic);
  if (topicProblem !== undefined) {
    throw schemaError(file, message, topicProblem, "rename the topic to 1-249 characters of [a-zA-Z0-9._-]");
  }
  const subjectStrategy = readSubjectStrategy(file, message, options.subjectStrategy);
  const sampleRate = options.sampleRate ?? 1;
  if (!(sampleRate > 0 && sampleRate <= 1)) {
    throw schemaError(file, message, `sample_rate ${sampleRate} is outside (0, 1]`, "use a fraction greater than 0 and at most 1, or leave it unset to keep all records");
  }
  return {
    message,
    topic: options.topic,
    subjectStrategy,
    subject: subjectFor(subjectStrategy, options.topic, message.typeName),
    sampleRate,
    messageIndexes: messageIndexes(message),
    keyPaths: readKeyPaths(message, options.keyFields),
    validate: options.validate,
    traceFields: traceFieldsOf(message, [], new Set([message.typeName])),
  };
}

/**
 * Rejects `(logwire.v1.field).trace_id` / `.span_id` on a field that cannot
 * hold a span's id: not string or bytes, repeated or a map, in a oneof (the
 * fill would pick a case for the caller), or both options on one field.
 * Checked on every message, log message or not: the options also work on
 * messages that log messages reach (the seed's RequestContext).
 */
export function checkTraceFieldOptions(message: DescMessage): void {
  for (const f of message.fields) {
    const o = getOption(f, fieldOption);
    if (!o.traceId && !o.spanId) continue;
    const option = o.traceId ? "trace_id" : "span_id";
    const fix = `mark a singular string (hex) or bytes (raw) field outside a oneof with ${option}`;
    if (o.traceId && o.spanId) {
      throw schemaError(message.file, message, `field "${f.name}" is marked both trace_id and span_id`, "mark one field with trace_id and another with span_id");
    }
    if (f.fieldKind === "list") throw schemaError(message.file, message, `${option} field "${f.name}" is repeated`, fix);
    if (f.fieldKind === "map") throw schemaError(message.file, message, `${option} field "${f.name}" is a map`, fix);
    if (f.fieldKind !== "scalar" || (f.scalar !== ScalarType.STRING && f.scalar !== ScalarType.BYTES)) {
      throw schemaError(message.file, message, `${option} field "${f.name}" is ${f.fieldKind === "scalar" ? ScalarType[f.scalar].toLowerCase() : f.fieldKind === "enum" ? "an enum" : "a message"}`, fix);
    }
    if (f.oneof !== undefined) throw schemaError(message.file, message, `${option} field "${f.name}" is in oneof "${f.oneof.name}"`, fix);
  }
}

/**
 * Every trace field the runtime fills in a record of `message`: those of the
 * message itself, then those of messages it reaches through singular message
 * fields outside a oneof (a message already on the path is not entered
 * again, so recursive types end). Lists, maps and oneofs are not entered: a
 * trace id there would belong to another context than the record's.
 */
function traceFieldsOf(message: DescMessage, path: readonly string[], onPath: Set<string>): TraceField[] {
  const out: TraceField[] = [];
  for (const f of message.fields) {
    const o = getOption(f, fieldOption);
    if ((o.traceId || o.spanId) && f.fieldKind === "scalar") {
      out.push({ path: [...path, f.localName], part: o.traceId ? "traceId" : "spanId", bytes: f.scalar === ScalarType.BYTES });
    }
  }
  for (const f of message.fields) {
    if (f.fieldKind !== "message" || f.oneof !== undefined || onPath.has(f.message.typeName)) continue;
    onPath.add(f.message.typeName);
    out.push(...traceFieldsOf(f.message, [...path, f.localName], onPath));
    onPath.delete(f.message.typeName);
  }
  return out;
}

/**
 * Rejects `(logwire.v1.field).key` on fields of messages that are not log
 * messages: the option would silently do nothing there.
 */
export function checkKeyPlacement(message: DescMessage): void {
  for (const f of message.fields) {
    if (getOption(f, fieldOption).key) {
      throw schemaError(message.file, message, `field "${f.name}" is marked as key, but ${message.name} is not a log message`, "mark the field on the log message itself, or list a path to it in the log option's key_fields");
    }
  }
}

/** Confluent's subject name strategies. */
export function subjectFor(strategy: SubjectNameStrategy, topic: string, typeName: string): string {
  switch (strategy) {
    case "topic":
      return `${topic}-value`;
    case "record":
      return typeName;
    case "topic-record":
      return `${topic}-${typeName}`;
  }
}

function readSubjectStrategy(file: DescFile, message: DescMessage, value: SubjectStrategy): SubjectNameStrategy {
  switch (value) {
    case SubjectStrategy.UNSPECIFIED:
    case SubjectStrategy.TOPIC:
      return "topic";
    case SubjectStrategy.RECORD:
      return "record";
    case SubjectStrategy.TOPIC_RECORD:
      return "topic-record";
    default:
      throw schemaError(file, message, `unknown subject_strategy ${String(value)}`, "use SUBJECT_STRATEGY_TOPIC, SUBJECT_STRATEGY_RECORD or SUBJECT_STRATEGY_TOPIC_RECORD");
  }
}

/** Index of the message among its siblings in the descriptor, from the top level down. */
function messageIndexes(message: DescMessage): number[] {
  const path: number[] = [];
  for (let m: DescMessage | undefined = message; m !== undefined; m = m.parent) {
    const siblings = m.parent === undefined ? m.file.proto.messageType : m.parent.proto.nestedType;
    path.unshift(siblings.indexOf(m.proto));
  }
  return path;
}

function readKeyPaths(message: DescMessage, keyFields: readonly string[]): DescField[][] {
  const marked = message.fields.filter((f) => getOption(f, fieldOption).key).sort((a, b) => a.number - b.number);
  if (marked.length > 0 && keyFields.length > 0) {
    throw schemaError(message.file, message, "the key is given twice, by key_fields and by (logwire.v1.field).key", "use one of the two forms");
  }
  if (marked.length > 0) {
    return marked.map((f) => [checkKeyLeaf(message, f, f.name)]);
  }
  return keyFields.map((path) => resolveKeyPath(message, path));
}

function resolveKeyPath(root: DescMessage, path: string): DescField[] {
  const names = path.split(".");
  const fields: DescField[] = [];
  let current: DescMessage = root;
  for (const [i, name] of names.entries()) {
    const f = current.fields.find((candidate) => candidate.name === name);
    if (f === undefined) {
      const known = current.fields.map((candidate) => candidate.name).join(", ");
      throw schemaError(root.file, root, `key_fields names "${path}", but ${current.name} has no field "${name}"`, `use one of the fields of ${current.name}: ${known}`);
    }
    if (i === names.length - 1) {
      fields.push(checkKeyLeaf(root, f, path));
      break;
    }
    if (f.fieldKind !== "message" || f.oneof !== undefined) {
      throw schemaError(root.file, root, `key_fields path "${path}" goes through "${name}", which is not a singular message field outside a oneof`, "make every segment but the last a singular message field");
    }
    fields.push(f);
    current = f.message;
  }
  return fields;
}

function checkKeyLeaf(root: DescMessage, f: DescField, path: string): DescField {
  const fix = "key by a singular scalar or enum field outside a oneof";
  switch (f.fieldKind) {
    case "list":
      throw schemaError(root.file, root, `key field "${path}" is repeated`, fix);
    case "map":
      throw schemaError(root.file, root, `key field "${path}" is a map`, fix);
    case "message":
      throw schemaError(root.file, root, `key field "${path}" is a message`, `${fix}, e.g. a field inside it with key_fields: ["${path}.<field>"]`);
    case "scalar":
      if (f.scalar === ScalarType.BYTES) {
        throw schemaError(root.file, root, `key field "${path}" is bytes`, `${fix}; use a string field`);
      }
      break;
    case "enum":
      break;
  }
  if (f.oneof !== undefined) {
    throw schemaError(root.file, root, `key field "${path}" is in oneof "${f.oneof.name}"`, `${fix}; an unset oneof member would send unrelated records to one partition`);
  }
  return f;
}
