import type { DescFile, DescMessage, FileRegistry } from "@bufbuild/protobuf";
import type { DescriptorProto } from "@bufbuild/protobuf/wkt";
import { ErrorCode, LogwireError } from "../../runtime/errors.ts";

/**
 * The message a Confluent message-index path names: an index into the
 * file's `message_type`, then into each message's `nested_type`.
 *
 * Nested indexes count map-entry types (`LabelsEntry`), as the descriptor
 * lists them: Confluent's Java and Python serializers do, and so does
 * logwire's generator. `@bufbuild/protobuf`'s `nestedMessages` leaves them
 * out, so the walk goes through the descriptor protos.
 *
 * Confluent's JS serializer (`@confluentinc/schemaregistry`, 1.x) counts
 * nested messages without map entries. Where that makes a path land on a map
 * entry, which is never a record's type, the path is read the JS way. Where
 * it lands on another message, the two readings cannot be told apart, and
 * the Java/Python one wins.
 */
export function messageAtIndexes(file: DescFile, registry: FileRegistry, indexes: readonly number[], schemaId: number): DescMessage {
  let siblings: readonly DescriptorProto[] = file.proto.messageType;
  let typeName = file.proto.package;
  let last: DescriptorProto | undefined;
  for (const [depth, index] of indexes.entries()) {
    last = siblings[index];
    if (last === undefined) {
      const where = depth === 0 ? "top-level messages" : `nested types in ${typeName} (map entries count)`;
      throw new LogwireError(ErrorCode.MalformedFrame, `message index [${indexes.join(", ")}] does not exist in schema id ${schemaId}, which has ${siblings.length} ${where}`, {
        fix: "check that the producer writes the message-index path of the schema it registered",
        details: { schemaId, messageIndexes: indexes },
      });
    }
    typeName = typeName === "" ? last.name : `${typeName}.${last.name}`;
    siblings = last.nestedType;
  }
  if (last?.options?.mapEntry === true) {
    const asJsWrites = withoutMapEntries(file, indexes);
    if (asJsWrites !== undefined) {
      return asJsWrites;
    }
    throw new LogwireError(ErrorCode.MalformedFrame, `message index [${indexes.join(", ")}] in schema id ${schemaId} names ${typeName}, the entry type of a map field, which is not a record type`, {
      fix: "check that the producer writes the message-index path of the schema it registered",
      details: { schemaId, messageIndexes: indexes },
    });
  }
  const desc = registry.getMessage(typeName);
  if (desc === undefined) {
    throw new Error(`message ${typeName} missing from the registry built from its own file`);
  }
  return desc;
}

/** The path read as Confluent's JS serializer writes it: nested messages without map entries. */
function withoutMapEntries(file: DescFile, indexes: readonly number[]): DescMessage | undefined {
  let candidates: readonly DescMessage[] = file.messages;
  let desc: DescMessage | undefined;
  for (const index of indexes) {
    desc = candidates[index];
    if (desc === undefined) {
      return undefined;
    }
    candidates = desc.nestedMessages;
  }
  return desc;
}
