import type { DescEnum, DescField, DescMessage, DescOneof } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { Printable } from "@bufbuild/protoplugin";
import { MAX_DEPTH, NANOS_MAX } from "../../runtime/encode/value-rules.ts";
import { isUnwrappedWrapper } from "./encoder-plan.ts";
import type { EncoderContext, Line } from "./message-encoder.ts";

/**
 * Prints the body of a message's check function, `check$<type>(v: unknown,
 * d = 1): object | undefined`. It implements the record contract stated in
 * src/runtime/check/record-check.ts: it reads each member of `v` once, by name
 * (`v["amount"]`, as `create()` reads it: through getters, prototypes and
 * Proxy traps), checks each value, and returns a copy made of exactly the
 * values it read, or `undefined` exactly when the runtime's `checkRecord`
 * would find a problem (test/encoder/generated-check.test.ts holds the two
 * together). `d` is how deep `v` is nested, the record being 1.
 *
 * The copy is what the runtime redacts, keys and encodes, so what was
 * checked is what is written: nested messages, oneof selections, lists and
 * maps are copied too (plain objects and arrays, every member present, so
 * each copy of a type has one shape for the encoder to read); strings,
 * numbers, bigints and bytes are kept as read.
 *
 * Two passes over a message:
 *
 * 1. Keys: one `for...in` with a `switch` that only tells members from the
 *    rest (interned strings: V8 compares them by pointer); an own key that
 *    is no member is a problem. `for...in` also finds inherited enumerable
 *    keys: one that is no member is never read, so it is no problem.
 * 2. Values: each member read by name, `v["amount"]`, a load V8 caches per
 *    object shape (the brackets keep `noPropertyAccessFromIndexSignature`
 *    satisfied), with every rule inlined as a type test or a comparison with
 *    literals. Objects (`isRecordObject`), 64-bit integers, bytes, integer
 *    map keys, Timestamp and Duration seconds and unknown fields call a
 *    runtime predicate, shared with `checkRecord`.
 *
 * No `Map` look-up, no closure, no exception handling: a read that throws
 * (a getter, a revoked Proxy) throws out of the check, and the runtime
 * catches it and asks `checkRecord` where.
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
  const wkt = message.typeName === "google.protobuf.Timestamp" || message.typeName === "google.protobuf.Duration" ? message.typeName : undefined;
  line(`  if (d > ${MAX_DEPTH} || !`, ctx.rt("isRecordObject"), "(v)) return undefined;");
  line("  for (const k in v) {");
  line("    switch (k) {");
  for (const m of members) line(`      case ${JSON.stringify(m.localName)}:`);
  line('      case "$typeName":');
  line('      case "$unknown":');
  line("        continue;");
  line("      default:");
  line("        if (Object.prototype.hasOwnProperty.call(v, k)) return undefined;");
  line("    }");
  line("  }");
  line('  const t: unknown = v["$typeName"];');
  line("  if (t !== undefined && t !== ", ctx.schema(message), ".typeName) return undefined;");
  const copied: string[] = [];
  for (const [i, m] of members.entries()) {
    const x = `x${i + 1}`;
    copied.push(`${m.localName === "__proto__" ? '["__proto__"]' : m.localName}: ${x}`);
    if (m.kind === "oneof") oneof(m, x);
    else field(m, x);
  }
  if (wkt === "google.protobuf.Duration") {
    const [seconds, nanos] = ["seconds", "nanos"].map((n) => `x${members.findIndex((m) => m.localName === n) + 1}`);
    line("  if (!", ctx.rt("isDurationSigned"), `(${seconds}, ${nanos})) return undefined;`);
  }
  line('  let u: unknown = v["$unknown"];');
  line("  if (u !== undefined && (u = ", ctx.rt("checkedUnknownFields"), "(", ctx.schema(message), ", v, t, u, d)) === undefined) return undefined;");
  line(`  return { $typeName: t, ${[...copied, "$unknown: u"].join(", ")} };`);
  return lines;

  function oneof(o: DescOneof, x: string): void {
    line(`  let ${x}: unknown = v[${JSON.stringify(o.localName)}];`);
    line(`  if (${x} !== undefined) {`);
    line(`    if (typeof ${x} !== "object" || ${x} === null) return undefined;`);
    line(`    for (const k in ${x}) if (k !== "case" && k !== "value" && Object.prototype.hasOwnProperty.call(${x}, k)) return undefined;`);
    line(`    const c: unknown = (${x} as { case?: unknown }).case;`);
    // Reassigned to the copy of a message value.
    line(`    ${o.fields.some((f) => f.fieldKind === "message") ? "let" : "const"} y: unknown = (${x} as { value?: unknown }).value;`);
    for (const [i, member] of o.fields.entries()) {
      line(`    ${i === 0 ? "if" : "} else if"} (c === ${JSON.stringify(member.localName)}) {`);
      if (member.fieldKind === "message") line("      if ((y = ", ctx.check(member.message), "(y, d + 1)) === undefined) return undefined;");
      else if (member.fieldKind === "enum") line("      if (", enumInvalid(member.enum, "y"), ") return undefined;");
      else line("      if (", scalarInvalid((member as DescField & { fieldKind: "scalar" }).scalar, "y"), ") return undefined;");
    }
    // No member: `{ case: undefined }`, the unset form, and nothing else.
    line(`    } else if (c !== undefined || y !== undefined || !("case" in ${x})) return undefined;`);
    line(`    ${x} = c === undefined ? undefined : { case: c, value: y };`);
    line("  }");
  }

  function field(f: DescField, x: string): void {
    switch (f.fieldKind) {
      case "scalar":
        line(`  const ${x}: unknown = v[${JSON.stringify(f.localName)}];`);
        line(`  if (${x} !== undefined && `, grouped(wktInvalid(f, x) ?? scalarInvalid(f.scalar, x)), ") return undefined;");
        return;
      case "enum":
        line(`  const ${x}: unknown = v[${JSON.stringify(f.localName)}];`);
        line(`  if (${x} !== undefined && `, grouped(enumInvalid(f.enum, x)), ") return undefined;");
        return;
      case "message":
        if (isUnwrappedWrapper(f)) {
          line(`  const ${x}: unknown = v[${JSON.stringify(f.localName)}];`);
          line(`  if (${x} !== undefined && `, grouped(scalarInvalid((f.message.fields[0] as DescField & { fieldKind: "scalar" }).scalar, x)), ") return undefined;");
          return;
        }
        line(`  let ${x}: unknown = v[${JSON.stringify(f.localName)}];`);
        line(`  if (${x} !== undefined && (${x} = `, ctx.check(f.message), `(${x}, d + 1)) === undefined) return undefined;`);
        return;
      case "list":
        line(`  let ${x}: unknown = v[${JSON.stringify(f.localName)}];`);
        line(`  if (${x} !== undefined) {`);
        line(`    if (!Array.isArray(${x})) return undefined;`);
        line("    const a: unknown[] = [];");
        line(`    for (let i = 0, n = ${x}.length; i < n; i++) {`);
        if (f.listKind === "message") {
          line("      const e = ", ctx.check(f.message), `(${x}[i], d + 1);`);
          line("      if (e === undefined) return undefined;");
        } else {
          line(`      const e: unknown = ${x}[i];`);
          line("      if (", f.listKind === "enum" ? enumInvalid(f.enum, "e") : scalarInvalid(f.scalar, "e"), ") return undefined;");
        }
        line("      a.push(e);");
        line("    }");
        line(`    ${x} = a;`);
        line("  }");
        return;
      case "map": {
        const keyTest = mapKeyInvalid(f.mapKey);
        line(`  let ${x}: unknown = v[${JSON.stringify(f.localName)}];`);
        line(`  if (${x} !== undefined) {`);
        line("    if (!", ctx.rt("isRecordObject"), `(${x})) return undefined;`);
        // Spreading reads each own enumerable entry once, into own data
        // properties ("__proto__" too), a native copy; the entries are then
        // checked in the copy, and message values replaced by their copies.
        line(`    const r: { [key: string]: unknown } = { ...${x} };`);
        line("    for (const key in r) {");
        line("      if (!Object.prototype.hasOwnProperty.call(r, key)) continue;");
        if (keyTest !== undefined) line("      if (", keyTest, ") return undefined;");
        if (f.mapKind === "message") {
          // A message value is two levels below: the map entry, then the value.
          line("      const e = ", ctx.check(f.message), "(r[key], d + 2);");
          line("      if (e === undefined) return undefined;");
          line("      r[key] = e;");
        } else {
          line("      const e: unknown = r[key];");
          line("      if (", f.mapKind === "enum" ? enumInvalid(f.enum, "e") : scalarInvalid(f.scalar, "e"), ") return undefined;");
        }
        line("    }");
        line(`    ${x} = r;`);
        line("  }");
        return;
      }
    }
  }

  /** The range rules of google.protobuf.Timestamp's and Duration's fields, or undefined (the field's type rules apply). */
  function wktInvalid(f: DescField & { fieldKind: "scalar" }, x: string): Printable | undefined {
    if (wkt === undefined) return undefined;
    const timestamp = wkt === "google.protobuf.Timestamp";
    if (f.localName === "seconds") return ["!", ctx.rt(timestamp ? "isTimestampSeconds" : "isDurationSeconds"), `(${x})`];
    if (f.localName === "nanos") return [`typeof ${x} !== "number" || (${x} | 0) !== ${x} || ${x} < ${timestamp ? 0 : -NANOS_MAX} || ${x} > ${NANOS_MAX}`];
    return undefined;
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
        return ["!", ctx.rt("isBytes"), `(${x})`];
      case ScalarType.DOUBLE:
        return [`typeof ${x} !== "number"`];
      // A finite number that rounds to infinity as a float32 is refused, as
      // protobuf-es's writer refuses it; NaN and the infinities are values.
      case ScalarType.FLOAT:
        return [`typeof ${x} !== "number" || (!Number.isFinite(Math.fround(${x})) && Number.isFinite(${x}))`];
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
