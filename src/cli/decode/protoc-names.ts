import type { DescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";

/**
 * Names protoc derives from a field name, ported from protoc's own functions
 * so descriptors built or completed here match the ones protoc writes.
 */

/** protoc's `ToJsonName`: drop each `_` and upper-case the ASCII letter after it (`payment_id` → `paymentId`, `foo__bar_1` → `fooBar1`). */
export function protocJsonName(fieldName: string): string {
  let out = "";
  let capitalizeNext = false;
  for (const c of fieldName) {
    if (c === "_") {
      capitalizeNext = true;
    } else {
      out += capitalizeNext && c >= "a" && c <= "z" ? c.toUpperCase() : c;
      capitalizeNext = false;
    }
  }
  return out;
}

/** protoc's `MapEntryName`: the nested type a `map<K, V> field_name` declares (`labels` → `LabelsEntry`, `tag_counts` → `TagCountsEntry`). */
export function mapEntryName(fieldName: string): string {
  let out = "";
  let capitalizeNext = true;
  for (const c of fieldName) {
    if (c === "_") {
      capitalizeNext = true;
    } else {
      out += capitalizeNext && c >= "a" && c <= "z" ? c.toUpperCase() : c;
      capitalizeNext = false;
    }
  }
  return `${out}Entry`;
}

/**
 * Sets `json_name` on every field that has none, as protoc computes it.
 * protoc fills `json_name` only in descriptors it hands to plugins; the
 * descriptors compiled into generated code (what Confluent's Python and Java
 * serializers register) leave it out, and `@bufbuild/protobuf` takes the
 * field as given, so without this every field's JSON name would be `""`.
 * Extension fields are left alone: their JSON name is `[full.name]`.
 */
export function fillJsonNames(file: FileDescriptorProto): FileDescriptorProto {
  const visit = (messages: readonly DescriptorProto[]): void => {
    for (const message of messages) {
      for (const field of message.field) {
        if (field.jsonName === "") {
          field.jsonName = protocJsonName(field.name);
        }
      }
      visit(message.nestedType);
    }
  };
  visit(file.messageType);
  return file;
}
