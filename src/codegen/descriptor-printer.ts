import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import type { GeneratedFile, ImportSymbol, Printable } from "@bufbuild/protoplugin";
import { LOG_DESCRIPTOR_KIND, type SchemaFile, type TraceField } from "../runtime/registry/log-descriptor.ts";
import { printKeyExtractor } from "./key-extractor.ts";
import type { LogMessageModel } from "./log-message-model.ts";
import type { RedactionHelpers } from "./redact-printer.ts";
import { createRedactPrinter } from "./redact-printer.ts";
import { importRuntime } from "./runtime-imports.ts";
import { schemaFileClosure, toSchemaFile } from "./schema-files.ts";
import type { WriterHomes } from "./writer-homes.ts";
import { LOCAL_WRITER_HOMES } from "./writer-homes.ts";

/** What an encoder hook printed for a log message: identifiers for its descriptor. */
export interface GeneratedEncoder {
  /** For `encode` and `encodeInit`: it takes a message or an init object alike. */
  readonly encode: Printable;
  /** For `check`: the compiled form of the runtime's `checkRecord` for the message. */
  readonly check: Printable;
}

/**
 * The hook for specialized encoders. Called once per log message, before its
 * descriptor is printed, so it may print an encoder and a check function
 * into the file. Returns what to put in the descriptor's `encode` and `check`
 * properties, or `undefined` to fall back to `toBinary` and `checkRecord` at
 * run time. `homes` says which write (and check) functions to import instead
 * of printing them.
 */
export type EncoderPrinter = (f: GeneratedFile, message: DescMessage, runtime: string, homes: WriterHomes) => GeneratedEncoder | undefined;

/**
 * Shares write functions across the modules of one run. `reach` lists the
 * messages whose write functions the encoder of a log message calls
 * (`undefined`: it has no encoder); `print` prints into the module of `file`
 * the exported writers that other modules import (`homes.exportedBy(file)`),
 * after the module's other declarations, a blank line between each two
 * (`leadingBlank`: one before the first too).
 */
export interface SharedWriterPrinter {
  reach(message: DescMessage): readonly DescMessage[] | undefined;
  print(f: GeneratedFile, file: DescFile, runtime: string, homes: WriterHomes, leadingBlank: boolean): void;
}

export interface DescriptorPrinterInit {
  /** Module the generated code imports logwire's types and helpers from. */
  readonly runtime: string;
  readonly printEncoder?: EncoderPrinter | undefined;
  readonly sharedWriters?: SharedWriterPrinter | undefined;
  /** Where each write function of the run lives; without it, every module prints the writers it needs. */
  readonly homes?: WriterHomes | undefined;
}

/**
 * Prints one `<file>_logwire.ts`: the shared `SchemaFile` constants, then a
 * `LogDescriptor` constant per log message, then the write functions other
 * modules import (`logs` may be empty: a file that only declares messages
 * that log messages elsewhere reach), then the redact functions.
 */
export function printLogModule(f: GeneratedFile, file: DescFile, logs: readonly LogMessageModel[], init: DescriptorPrinterInit): void {
  f.preamble(file);
  const homes = init.homes ?? LOCAL_WRITER_HOMES;
  const LogDescriptor = importRuntime(f, init.runtime, "LogDescriptor");
  const SchemaFileType = importRuntime(f, init.runtime, "SchemaFile");
  let helpers: RedactionHelpers | undefined;
  const redactPrinter = createRedactPrinter(f, () => {
    helpers ??= {
      redactHash: importRuntime(f, init.runtime, "redactHash"),
      redactMask: importRuntime(f, init.runtime, "redactMask"),
      redactMapValues: importRuntime(f, init.runtime, "redactMapValues"),
      redactedList: importRuntime(f, init.runtime, "redactedList"),
      redactedMap: importRuntime(f, init.runtime, "redactedMap"),
    };
    return helpers;
  });

  const constants = new Map<DescFile, string>();
  for (const log of logs) {
    for (const dep of schemaFileClosure(log.message.file)) {
      if (!constants.has(dep)) {
        const name = "schemaFile_" + dep.name.replace(/[^a-zA-Z0-9]/g, "_");
        constants.set(dep, name);
        printSchemaFile(f, name, SchemaFileType, toSchemaFile(dep));
      }
    }
  }

  for (const [i, log] of logs.entries()) {
    if (i > 0) {
      f.print();
    }
    const encoder = init.printEncoder?.(f, log.message, init.runtime, homes);
    // Records are encoded without a message only with a generated encoder, so
    // only then is the copying redaction needed.
    const redact = redactPrinter.redactFor(log.message, encoder !== undefined);
    const files = schemaFileClosure(log.message.file).map((dep) => constants.get(dep) as string);
    const Schema = f.importSchema(log.message);
    f.print(f.jsDoc(docFor(log, logConstName(f, log.message))));
    f.print(f.export("const", logConstName(f, log.message)), ": ", LogDescriptor, "<typeof ", Schema, "> = {");
    f.print("  kind: ", f.string(LOG_DESCRIPTOR_KIND), ",");
    f.print("  schema: ", Schema, ",");
    f.print("  typeName: ", f.string(log.message.typeName), ",");
    f.print("  topic: ", f.string(log.topic), ",");
    f.print("  subjectStrategy: ", f.string(log.subjectStrategy), ",");
    f.print("  subject: ", f.string(log.subject), ",");
    f.print("  messageIndexes: [", log.messageIndexes.join(", "), "],");
    f.print("  sampleRate: ", log.sampleRate, ",");
    f.print("  check: ", encoder?.check ?? "undefined", ",");
    f.print("  key: ", printKeyExtractor(f, log.keyPaths), ",");
    f.print("  redact: ", redact?.inPlace ?? "undefined", ",");
    f.print("  redactCopy: ", redact?.copy ?? "undefined", ",");
    f.print("  encode: ", encoder?.encode ?? "undefined", ",");
    f.print("  encodeInit: ", encoder?.encode ?? "undefined", ",");
    f.print("  validate: ", log.validate, ",");
    f.print("  traceFields: [", log.traceFields.map(printTraceField).join(", "), "],");
    f.print("  files: [", files.join(", "), "],");
    f.print("};");
  }
  init.sharedWriters?.print(f, file, init.runtime, homes, logs.length > 0);
  redactPrinter.printFunctions();
}

function printTraceField(t: TraceField): string {
  return `{ path: [${t.path.map((p) => JSON.stringify(p)).join(", ")}], part: ${JSON.stringify(t.part)}, bytes: ${t.bytes} }`;
}

function printSchemaFile(f: GeneratedFile, name: string, type: ImportSymbol, schemaFile: SchemaFile): void {
  f.print("const ", name, ": ", type, " = {");
  f.print("  name: ", f.string(schemaFile.name), ",");
  f.print("  schema: ", f.string(schemaFile.schema), ",");
  f.print("  dependencies: [", schemaFile.dependencies.map((d) => JSON.stringify(d)).join(", "), "],");
  f.print("};");
  f.print();
}

/** `<Message>Log`, after protoc-gen-es's name for the message type (`Outer_Inner` for nested types). */
export function logConstName(f: GeneratedFile, message: DescMessage): string {
  return `${f.importShape(message).name}Log`;
}

function docFor(log: LogMessageModel, constName: string): string {
  const lines = [
    `Log descriptor for ${log.message.typeName}: records go to topic "${log.topic}",`,
    `registered under subject "${log.subject}".`,
  ];
  if (log.sampleRate !== 1) {
    lines.push(`A fraction of ${log.sampleRate} of records is kept.`);
  }
  if (log.validate) {
    lines.push("Records are checked against the message's protovalidate rules at emit() (needs @bufbuild/protovalidate).");
  }
  lines.push("", `Pass it to \`pipeline.emitter(${constName})\`.`);
  return lines.join("\n");
}
