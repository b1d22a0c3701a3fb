import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { Printable } from "@bufbuild/protoplugin";
import { isUnwrappedWrapper } from "./encoder-plan.ts";
import type { EncoderContext, Line } from "./message-encoder.ts";

/**
 * Prints the body of a message's check function, `check$<type>(v: unknown):
 * boolean`: true exactly when the runtime's `checkRecord` would find no
 * problem in `v` (src/runtime/record-check.ts has the rules; the property
 * test in test/encoder/generated-check.test.ts holds the two together).
 *
 * One pass over the own enumerable keys, as `checkRecord` walks
 * `Object.keys`, but with `for...in` (no array) and a `switch` on the key,
 * with every rule inlined as a type test or a comparison with literals:
 * nothing allocates, nothing is looked up in a Map, no closure is created.
 * Only 64-bit integers and integer map keys call a runtime predicate, shared
 * with `checkRecord`.
 */
export function printCheckBody(ctx: EncoderContext, message: DescMessage): Line[] {
  const lines: Line[] = [];
  const line = (...parts: Printable[]): void => {
    lines.push(parts);
  };
  line("  if (!", ctx.rt("isRecordObject"), "(v)) return false;");
  line("  for (const k in v) {");
  line("    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;");
  line("    const x = v[k];");
  line("    switch (k) {");
  // The first member with a name wins, fields before oneofs, as in checkRecord.
  const names = new Set<string>();
  for (const f of message.fields) {
    if (f.oneof !== undefined || names.has(f.localName)) continue;
    names.add(f.localName);
    line(`      case ${JSON.stringify(f.localName)}:`);
    field(f);
    line("        break;");
  }
  for (const o of message.oneofs) {
    if (names.has(o.localName)) continue;
    names.add(o.localName);
    line(`      case ${JSON.stringify(o.localName)}:`);
    line("        if (x !== undefined) {");
    line('          if (typeof x !== "object" || x === null) return false;');
    line("          const c: unknown = (x as { case?: unknown }).case;");
    for (const [i, member] of o.fields.entries()) {
      line(`          ${i === 0 ? "if" : "} else if"} (c === ${JSON.stringify(member.localName)}) {`);
      line("            const y: unknown = (x as { value?: unknown }).value;");
      line("            if (", invalid(member, "y"), ") return false;");
    }
    line("          } else if (c !== undefined) return false;");
    line("        }");
    line("        break;");
  }
  line('      case "$typeName":');
  line("        if (x !== ", ctx.schema(message), ".typeName) return false;");
  line("        break;");
  line("      default:");
  line("        return false;");
  line("    }");
  line("  }");
  line("  return true;");
  return lines;

  function field(f: DescField): void {
    switch (f.fieldKind) {
      case "scalar":
      case "enum":
      case "message":
        line("        if (x !== undefined && ", grouped(invalid(f, "x")), ") return false;");
        return;
      case "list":
        line("        if (x !== undefined) {");
        line("          if (!Array.isArray(x)) return false;");
        line("          for (let i = 0; i < x.length; i++) {");
        line("            const e: unknown = x[i];");
        line("            if (", f.listKind === "message" ? messageInvalid(f.message, "e") : f.listKind === "enum" ? enumInvalid(f.enum, "e") : scalarInvalid(f.scalar, "e"), ") return false;");
        line("          }");
        line("        }");
        return;
      case "map":
        line("        if (x !== undefined) {");
        line("          if (!", ctx.rt("isRecordObject"), "(x)) return false;");
        line("          for (const key in x) {");
        line("            if (!Object.prototype.hasOwnProperty.call(x, key)) continue;");
        const keyTest = mapKeyInvalid(f.mapKey);
        if (keyTest !== undefined) line("            if (", keyTest, ") return false;");
        line("            const e = x[key];");
        line("            if (", f.mapKind === "message" ? messageInvalid(f.message, "e") : f.mapKind === "enum" ? enumInvalid(f.enum, "e") : scalarInvalid(f.scalar, "e"), ") return false;");
        line("          }");
        line("        }");
        return;
    }
  }

  /** A boolean expression, true when `x` is not a valid value of the singular field `f`. */
  function invalid(f: DescField, x: string): Printable {
    switch (f.fieldKind) {
      case "scalar":
        return scalarInvalid(f.scalar, x);
      case "enum":
        return enumInvalid(f.enum, x);
      case "message":
        if (isUnwrappedWrapper(f)) {
          return scalarInvalid((f.message.fields[0] as DescField & { fieldKind: "scalar" }).scalar, x);
        }
        return messageInvalid(f.message, x);
      default:
        throw new Error(`not a singular field: ${f.toString()}`);
    }
  }

  function messageInvalid(m: DescMessage, x: string): Printable {
    return ["!", ctx.check(m), `(${x})`];
  }

  function mapKeyInvalid(type: ScalarType): Printable | undefined {
    switch (type) {
      case ScalarType.STRING:
        return undefined;
      case ScalarType.BOOL:
        return ['key !== "true" && key !== "false"'];
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return ["!", ctx.rt("isInt32MapKey"), "(key)"];
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return ["!", ctx.rt("isUint32MapKey"), "(key)"];
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return ["!", ctx.rt("isUint64MapKey"), "(key)"];
      default:
        return ["!", ctx.rt("isInt64MapKey"), "(key)"];
    }
  }

  function scalarInvalid(type: ScalarType, x: string): Printable {
    switch (type) {
      case ScalarType.STRING:
        return [`typeof ${x} !== "string"`];
      case ScalarType.BOOL:
        return [`typeof ${x} !== "boolean"`];
      case ScalarType.BYTES:
        return [`!(${x} instanceof Uint8Array)`];
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        return [`typeof ${x} !== "number"`];
      // An integer in range survives the conversion to int32 / uint32 unchanged
      // (-0 included, as Number.isInteger accepts it); NaN, fractions and
      // anything out of range do not.
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return [`typeof ${x} !== "number" || (${x} | 0) !== ${x}`];
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return [`typeof ${x} !== "number" || ${x} >>> 0 !== ${x}`];
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return ["!", ctx.rt("isUint64"), `(${x})`];
      default:
        return ["!", ctx.rt("isInt64"), `(${x})`];
    }
  }
}

/** `test` in parentheses when it is a chain of `||` or `&&`, so it can be the right side of `&&`. */
function grouped(test: Printable): Printable {
  const text = (p: Printable): string => (typeof p === "string" ? p : Array.isArray(p) ? p.map(text).join("") : "");
  return / \|\| | && /.test(text(test)) ? ["(", test, ")"] : test;
}

/**
 * The numbers an enum declares, as a test: a range check when they are
 * consecutive, else a comparison with each (=== is true for -0 and 0, as the
 * runtime's `desc.value[-0]` look-up is).
 */
function enumInvalid(e: DescEnum, x: string): string {
  const numbers = [...new Set(e.values.map((v) => v.number))].sort((a, b) => a - b);
  const lo = numbers[0] as number;
  const hi = numbers[numbers.length - 1] as number;
  if (numbers.length > 2 && hi - lo + 1 === numbers.length) {
    return `typeof ${x} !== "number" || (${x} | 0) !== ${x} || ${x} < ${lo} || ${x} > ${hi}`;
  }
  return numbers.map((n) => `${x} !== ${n}`).join(" && ");
}
