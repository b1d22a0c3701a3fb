import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import type { DescFile, FileRegistry, JsonValue } from "@bufbuild/protobuf";
import * as wkt from "@bufbuild/protobuf/wkt";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { ErrorCode, LogwireError, isLogwireError } from "../../runtime/errors.ts";
import { messageAtIndexes } from "./message-index-path.ts";
import { protoTextImports, protoTextToDescriptor } from "./proto-text-descriptor.ts";
import { fillJsonNames } from "./protoc-names.ts";
import { recordToJson } from "./record-json.ts";
import type { ValueProblem } from "./record-json.ts";
import { createRegistryGet } from "./registry-get.ts";
import { MAGIC_BYTE, decodeFrame } from "../../runtime/registry/wire-format.ts";

/**
 * The read side of the wire format: schema id → registry → descriptors →
 * readable JSON. It decodes records with the schema that was registered, not
 * with generated code, so it reads any producer's records:
 *
 * - schemas registered as base64 `FileDescriptorProto` (logwire's and
 *   Confluent's clients' form, with or without `json_name`, which protoc's
 *   compiled-in descriptors leave out) and as `.proto` text (other clients);
 * - message-index paths as Confluent's serializers write them (map entries
 *   count; see message-index-path.ts);
 * - references, resolved by subject and version, recursively; an import with
 *   no reference falls back to the latest version of the subject named like
 *   the import path;
 * - well-known types (`google/protobuf/*.proto`) from `@bufbuild/protobuf/wkt`,
 *   since Confluent's clients never register them.
 *
 * A schema id that is not Protobuf (Avro, JSON Schema; a registry answer
 * without `schemaType` is Avro) is reported as such, whatever the bytes after
 * it look like. Schemas are cached by id and by subject/version; an unknown or
 * non-Protobuf id is cached as such, other failures (registry down) are
 * retried on the next record.
 */
export interface SchemaDecoderOptions {
  /** Base URL of the Confluent-compatible API, e.g. `http://127.0.0.1:18081/apis/ccompat/v7`. */
  readonly registryUrl: string;
  /** Per-request timeout. The default value is 5000 ms. */
  readonly requestTimeoutMs?: number;
}

/** A registered schema, ready to decode with. */
export interface ResolvedSchema {
  /** The file the schema registered, with every import resolvable in `registry`. */
  readonly file: DescFile;
  readonly registry: FileRegistry;
}

export interface SubjectVersionSchema extends ResolvedSchema {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
}

export interface DecodedRecord {
  readonly schemaId: number;
  readonly messageIndexes: readonly number[];
  /** Fully-qualified name of the decoded message. */
  readonly typeName: string;
  /**
   * Proto3 JSON of the record (`toJson` with the schema's registry). A value
   * with no JSON form (a Timestamp after year 9999) is written as its plain
   * fields and named in `problems`.
   */
  readonly json: JsonValue;
  /** Values without a proto3 JSON form; absent when there are none. */
  readonly problems?: readonly ValueProblem[];
}

export interface SchemaDecoder {
  /**
   * Decodes one Confluent-framed value. Throws a LogwireError:
   * `malformed_frame` (no magic byte, truncated, bad message index, or a
   * schema id that is not a Protobuf schema),
   * `schema_not_found` (unknown id), `registry_unavailable`, or
   * `invalid_record` (payload does not parse with the registered schema).
   */
  decode(bytes: Uint8Array): Promise<DecodedRecord>;
  /** The schema registered under `id`; `schema_not_found` when it is missing or not Protobuf. */
  schemaById(id: number): Promise<ResolvedSchema>;
  /** A subject's version (`"latest"` allowed); `undefined` when the subject or version does not exist. */
  subjectVersion(subject: string, version: number | "latest"): Promise<SubjectVersionSchema | undefined>;
}

/** An id registered with another schema type: `AVRO`, `JSON`. */
interface NotProtobuf {
  readonly schemaType: string;
}

interface RegistrySchemaBody {
  readonly schema: string;
  readonly schemaType?: string;
  readonly references?: readonly { readonly name: string; readonly subject: string; readonly version: number }[];
}

const WELL_KNOWN = new Map<string, DescFile>(
  Object.values(wkt)
    .filter((v): v is DescFile => typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "file")
    .map((f) => [f.proto.name, f]),
);

export function createSchemaDecoder(options: SchemaDecoderOptions): SchemaDecoder {
  const base = options.registryUrl.replace(/\/+$/, "");
  const timeoutMs = options.requestTimeoutMs ?? 5000;
  const byId = new Map<number, Promise<ResolvedSchema | NotProtobuf>>();
  const protoBySubjectVersion = new Map<string, Promise<FileDescriptorProto>>();

  const getJson = createRegistryGet(base, timeoutMs);

  /** Parses a registered schema body into a FileDescriptorProto, fetching its references first. */
  async function toProto(name: string, body: RegistrySchemaBody, what: string): Promise<{ proto: FileDescriptorProto; deps: Map<string, FileDescriptorProto | DescFile> }> {
    const schemaType = schemaTypeOf(body);
    if (schemaType !== "PROTOBUF") {
      throw new LogwireError(ErrorCode.SchemaNotFound, `${what} is not a Protobuf schema (schemaType ${schemaType})`, {
        fix: "reference only Protobuf schemas, and read only topics written with them",
        details: { schemaType },
      });
    }
    const deps = new Map<string, FileDescriptorProto | DescFile>();
    const references = new Map((body.references ?? []).map((r) => [r.name, r]));
    const base64 = asBase64Descriptor(body.schema);
    const imports = base64 !== undefined ? base64.dependency : await protoTextImports(name, body.schema);
    for (const imp of imports) {
      await collectDependency(imp, references.get(imp), deps, what);
    }
    if (base64 !== undefined) {
      return { proto: base64, deps };
    }
    const depProtos = [...deps.values()].map((d) => ("kind" in d ? d.proto : d));
    return { proto: await protoTextToDescriptor(name, body.schema, depProtos), deps };
  }

  async function collectDependency(
    importPath: string,
    ref: { readonly subject: string; readonly version: number } | undefined,
    deps: Map<string, FileDescriptorProto | DescFile>,
    what: string,
  ): Promise<void> {
    if (deps.has(importPath)) {
      return;
    }
    const known = WELL_KNOWN.get(importPath);
    if (known !== undefined && ref === undefined) {
      deps.set(importPath, known);
      return;
    }
    const subject = ref?.subject ?? importPath;
    const version = ref?.version ?? "latest";
    const proto = await protoForSubjectVersion(importPath, subject, version, what);
    deps.set(importPath, proto);
    for (const transitive of proto.dependency) {
      await collectDependency(transitive, undefined, deps, what);
    }
  }

  function protoForSubjectVersion(name: string, subject: string, version: number | "latest", what: string): Promise<FileDescriptorProto> {
    const key = `${subject}\u0000${version}`;
    let cached = protoBySubjectVersion.get(key);
    if (cached === undefined) {
      cached = (async () => {
        const body = (await getJson(`/subjects/${encodeURIComponent(subject)}/versions/${version}`)) as RegistrySchemaBody | undefined;
        if (body === undefined) {
          throw new LogwireError(ErrorCode.SchemaNotFound, `${what} imports ${name}, but subject ${subject} version ${version} is not in the registry`, {
            fix: "register the imported file under its import path (logwire register does this)",
          });
        }
        return (await toProto(name, body, `subject ${subject} version ${version}`)).proto;
      })();
      protoBySubjectVersion.set(key, cached);
      cached.catch(() => protoBySubjectVersion.delete(key));
    }
    return cached;
  }

  async function resolve(rootName: string, body: RegistrySchemaBody, what: string): Promise<ResolvedSchema> {
    const { proto, deps } = await toProto(rootName, body, what);
    try {
      const registry = createFileRegistry(proto, (name) => deps.get(name) ?? WELL_KNOWN.get(name));
      const file = registry.getFile(proto.name);
      if (file === undefined) {
        throw new Error(`file ${proto.name} missing from its own registry`);
      }
      return { file, registry };
    } catch (cause) {
      if (isLogwireError(cause)) {
        throw cause;
      }
      throw new LogwireError(ErrorCode.SchemaNotFound, `${what} does not form a valid descriptor: ${(cause as Error).message}`, {
        fix: "register the schema with references to every file it imports",
        cause,
      });
    }
  }

  function lookupId(id: number): Promise<ResolvedSchema | NotProtobuf> {
    let cached = byId.get(id);
    if (cached === undefined) {
      cached = (async () => {
        const body = (await getJson(`/schemas/ids/${id}`)) as RegistrySchemaBody | undefined;
        if (body === undefined) {
          throw new LogwireError(ErrorCode.SchemaNotFound, `schema id ${id} is not in the registry at ${base}`, {
            fix: "check that the producer and this reader use the same registry",
            details: { schemaId: id },
          });
        }
        const schemaType = schemaTypeOf(body);
        return schemaType === "PROTOBUF" ? resolve(`schema-${id}.proto`, body, `schema id ${id}`) : { schemaType };
      })();
      byId.set(id, cached);
      cached.catch((error: unknown) => {
        if (!(isLogwireError(error) && error.code === ErrorCode.SchemaNotFound)) {
          byId.delete(id);
        }
      });
    }
    return cached;
  }

  async function schemaById(id: number): Promise<ResolvedSchema> {
    const found = await lookupId(id);
    if ("schemaType" in found) {
      throw new LogwireError(ErrorCode.SchemaNotFound, `schema id ${id} is not a Protobuf schema (schemaType ${found.schemaType})`, {
        fix: "use the id of a Protobuf schema",
        details: { schemaId: id, schemaType: found.schemaType },
      });
    }
    return found;
  }


  return {
    schemaById,
    async subjectVersion(subject, version) {
      const body = (await getJson(`/subjects/${encodeURIComponent(subject)}/versions/${version}`)) as
        | (RegistrySchemaBody & { id: number; version: number; subject: string })
        | undefined;
      if (body === undefined) {
        return undefined;
      }
      const resolved = await resolve(`${subject}.proto`, body, `subject ${subject} version ${version}`);
      return { ...resolved, subject: body.subject, version: body.version, id: body.id };
    },
    async decode(bytes) {
      let frame: ReturnType<typeof decodeFrame>;
      try {
        frame = decodeFrame(bytes);
      } catch (error) {
        // After the id, an Avro or JSON Schema value has its own bytes, not a
        // message-index array: when the id says so, that is the news.
        const id = headerSchemaId(bytes);
        const found = id === undefined ? undefined : await lookupId(id).catch(() => undefined);
        throw found !== undefined && "schemaType" in found ? notProtobufRecord(id!, found.schemaType) : error;
      }
      const { schemaId, messageIndexes, payload } = frame;
      const found = await lookupId(schemaId);
      if ("schemaType" in found) {
        throw notProtobufRecord(schemaId, found.schemaType);
      }
      const { file, registry } = found;
      const desc = messageAtIndexes(file, registry, messageIndexes, schemaId);
      let message;
      try {
        message = fromBinary(desc, payload);
      } catch (cause) {
        throw new LogwireError(ErrorCode.InvalidRecord, `payload does not decode as ${desc.typeName} (schema id ${schemaId}): ${(cause as Error).message}`, {
          fix: "check that the producer framed the record with the id of the schema it encoded with",
          cause,
        });
      }
      const { json, problems } = recordToJson(desc, message, registry);
      return { schemaId, messageIndexes, typeName: desc.typeName, json, ...(problems.length > 0 ? { problems } : {}) };
    },
  };
}

function notProtobufRecord(schemaId: number, schemaType: string): LogwireError {
  return new LogwireError(ErrorCode.MalformedFrame, `schema id ${schemaId} is not a Protobuf schema (schemaType ${schemaType}): its records are ${schemaType}, not Protobuf`, {
    fix: `read this topic with a deserializer for ${schemaType}; logwire decodes Protobuf records only`,
    details: { schemaId, schemaType },
  });
}

/** Confluent's rule: a schema without `schemaType` is Avro. */
function schemaTypeOf(body: RegistrySchemaBody): string {
  return body.schemaType ?? "AVRO";
}

/** The schema id of a value that starts like a Confluent frame, else `undefined`. */
function headerSchemaId(bytes: Uint8Array): number | undefined {
  return bytes.length >= 5 && bytes[0] === MAGIC_BYTE ? ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0 : undefined;
}

/** A base64 `FileDescriptorProto`, or `undefined` when the schema is `.proto` text. */
function asBase64Descriptor(schema: string): FileDescriptorProto | undefined {
  if (!/^[A-Za-z0-9+/=\r\n]+$/.test(schema)) {
    return undefined;
  }
  try {
    return fillJsonNames(fromBinary(FileDescriptorProtoSchema, Buffer.from(schema, "base64")));
  } catch {
    return undefined;
  }
}
