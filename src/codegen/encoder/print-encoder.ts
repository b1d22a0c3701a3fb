import type { DescMessage } from "@bufbuild/protobuf";
import type { GeneratedFile, Printable } from "@bufbuild/protoplugin";
import { planEncoder } from "./encoder-plan.ts";
import type { EncoderContext } from "./message-encoder.ts";
import { printWriteBody } from "./message-encoder.ts";

/** Messages whose write functions are already in a generated file. */
const printedIn = new WeakMap<GeneratedFile, Set<string>>();

/**
 * Prints a specialized encoder for `message` into `f` and returns its name,
 * for the `encode` property of the log descriptor; returns `undefined` when
 * the message cannot have one (see `planEncoder`), so the runtime uses
 * `toBinary`.
 *
 * The encoder, `encode$<type name with $ for .>`, writes the message in one
 * pass (`write$...`) into logwire's output slab (`encodeWith`) and returns
 * exactly its bytes, in an array the caller owns. Every message the log
 * message reaches, from any file, gets its own write function in the same
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
  let printed = printedIn.get(f);
  if (printed === undefined) {
    printed = new Set();
    printedIn.set(f, printed);
  }
  const ctx = createContext(f, runtime);
  for (const desc of plan.messages) {
    if (!printed.has(desc.typeName)) {
      printed.add(desc.typeName);
      printWriteFunction(f, ctx, desc);
    }
  }
  const name = functionName("encode", message);
  f.print("/** Encodes ", message.typeName, " exactly as toBinary does, into an array the caller owns. */");
  f.print("function ", name, "(m: ", f.importShape(message), "): Uint8Array {");
  f.print("  try {");
  f.print("    return ", ctx.rt("encodeWith"), "(", functionName("write", message), ", m);");
  f.print("  } catch {");
  f.print("    return ", ctx.rt("fallbackToBinary"), "(", f.importSchema(message), ", m);");
  f.print("  }");
  f.print("}");
  f.print();
  return name;
}

function printWriteFunction(f: GeneratedFile, ctx: EncoderContext, desc: DescMessage): void {
  f.print("function ", functionName("write", desc), "(m: ", f.importShape(desc), ", b: Uint8Array, p: number): number {");
  if (desc.fields.length > 0) {
    // toBinary rejects a message of another type (ForeignFieldError). create()
    // copies the schema's typeName string, so this is mostly a pointer compare;
    // against a literal, V8 would compare ~30 characters per message.
    f.print("  if (m.$typeName !== ", f.importSchema(desc), ".typeName) throw new TypeError(\"foreign message\");");
  }
  for (const line of printWriteBody(ctx, desc)) {
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
    write: (message) => functionName("write", message),
  };
}

/** `write$example$payments$v1$Money`: `$` cannot occur in proto names, so names never collide. */
function functionName(kind: "write" | "encode", message: DescMessage): string {
  return `${kind}$${message.typeName.replace(/\./g, "$")}`;
}
