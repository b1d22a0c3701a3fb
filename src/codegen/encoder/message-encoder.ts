import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { Printable } from "@bufbuild/protoplugin";
import { isUnwrappedWrapper } from "./encoder-plan.ts";
import type { ScalarCodec } from "./scalar-codec.ts";
import { enumCodec, scalarCodec, tagBytes } from "./scalar-codec.ts";

/**
 * Prints the body of a message's write function: variables `m` (the
 * message), `t` (its `$typeName`), `b` (the buffer), `p` (the position,
 * returned at the end).
 *
 * `m` is a protobuf-es message or a plain init object, as `create()` takes
 * it: a missing or `undefined` field is written as its default (nothing),
 * so the bytes are `toBinary(schema, create(schema, m))`'s without the
 * message `create()` would build. Nested messages, oneof values, list items
 * and map values are written the same way, whichever of the two they are.
 *
 * One pass: a length-delimited field (nested message, packed list, map
 * entry, wrapper) reserves one byte for its length, writes its payload and
 * calls `writeLength`, which fills the byte in or, for 128 bytes and more,
 * moves the payload right. Capacity: every value is preceded by a check for
 * its tag and fixed-size part; strings, bytes, unknown fields and length
 * fix-ups check their own. Any shortfall throws `bufferFull` and the record
 * is written again into a larger buffer; a typed array would drop writes
 * past its end silently, so no write goes unchecked.
 *
 * Fields are written by field number, as `toBinary` writes them; unknown
 * fields come last, as `toBinary` writes them by default.
 *
 * The code compiles under an application's strictest flags. List items and
 * map values are read as `a[i]!` and `r[key]!`: `noUncheckedIndexedAccess`
 * types an index read `T | undefined`, and the loop bounds make it a `T`
 * (a hole in a sparse array reads `undefined`, which the writer rejects, so
 * the encoder falls back to `toBinary` as for any other wrong value).
 */
export interface EncoderContext {
  /** A runtime symbol (see src/runtime/codegenv1/symbols.ts), imported on first use. */
  rt(name: string): Printable;
  /** The TypeScript type of a message or its init object (`MessageInitShape`), for map value casts. */
  initShape(message: DescMessage): Printable;
  /** The write function of a message: its name, or its import. */
  write(message: DescMessage): Printable;
  /** The check function of a message (printed next to its write function): its name, or its import. */
  check(message: DescMessage): Printable;
  /** The protobuf-es schema of a message, from its `_pb.ts`. */
  schema(message: DescMessage): Printable;
}

export type Line = Printable[];

/** What a value is, for encoding. */
type ValueKind =
  | { readonly kind: "scalar"; readonly codec: ScalarCodec }
  | { readonly kind: "message"; readonly message: DescMessage }
  | { readonly kind: "wrapper"; readonly codec: ScalarCodec };

export function printWriteBody(ctx: EncoderContext, message: DescMessage): Line[] {
  const lines: Line[] = [];
  let temp = 0;
  const line = (...parts: Printable[]): void => {
    lines.push(parts);
  };
  const fresh = (prefix: string): string => `${prefix}${++temp}`;
  const full = (ind: string, need: string | number): void => {
    line(ind, `if (p + ${need} > b.length) throw `, ctx.rt("bufferFull"), ";");
  };
  const tag = (ind: string, no: number, wireType: number): void => {
    line(ind, tagBytes(no, wireType as 0).map((t) => `b[p++] = ${t};`).join(" "));
  };

  /**
   * Writes `x` (a property read, evaluated more than once) with its tag,
   * after checking capacity for the fixed-size part. The check is per value:
   * a string written before may have used up the room.
   */
  function value(ind: string, x: string, no: number, kind: ValueKind, checked = false): void {
    const tagged = taggedWriter(no, kind);
    if (tagged !== undefined) {
      // Strings and bytes with a 1-byte tag: the writer checks capacity for both.
      line(ind, "p = ", ctx.rt(tagged), `(b, p, ${tagBytes(no, 2)[0]}, ${x});`);
      return;
    }
    if (!checked) {
      full(ind, fixedMax(no, kind));
    }
    switch (kind.kind) {
      case "scalar":
        tag(ind, no, kind.codec.wireType);
        line(ind, "p = ", ctx.rt(kind.codec.write), `(b, p, ${x});`);
        return;
      case "message": {
        const s = fresh("s");
        tag(ind, no, 2);
        line(ind, `const ${s} = ++p;`);
        line(ind, "p = ", ctx.write(kind.message), `(${x}, b, p);`);
        line(ind, "p = ", ctx.rt("writeLength"), `(b, ${s}, p);`);
        return;
      }
      case "wrapper": {
        // A wrapper message whose only field (1) has implicit presence.
        const s = fresh("s");
        tag(ind, no, 2);
        line(ind, `const ${s} = ++p;`);
        line(ind, `if (${kind.codec.nonZero(x)}) {`);
        tag(ind + "  ", 1, kind.codec.wireType);
        line(ind, "  p = ", ctx.rt(kind.codec.write), `(b, p, ${x});`);
        line(ind, "}");
        line(ind, "p = ", ctx.rt("writeLength"), `(b, ${s}, p);`);
        return;
      }
    }
  }

  /** Most bytes the fixed-size part of a value takes, tag included. */
  function fixedMax(no: number, kind: ValueKind): number {
    const tagLength = tagBytes(no, 0).length;
    switch (kind.kind) {
      case "scalar":
        return tagLength + kind.codec.maxSize;
      case "message":
        return tagLength + 1;
      case "wrapper":
        return tagLength + 2 + kind.codec.maxSize;
    }
  }

  function singular(f: DescField & { fieldKind: "scalar" | "enum" | "message" }, checked: boolean): void {
    const kind = singularKind(f);
    if (f.oneof !== undefined) {
      const o = `o${f.number}`;
      line(`  const ${o} = m.${f.oneof.localName};`);
      line(`  if (${o} !== undefined && ${o}.case === "${f.localName}") {`);
      value("    ", `${o}.value`, f.number, kind, checked);
      line("  }");
      return;
    }
    const v = `v${f.number}`;
    line(`  const ${v} = m.${f.localName};`);
    // Message fields and proto3 `optional` fields have explicit presence.
    const explicit = f.fieldKind === "message" || f.presence !== 2;
    const set = explicit || kind.kind !== "scalar" ? `${v} !== undefined` : `${v} !== undefined && ${kind.codec.nonZero(v)}`;
    line(`  if (${set}) {`);
    value("    ", v, f.number, kind, checked);
    line("  }");
  }

  function list(f: DescField & { fieldKind: "list" }): void {
    const a = `a${f.number}`;
    line(`  const ${a} = m.${f.localName};`);
    const kind: ValueKind =
      f.listKind === "message"
        ? { kind: "message", message: f.message }
        : { kind: "scalar", codec: f.listKind === "enum" ? enumCodec(f.enum.values[0]?.number ?? 0) : scalarCodec(f.scalar) };
    if (f.packed && kind.kind === "scalar") {
      const s = fresh("s");
      line(`  if (${a} !== undefined && ${a}.length > 0) {`);
      full("    ", tagBytes(f.number, 2).length + 1);
      tag("    ", f.number, 2);
      line(`    const ${s} = ++p;`);
      line(`    for (let i = 0; i < ${a}.length; i++) {`);
      full("      ", kind.codec.maxSize);
      line("      p = ", ctx.rt(kind.codec.write), `(b, p, ${a}[i]!);`);
      line("    }");
      line("    p = ", ctx.rt("writeLength"), `(b, ${s}, p);`);
      line("  }");
      return;
    }
    line(`  if (${a} !== undefined) {`);
    line(`    for (let i = 0; i < ${a}.length; i++) {`);
    value("      ", `${a}[i]!`, f.number, kind);
    line("    }");
    line("  }");
  }

  function map(f: DescField & { fieldKind: "map" }): void {
    const r = `r${f.number}`;
    const k = `k${f.number}`;
    const s = fresh("s");
    const kind: ValueKind =
      f.mapKind === "message"
        ? { kind: "message", message: f.message }
        : { kind: "scalar", codec: f.mapKind === "enum" ? enumCodec(f.enum.values[0]?.number ?? 0) : scalarCodec(f.scalar) };
    const valueType = kind.kind === "message" ? ctx.initShape(kind.message) : kind.codec.tsType === "Int64Value" ? ctx.rt("Int64Value") : kind.codec.tsType;
    line(`  const ${r} = m.${f.localName} as { [key: string]: `, valueType, " } | undefined;");
    line(`  if (${r} !== undefined) {`);
    line(`    const ${k} = Object.keys(${r});`);
    line(`    for (let i = 0; i < ${k}.length; i++) {`);
    line(`      const key = ${k}[i]!;`);
    const keyExpr = mapKey(f.mapKey);
    full("      ", tagBytes(f.number, 2).length + 1);
    tag("      ", f.number, 2);
    line(`      const ${s} = ++p;`);
    value("      ", keyExpr, 1, { kind: "scalar", codec: scalarCodec(f.mapKey) });
    value("      ", `${r}[key]!`, 2, kind);
    line("      p = ", ctx.rt("writeLength"), `(b, ${s}, p);`);
    line("    }");
    line("  }");
  }

  /**
   * Map keys are object keys, always strings; toBinary converts them back to
   * the key type first. Conversions that fail there fail here too (and fall
   * back): a bad bool key throws, NaN fails the int32 check, BigInt() throws.
   */
  function mapKey(type: ScalarType): string {
    switch (type) {
      case ScalarType.STRING:
      case ScalarType.INT64:
      case ScalarType.UINT64:
      case ScalarType.SINT64:
      case ScalarType.FIXED64:
      case ScalarType.SFIXED64:
        return "key";
      case ScalarType.BOOL:
        line('      if (key !== "true" && key !== "false") throw new TypeError("invalid bool map key");');
        return '(key === "true")';
      default:
        return "Number.parseInt(key)";
    }
  }

  const fields = message.fields.concat().sort((a, b) => a.number - b.number);
  // Consecutive fixed-size singular fields (numbers, bools, enums) share one
  // capacity check: nothing between them writes a variable amount.
  let covered = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as DescField;
    switch (f.fieldKind) {
      case "list":
        list(f);
        break;
      case "map":
        map(f);
        break;
      default: {
        if (covered === 0) {
          let need = 0;
          let run = 0;
          for (let j = i; j < fields.length; j++) {
            const size = fixedScalarMax(fields[j] as DescField);
            if (size === 0) break;
            need += size;
            run++;
          }
          if (run > 1) {
            full("  ", need);
            covered = run;
          }
        }
        singular(f, covered > 0);
        if (covered > 0) covered--;
      }
    }
  }
  // create() keeps the unknown fields of a message (it returns it as it is)
  // and drops those of an init object (it copies the fields only).
  line('  if (t !== undefined && "$unknown" in m) {');
  line("    const u = m.$unknown;");
  line("    if (u !== undefined) p = ", ctx.rt("writeUnknown"), "(b, p, u);");
  line("  }");
  return lines;
}

/** The runtime writer that writes tag and value with one capacity check, if any. */
function taggedWriter(no: number, kind: ValueKind): string | undefined {
  if (kind.kind !== "scalar" || tagBytes(no, 2).length !== 1) return undefined;
  return kind.codec.write === "writeString" ? "writeTaggedString" : kind.codec.write === "writeBytes" ? "writeTaggedBytes" : undefined;
}

/** Most bytes a singular number/bool/enum field takes, tag included; 0 for any other field. */
function fixedScalarMax(f: DescField): number {
  if (f.fieldKind !== "scalar" && f.fieldKind !== "enum") return 0;
  const kind = singularKind(f);
  return kind.kind === "scalar" && kind.codec.maxSize > 0 ? tagBytes(f.number, 0).length + kind.codec.maxSize : 0;
}

function singularKind(f: DescField & { fieldKind: "scalar" | "enum" | "message" }): ValueKind {
  switch (f.fieldKind) {
    case "scalar":
      return { kind: "scalar", codec: scalarCodec(f.scalar) };
    case "enum":
      return { kind: "scalar", codec: enumCodec(f.enum.values[0]?.number ?? 0) };
    case "message":
      if (isUnwrappedWrapper(f)) {
        const inner = f.message.fields[0] as DescField & { fieldKind: "scalar" };
        return { kind: "wrapper", codec: scalarCodec(inner.scalar) };
      }
      return { kind: "message", message: f.message };
  }
}
