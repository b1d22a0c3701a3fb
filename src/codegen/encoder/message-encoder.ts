import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import type { Printable } from "@bufbuild/protoplugin";
import { isUnwrappedWrapper } from "./encoder-plan.ts";
import type { ScalarCodec, WireType } from "./scalar-codec.ts";
import { enumCodec, scalarCodec, tagBytes } from "./scalar-codec.ts";

/**
 * Prints the body of a message's size function (`mode: "size"`) or write
 * function (`mode: "write"`). Both come from this one walk, so they test the
 * same conditions in the same order: the size pass caches the length of
 * every string and nested message in `$sizes` in pre-order (a slot is taken
 * before the children are measured), and the write pass reads them back in
 * the same order.
 *
 * Fields are visited by field number, as `toBinary` writes them; unknown
 * fields come last, as `toBinary` writes them by default.
 *
 * Size-pass variables: `m` (the message), `n` (the size). Write-pass
 * variables: `m`, `b` (the buffer), `p` (the position).
 */
export interface EncoderContext {
  /** A runtime export, imported on first use. */
  rt(name: string): Printable;
  /** A runtime type, imported type-only on first use. */
  rtType(name: string): Printable;
  /** The TypeScript type of a message (for map value casts). */
  shape(message: DescMessage): Printable;
  /** Name of the generated size or write function of a message. */
  fn(mode: Mode, message: DescMessage): string;
}

export type Mode = "size" | "write";
export type Line = Printable[];

/** What a value is, for encoding. */
type ValueKind =
  | { readonly kind: "scalar"; readonly codec: ScalarCodec }
  | { readonly kind: "message"; readonly message: DescMessage }
  | { readonly kind: "wrapper"; readonly codec: ScalarCodec };

export function printMessageBody(ctx: EncoderContext, mode: Mode, message: DescMessage): Line[] {
  const walk = createWalk(ctx, mode);
  const fields = message.fields.concat().sort((a, b) => a.number - b.number);
  for (const field of fields) {
    walk.field(field);
  }
  if (mode === "size") {
    walk.line("  const u = m.$unknown;");
    walk.line("  if (u !== undefined) n += ", ctx.rt("sizeUnknown"), "(u);");
  } else {
    walk.line("  const u = m.$unknown;");
    walk.line("  if (u !== undefined) p = ", ctx.rt("writeUnknown"), "(b, p, u);");
  }
  return walk.lines;
}

function createWalk(ctx: EncoderContext, mode: Mode) {
  const lines: Line[] = [];
  let temp = 0;
  const line = (...parts: Printable[]): void => {
    lines.push(parts);
  };
  const fresh = (prefix: string): string => `${prefix}${++temp}`;

  /** Encodes `x` (a property read, evaluated more than once) with its tag; `acc` is the size accumulator. */
  function value(ind: string, acc: string, x: string, no: number, kind: ValueKind): void {
    const wireType: WireType = kind.kind === "scalar" ? kind.codec.wireType : 2;
    const tag = tagBytes(no, wireType);
    if (mode === "write") {
      line(ind, tag.map((t) => `b[p++] = ${t};`).join(" "));
    }
    switch (kind.kind) {
      case "scalar":
        scalar(ind, acc, x, tag.length, kind.codec);
        return;
      case "message":
        if (mode === "size") {
          const s = fresh("s");
          const l = fresh("l");
          line(ind, `const ${s} = $at++;`);
          line(ind, `const ${l} = ${ctx.fn("size", kind.message)}(${x});`);
          line(ind, `$sizes[${s}] = ${l};`);
          line(ind, `${acc} += ${tag.length} + `, ctx.rt("sizeVarint32"), `(${l}) + ${l};`);
        } else {
          line(ind, "p = ", ctx.rt("writeVarint32"), "(b, p, $sizes[$at++]);");
          line(ind, `p = ${ctx.fn("write", kind.message)}(${x}, b, p);`);
        }
        return;
      case "wrapper": {
        // A wrapper message whose only field (1) has implicit presence.
        if (mode === "size") {
          const s = fresh("s");
          const l = fresh("l");
          line(ind, `const ${s} = $at++;`);
          line(ind, `let ${l} = 0;`);
          line(ind, `if (${kind.codec.nonZero(x)}) {`);
          scalar(ind + "  ", l, x, 1, kind.codec);
          line(ind, "}");
          line(ind, `$sizes[${s}] = ${l};`);
          line(ind, `${acc} += ${tag.length} + `, ctx.rt("sizeVarint32"), `(${l}) + ${l};`);
        } else {
          line(ind, "p = ", ctx.rt("writeVarint32"), "(b, p, $sizes[$at++]);");
          line(ind, `if (${kind.codec.nonZero(x)}) {`);
          line(ind, "  ", tagBytes(1, kind.codec.wireType).map((t) => `b[p++] = ${t};`).join(" "));
          scalar(ind + "  ", "", x, 1, kind.codec);
          line(ind, "}");
        }
        return;
      }
    }
  }

  /** A bare scalar value (the tag is accounted for by `tagLength` / already written). */
  function scalar(ind: string, acc: string, x: string, tagLength: number, codec: ScalarCodec): void {
    if (mode === "write") {
      if (codec.cached) {
        line(ind, "p = ", ctx.rt(codec.write), `(b, p, ${x}, $sizes[$at++]);`);
      } else {
        line(ind, "p = ", ctx.rt(codec.write), `(b, p, ${x});`);
      }
      return;
    }
    if (typeof codec.size === "number") {
      line(ind, `${acc} += ${tagLength + codec.size};`);
    } else if (codec.cached) {
      const l = fresh("l");
      line(ind, `const ${l} = `, ctx.rt(codec.size), `(${x});`);
      line(ind, `$sizes[$at++] = ${l};`);
      line(ind, `${acc} += ${tagLength} + `, ctx.rt("sizeVarint32"), `(${l}) + ${l};`);
    } else {
      line(ind, `${acc} += ${tagLength} + `, ctx.rt(codec.size), `(${x});`);
    }
  }

  function field(f: DescField): void {
    const v = `v${f.number}`;
    switch (f.fieldKind) {
      case "scalar":
      case "enum":
      case "message": {
        const kind = singularKind(f);
        if (f.oneof !== undefined) {
          const o = `o${f.number}`;
          line(`  const ${o} = m.${f.oneof.localName};`);
          line(`  if (${o}.case === "${f.localName}") {`);
          value("    ", "n", `${o}.value`, f.number, kind);
          line("  }");
          return;
        }
        line(`  const ${v} = m.${f.localName};`);
        // Message fields and proto3 `optional` fields have explicit presence.
        const explicit = f.fieldKind === "message" || f.presence !== 2;
        const set = explicit || kind.kind !== "scalar" ? `${v} !== undefined` : kind.codec.nonZero(v);
        line(`  if (${set}) {`);
        value("    ", "n", v, f.number, kind);
        line("  }");
        return;
      }
      case "list":
        list(f);
        return;
      case "map":
        map(f);
        return;
    }
  }

  function list(f: DescField & { fieldKind: "list" }): void {
    const a = `a${f.number}`;
    line(`  const ${a} = m.${f.localName};`);
    const kind: ValueKind =
      f.listKind === "message"
        ? { kind: "message", message: f.message }
        : { kind: "scalar", codec: f.listKind === "enum" ? enumCodec(f.enum.values[0]?.number ?? 0) : scalarCodec(f.scalar) };
    if (f.packed && kind.kind === "scalar") {
      const codec = kind.codec;
      const tag = tagBytes(f.number, 2);
      line(`  if (${a}.length > 0) {`);
      if (mode === "size") {
        line(`    const s = $at++;`);
        if (typeof codec.size === "number") {
          line(`    const l = ${a}.length * ${codec.size};`);
        } else {
          line(`    let l = 0;`);
          line(`    for (let i = 0; i < ${a}.length; i++) l += `, ctx.rt(codec.size), `(${a}[i]);`);
        }
        line(`    $sizes[s] = l;`);
        line(`    n += ${tag.length} + `, ctx.rt("sizeVarint32"), "(l) + l;");
      } else {
        line("    ", tag.map((t) => `b[p++] = ${t};`).join(" "));
        line("    p = ", ctx.rt("writeVarint32"), "(b, p, $sizes[$at++]);");
        line(`    for (let i = 0; i < ${a}.length; i++) p = `, ctx.rt(codec.write), `(b, p, ${a}[i]);`);
      }
      line("  }");
      return;
    }
    line(`  for (let i = 0; i < ${a}.length; i++) {`);
    value("    ", "n", `${a}[i]`, f.number, kind);
    line("  }");
  }

  function map(f: DescField & { fieldKind: "map" }): void {
    const r = `r${f.number}`;
    const k = `k${f.number}`;
    const kind: ValueKind =
      f.mapKind === "message"
        ? { kind: "message", message: f.message }
        : { kind: "scalar", codec: f.mapKind === "enum" ? enumCodec(f.enum.values[0]?.number ?? 0) : scalarCodec(f.scalar) };
    const valueType = kind.kind === "message" ? ctx.shape(kind.message) : kind.codec.tsType === "Int64Value" ? ctx.rtType("Int64Value") : kind.codec.tsType;
    line(`  const ${r} = m.${f.localName} as { [key: string]: `, valueType, " };");
    line(`  const ${k} = Object.keys(${r});`);
    line(`  for (let i = 0; i < ${k}.length; i++) {`);
    line(`    const key = ${k}[i];`);
    const keyCodec = scalarCodec(f.mapKey);
    const keyExpr = mapKey(f.mapKey);
    if (mode === "size") {
      line("    const s = $at++;");
      line("    let e = 0;");
      value("    ", "e", keyExpr, 1, { kind: "scalar", codec: keyCodec });
      value("    ", "e", `${r}[key]`, 2, kind);
      line("    $sizes[s] = e;");
      line(`    n += ${tagBytes(f.number, 2).length} + `, ctx.rt("sizeVarint32"), "(e) + e;");
    } else {
      line("    ", tagBytes(f.number, 2).map((t) => `b[p++] = ${t};`).join(" "));
      line("    p = ", ctx.rt("writeVarint32"), "(b, p, $sizes[$at++]);");
      value("    ", "", keyExpr, 1, { kind: "scalar", codec: keyCodec });
      value("    ", "", `${r}[key]`, 2, kind);
    }
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
        line('    if (key !== "true" && key !== "false") throw new TypeError("invalid bool map key");');
        return '(key === "true")';
      default:
        return "Number.parseInt(key)";
    }
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

  return { lines, line, field };
}
