import { isFieldSet } from "@bufbuild/protobuf";
import { FieldDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { DescriptorProto, FieldDescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";

/** One side of a field present before and after under the same number, with the message and file holding it. */
export interface FieldSide {
  readonly field: FieldDescriptorProto;
  readonly owner: DescriptorProto;
  readonly file: FileDescriptorProto;
}

/**
 * The real oneof a field is in. protobuf-es reads `oneof_index` as 0 when it
 * is absent (proto2 `optional int32` has a default), so presence is asked for;
 * the synthetic oneof of a proto3 `optional` field is not a real one.
 */
function realOneof(field: FieldDescriptorProto, message: DescriptorProto): string | undefined {
  if (!isFieldSet(field, FieldDescriptorProtoSchema.field.oneofIndex) || field.proto3Optional) {
    return undefined;
  }
  return message.oneofDecl[field.oneofIndex]?.name;
}

/**
 * A field moved into, out of or between oneofs, judged by Confluent's
 * `MessageSchemaDiff`/`OneOfDiff`: moving one field into a new oneof is
 * compatible; moving several fields into one oneof, or one into a oneof that
 * already had members, is not (old records may set more than one member);
 * leaving a oneof that remains is ONEOF_FIELD_REMOVED, leaving one that is
 * gone is ONEOF_REMOVED (compatible).
 */
export function oneofChange(was: FieldSide, is: FieldSide): { message: string; confluent: "compatible" | "incompatible" } | undefined {
  const from = realOneof(was.field, was.owner);
  const to = realOneof(is.field, is.owner);
  if (from === to) {
    return undefined;
  }
  if (to === undefined || from !== undefined) {
    const remains = is.owner.field.some((f) => realOneof(f, is.owner) === from);
    const target = to === undefined ? "" : ` into oneof ${to}`;
    return {
      message: `was taken out of oneof ${from}${target}${remains ? `, which remains (Confluent reports a oneof field removed)` : ", which is gone"}`,
      confluent: remains ? "incompatible" : "compatible",
    };
  }
  const members = is.owner.field.filter((f) => realOneof(f, is.owner) === to);
  const beforeByNumber = new Map(was.owner.field.map((f) => [f.number, f]));
  const moved = members.filter((f) => {
    const old = beforeByNumber.get(f.number);
    return old !== undefined && realOneof(old, was.owner) === undefined;
  });
  const existing = members.filter((f) => {
    const old = beforeByNumber.get(f.number);
    return old !== undefined && realOneof(old, was.owner) !== undefined;
  });
  if (moved.length > 1) {
    const others = moved.filter((f) => f.number !== is.field.number).map((f) => `${f.name} (${f.number})`);
    return { message: `was moved into oneof ${to} together with ${others.join(", ")}; an old record that set several of them reads as only one`, confluent: "incompatible" };
  }
  if (existing.length > 0) {
    return { message: `was moved into the existing oneof ${to}; an old record that set it and another member reads as only one`, confluent: "incompatible" };
  }
  return { message: `was moved into the new oneof ${to}`, confluent: "compatible" };
}
