import { clearField, clone, toBinary } from "@bufbuild/protobuf";
import type { DescFile } from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { FieldDescriptorProtoSchema, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { DescriptorProto, FieldDescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { log as logOption } from "../../proto/logwire/v1/options_pb.ts";
import type { SchemaFile } from "../runtime/registry/log-descriptor.ts";

/** Import path of logwire's options. Registered as a reference like any other import. */
export const OPTIONS_FILE = logOption.file.proto.name;

/** Like Confluent's `isBuiltin`: well-known types are never registered as references. */
export function isWellKnown(importPath: string): boolean {
  return importPath.startsWith("google/protobuf/");
}

/**
 * The schema of one file as the registry sees it: the bytes protoc embeds in
 * generated code (`serialized_pb` in Python), which Confluent's Python (and
 * Go) serializers register. That is the compiler's `FileDescriptorProto`
 * without `source_code_info` and without `json_name`, options kept, logwire's
 * own included (`logwire/v1/options.proto` is then an import like any other,
 * registered as a reference).
 *
 * Registries that compare schemas by their bytes (Apicurio) then see one
 * schema where a Python service and a logwire service log the same file, so
 * both get the same version and id. A registry that keeps `.proto` text
 * (Confluent's) converts and compares all forms alike.
 */
export function toSchemaFile(file: DescFile): SchemaFile {
  const proto = protocEmbedded(file);
  return {
    name: proto.name,
    schema: base64Encode(toBinary(FileDescriptorProtoSchema, proto)),
    dependencies: [...proto.dependency],
  };
}

/**
 * The root file and every file it imports, transitively, depth-first in
 * import order, each once, leaving out well-known types.
 */
export function schemaFileClosure(root: DescFile): DescFile[] {
  const out: DescFile[] = [];
  const visit = (file: DescFile): void => {
    if (out.includes(file)) {
      return;
    }
    out.push(file);
    for (const dep of file.dependencies) {
      if (!isWellKnown(dep.proto.name)) {
        visit(dep);
      }
    }
  };
  visit(root);
  return out;
}

/**
 * What protoc's `FileDescriptor::CopyTo` writes, the form it embeds in
 * generated code: `source_code_info` is left out and so is `json_name`,
 * unless the file sets it (protoc fills it in only for plugins; a reader
 * derives the same name). A `json_name` equal to the derived one is taken as
 * derived, as protobuf-es does when it embeds descriptors. Unknown fields of
 * the file itself (a buf image's `buf_extension`, field 8042) are dropped;
 * those of options messages are the options' extensions, and stay.
 */
function protocEmbedded(file: DescFile): FileDescriptorProto {
  const proto = clone(FileDescriptorProtoSchema, file.proto);
  proto.sourceCodeInfo = undefined;
  proto.$unknown = undefined;
  const clearJsonNames = (fields: FieldDescriptorProto[]): void => {
    for (const f of fields) {
      if (f.jsonName === protoCamelCase(f.name)) clearField(f, FieldDescriptorProtoSchema.field.jsonName);
    }
  };
  const visit = (messages: DescriptorProto[]): void => {
    for (const m of messages) {
      clearJsonNames(m.field);
      clearJsonNames(m.extension);
      visit(m.nestedType);
    }
  };
  visit(proto.messageType);
  clearJsonNames(proto.extension);
  return proto;
}
