import { createRequire } from "node:module";
import type { DescMessage } from "@bufbuild/protobuf";
import { createEcmaScriptPlugin } from "@bufbuild/protoplugin";
import type { Plugin, Schema } from "@bufbuild/protoplugin";
import { isLogwireError } from "../runtime/errors.ts";
import type { EncoderPrinter, SharedWriterPrinter } from "./descriptor-printer.ts";
import { printLogModule } from "./descriptor-printer.ts";
import { printEncoder, printSharedWriters, reachedWriters } from "./encoder/print-encoder.ts";
import type { LogMessageModel } from "./log-message-model.ts";
import { checkKeyPlacement, checkTraceFieldOptions, isLogMessage, readLogMessage } from "./log-message-model.ts";
import type { LogwirePluginOptions } from "./plugin-options.ts";
import { parseLogwireOptions } from "./plugin-options.ts";
import { toPluginError } from "./schema-error.ts";
import { createSubjectConflicts } from "./subject-conflicts.ts";
import type { EncoderReach } from "./writer-homes.ts";
import { createWriterHomes } from "./writer-homes.ts";

export interface LogwirePluginInit {
  /** Prints specialized encoders; without it, descriptors get `encode: undefined`. */
  readonly printEncoder?: EncoderPrinter | undefined;
  /**
   * Generates each write function once per run, in the module of the file
   * that declares its message (see `WriterHomes`); without it, every module
   * prints the writers its encoders call.
   */
  readonly sharedWriters?: SharedWriterPrinter | undefined;
}

/**
 * protoc-gen-logwire: writes `<file>_logwire.ts` next to protoc-gen-es's
 * `<file>_pb.ts` for every file with `(logwire.v1.log)` messages, one
 * `LogDescriptor` per log message. Bad options fail the whole run with
 * `protoc-gen-logwire: <file>: <message>: <what is wrong>: <how to fix>`.
 */
export function createLogwirePlugin(init: LogwirePluginInit = {}): Plugin {
  return createEcmaScriptPlugin<LogwirePluginOptions>({
    name: "protoc-gen-logwire",
    version: `v${packageVersion()}`,
    parseOptions: parseLogwireOptions,
    generateTs(schema) {
      try {
        generate(schema, init);
      } catch (error) {
        throw isLogwireError(error) ? toPluginError(error) : error;
      }
    },
  });
}

/** The plugin as its bin (`protoc-gen-logwire`, src/codegen/bin.ts) runs it. */
export const protocGenLogwire: Plugin = createLogwirePlugin({
  printEncoder,
  sharedWriters: { reach: reachedWriters, print: printSharedWriters },
});

function generate(schema: Schema<LogwirePluginOptions>, init: LogwirePluginInit): void {
  const conflicts = createSubjectConflicts();
  const modules: { file: (typeof schema.files)[number]; logs: LogMessageModel[] }[] = [];
  for (const file of schema.files) {
    const logs: LogMessageModel[] = [];
    for (const desc of schema.typesInFile(file)) {
      if (desc.kind !== "message") {
        continue;
      }
      checkTraceFieldOptions(desc as DescMessage);
      if (isLogMessage(desc)) {
        const log = readLogMessage(desc);
        conflicts.add(log);
        logs.push(log);
      } else {
        checkKeyPlacement(desc as DescMessage);
      }
    }
    if (logs.length > 0) {
      modules.push({ file, logs });
    }
  }
  const runtime = schema.options.runtime;
  const shared = init.printEncoder !== undefined ? init.sharedWriters : undefined;
  const homes = shared === undefined ? undefined : createWriterHomes(schema.files, reachedMessages(modules, shared));
  for (const file of schema.files) {
    const logs = modules.find((m) => m.file === file)?.logs ?? [];
    if (logs.length === 0 && (homes?.exportedBy(file).length ?? 0) === 0) {
      continue;
    }
    const f = schema.generateFile(`${file.name}_logwire.ts`);
    printLogModule(f, file, logs, { runtime, printEncoder: init.printEncoder, sharedWriters: shared, homes });
  }
}

/** What the run's encoders write, in discovery order (files, then log messages). */
function reachedMessages(modules: readonly { logs: readonly LogMessageModel[] }[], shared: SharedWriterPrinter): EncoderReach[] {
  const reached: EncoderReach[] = [];
  for (const { logs } of modules) {
    for (const log of logs) {
      const messages = shared.reach(log.message);
      if (messages !== undefined) {
        reached.push({ file: log.message.file, messages });
      }
    }
  }
  return reached;
}

/** logwire's own version, through the package's self-reference (the same from src/ and dist/src/). */
function packageVersion(): string {
  return (createRequire(import.meta.url)("logwire/package.json") as { version: string }).version;
}
