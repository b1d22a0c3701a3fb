import { create } from "@bufbuild/protobuf";
import {
  DescriptorProto_ReservedRangeSchema,
  DescriptorProtoSchema,
  EnumDescriptorProtoSchema,
  EnumValueDescriptorProtoSchema,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  MessageOptionsSchema,
  OneofDescriptorProtoSchema,
} from "@bufbuild/protobuf/wkt";
import type { DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { ErrorCode, LogwireError } from "../../runtime/errors.ts";
import { nestedTypeOrder, protoTextSyntax } from "./proto-text-layout.ts";
import { mapEntryName, protocJsonName } from "./protoc-names.ts";

/**
 * Turns `.proto` text, as other clients register it (Confluent's serializers
 * with `schema` as text, `@kafkajs/confluent-schema-registry`'s `register`),
 * into a `FileDescriptorProto` that `@bufbuild/protobuf` can build a registry
 * from.
 *
 * protobufjs only parses; type references are resolved here with protobuf's
 * scoping rules against this file's own types and the already-converted
 * dependency files. protobufjs' own `ext/descriptor` converter is not used: it
 * groups by package rather than by file, writes relative type names and
 * names map entries `Labels` instead of `LabelsEntry`.
 *
 * Nested types are listed in protoc's order, map entries included (see
 * proto-text-layout.ts), so Confluent message-index paths name the same
 * types as in the producer's compiled descriptor.
 *
 * protobufjs is loaded lazily, so reading base64 schemas (logwire's own form)
 * never needs it.
 */
export async function protoTextToDescriptor(
  name: string,
  text: string,
  dependencies: readonly FileDescriptorProto[],
): Promise<FileDescriptorProto> {
  const { pb, parsed } = await parse(name, text);
  const pkg = parsed.package ?? "";
  const syntax = protoTextSyntax(text);
  const kinds = new Map<string, "message" | "enum">();
  for (const dep of dependencies) {
    collectKinds(kinds, dep.package, dep.messageType, dep.enumType);
  }
  const top = pkg === "" ? parsed.root : parsed.root.lookup(pkg);
  const nested = (top as { nestedArray?: unknown[] } | null)?.nestedArray ?? [];
  collectParsedKinds(kinds, pkg, nested, pb);

  const file = create(FileDescriptorProtoSchema, {
    name,
    package: pkg,
    dependency: [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])],
    syntax: syntax === "proto2" ? "" : syntax,
  });
  const ctx: Ctx = { kinds, pb, pkg, order: nestedTypeOrder(text) };
  for (const item of nested) {
    if (item instanceof pb.Type) {
      file.messageType.push(convertMessage(item, pkg, ctx));
    } else if (item instanceof pb.Enum) {
      file.enumType.push(convertEnum(item));
    }
  }
  return file;
}

/** The files a `.proto` text imports (public and weak ones too), as protobufjs parses them: imports in comments are not imports. */
export async function protoTextImports(name: string, text: string): Promise<string[]> {
  const { parsed } = await parse(name, text);
  return [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
}

async function parse(name: string, text: string): Promise<{ pb: Pb; parsed: ReturnType<Pb["parse"]> }> {
  const pb = (await import("protobufjs")).default;
  try {
    return { pb, parsed: pb.parse(text, new pb.Root(), { keepCase: true }) };
  } catch (cause) {
    throw new LogwireError(ErrorCode.SchemaNotFound, `cannot parse the .proto text of ${name}: ${(cause as Error).message}`, {
      fix: "check the schema registered in the registry; it is not valid .proto text",
      cause,
    });
  }
}

type Pb = typeof import("protobufjs");
type PbType = import("protobufjs").Type;
type PbEnum = import("protobufjs").Enum;
type PbField = import("protobufjs").Field;

interface Ctx {
  readonly kinds: Map<string, "message" | "enum">;
  readonly pb: Pb;
  readonly pkg: string;
  /** Nested types in protoc's order per message, by name relative to the package. */
  readonly order: Map<string, string[]>;
}

function collectKinds(kinds: Map<string, "message" | "enum">, scope: string, messages: readonly DescriptorProto[], enums: readonly EnumDescriptorProto[]): void {
  for (const m of messages) {
    const full = scope === "" ? m.name : `${scope}.${m.name}`;
    kinds.set(full, "message");
    collectKinds(kinds, full, m.nestedType, m.enumType);
  }
  for (const e of enums) {
    kinds.set(scope === "" ? e.name : `${scope}.${e.name}`, "enum");
  }
}

function collectParsedKinds(kinds: Map<string, "message" | "enum">, scope: string, nested: readonly unknown[], pb: Pb): void {
  for (const item of nested) {
    if (item instanceof pb.Type) {
      const full = scope === "" ? item.name : `${scope}.${item.name}`;
      kinds.set(full, "message");
      collectParsedKinds(kinds, full, item.nestedArray, pb);
    } else if (item instanceof pb.Enum) {
      kinds.set(scope === "" ? item.name : `${scope}.${item.name}`, "enum");
    }
  }
}

/** Protobuf scoping: innermost scope first, then each enclosing one. */
function resolveType(ref: string, scope: string, kinds: Map<string, "message" | "enum">): { name: string; kind: "message" | "enum" } {
  if (ref.startsWith(".")) {
    const kind = kinds.get(ref.slice(1));
    if (kind !== undefined) {
      return { name: ref, kind };
    }
  } else {
    const parts = scope === "" ? [] : scope.split(".");
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), ref].join(".");
      const kind = kinds.get(candidate);
      if (kind !== undefined) {
        return { name: `.${candidate}`, kind };
      }
    }
  }
  throw new LogwireError(ErrorCode.SchemaNotFound, `type ${ref} used in ${scope} is not defined in the schema or its references`, {
    fix: "register the schema with references to every file it imports",
  });
}

const SCALARS: Record<string, FieldDescriptorProto_Type> = {
  double: FieldDescriptorProto_Type.DOUBLE,
  float: FieldDescriptorProto_Type.FLOAT,
  int64: FieldDescriptorProto_Type.INT64,
  uint64: FieldDescriptorProto_Type.UINT64,
  int32: FieldDescriptorProto_Type.INT32,
  fixed64: FieldDescriptorProto_Type.FIXED64,
  fixed32: FieldDescriptorProto_Type.FIXED32,
  bool: FieldDescriptorProto_Type.BOOL,
  string: FieldDescriptorProto_Type.STRING,
  bytes: FieldDescriptorProto_Type.BYTES,
  uint32: FieldDescriptorProto_Type.UINT32,
  sfixed32: FieldDescriptorProto_Type.SFIXED32,
  sfixed64: FieldDescriptorProto_Type.SFIXED64,
  sint32: FieldDescriptorProto_Type.SINT32,
  sint64: FieldDescriptorProto_Type.SINT64,
};

function typeOf(ref: string, scope: string, kinds: Map<string, "message" | "enum">): { type: FieldDescriptorProto_Type; typeName: string } {
  const scalar = SCALARS[ref];
  if (scalar !== undefined) {
    return { type: scalar, typeName: "" };
  }
  const resolved = resolveType(ref, scope, kinds);
  return {
    type: resolved.kind === "enum" ? FieldDescriptorProto_Type.ENUM : FieldDescriptorProto_Type.MESSAGE,
    typeName: resolved.name,
  };
}

function convertMessage(type: PbType, scope: string, ctx: Ctx): DescriptorProto {
  const { kinds, pb } = ctx;
  const full = scope === "" ? type.name : `${scope}.${type.name}`;
  const message = create(DescriptorProtoSchema, { name: type.name });
  // protoc lists real oneofs first and synthetic (proto3 `optional`) ones last.
  const oneofs = [...type.oneofsArray].sort((a, b) => Number(isSynthetic(a, pb)) - Number(isSynthetic(b, pb)));
  for (const oneof of oneofs) {
    message.oneofDecl.push(create(OneofDescriptorProtoSchema, { name: oneof.name }));
  }
  for (const field of type.fieldsArray) {
    message.field.push(convertField(field, full, kinds, oneofs, message, pb));
  }
  for (const item of type.nestedArray) {
    if (item instanceof pb.Type) {
      message.nestedType.push(convertMessage(item, full, ctx));
    } else if (item instanceof pb.Enum) {
      message.enumType.push(convertEnum(item));
    }
  }
  for (const reserved of type.reserved ?? []) {
    if (typeof reserved === "string") {
      message.reservedName.push(reserved);
    } else {
      // protobufjs ranges are inclusive; descriptor ranges are end-exclusive.
      message.reservedRange.push(create(DescriptorProto_ReservedRangeSchema, { start: reserved[0]!, end: reserved[1]! + 1 }));
    }
  }
  message.nestedType = inProtocOrder(message.nestedType, ctx.order.get(ctx.pkg === "" ? full : full.slice(ctx.pkg.length + 1)));
  return message;
}

/** Map entries were added with their fields, nested messages after them; protoc interleaves them in source order. */
function inProtocOrder(nested: DescriptorProto[], names: readonly string[] | undefined): DescriptorProto[] {
  if (names === undefined) {
    return nested;
  }
  const ordered = names.map((n) => nested.find((m) => m.name === n)).filter((m): m is DescriptorProto => m !== undefined);
  const unique = [...new Set(ordered)];
  return [...unique, ...nested.filter((m) => !unique.includes(m))];
}

function isSynthetic(oneof: import("protobufjs").OneOf, pb: Pb): boolean {
  return oneof.fieldsArray.length === 1 && oneof.fieldsArray[0] instanceof pb.Field && oneof.fieldsArray[0].options?.["proto3_optional"] === true;
}

function convertField(
  field: PbField,
  scope: string,
  kinds: Map<string, "message" | "enum">,
  oneofs: readonly import("protobufjs").OneOf[],
  message: DescriptorProto,
  pb: Pb,
): FieldDescriptorProto {
  const out = create(FieldDescriptorProtoSchema, { name: field.name, number: field.id, label: FieldDescriptorProto_Label.OPTIONAL, jsonName: protocJsonName(field.name) });
  if (field instanceof pb.MapField) {
    const entryName = mapEntryName(field.name);
    const key = typeOf(field.keyType, scope, kinds);
    const value = typeOf(field.type, scope, kinds);
    message.nestedType.push(
      create(DescriptorProtoSchema, {
        name: entryName,
        field: [
          create(FieldDescriptorProtoSchema, { name: "key", number: 1, label: FieldDescriptorProto_Label.OPTIONAL, type: key.type, jsonName: "key" }),
          create(FieldDescriptorProtoSchema, { name: "value", number: 2, label: FieldDescriptorProto_Label.OPTIONAL, type: value.type, typeName: value.typeName, jsonName: "value" }),
        ],
        options: create(MessageOptionsSchema, { mapEntry: true }),
      }),
    );
    out.label = FieldDescriptorProto_Label.REPEATED;
    out.type = FieldDescriptorProto_Type.MESSAGE;
    out.typeName = `.${scope}.${entryName}`;
    return out;
  }
  const { type, typeName } = typeOf(field.type, scope, kinds);
  out.type = type;
  if (typeName !== "") {
    out.typeName = typeName;
  }
  if (field.repeated) {
    out.label = FieldDescriptorProto_Label.REPEATED;
  } else if (field.required) {
    out.label = FieldDescriptorProto_Label.REQUIRED;
  }
  if (field.partOf !== null && field.partOf !== undefined) {
    out.oneofIndex = oneofs.indexOf(field.partOf);
  }
  if (field.options?.["proto3_optional"] === true) {
    out.proto3Optional = true;
  }
  return out;
}

function convertEnum(type: PbEnum): EnumDescriptorProto {
  const out = create(EnumDescriptorProtoSchema, { name: type.name });
  for (const [name, number] of Object.entries(type.values)) {
    out.value.push(create(EnumValueDescriptorProtoSchema, { name, number }));
  }
  return out;
}
