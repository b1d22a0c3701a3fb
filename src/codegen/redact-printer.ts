import { getOption, ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import type { GeneratedFile, ImportSymbol, Printable } from "@bufbuild/protoplugin";
import { field as fieldOption, Redaction } from "../../proto/logwire/v1/options_pb.ts";
import { fieldMessage } from "./field-message.ts";
import { isExplicitPresence } from "./field-presence.ts";
import { schemaError } from "./schema-error.ts";

/** Helpers from the runtime's `redaction.ts`, imported from the runtime package. */
export interface RedactionHelpers {
  readonly redactHash: ImportSymbol;
  readonly redactMask: ImportSymbol;
  readonly redactMapValues: ImportSymbol;
  readonly redactedList: ImportSymbol;
  readonly redactedMap: ImportSymbol;
}

/**
 * Prints the redact functions of one generated module: one function per
 * message type that holds a redacted field itself or through any of its
 * message fields (singular, oneof member, list or map value), at any depth.
 * A type reached from several log messages is printed once per module.
 *
 * Two kinds: `redact_<type>` replaces values in place in a protobuf-es
 * message (`LogDescriptor.redact`); `redactCopy_<type>` takes a message or
 * an init object and returns it with the values replaced, copying only the
 * objects on the way to a replaced value and never changing its argument
 * (`LogDescriptor.redactCopy`, for records the runtime encodes without
 * creating a message).
 */
export interface RedactPrinter {
  /**
   * The names of the redact functions for the log message, or `undefined`
   * when nothing in it is redacted. Records the functions to print; the
   * copying one only with `copy` (else `copy` in the result is undefined).
   */
  redactFor(message: DescMessage, copy: boolean): { readonly inPlace: string; readonly copy: string | undefined } | undefined;
  /** Prints every recorded function, in the order they were first needed, each after a blank line. */
  printFunctions(): void;
}

export function createRedactPrinter(f: GeneratedFile, helpers: () => RedactionHelpers): RedactPrinter {
  const needed: DescMessage[] = [];
  const copied = new Set<DescMessage>();
  return {
    redactFor(message, copy) {
      const redacting = typesToRedact(message);
      if (!redacting.has(message)) {
        return undefined;
      }
      for (const type of redacting) {
        if (!needed.includes(type)) {
          needed.push(type);
        }
        if (copy) {
          copied.add(type);
        }
      }
      return { inPlace: functionName(message), copy: copy ? copyFunctionName(message) : undefined };
    },
    printFunctions() {
      for (const type of needed) {
        f.print();
        printFunction(f, type, needed, helpers);
      }
      for (const type of needed) {
        if (copied.has(type)) {
          f.print();
          printCopyFunction(f, type, needed, helpers);
        }
      }
    },
  };
}

function functionName(message: DescMessage): string {
  return "redact_" + message.typeName.replace(/\./g, "_");
}

function copyFunctionName(message: DescMessage): string {
  return "redactCopy_" + message.typeName.replace(/\./g, "_");
}

function redaction(field: DescField): Redaction {
  const value = getOption(field, fieldOption).redact;
  if (value !== Redaction.UNSPECIFIED && value !== Redaction.MASK && value !== Redaction.HASH) {
    throw schemaError(field.parent.file, field.parent, `field "${field.name}" has unknown redact value ${String(value)}`, "use REDACTION_MASK or REDACTION_HASH");
  }
  return value;
}

/**
 * The message types reachable from `root` that need a redact function, in
 * discovery order (root first). Found by a fixpoint, so recursive types work.
 */
function typesToRedact(root: DescMessage): Set<DescMessage> {
  const reachable: DescMessage[] = [];
  const visit = (m: DescMessage): void => {
    if (reachable.includes(m)) {
      return;
    }
    reachable.push(m);
    for (const field of m.fields) {
      const child = redaction(field) === Redaction.UNSPECIFIED ? fieldMessage(field) : undefined;
      if (child !== undefined) {
        visit(child);
      }
    }
  };
  visit(root);
  const needs = new Set<DescMessage>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const m of reachable) {
      if (needs.has(m)) {
        continue;
      }
      const hit = m.fields.some((field) => {
        if (redaction(field) !== Redaction.UNSPECIFIED) {
          return true;
        }
        const child = fieldMessage(field);
        return child !== undefined && needs.has(child);
      });
      if (hit) {
        needs.add(m);
        changed = true;
      }
    }
  }
  return new Set(reachable.filter((m) => needs.has(m)));
}

function printFunction(f: GeneratedFile, message: DescMessage, needed: readonly DescMessage[], helpers: () => RedactionHelpers): void {
  f.print("function ", functionName(message), "(m: ", f.importShape(message), "): void {");
  for (const field of message.fields) {
    const lines = fieldStatements(field, needed, helpers);
    for (const line of lines) {
      f.print("  ", line);
    }
  }
  f.print("}");
}

function fieldStatements(field: DescField, needed: readonly DescMessage[], helpers: () => RedactionHelpers): Printable[] {
  const how = redaction(field);
  const prop = `m.${field.localName}`;
  if (how === Redaction.UNSPECIFIED) {
    const child = fieldMessage(field);
    if (child === undefined || !needed.includes(child)) {
      return [];
    }
    const fn = functionName(child);
    switch (field.fieldKind) {
      case "list":
        return [`for (const v of ${prop}) ${fn}(v);`];
      case "map":
        return [`for (const v of Object.values(${prop})) ${fn}(v);`];
      default:
        if (field.oneof !== undefined) {
          const oneof = `m.${field.oneof.localName}`;
          return [`if (${oneof}.case === "${field.localName}") ${fn}(${oneof}.value);`];
        }
        return [`if (${prop} !== undefined) ${fn}(${prop});`];
    }
  }
  const replaceString = how === Redaction.HASH ? helpers().redactHash : helpers().redactMask;
  const isString = (field.fieldKind === "scalar" || field.fieldKind === "list" || field.fieldKind === "map") && field.scalar === ScalarType.STRING;
  switch (field.fieldKind) {
    case "list":
      return isString ? [[prop, " = ", prop, ".map(", replaceString, ");"]] : [[prop, " = [];"]];
    case "map":
      return isString ? [[helpers().redactMapValues, "(", prop, ", ", replaceString, ");"]] : [[prop, " = {};"]];
    case "message":
      if (field.oneof !== undefined) {
        const oneof = `m.${field.oneof.localName}`;
        return [`if (${oneof}.case === "${field.localName}") ${oneof} = { case: undefined };`];
      }
      return [`delete ${prop};`];
    default: {
      if (field.oneof !== undefined) {
        const oneof = `m.${field.oneof.localName}`;
        const v: Printable = isString ? [replaceString, `(${oneof}.value)`] : zeroValue(field);
        return [[`if (${oneof}.case === "${field.localName}") ${oneof}.value = `, v, ";"]];
      }
      const v: Printable = isString ? [replaceString, `(${prop})`] : zeroValue(field);
      if (isExplicitPresence(field)) {
        return [[`if (${prop} !== undefined) ${prop} = `, v, ";"]];
      }
      return [[prop, " = ", v, ";"]];
    }
  }
}

/** MASK (and HASH on non-strings): the proto3 zero value, which is not written to the wire. */
function zeroValue(field: DescField): string {
  if (field.fieldKind === "enum") {
    return "0";
  }
  switch (field.scalar) {
    case ScalarType.BOOL:
      return "false";
    case ScalarType.BYTES:
      return "new Uint8Array(0)";
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return field.fieldKind === "scalar" && field.longAsString ? '"0"' : "0n";
    default:
      return "0";
  }
}

/** `MessageInitShape<typeof XSchema>`: a message of the type or its init object. */
function initShape(f: GeneratedFile, message: DescMessage): Printable {
  return [f.import("MessageInitShape", "@bufbuild/protobuf", true), "<typeof ", f.importSchema(message), ">"];
}

/**
 * The copy-on-write redact function of `message`: `c` starts as the argument
 * `m` and becomes a shallow copy of it (`{ ...m }`, which keeps a message's
 * `$typeName`) before the first field is replaced. A missing or `undefined`
 * field is its default, which redaction leaves as it is (an empty string
 * stays empty; a zero stays zero, whether written or not). With `owned`,
 * `m` and the objects in it are the runtime's own (the copy a check
 * function returned): replaced in place, nothing is copied.
 */
function printCopyFunction(f: GeneratedFile, message: DescMessage, needed: readonly DescMessage[], helpers: () => RedactionHelpers): void {
  const type = initShape(f, message);
  f.print("function ", copyFunctionName(message), "(m: ", type, ", owned = false): ", type, " {");
  f.print("  let c = m;");
  for (const field of message.fields) {
    for (const line of copyStatements(field, needed, helpers)) {
      f.print("  ", line);
    }
  }
  f.print("  return c;");
  f.print("}");
}

/** Replaces `c.<prop>` with `value`, copying `m` first unless that happened already or `m` is owned. */
function assign(prop: string, value: Printable): Printable[] {
  return ["if (c === m && !owned) c = { ...m };", [`c.${prop} = `, value, ";"]];
}

/** Statements under `if (<test>)`, indented. */
function when(test: Printable, body: Printable[]): Printable[] {
  return [["if (", test, ") {"], ...body.map((line): Printable => ["  ", line]), "}"];
}

function copyStatements(field: DescField, needed: readonly DescMessage[], helpers: () => RedactionHelpers): Printable[] {
  const how = redaction(field);
  const v = `v${field.number}`;
  const r = `r${field.number}`;
  const read = `const ${v} = m.${field.localName};`;
  if (how === Redaction.UNSPECIFIED) {
    const child = fieldMessage(field);
    if (child === undefined || !needed.includes(child)) {
      return [];
    }
    const fn = copyFunctionName(child);
    switch (field.fieldKind) {
      case "list":
        return [read, ...when(`${v} !== undefined`, [[`const ${r} = `, helpers().redactedList, `(${v}, ${fn});`], ...when(`${r} !== ${v}`, assign(field.localName, r))])];
      case "map":
        return [read, ...when(`${v} !== undefined`, [[`const ${r} = `, helpers().redactedMap, `(${v}, ${fn});`], ...when(`${r} !== ${v}`, assign(field.localName, r))])];
      default:
        if (field.oneof !== undefined) {
          const o = field.oneof.localName;
          const oneofRead = `const ${v} = m.${o};`;
          return [oneofRead, ...when(`${v} !== undefined && ${v}.case === "${field.localName}"`, [`const ${r} = ${fn}(${v}.value, owned);`, ...when(`${r} !== ${v}.value`, assign(o, `{ case: "${field.localName}", value: ${r} }`))])];
        }
        return [read, ...when(`${v} !== undefined`, [`const ${r} = ${fn}(${v}, owned);`, ...when(`${r} !== ${v}`, assign(field.localName, r))])];
    }
  }
  const replaceString = how === Redaction.HASH ? helpers().redactHash : helpers().redactMask;
  const isString = (field.fieldKind === "scalar" || field.fieldKind === "list" || field.fieldKind === "map") && field.scalar === ScalarType.STRING;
  switch (field.fieldKind) {
    case "list":
      if (isString) {
        return [read, ...when(`${v} !== undefined`, [[`const ${r} = `, helpers().redactedList, `(${v}, `, replaceString, ");"], ...when(`${r} !== ${v}`, assign(field.localName, r))])];
      }
      return [read, ...when(`${v} !== undefined && ${v}.length > 0`, assign(field.localName, "[]"))];
    case "map":
      if (isString) {
        return [read, ...when(`${v} !== undefined`, [[`const ${r} = `, helpers().redactedMap, `(${v}, `, replaceString, ");"], ...when(`${r} !== ${v}`, assign(field.localName, r))])];
      }
      return [read, ...when(`${v} !== undefined`, assign(field.localName, "{}"))];
    case "message":
      if (field.oneof !== undefined) {
        const o = field.oneof.localName;
        return [`const ${v} = m.${o};`, ...when(`${v} !== undefined && ${v}.case === "${field.localName}"`, assign(o, "{ case: undefined }"))];
      }
      return [read, ...when(`${v} !== undefined`, ["if (c === m && !owned) c = { ...m };", `delete c.${field.localName};`])];
    default: {
      if (field.oneof !== undefined) {
        const o = field.oneof.localName;
        if (!isString) {
          return [`const ${v} = m.${o};`, ...when(`${v} !== undefined && ${v}.case === "${field.localName}"`, assign(o, [`{ case: "${field.localName}", value: `, zeroValue(field), " }"]))];
        }
        return [`const ${v} = m.${o};`, ...when(`${v} !== undefined && ${v}.case === "${field.localName}"`, [[`const ${r} = `, replaceString, `(${v}.value);`], ...when(`${r} !== ${v}.value`, assign(o, `{ case: "${field.localName}", value: ${r} }`))])];
      }
      if (!isString) {
        return [read, ...when(`${v} !== undefined`, assign(field.localName, zeroValue(field)))];
      }
      return [read, ...when(`${v} !== undefined`, [[`const ${r} = `, replaceString, `(${v});`], ...when(`${r} !== ${v}`, assign(field.localName, r))])];
    }
  }
}
