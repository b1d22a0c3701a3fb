import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

/**
 * Records which fields property tests actually set to a non-default value,
 * in the root message and in every nested one, so a test can assert that
 * the arbitraries exercised every field (an encoder bug in a field that is
 * never set would go unnoticed).
 */
export interface FieldCoverage {
  add(desc: DescMessage, message: Message): void;
  /** Fields of `desc` and the messages it reaches that were never set. */
  missing(desc: DescMessage): string[];
}

export function createFieldCoverage(): FieldCoverage {
  const seen = new Set<string>();
  const add = (desc: DescMessage, message: Message): void => {
    const r = reflect(desc, message);
    for (const field of desc.fields) {
      if (!r.isSet(field)) {
        continue;
      }
      seen.add(`${desc.typeName}.${field.name}`);
      for (const child of childMessages(field, message)) {
        add(field.message as DescMessage, child);
      }
    }
  };
  return {
    add,
    missing(root) {
      const out: string[] = [];
      const visited = new Set<string>();
      const visit = (desc: DescMessage): void => {
        if (visited.has(desc.typeName)) {
          return;
        }
        visited.add(desc.typeName);
        for (const field of desc.fields) {
          if (!seen.has(`${desc.typeName}.${field.name}`)) {
            out.push(`${desc.typeName}.${field.name}`);
          }
          if (field.message !== undefined && !isWrapperDesc(field.message)) {
            visit(field.message);
          }
        }
      };
      visit(root);
      return out;
    },
  };
}

/** The nested messages held by a set field (not unwrapped wrappers). */
function childMessages(field: DescField, message: Message): Message[] {
  const holder = message as unknown as Record<string, unknown>;
  if (field.message === undefined || isWrapperDesc(field.message) && field.fieldKind === "message" && field.oneof === undefined) {
    return [];
  }
  if (field.oneof !== undefined) {
    const oneof = holder[field.oneof.localName] as { case?: string; value?: unknown };
    return oneof.case === field.localName ? [oneof.value as Message] : [];
  }
  const value = holder[field.localName];
  switch (field.fieldKind) {
    case "message":
      return [value as Message];
    case "list":
      return value as Message[];
    case "map":
      return Object.values(value as Record<string, Message>);
    default:
      return [];
  }
}
