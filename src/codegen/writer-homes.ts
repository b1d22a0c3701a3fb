import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import { symbols } from "../runtime/codegenv1/symbols.ts";
import { fieldMessage } from "./field-message.ts";

/**
 * Where the write function of a message lives, seen from one generated
 * module (its check function lives next to it): printed in the module
 * itself, imported from the runtime (a well-known type), or imported from
 * another generated module (`from` is a project-root relative
 * `./<file>_logwire.js` that protoplugin's `GeneratedFile.import` makes
 * relative and gives the `import_extension`).
 */
export type WriterHome = { readonly kind: "local" } | { readonly kind: "runtime" } | { readonly kind: "import"; readonly from: string };

/**
 * Which module holds each write function in one plugin run, so each is
 * generated once:
 * - well-known types in `RUNTIME_WRITERS`: the runtime (`logwire/codegenv1`,
 *   from `src/runtime/encode/wkt-writers.ts` and `check/wkt-checks.ts`,
 *   which ./bootstrap/wkt-files.ts generates with these same printers);
 * - a message declared in a file of the run: that file's `<file>_logwire.ts`,
 *   which exports it when another module calls it (and is generated even
 *   without a log message of its own);
 * - any other message (a file that is only imported, e.g. a dependency from
 *   another buf module, or another directory under `strategy: directory`):
 *   printed, unexported, in every module that needs it.
 */
export interface WriterHomes {
  homeOf(message: DescMessage, module: DescFile): WriterHome;
  /** Whether the module of `module` prints `message`'s writer as an export. */
  exports(module: DescFile, message: DescMessage): boolean;
  /** The messages of `file` whose writers its module exports, in discovery order. */
  exportedBy(file: DescFile): readonly DescMessage[];
}

/**
 * Well-known types whose write and check functions the runtime exports
 * (`write$google$protobuf$<Name>` in wkt-writers.ts, `check$...` in
 * wkt-checks.ts): the types whose writer the runtime symbol table lists, in
 * its order. `npm run generate:wkt` generates exactly these.
 */
export const RUNTIME_WRITERS: ReadonlySet<string> = new Set(
  Object.keys(symbols)
    .filter((name) => name.startsWith("write$google$protobuf$"))
    .map((name) => name.slice("write$".length).replace(/\$/g, ".")),
);

/** Every writer printed where the module needs it, none exported: for encoder hooks called without a run plan. */
export const LOCAL_WRITER_HOMES: WriterHomes = {
  homeOf: () => ({ kind: "local" }),
  exports: () => false,
  exportedBy: () => [],
};

/** The messages whose write functions one log message's encoder calls, and the file it is declared in. */
export interface EncoderReach {
  readonly file: DescFile;
  readonly messages: readonly DescMessage[];
}

/**
 * `generated` are the files of the run (`schema.files`); `reached` what the
 * run's encoders write, in discovery order. A module exports exactly the
 * writers that another module calls.
 */
export function createWriterHomes(generated: readonly DescFile[], reached: readonly EncoderReach[]): WriterHomes {
  const inRun = new Set(generated);
  const homeOf = (message: DescMessage, module: DescFile): WriterHome => {
    if (RUNTIME_WRITERS.has(message.typeName)) {
      return { kind: "runtime" };
    }
    if (message.file === module || !inRun.has(message.file)) {
      return { kind: "local" };
    }
    return { kind: "import", from: `./${message.file.name}_logwire.js` };
  };
  // Writers imported from another module: the callees of each printed writer
  // that live elsewhere. A writer is printed in its own file's module when
  // that file is in the run, else in the module of the log message reaching it.
  const imported = new Set<DescMessage>();
  for (const { file, messages } of reached) {
    for (const caller of messages) {
      if (RUNTIME_WRITERS.has(caller.typeName)) {
        continue;
      }
      const printedIn = inRun.has(caller.file) ? caller.file : file;
      for (const field of caller.fields) {
        const callee = fieldMessage(field);
        if (callee !== undefined && messages.includes(callee) && !RUNTIME_WRITERS.has(callee.typeName) && homeOf(callee, printedIn).kind === "import") {
          imported.add(callee);
        }
      }
    }
  }
  const byFile = new Map<DescFile, DescMessage[]>();
  for (const { messages } of reached) {
    for (const message of messages) {
      const list = byFile.get(message.file) ?? [];
      if (imported.has(message) && !list.includes(message)) {
        list.push(message);
        byFile.set(message.file, list);
      }
    }
  }
  return {
    homeOf,
    exports: (module, message) => message.file === module && imported.has(message),
    exportedBy: (file) => byFile.get(file) ?? [],
  };
}
