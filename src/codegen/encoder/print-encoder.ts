import type { DescMessage } from "@bufbuild/protobuf";
import type { GeneratedFile, Printable } from "@bufbuild/protoplugin";
import { planEncoder } from "./encoder-plan.ts";
import type { EncoderContext, Mode } from "./message-encoder.ts";
import { printMessageBody } from "./message-encoder.ts";

/** What has been printed into one generated file so far. */
interface FileState {
  readonly printed: Set<string>;
  stateDeclared: boolean;
}

const files = new WeakMap<GeneratedFile, FileState>();

/**
 * Prints a specialized encoder for `message` into `f` and returns its name,
 * for the `encode` property of the log descriptor; returns `undefined` when
 * the message cannot have one (see `planEncoder`), so the runtime uses
 * `toBinary`.
 *
 * The encoder, `encode$<type name with $ for .>`, measures the message
 * (`size$...`), takes a `Uint8Array` of exactly that size, which the
 * caller owns, from the runtime's output slabs, and writes it (`write$...`). Every message the log message
 * reaches, from any file, gets its own size and write functions in the same
 * module, printed once per module. A value the fast path does not take (a
 * wrong type from plain JavaScript) makes it fall back to `toBinary`, so the
 * bytes and errors are always `toBinary`'s.
 *
 * `runtime` is the module logwire's helpers are imported from.
 */
export function printEncoder(f: GeneratedFile, message: DescMessage, runtime = "logwire"): Printable | undefined {
  const plan = planEncoder(message);
  if (plan.kind === "unsupported") {
    f.print("// ", message.typeName, " has no specialized encoder (", plan.reason, "); toBinary encodes it.");
    f.print();
    return undefined;
  }
  let state = files.get(f);
  if (state === undefined) {
    state = { printed: new Set(), stateDeclared: false };
    files.set(f, state);
  }
  const ctx = createContext(f, runtime);
  if (!state.stateDeclared) {
    state.stateDeclared = true;
    f.print("// Lengths of strings and nested messages, in pre-order, from the size pass");
    f.print("// of the running encoder to its write pass. Encoders never re-enter.");
    f.print("const $sizes: number[] = [];");
    f.print("let $at = 0;");
    f.print();
  }
  for (const desc of plan.messages) {
    if (state.printed.has(desc.typeName)) {
      continue;
    }
    state.printed.add(desc.typeName);
    printSizeFunction(f, ctx, desc);
    printWriteFunction(f, ctx, desc);
  }
  const name = functionName("encode", message);
  const Shape = f.importShape(message);
  const Schema = f.importSchema(message);
  f.print("/** Encodes ", message.typeName, " exactly as toBinary does, into a new array the caller owns. */");
  f.print("function ", name, "(m: ", Shape, "): Uint8Array {");
  f.print("  try {");
  f.print("    $at = 0;");
  f.print("    const n = ", functionName("size", message), "(m);");
  f.print("    const b = ", ctx.rt("allocOutput"), "(n);");
  f.print("    $at = 0;");
  f.print("    if (", functionName("write", message), "(m, b, 0) !== n) throw new Error(\"size mismatch\");");
  f.print("    return b;");
  f.print("  } catch {");
  f.print("    return ", ctx.rt("fallbackToBinary"), "(", Schema, ", m);");
  f.print("  }");
  f.print("}");
  f.print();
  return name;
}

function printSizeFunction(f: GeneratedFile, ctx: EncoderContext, desc: DescMessage): void {
  const Shape = f.importShape(desc);
  f.print("function ", functionName("size", desc), "(m: ", Shape, "): number {");
  if (desc.fields.length > 0) {
    // toBinary rejects a message of another type (ForeignFieldError).
    f.print("  if (m.$typeName !== ", f.string(desc.typeName), ") throw new TypeError(\"foreign message\");");
  }
  f.print("  let n = 0;");
  for (const line of printMessageBody(ctx, "size", desc)) {
    f.print(...line);
  }
  f.print("  return n;");
  f.print("}");
  f.print();
}

function printWriteFunction(f: GeneratedFile, ctx: EncoderContext, desc: DescMessage): void {
  const Shape = f.importShape(desc);
  f.print("function ", functionName("write", desc), "(m: ", Shape, ", b: Uint8Array, p: number): number {");
  for (const line of printMessageBody(ctx, "write", desc)) {
    f.print(...line);
  }
  f.print("  return p;");
  f.print("}");
  f.print();
}

function createContext(f: GeneratedFile, runtime: string): EncoderContext {
  return {
    rt: (name) => f.import(name, runtime),
    rtType: (name) => f.import(name, runtime, true),
    shape: (message) => f.importShape(message),
    fn: (mode: Mode, message) => functionName(mode, message),
  };
}

/** `size$example$payments$v1$Money`: `$` cannot occur in proto names, so names never collide. */
function functionName(kind: Mode | "encode", message: DescMessage): string {
  return `${kind}$${message.typeName.replace(/\./g, "$")}`;
}
