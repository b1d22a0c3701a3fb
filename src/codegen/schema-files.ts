import { clearExtension, clone, toBinary } from "@bufbuild/protobuf";
import type { DescFile } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import {
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  MessageOptionsSchema,
} from "@bufbuild/protobuf/wkt";
import type { DescriptorProto, FieldDescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { field as fieldOption, log as logOption } from "../../proto/logwire/v1/options_pb.ts";
import type { SchemaFile } from "../runtime/registry/log-descriptor.ts";

/** Import path of logwire's options; dropped from registered schemas when only its options were used. */
export const OPTIONS_FILE = logOption.file.proto.name;

/** Like Confluent's `isBuiltin`: well-known types are never registered as references. */
export function isWellKnown(importPath: string): boolean {
  return importPath.startsWith("google/protobuf/");
}

/**
 * The schema of one file as the registry sees it: the compiler's
 * `FileDescriptorProto` (json_name and all, as protoc/buf set them) without
 * `source_code_info`, without logwire's options, and without the import of
 * `logwire/v1/options.proto` when nothing else from that file is used.
 */
export function toSchemaFile(file: DescFile): SchemaFile {
  const proto = stripFile(file);
  return {
    name: proto.name,
    schema: base64Encode(toBinary(FileDescriptorProtoSchema, proto)),
    dependencies: [...proto.dependency],
  };
}

/**
 * The root file and every file it imports, transitively, depth-first in
 * import order, each once, following the stripped imports and leaving out
 * well-known types.
 */
export function schemaFileClosure(root: DescFile): DescFile[] {
  const out: DescFile[] = [];
  const visit = (file: DescFile): void => {
    if (out.includes(file)) {
      return;
    }
    out.push(file);
    const kept = new Set(stripFile(file).dependency);
    for (const dep of file.dependencies) {
      if (kept.has(dep.proto.name) && !isWellKnown(dep.proto.name)) {
        visit(dep);
      }
    }
  };
  visit(root);
  return out;
}

function stripFile(file: DescFile): FileDescriptorProto {
  const proto = clone(FileDescriptorProtoSchema, file.proto);
  proto.sourceCodeInfo = undefined;
  for (const message of proto.messageType) {
    stripMessage(message);
  }
  for (const ext of proto.extension) {
    stripField(ext);
  }
  const optionsIndex = proto.dependency.indexOf(OPTIONS_FILE);
  if (optionsIndex >= 0 && !usesOptionsFileTypes(file, proto)) {
    dropDependency(proto, optionsIndex);
  }
  return proto;
}

function stripMessage(message: DescriptorProto): void {
  if (message.options !== undefined) {
    clearExtension(message.options, logOption);
    if (toBinary(MessageOptionsSchema, message.options).length === 0) {
      message.options = undefined;
    }
  }
  for (const f of message.field) {
    stripField(f);
  }
  for (const ext of message.extension) {
    stripField(ext);
  }
  for (const nested of message.nestedType) {
    stripMessage(nested);
  }
}

function stripField(f: FieldDescriptorProto): void {
  if (f.options !== undefined) {
    clearExtension(f.options, fieldOption);
    if (toBinary(FieldOptionsSchema, f.options).length === 0) {
      f.options = undefined;
    }
  }
}

/** Removes one import and renumbers the public/weak import indexes that point past it. */
function dropDependency(proto: FileDescriptorProto, index: number): void {
  proto.dependency.splice(index, 1);
  const renumber = (indexes: number[]): number[] => indexes.filter((i) => i !== index).map((i) => (i > index ? i - 1 : i));
  proto.publicDependency = renumber(proto.publicDependency);
  proto.weakDependency = renumber(proto.weakDependency);
}

/** Whether the file refers to a message or enum declared in logwire's options file (other than through options). */
function usesOptionsFileTypes(file: DescFile, proto: FileDescriptorProto): boolean {
  const optionsFile = file.dependencies.find((dep) => dep.proto.name === OPTIONS_FILE);
  if (optionsFile === undefined) {
    return false;
  }
  const declared = new Set<string>();
  const collect = (prefix: string, messages: DescriptorProto[], enums: { name: string }[]): void => {
    for (const e of enums) {
      declared.add(`${prefix}.${e.name}`);
    }
    for (const m of messages) {
      declared.add(`${prefix}.${m.name}`);
      collect(`${prefix}.${m.name}`, m.nestedType, m.enumType);
    }
  };
  const pkg = optionsFile.proto.package === "" ? "" : `.${optionsFile.proto.package}`;
  collect(pkg, optionsFile.proto.messageType, optionsFile.proto.enumType);
  const referenced: string[] = [];
  const walk = (messages: DescriptorProto[]): void => {
    for (const m of messages) {
      for (const f of [...m.field, ...m.extension]) {
        referenced.push(f.typeName, f.extendee);
      }
      walk(m.nestedType);
    }
  };
  walk(proto.messageType);
  for (const ext of proto.extension) {
    referenced.push(ext.typeName, ext.extendee);
  }
  for (const service of proto.service) {
    for (const method of service.method) {
      referenced.push(method.inputType, method.outputType);
    }
  }
  return referenced.some((name) => declared.has(name));
}
