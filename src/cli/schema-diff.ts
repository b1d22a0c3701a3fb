import { FieldDescriptorProto_Label, FieldDescriptorProto_Type } from "@bufbuild/protobuf/wkt";
import type { DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";

/**
 * Concrete reasons for a verdict, computed by diffing the registered latest
 * schema against the local one, because Apicurio answers the compatibility
 * endpoint with a bare `{"is_compatible": false}` (it ignores `verbose`).
 *
 * Each reason is classified the way Confluent Schema Registry's Protobuf
 * checker does (`io.confluent.kafka.schemaregistry.protobuf.diff.SchemaDiff`,
 * whose `COMPATIBLE_CHANGES` are: message added/moved, enum added/removed,
 * enum constant added/changed/removed, field added/removed/renamed, string
 * <-> bytes label change, oneof added/removed, field added to a oneof;
 * everything else, e.g. package changed, message removed, field type kind
 * changed, numeric label changed, field removed from a oneof, is
 * incompatible). Confluent groups scalar types by wire encoding, so int32 ->
 * int64 is compatible but int64 -> string is not.
 *
 * Apicurio 3.3 is stricter than Confluent: it also rejects a field removed
 * without `reserved`, a renamed field, and a removed enum value (asserted
 * against the real registry in test/cli/check-command.test.ts). Those reasons
 * carry `apicurio: "incompatible"` so the report can say which registry
 * would refuse.
 */
export interface DiffReason {
  readonly kind:
    | "package-changed"
    | "message-removed"
    | "message-renamed"
    | "message-added"
    | "field-added"
    | "field-removed"
    | "field-renamed"
    | "field-renumbered"
    | "field-type-changed"
    | "field-label-changed"
    | "field-oneof-changed"
    | "enum-removed"
    | "enum-value-removed"
    | "enum-value-renamed"
    | "enum-value-added";
  /** Fully-qualified element, e.g. `fixture.v1.CheckoutLog.customer`. */
  readonly path: string;
  /** One readable sentence. */
  readonly message: string;
  /** What Confluent's checker says about this change under BACKWARD. */
  readonly confluent: "compatible" | "incompatible";
  /** Set where Apicurio is known to differ from Confluent. */
  readonly apicurio?: "incompatible";
}

export function diffSchemas(before: FileDescriptorProto, after: FileDescriptorProto): DiffReason[] {
  const reasons: DiffReason[] = [];
  if (before.package !== after.package) {
    reasons.push({ kind: "package-changed", path: after.package, message: `package changed from ${before.package || "(none)"} to ${after.package || "(none)"}`, confluent: "incompatible" });
  }
  const scope = before.package;
  diffMessageLists(reasons, scope, before.messageType, after.messageType, before, after);
  diffEnumLists(reasons, scope, before.enumType, after.enumType);
  return reasons;
}

function qualify(scope: string, name: string): string {
  return scope === "" ? name : `${scope}.${name}`;
}

function diffMessageLists(
  reasons: DiffReason[],
  scope: string,
  before: readonly DescriptorProto[],
  after: readonly DescriptorProto[],
  beforeFile: FileDescriptorProto,
  afterFile: FileDescriptorProto,
): void {
  const afterByName = new Map(after.filter((m) => m.options?.mapEntry !== true).map((m) => [m.name, m]));
  const beforeNames = new Set(before.map((m) => m.name));
  for (const [index, old] of before.entries()) {
    if (old.options?.mapEntry === true) {
      continue;
    }
    const path = qualify(scope, old.name);
    const same = afterByName.get(old.name);
    if (same !== undefined) {
      diffMessage(reasons, path, old, same, beforeFile, afterFile);
      continue;
    }
    // A message gone from its position with a new name in the same position reads as a rename.
    const successor = after[index];
    if (successor !== undefined && !beforeNames.has(successor.name) && successor.options?.mapEntry !== true) {
      reasons.push({
        kind: "message-renamed",
        path,
        message: `message ${path} was renamed to ${qualify(scope, successor.name)}; readers of the old name lose it (Confluent sees the old message removed)`,
        confluent: "incompatible",
      });
      diffMessage(reasons, qualify(scope, successor.name), old, successor, beforeFile, afterFile);
      afterByName.delete(successor.name);
      beforeNames.add(successor.name);
    } else {
      reasons.push({ kind: "message-removed", path, message: `message ${path} was removed`, confluent: "incompatible" });
    }
  }
  for (const added of afterByName.values()) {
    if (!beforeNames.has(added.name)) {
      reasons.push({ kind: "message-added", path: qualify(scope, added.name), message: `message ${qualify(scope, added.name)} was added`, confluent: "compatible" });
    }
  }
}

function isReserved(message: DescriptorProto, field: FieldDescriptorProto): { number: boolean; name: boolean } {
  return {
    number: message.reservedRange.some((r) => field.number >= r.start && field.number < r.end),
    name: message.reservedName.includes(field.name),
  };
}

function diffMessage(reasons: DiffReason[], path: string, before: DescriptorProto, after: DescriptorProto, beforeFile: FileDescriptorProto, afterFile: FileDescriptorProto): void {
  const afterByNumber = new Map(after.field.map((f) => [f.number, f]));
  const beforeNumbers = new Set(before.field.map((f) => f.number));
  for (const old of before.field) {
    const fieldPath = `${path}.${old.name}`;
    const now = afterByNumber.get(old.number);
    if (now === undefined) {
      const moved = after.field.find((f) => f.name === old.name && !beforeNumbers.has(f.number));
      if (moved !== undefined) {
        reasons.push({
          kind: "field-renumbered",
          path: fieldPath,
          message: `field ${old.name} was renumbered from ${old.number} to ${moved.number}; old records' values of ${old.name} become unknown fields (Confluent sees field ${old.number} removed and ${moved.number} added)`,
          confluent: "compatible",
          apicurio: "incompatible",
        });
        continue;
      }
      const reserved = isReserved(after, old);
      if (reserved.number && reserved.name) {
        reasons.push({ kind: "field-removed", path: fieldPath, message: `field ${old.name} (${old.number}) was removed; its number and name are reserved`, confluent: "compatible" });
      } else {
        const missing = [reserved.number ? "" : `reserved ${old.number};`, reserved.name ? "" : `reserved "${old.name}";`].filter((s) => s !== "").join(" ");
        reasons.push({
          kind: "field-removed",
          path: fieldPath,
          message: `field ${old.name} (${old.number}) was removed without reserved; add \`${missing}\` to ${path} so the number is never reused`,
          confluent: "compatible",
          apicurio: "incompatible",
        });
      }
      continue;
    }
    if (now.name !== old.name) {
      reasons.push({
        kind: "field-renamed",
        path: fieldPath,
        message: `field ${old.number} was renamed from ${old.name} to ${now.name}; the binary form is unchanged but JSON and generated code change`,
        confluent: "compatible",
        apicurio: "incompatible",
      });
    }
    const oldType = typeLabel(old, before, beforeFile);
    const newType = typeLabel(now, after, afterFile);
    if (oldType !== newType) {
      const compatible = scalarGroup(old) !== undefined && scalarGroup(old) === scalarGroup(now);
      reasons.push({
        kind: "field-type-changed",
        path: fieldPath,
        message: `field ${now.name} (${now.number}) changed type from ${oldType} to ${newType}${compatible ? " (same wire encoding)" : "; old records no longer decode as the new type"}`,
        confluent: compatible ? "compatible" : "incompatible",
      });
    } else if (isRepeated(old) !== isRepeated(now)) {
      const stringOrBytes = old.type === FieldDescriptorProto_Type.STRING || old.type === FieldDescriptorProto_Type.BYTES || old.type === FieldDescriptorProto_Type.MESSAGE;
      reasons.push({
        kind: "field-label-changed",
        path: fieldPath,
        message: `field ${now.name} (${now.number}) changed from ${isRepeated(old) ? "repeated" : "singular"} to ${isRepeated(now) ? "repeated" : "singular"}`,
        confluent: stringOrBytes ? "compatible" : "incompatible",
      });
    }
    const oldOneof = realOneof(old, before);
    const newOneof = realOneof(now, after);
    if (oldOneof !== undefined && oldOneof !== newOneof) {
      reasons.push({ kind: "field-oneof-changed", path: fieldPath, message: `field ${now.name} (${now.number}) was taken out of oneof ${oldOneof}`, confluent: "incompatible" });
    } else if (oldOneof === undefined && newOneof !== undefined) {
      reasons.push({ kind: "field-oneof-changed", path: fieldPath, message: `field ${now.name} (${now.number}) was moved into oneof ${newOneof}`, confluent: "incompatible" });
    }
  }
  for (const added of after.field) {
    if (!beforeNumbers.has(added.number) && !before.field.some((f) => f.name === added.name)) {
      reasons.push({ kind: "field-added", path: `${path}.${added.name}`, message: `field ${added.name} (${added.number}) was added`, confluent: "compatible" });
    }
  }
  diffMessageLists(reasons, path, before.nestedType, after.nestedType, beforeFile, afterFile);
  diffEnumLists(reasons, path, before.enumType, after.enumType);
}

function diffEnumLists(reasons: DiffReason[], scope: string, before: readonly EnumDescriptorProto[], after: readonly EnumDescriptorProto[]): void {
  const afterByName = new Map(after.map((e) => [e.name, e]));
  for (const old of before) {
    const path = qualify(scope, old.name);
    const now = afterByName.get(old.name);
    if (now === undefined) {
      reasons.push({ kind: "enum-removed", path, message: `enum ${path} was removed`, confluent: "compatible" });
      continue;
    }
    const nowByNumber = new Map(now.value.map((v) => [v.number, v]));
    for (const value of old.value) {
      const same = nowByNumber.get(value.number);
      if (same === undefined) {
        reasons.push({
          kind: "enum-value-removed",
          path: `${path}.${value.name}`,
          message: `enum value ${value.name} (${value.number}) was removed from ${path}; old records holding it read as the number ${value.number}; add \`reserved ${value.number}; reserved "${value.name}";\``,
          confluent: "compatible",
          apicurio: "incompatible",
        });
      } else if (same.name !== value.name) {
        reasons.push({ kind: "enum-value-renamed", path: `${path}.${value.name}`, message: `enum value ${value.number} of ${path} was renamed from ${value.name} to ${same.name}`, confluent: "compatible" });
      }
    }
    for (const value of now.value) {
      if (!old.value.some((v) => v.number === value.number)) {
        reasons.push({ kind: "enum-value-added", path: `${path}.${value.name}`, message: `enum value ${value.name} (${value.number}) was added to ${path}`, confluent: "compatible" });
      }
    }
  }
}

function isRepeated(field: FieldDescriptorProto): boolean {
  return field.label === FieldDescriptorProto_Label.REPEATED;
}

function realOneof(field: FieldDescriptorProto, message: DescriptorProto): string | undefined {
  if (field.oneofIndex === undefined || field.proto3Optional === true) {
    return undefined;
  }
  return message.oneofDecl[field.oneofIndex]?.name;
}

/** A readable type, `map<k, v>` for map fields, without the leading dot of type names. */
function typeLabel(field: FieldDescriptorProto, owner: DescriptorProto, file: FileDescriptorProto): string {
  if (field.type === FieldDescriptorProto_Type.MESSAGE && isRepeated(field)) {
    const entryName = field.typeName.split(".").pop();
    const entry = owner.nestedType.find((m) => m.name === entryName && m.options?.mapEntry === true);
    if (entry !== undefined && entry.field.length === 2) {
      return `map<${typeLabel(entry.field[0]!, entry, file)}, ${typeLabel(entry.field[1]!, entry, file)}>`;
    }
  }
  if (field.typeName !== "") {
    return field.typeName.replace(/^\./, "");
  }
  return FieldDescriptorProto_Type[field.type].toLowerCase();
}

/** Confluent's scalar groups (`FieldSchemaDiff.scalarKind`): types in one group share a wire encoding. */
function scalarGroup(field: FieldDescriptorProto): string | undefined {
  switch (field.type) {
    case FieldDescriptorProto_Type.INT32:
    case FieldDescriptorProto_Type.INT64:
    case FieldDescriptorProto_Type.UINT32:
    case FieldDescriptorProto_Type.UINT64:
    case FieldDescriptorProto_Type.BOOL:
    case FieldDescriptorProto_Type.ENUM:
      return "varint";
    case FieldDescriptorProto_Type.SINT32:
    case FieldDescriptorProto_Type.SINT64:
      return "zigzag";
    case FieldDescriptorProto_Type.STRING:
    case FieldDescriptorProto_Type.BYTES:
      return "length-delimited";
    case FieldDescriptorProto_Type.FIXED32:
    case FieldDescriptorProto_Type.SFIXED32:
      return "fixed32";
    case FieldDescriptorProto_Type.FIXED64:
    case FieldDescriptorProto_Type.SFIXED64:
      return "fixed64";
    case FieldDescriptorProto_Type.FLOAT:
      return "float";
    case FieldDescriptorProto_Type.DOUBLE:
      return "double";
    default:
      return undefined;
  }
}
