import { createFileRegistry, fromBinary, toJson } from "@bufbuild/protobuf";
import type { DescFile, DescMessage, FileRegistry, JsonValue } from "@bufbuild/protobuf";
import * as wkt from "@bufbuild/protobuf/wkt";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { ErrorCode, LogwireError, isLogwireError } from "./errors.ts";
import { protoTextToDescriptor } from "./proto-text-descriptor.ts";
import { registryFetch } from "./registry-fetch.ts";
import { decodeFrame } from "./wire-format.ts";

/**
 * The read side of the wire format: schema id → registry → descriptors →
 * readable JSON. It decodes records with the schema that was registered, not
 * with generated code, so it reads any producer's records:
 *
 * - schemas registered as base64 `FileDescriptorProto` (logwire's and
 *   Confluent's clients' form) and as `.proto` text (other clients);
 * - references, resolved by subject and version, recursively; an import with
 *   no reference falls back to the latest version of the subject named like
 *   the import path;
 * - well-known types (`google/protobuf/*.proto`) from `@bufbuild/protobuf/wkt`,
 *   since Confluent's clients never register them.
 *
 * Schemas are cached by id and by subject/version; an unknown id is cached as
 * unknown, other failures (registry down) are retried on the next record.
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
  /** Proto3 JSON of the record (`toJson` with the schema's registry). */
  readonly json: JsonValue;
}

export interface SchemaDecoder {
  /**
   * Decodes one Confluent-framed value. Throws a LogwireError:
   * `malformed_frame` (no magic byte, truncated, bad message index),
   * `schema_not_found` (unknown id), `registry_unavailable`, or
   * `invalid_record` (payload does not parse with the registered schema).
   */
  decode(bytes: Uint8Array): Promise<DecodedRecord>;
  /** The schema registered under `id`. */
  schemaById(id: number): Promise<ResolvedSchema>;
  /** A subject's version (`"latest"` allowed); `undefined` when the subject or version does not exist. */
  subjectVersion(subject: string, version: number | "latest"): Promise<SubjectVersionSchema | undefined>;
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
  const byId = new Map<number, Promise<ResolvedSchema>>();
  const protoBySubjectVersion = new Map<string, Promise<FileDescriptorProto>>();

  async function getJson(path: string): Promise<unknown | undefined> {
    let response: Response;
    let text: string;
    try {
      response = await registryFetch(`${base}${path}`, {}, { timeoutMs });
      text = await response.text();
    } catch (cause) {
      throw new LogwireError(ErrorCode.RegistryUnavailable, `registry at ${base} did not answer GET ${path}: ${(cause as Error).message}`, {
        retriable: true,
        fix: "start the registry (npx logwire dev up) or pass the right --registry URL",
        cause,
      });
    }
    if (response.status === 404) {
      return undefined;
    }
    if (!response.ok) {
      throw new LogwireError(ErrorCode.RegistryUnavailable, `registry at ${base} answered GET ${path} with HTTP ${response.status}: ${text}`, {
        retriable: response.status >= 500,
        fix: "check the registry's logs",
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new LogwireError(ErrorCode.RegistryUnavailable, `registry at ${base} answered GET ${path} with a body that is not JSON: ${text.slice(0, 200)}`, {
        retriable: false,
        fix: "check that the registry URL ends in the Confluent API root, e.g. /apis/ccompat/v7",
        cause,
      });
    }
  }

  /** Parses a registered schema body into a FileDescriptorProto, fetching its references first. */
  async function toProto(name: string, body: RegistrySchemaBody, what: string): Promise<{ proto: FileDescriptorProto; deps: Map<string, FileDescriptorProto | DescFile> }> {
    if (body.schemaType !== undefined && body.schemaType !== "PROTOBUF") {
      throw new LogwireError(ErrorCode.SchemaNotFound, `${what} is a ${body.schemaType} schema, not PROTOBUF`, {
        fix: "tail only topics written with Protobuf schemas",
      });
    }
    const deps = new Map<string, FileDescriptorProto | DescFile>();
    const references = new Map((body.references ?? []).map((r) => [r.name, r]));
    const base64 = asBase64Descriptor(body.schema);
    const imports = base64 !== undefined ? base64.dependency : importsOfText(body.schema);
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

  function schemaById(id: number): Promise<ResolvedSchema> {
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
        return resolve(`schema-${id}.proto`, body, `schema id ${id}`);
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
      const { schemaId, messageIndexes, payload } = decodeFrame(bytes);
      const { file, registry } = await schemaById(schemaId);
      const desc = messageAt(file, messageIndexes, schemaId);
      let message;
      try {
        message = fromBinary(desc, payload);
      } catch (cause) {
        throw new LogwireError(ErrorCode.InvalidRecord, `payload does not decode as ${desc.typeName} (schema id ${schemaId}): ${(cause as Error).message}`, {
          fix: "check that the producer framed the record with the id of the schema it encoded with",
          cause,
        });
      }
      return { schemaId, messageIndexes, typeName: desc.typeName, json: toJson(desc, message, { registry }) };
    },
  };
}

/** Follows a Confluent message-index path: top-level message, then nested ones. */
function messageAt(file: DescFile, indexes: readonly number[], schemaId: number): DescMessage {
  let candidates: readonly DescMessage[] = file.messages;
  let desc: DescMessage | undefined;
  for (const [depth, index] of indexes.entries()) {
    desc = candidates[index];
    if (desc === undefined) {
      const where = depth === 0 ? "top-level messages" : `messages nested in ${indexes.slice(0, depth).join(".")}`;
      throw new LogwireError(ErrorCode.MalformedFrame, `message index [${indexes.join(", ")}] does not exist in schema id ${schemaId}, which has ${candidates.length} ${where}`, {
        fix: "check that the producer writes the message-index path of the schema it registered",
        details: { schemaId, messageIndexes: indexes },
      });
    }
    candidates = desc.nestedMessages;
  }
  return desc!;
}

/** A base64 `FileDescriptorProto`, or `undefined` when the schema is `.proto` text. */
function asBase64Descriptor(schema: string): FileDescriptorProto | undefined {
  if (!/^[A-Za-z0-9+/=\r\n]+$/.test(schema)) {
    return undefined;
  }
  try {
    return fromBinary(FileDescriptorProtoSchema, Buffer.from(schema, "base64"));
  } catch {
    return undefined;
  }
}

function importsOfText(text: string): string[] {
  return [...text.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)].map((m) => m[1]!);
}
