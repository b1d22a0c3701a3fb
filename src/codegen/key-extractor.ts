import { ScalarType } from "@bufbuild/protobuf";
import type { DescField } from "@bufbuild/protobuf";
import type { GeneratedFile, Printable } from "@bufbuild/protoplugin";
import type { FieldPresenceLike } from "./field-presence.ts";
import { isExplicitPresence } from "./field-presence.ts";

/**
 * The `key` property of a log descriptor: an arrow function that builds the
 * partition key from the record, or `undefined` when the message has no key.
 *
 * Strings are used as they are, numbers, bigints and booleans by their text,
 * enums by their value name as declared in the `.proto` (an unknown number by
 * its decimal text). An unset value (a missing message on a path, an unset
 * `optional` field) contributes "". Several parts are joined with "|".
 *
 * The record may be a message or a checked init object (see
 * `LogDescriptor.key`): a field the init object leaves out is read as the
 * default `create()` would give it, so both give the same key.
 */
export function printKeyExtractor(f: GeneratedFile, keyPaths: readonly (readonly DescField[])[]): Printable {
  if (keyPaths.length === 0) {
    return "undefined";
  }
  const parts: Printable[] = [];
  for (const [i, path] of keyPaths.entries()) {
    if (i > 0) {
      parts.push(' + "|" + ');
    }
    parts.push(keyPart(f, path));
  }
  return ["(m) => ", parts];
}

function keyPart(f: GeneratedFile, path: readonly DescField[]): Printable {
  const access = "m." + path.map((field) => field.localName).join("?.");
  const leaf = path[path.length - 1] as DescField;
  const explicit = isExplicitPresence(leaf as FieldPresenceLike);
  const nested = path.length > 1;
  if (leaf.fieldKind === "enum") {
    // The zero value's name when unset, as before: the zero value is what a message holds.
    const zero = leaf.enum.values[0]?.number ?? 0;
    const value = `${access} ?? ${zero}`;
    return ["(", f.importSchema(leaf.enum), `.value[${value}]?.name ?? String(${value}))`];
  }
  if (leaf.fieldKind === "scalar" && leaf.scalar === ScalarType.STRING) {
    return `(${access} ?? "")`;
  }
  if (explicit) {
    return `String(${access} ?? "")`;
  }
  // An implicit-presence leaf is its zero value when left out, "" only when a
  // message on the path is missing.
  const zero = leaf.fieldKind === "scalar" && leaf.scalar === ScalarType.BOOL ? "false" : "0";
  if (!nested) {
    return `String(${access} ?? ${zero})`;
  }
  const parent = "m." + path.slice(0, -1).map((field) => field.localName).join("?.");
  return `String(${access} ?? (${parent} === undefined ? "" : ${zero}))`;
}
