import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";

/** The part of a field descriptor that tells how presence is tracked. */
export interface FieldPresenceLike {
  readonly fieldKind: string;
  readonly presence: FeatureSet_FieldPresence;
  readonly oneof: unknown;
}

/**
 * Whether the generated property is optional (`x?: T`): scalars and enums with
 * explicit presence (proto3 `optional`, proto2) outside a oneof. Message
 * fields are always optional and handled by their callers.
 */
export function isExplicitPresence(field: FieldPresenceLike): boolean {
  return (
    (field.fieldKind === "scalar" || field.fieldKind === "enum") &&
    field.oneof === undefined &&
    field.presence !== FeatureSet_FieldPresence.IMPLICIT
  );
}
