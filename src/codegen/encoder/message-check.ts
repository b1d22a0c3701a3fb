import type { DescEnum, DescField, DescMessage, DescOneof } from "@bufbuild/protobuf";
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
 * `checkRecord` looks at the own enumerable keys (`Object.keys`): each must
 * be a member of the message (a field, a oneof, `$typeName`) and its value
 * valid. The check splits that in two passes, so that neither reads a value
 * through a computed key:
 *
 * 1. Keys: one `for...in` with a `switch` that only tells members from the
 *    rest (interned strings: V8 compares them by pointer). An own key that
 *    is no member is a problem; a key `for...in` finds on the prototype chain
 *    is not (`checkRecord` does not see it); `$typeName` is compared here.
 * 2. Values: each member read by name, `v["amount"]`, a load V8 caches per
 *    object shape (a literal key is a named load, as `v.amount` is; the
 *    brackets keep `noPropertyAccessFromIndexSignature` satisfied, as `v` is
 *    typed `{ [key: string]: unknown }`), with every rule inlined as a type
 *    test or a comparison with literals. An invalid value is a problem only
 *    when its key is own and enumerable: a property read also finds
 *    non-enumerable and inherited members, which `checkRecord` ignores, so
 *    an invalid value makes the check ask `propertyIsEnumerable` (only then,
 *    off the hot path) and skip the member when the answer is no.
 *
 * Together: false exactly when some own enumerable key is no member (pass 1)
 * or is a member with an invalid value (pass 2, read through the own
 * property, which shadows any inherited one), which is when `checkRecord`
 * reports a problem. Two cheaper-looking shapes are wrong: comparing the
 * number of members read with the number of keys `for...in` finds accepts a
 * member that is read but not enumerable beside an unknown key (equal
 * counts), and a fast path that hands any doubt to a full second check reads
 * nested values again at every level, 2^depth reads for a deep record with
 * inherited keys. Here no verdict rests on a count and every member is read
 * once, whatever the prototype (plain, null, a class). Like the encoder,
 * which reads every member by name too, it assumes that getters do not throw
 * and return the same value on every read.
 *
 * Nothing allocates, nothing is looked up in a Map, no closure is created.
 * Only 64-bit integers and integer map keys call a runtime predicate, shared
 * with `checkRecord`.
 */
export function printCheckBody(ctx: EncoderContext, message: DescMessage): Line[] {
  const lines: Line[] = [];
  const line = (...parts: Printable[]): void => {
    lines.push(parts);
  };
  // The first member with a name wins, fields before oneofs, as in checkRecord.
  const members: (DescField | DescOneof)[] = [];
  const names = new Set<string>();
  for (const m of [...message.fields.filter((f) => f.oneof === undefined), ...message.oneofs]) {
    if (names.has(m.localName)) continue;
    names.add(m.localName);
    members.push(m);
  }
  line("  if (!", ctx.rt("isRecordObject"), "(v)) return false;");
  line("  for (const k in v) {");
  line("    switch (k) {");
  for (const m of members) line(`      case ${JSON.stringify(m.localName)}:`);
  if (members.length > 0) line("        continue;");
  line('      case "$typeName":');
  line('        if (v["$typeName"] === ', ctx.schema(message), ".typeName || !Object.prototype.hasOwnProperty.call(v, k)) continue;");
  line("        return false;");
  line("      default:");
  line("        if (Object.prototype.hasOwnProperty.call(v, k)) return false;");
  line("    }");
  line("  }");
  if (members.length > 0) line("  let x: unknown;");
  for (const m of members) {
    line(`  x = v[${JSON.stringify(m.localName)}];`);
    if (m.kind === "oneof") oneof(m);
    else field(m);
  }
  line("  return true;");
  return lines;

  /** Whether the member's key is own and enumerable: asked only of an invalid value. */
  function own(m: DescField | DescOneof): string {
    return `Object.prototype.propertyIsEnumerable.call(v, ${JSON.stringify(m.localName)})`;
  }

  function oneof(o: DescOneof): void {
    line("  if (x !== undefined) {");
    line('    if (typeof x === "object" && x !== null) {');
    line("      const c: unknown = (x as { case?: unknown }).case;");
    for (const [i, member] of o.fields.entries()) {
      line(`      ${i === 0 ? "if" : "} else if"} (c === ${JSON.stringify(member.localName)}) {`);
      line("        const y: unknown = (x as { value?: unknown }).value;");
      line("        if (", grouped(invalid(member, "y")), ` && ${own(o)}) return false;`);
    }
    line(`      } else if (c !== undefined && ${own(o)}) return false;`);
    line(`    } else if (${own(o)}) return false;`);
    line("  }");
  }

  function field(f: DescField): void {
    switch (f.fieldKind) {
      case "scalar":
      case "enum":
      case "message":
        line("  if (x !== undefined && ", grouped(invalid(f, "x")), ` && ${own(f)}) return false;`);
        return;
      // The rest of a list or map whose key is not own is not looked at.
      case "list":
        line("  if (x !== undefined) {");
        line("    if (Array.isArray(x)) {");
        line("      for (let i = 0; i < x.length; i++) {");
        line("        const e: unknown = x[i];");
        line("        if (", f.listKind === "message" ? messageInvalid(f.message, "e") : f.listKind === "enum" ? enumInvalid(f.enum, "e") : scalarInvalid(f.scalar, "e"), ") {");
        line(`          if (${own(f)}) return false;`);
        line("          break;");
        line("        }");
        line("      }");
        line(`    } else if (${own(f)}) return false;`);
        line("  }");
        return;
      case "map": {
        const keyTest = mapKeyInvalid(f.mapKey);
        const valueTest = f.mapKind === "message" ? messageInvalid(f.message, "e") : f.mapKind === "enum" ? enumInvalid(f.enum, "e") : scalarInvalid(f.scalar, "e");
        line("  if (x !== undefined) {");
        line("    if (", ctx.rt("isRecordObject"), "(x)) {");
        line("      for (const key in x) {");
        line("        if (!Object.prototype.hasOwnProperty.call(x, key)) continue;");
        line("        const e = x[key];");
        line("        if (", keyTest === undefined ? valueTest : [grouped(keyTest), " || ", grouped(valueTest)], ") {");
        line(`          if (${own(f)}) return false;`);
        line("          break;");
        line("        }");
        line("      }");
        line(`    } else if (${own(f)}) return false;`);
        line("  }");
        return;
      }
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
