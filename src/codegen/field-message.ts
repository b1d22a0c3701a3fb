import type { DescField, DescMessage } from "@bufbuild/protobuf";

/**
 * The message type a field holds: its own type for a message field, the
 * element type of a list of messages, the value type of a map of messages;
 * `undefined` for scalars and enums. The one step of every walk over the
 * messages a log message reaches (encoder plan, redaction).
 */
export function fieldMessage(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}
