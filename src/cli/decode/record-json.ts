import { ScalarType, toJson } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage, JsonObject, JsonValue, Message, Registry } from "@bufbuild/protobuf";
import { isReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";

/** A value that decoded from binary but has no proto3 JSON form. */
export interface ValueProblem {
  /** Where the value is in the record's JSON: `occurredAt`, `items[2].at`, `labels["k"]`. */
  readonly path: string;
  /** Why it has no JSON form, e.g. a Timestamp after 9999-12-31. */
  readonly message: string;
}

/**
 * A decoded record as proto3 JSON (`toJson`), and when that fails, the same
 * JSON with each value that has no JSON form written as its plain fields
 * (`{"seconds": "253402300800"}`), and a problem naming it.
 *
 * The binary format accepts values its JSON form forbids: Timestamps outside
 * years 1 to 9999, Durations over 10,000 years or with mismatched signs,
 * `Any` of a type the registry does not know, NaN in a `Value`. Producers
 * write them (Confluent's serializers do not check), and one such field must
 * not hide the rest of the record.
 */
export function recordToJson(desc: DescMessage, message: Message, registry: Registry): { json: JsonValue; problems: ValueProblem[] } {
  const problems: ValueProblem[] = [];
  return { json: messageJson(reflect(desc, message), "", registry, problems), problems };
}

function messageJson(msg: ReflectMessage, path: string, registry: Registry, problems: ValueProblem[]): JsonValue {
  let failure: unknown;
  try {
    return toJson(msg.desc, msg.message, { registry });
  } catch (error) {
    failure = error;
  }
  const before = problems.length;
  const out: JsonObject = {};
  for (const field of msg.sortedFields) {
    if (msg.isSet(field)) {
      out[field.jsonName] = fieldJson(msg, field, join(path, field.jsonName), registry, problems);
    }
  }
  if (problems.length === before) {
    // No field below failed on its own, so this message is the value without a JSON form.
    problems.push({ path: path === "" ? "(record)" : path, message: failure instanceof Error ? failure.message : String(failure) });
  }
  return out;
}

function fieldJson(msg: ReflectMessage, field: DescField, path: string, registry: Registry, problems: ValueProblem[]): JsonValue {
  const value = (v: unknown, at: string): JsonValue => {
    if (isReflectMessage(v)) {
      return messageJson(v, at, registry, problems);
    }
    const en = field.fieldKind === "enum" ? field.enum : field.fieldKind === "list" || field.fieldKind === "map" ? field.enum : undefined;
    return en !== undefined ? enumJson(en, v as number) : scalarJson(field.scalar ?? ScalarType.STRING, v);
  };
  switch (field.fieldKind) {
    case "list":
      return [...msg.get(field)].map((v, i) => value(v, `${path}[${i}]`));
    case "map": {
      const out: JsonObject = {};
      for (const [k, v] of msg.get(field)) {
        out[String(k)] = value(v, `${path}[${JSON.stringify(String(k))}]`);
      }
      return out;
    }
    default:
      return value(msg.get(field), path);
  }
}

function enumJson(desc: DescEnum, value: number): JsonValue {
  return desc.typeName === "google.protobuf.NullValue" ? null : (desc.value[value]?.name ?? value);
}

function scalarJson(type: ScalarType, value: unknown): JsonValue {
  switch (type) {
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
    case ScalarType.SINT64:
      return String(value);
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      return Number.isFinite(value) ? (value as number) : String(value);
    case ScalarType.BYTES:
      return base64Encode(value as Uint8Array);
    default:
      return value as JsonValue;
  }
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}
