import { FieldDescriptorProto_Label, FieldDescriptorProto_Type } from "@bufbuild/protobuf/wkt";
import type { DescriptorProto, FieldDescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";

/**
 * How Confluent Schema Registry's Protobuf checker
 * (`io.confluent.kafka.schemaregistry.protobuf.diff.FieldSchemaDiff`) judges
 * a field whose type or label changed, for `schema-diff.ts`.
 *
 * Types are compared by kind (scalar, message, map). Scalars, enums counted
 * as varints, may change within one wire-encoding group; maps compare key
 * and value types the same way; message types must keep their name. Labels
 * are compared only for scalar and enum fields, and only when both sides
 * carry one: a proto3 field without `optional` has none, so proto3
 * `repeated int32` -> `int32` passes while `repeated int32` -> `optional
 * int32` is FIELD_NUMERIC_LABEL_CHANGED. A string or bytes label change is
 * compatible, and message fields' labels are not compared.
 *
 * Apicurio Registry 3.3 compares the declared type and the label as text
 * (`Field type changed`, `Field label changed`), so it refuses every one of
 * these changes, `optional` added or dropped included.
 */
export function isRepeated(field: FieldDescriptorProto): boolean {
  return field.label === FieldDescriptorProto_Label.REPEATED;
}

/** The map entry message of a map field, when it is one. */
export function mapEntry(field: FieldDescriptorProto, owner: DescriptorProto): DescriptorProto | undefined {
  if (field.type !== FieldDescriptorProto_Type.MESSAGE || !isRepeated(field)) {
    return undefined;
  }
  const entryName = field.typeName.split(".").pop();
  const entry = owner.nestedType.find((m) => m.name === entryName && m.options?.mapEntry === true);
  return entry !== undefined && entry.field.length === 2 ? entry : undefined;
}

/** A readable type, `map<k, v>` for map fields, without the leading dot of type names. */
export function typeLabel(field: FieldDescriptorProto, owner: DescriptorProto): string {
  const entry = mapEntry(field, owner);
  if (entry !== undefined) {
    return `map<${typeLabel(entry.field[0]!, entry)}, ${typeLabel(entry.field[1]!, entry)}>`;
  }
  if (field.typeName !== "") {
    return field.typeName.replace(/^\./, "");
  }
  return FieldDescriptorProto_Type[field.type].toLowerCase();
}

/** Confluent's scalar groups (`FieldSchemaDiff.scalarKind`): types in one group share a wire encoding. */
export function scalarGroup(field: FieldDescriptorProto): string | undefined {
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

/** Whether Confluent accepts a changed field type (`FieldSchemaDiff.compareTypes`). */
export function confluentAcceptsType(before: FieldDescriptorProto, beforeOwner: DescriptorProto, after: FieldDescriptorProto, afterOwner: DescriptorProto): boolean {
  const beforeMap = mapEntry(before, beforeOwner);
  const afterMap = mapEntry(after, afterOwner);
  if (beforeMap !== undefined || afterMap !== undefined) {
    return (
      beforeMap !== undefined &&
      afterMap !== undefined &&
      confluentAcceptsType(beforeMap.field[0]!, beforeMap, afterMap.field[0]!, afterMap) &&
      confluentAcceptsType(beforeMap.field[1]!, beforeMap, afterMap.field[1]!, afterMap)
    );
  }
  const group = scalarGroup(before);
  if (group !== undefined || scalarGroup(after) !== undefined) {
    return group === scalarGroup(after);
  }
  return before.typeName === after.typeName;
}

/** The label Confluent's parsed schema gives a field: none for a proto3 field without `optional`. */
function confluentLabel(field: FieldDescriptorProto, file: FileDescriptorProto): "repeated" | "optional" | "required" | undefined {
  if (isRepeated(field)) {
    return "repeated";
  }
  if (field.proto3Optional) {
    return "optional";
  }
  if (file.syntax === "proto3" || file.syntax === "editions") {
    return undefined;
  }
  return field.label === FieldDescriptorProto_Label.REQUIRED ? "required" : "optional";
}

/** Whether Confluent accepts a field that changed between repeated and singular (same type). */
export function confluentAcceptsLabel(before: FieldDescriptorProto, beforeFile: FileDescriptorProto, after: FieldDescriptorProto, afterFile: FileDescriptorProto): boolean {
  const group = scalarGroup(before);
  if (group === undefined || group === "length-delimited") {
    return true;
  }
  const was = confluentLabel(before, beforeFile);
  const is = confluentLabel(after, afterFile);
  return was === undefined || is === undefined || was === is;
}
