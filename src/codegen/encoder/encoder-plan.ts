import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import { fieldMessage } from "../field-message.ts";

/** `Edition.EDITION_PROTO3`. */
const EDITION_PROTO3 = 999;

/**
 * What to generate for one log message: the messages that need their own
 * size and write functions (the log message first, then every message it
 * reaches, in discovery order), or why no encoder can be generated (the
 * descriptor then gets `encode: undefined` and the runtime uses `toBinary`).
 */
export type EncoderPlan =
  | { readonly kind: "supported"; readonly messages: readonly DescMessage[] }
  | { readonly kind: "unsupported"; readonly reason: string };

/**
 * Singular wrapper fields (google.protobuf.Int32Value, ...) outside a oneof
 * hold the bare scalar in protobuf-es; the encoder writes them inline.
 */
export function isUnwrappedWrapper(field: DescField): boolean {
  return field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(field.message);
}

/**
 * Plans the encoder of `root`. Supported: proto3 files (the example schemas,
 * well-known types, and what logs are written in). Not supported, so left to
 * `toBinary`: proto2 and editions files (default values on the prototype,
 * required fields, groups) and google.protobuf.Struct fields, which
 * protobuf-es holds as plain JSON objects.
 */
export function planEncoder(root: DescMessage): EncoderPlan {
  const messages: DescMessage[] = [];
  const seen = new Set<string>();
  const queue: DescMessage[] = [root];
  seen.add(root.typeName);
  while (queue.length > 0) {
    const message = queue.shift() as DescMessage;
    if (message.file.edition !== EDITION_PROTO3) {
      return unsupported(`${message.typeName} is declared in ${message.file.name}, which is not proto3`);
    }
    messages.push(message);
    for (const field of message.fields) {
      const child = fieldMessage(field);
      if (child === undefined) {
        continue;
      }
      if (child.typeName === "google.protobuf.Struct" && message.typeName !== "google.protobuf.Value") {
        return unsupported(`${message.typeName}.${field.name} is a google.protobuf.Struct, held as JSON`);
      }
      if (isUnwrappedWrapper(field) || seen.has(child.typeName)) {
        continue;
      }
      seen.add(child.typeName);
      queue.push(child);
    }
  }
  return { kind: "supported", messages };
}

function unsupported(reason: string): EncoderPlan {
  return { kind: "unsupported", reason };
}
