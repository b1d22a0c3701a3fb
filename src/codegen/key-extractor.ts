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
  const nullable = path.length > 1 || isExplicitPresence(leaf as FieldPresenceLike);
  if (leaf.fieldKind === "enum") {
    const value = nullable ? `${access} ?? 0` : access;
    return ["(", f.importSchema(leaf.enum), `.value[${value}]?.name ?? String(${value}))`];
  }
  if (leaf.fieldKind === "scalar" && leaf.scalar === ScalarType.STRING) {
    return nullable ? `(${access} ?? "")` : access;
  }
  return nullable ? `String(${access} ?? "")` : `String(${access})`;
}
