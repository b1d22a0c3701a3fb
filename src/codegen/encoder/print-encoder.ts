import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import type { GeneratedFile, Printable } from "@bufbuild/protoplugin";
import type { GeneratedEncoder } from "../descriptor-printer.ts";
import { codegenModule } from "../../runtime/codegenv1/symbols.ts";
import { importRuntime } from "../runtime-imports.ts";
import { planEncoder } from "./encoder-plan.ts";
import { printCheckBody } from "./message-check.ts";
import type { EncoderContext } from "./message-encoder.ts";
import { printWriteBody } from "./message-encoder.ts";
import type { WriterHomes } from "../writer-homes.ts";
import { LOCAL_WRITER_HOMES } from "../writer-homes.ts";

/** Messages whose write functions are already in a generated file. */
const printedIn = new WeakMap<GeneratedFile, Set<string>>();

/**
 * Prints a specialized encoder and a check function for `message` into `f`
 * and returns their names, for the log descriptor; returns `undefined` when
 * the message cannot have them (see `planEncoder`), so the runtime uses
 * `toBinary` and `checkRecord`.
 *
 * The encoder, `encode$<type name with $ for .>`, writes the message in one
 * pass (`write$...`) into logwire's output slab (`encodeWith`) and returns
 * exactly its bytes, in an array the caller owns. It takes a protobuf-es
 * message or a plain init object alike (see `printWriteBody`): the bytes are
 * `toBinary(schema, create(schema, m))`'s, so the runtime encodes a caller's
 * record without creating a message first. Every message the log
 * message reaches has its own write function and, next to it, its check
 * function (`check$...`, see `printCheckBody`: it returns the copy of the
 * record the runtime redacts, keys and encodes), generated once per run where
 * `homes` says (see `WriterHomes`): imported from the runtime or from the
 * module of the file that declares it, or printed here, once per module. A
 * value the fast path does not take (a wrong type from plain JavaScript)
 * makes it fall back to `toBinary`, so the bytes and errors are always
 * `toBinary`'s.
 *
 * `runtime` is the module logwire's helpers are imported from.
 */
export function printEncoder(f: GeneratedFile, message: DescMessage, runtime: string = codegenModule, homes: WriterHomes = LOCAL_WRITER_HOMES): GeneratedEncoder | undefined {
  const plan = planEncoder(message);
  if (plan.kind === "unsupported") {
    f.print("// ", message.typeName, " has no specialized encoder (", plan.reason, "); toBinary encodes it.");
    f.print();
    return undefined;
  }
  const ctx = createContext(f, runtime, homes, message.file);
  for (const desc of unprinted(f, plan.messages, homes, message.file)) {
    printMessageFunctions(f, ctx, desc, homes.exports(message.file, desc));
    f.print();
  }
  const name = functionName("encode", message);
  f.print("/** Encodes a ", message.typeName, " message or init object exactly as toBinary(create()) does, into an array the caller owns. */");
  f.print("function ", name, "(m: ", initShape(f, message), "): Uint8Array {");
  f.print("  try {");
  f.print("    return ", ctx.rt("encodeWith"), "(", ctx.write(message), ", m);");
  f.print("  } catch {");
  f.print("    return ", ctx.rt("fallbackToBinary"), "(", f.importSchema(message), ", m);");
  f.print("  }");
  f.print("}");
  f.print();
  return { encode: name, check: ctx.check(message) };
}

/** The messages whose write functions the encoder of `message` calls, or `undefined` when it has no encoder. */
export function reachedWriters(message: DescMessage): readonly DescMessage[] | undefined {
  const plan = planEncoder(message);
  return plan.kind === "supported" ? plan.messages : undefined;
}

/**
 * Prints the exported write functions of `file`'s messages that encoders in
 * other modules of the run import, unless the module's own encoders printed
 * them already. They come last in the module, so each goes after a blank
 * line, except the first when nothing is printed before it (`leadingBlank`).
 */
export function printSharedWriters(f: GeneratedFile, file: DescFile, runtime: string, homes: WriterHomes, leadingBlank: boolean): void {
  const ctx = createContext(f, runtime, homes, file);
  let blank = leadingBlank;
  for (const desc of unprinted(f, homes.exportedBy(file), homes, file)) {
    if (blank) {
      f.print();
    }
    blank = true;
    printMessageFunctions(f, ctx, desc, true);
  }
}

/** The messages of `messages` whose writers belong in this module and are not in it yet; marks them printed. */
function unprinted(f: GeneratedFile, messages: readonly DescMessage[], homes: WriterHomes, module: DescFile): DescMessage[] {
  let printed = printedIn.get(f);
  if (printed === undefined) {
    printed = new Set();
    printedIn.set(f, printed);
  }
  const out: DescMessage[] = [];
  for (const desc of messages) {
    if (homes.homeOf(desc, module).kind === "local" && !printed.has(desc.typeName)) {
      printed.add(desc.typeName);
      out.push(desc);
    }
  }
  return out;
}

/** The write function of `desc`, then its check function. */
function printMessageFunctions(f: GeneratedFile, ctx: EncoderContext, desc: DescMessage, exported: boolean): void {
  printWriteFunction(f, ctx, desc, exported);
  f.print();
  printCheckFunction(f, ctx, desc, exported);
}

/**
 * The check function of `desc`, `check$<type name with $ for .>` (see
 * `printCheckBody`), with its doc comment. Also prints the runtime's
 * well-known types (src/codegen/bootstrap/wkt-files.ts).
 */
export function printCheckFunction(f: GeneratedFile, ctx: EncoderContext, desc: DescMessage, exported: boolean): void {
  const name = functionName("check", desc);
  f.print("/** `v` as a ", desc.typeName, " record, read once and copied, if it is valid (exactly when checkRecord finds no problem in it); `d`: how deep it is nested. */");
  f.print(exported ? f.export("function", name) : ["function ", name], "(v: unknown, d = 1): object | undefined {");
  for (const line of printCheckBody(ctx, desc)) {
    f.print(...line);
  }
  f.print("}");
}

/**
 * The write function of `desc`, `write$<type name with $ for .>` (see
 * `printWriteBody`). Also prints the runtime's well-known types
 * (src/codegen/bootstrap/wkt-files.ts).
 */
export function printWriteFunction(f: GeneratedFile, ctx: EncoderContext, desc: DescMessage, exported: boolean): void {
  const name = functionName("write", desc);
  f.print(exported ? f.export("function", name) : ["function ", name], "(m: ", initShape(f, desc), ", b: Uint8Array, p: number): number {");
  f.print("  const t = m.$typeName;");
  if (desc.fields.length > 0) {
    // toBinary rejects a message of another type (ForeignFieldError); an init
    // object has no type name. create() copies the schema's typeName string,
    // so this is mostly a pointer compare; against a literal, V8 would
    // compare ~30 characters per message.
    f.print("  if (t !== undefined && t !== ", f.importSchema(desc), ".typeName) throw new TypeError(\"foreign message\");");
  }
  for (const line of printWriteBody(ctx, desc)) {
    f.print(...line);
  }
  f.print("  return p;");
  f.print("}");
}

/** `MessageInitShape<typeof XSchema>`: a message of the type or its init object. */
function initShape(f: GeneratedFile, message: DescMessage): Printable {
  return [f.import("MessageInitShape", "@bufbuild/protobuf", true), "<typeof ", f.importSchema(message), ">"];
}

function createContext(f: GeneratedFile, runtime: string, homes: WriterHomes, module: DescFile): EncoderContext {
  return createEncoderContext(f, (name) => importRuntime(f, runtime, name), homes, module);
}

/**
 * What the body printers call, for functions printed into `f`, the module of
 * `module`: runtime symbols through `rt` (an import from the `runtime=`
 * module, or from the runtime's sources for files generated inside it),
 * write and check functions where `homes` says.
 */
export function createEncoderContext(f: GeneratedFile, rt: (name: string) => Printable, homes: WriterHomes, module: DescFile): EncoderContext {
  return {
    rt,
    initShape: (message) => initShape(f, message),
    write: (message) => homeFunction("write", message),
    check: (message) => homeFunction("check", message),
    schema: (message) => f.importSchema(message),
  };

  function homeFunction(kind: "write" | "check", message: DescMessage): Printable {
    const home = homes.homeOf(message, module);
    const name = functionName(kind, message);
    switch (home.kind) {
      case "local":
        return name;
      case "runtime":
        return rt(name);
      case "import":
        return f.import(name, home.from);
    }
  }
}

/** `write$example$payments$v1$Money`: `$` cannot occur in proto names, so names never collide. */
function functionName(kind: "write" | "check" | "encode", message: DescMessage): string {
  return `${kind}$${message.typeName.replace(/\./g, "$")}`;
}
