import { createHash } from "node:crypto";
import type { SchemaFile } from "./log-descriptor.ts";
import { registryStatus, type RegistryCalls } from "./registry-calls.ts";

/** A schema reference as the Confluent API spells it. */
export interface Reference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

/** Like Confluent's `isBuiltin`: well-known types are never registered as references. */
export function isWellKnownImport(name: string): boolean {
  return name.startsWith("google/protobuf/");
}

/** sha256 hex of a base64 descriptor's bytes: the fingerprint shown in diagnostics. */
export function schemaFingerprint(base64: string): string {
  return createHash("sha256").update(Buffer.from(base64, "base64")).digest("hex");
}

/** The imports of a file that are registered as references. */
export function importsOf(file: SchemaFile): string[] {
  return file.dependencies.filter((d) => !isWellKnownImport(d));
}

/** Where a registered schema body came from: its id, or a subject version. */
export interface RegisteredAt {
  readonly subject: string;
  readonly id?: number;
  readonly version?: number;
}

/** Compares what a registry holds with the local schema files of a log type. */
export function createSchemaComparison(call: RegistryCalls["call"]) {
  /** The registry's answer to a lookup, or undefined when it has no such version (404). */
  async function found(subject: string, body: object): Promise<Record<string, unknown> | undefined> {
    try {
      return await call("registered", { subject, body }, subject);
    } catch (error) {
      if (registryStatus(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Whether a registered schema body is the local `file`: a PROTOBUF schema
   * with the same descriptor bytes (by fingerprint), referencing exactly the
   * file's imports, each of them the local file again. A registry that keeps
   * schemas as `.proto` text (Confluent's does) answers with text: the
   * registry then compares, with a lookup of the local schema under the
   * subject, which must find the same id (or version).
   */
  async function sameAsLocal(body: Record<string, unknown>, file: SchemaFile, files: ReadonlyMap<string, SchemaFile>, at: RegisteredAt): Promise<boolean> {
    const schema = body["schema"];
    const refs = (Array.isArray(body["references"]) ? body["references"] : []) as Reference[];
    const imports = importsOf(file);
    if (body["schemaType"] !== "PROTOBUF" || typeof schema !== "string" || refs.length !== imports.length || !refs.every((r) => imports.includes(r.name))) {
      return false;
    }
    if (/^[A-Za-z0-9+/]*={0,2}$/.test(schema)) {
      if (schemaFingerprint(schema) !== schemaFingerprint(file.schema)) return false;
    } else {
      const same = await found(at.subject, { schemaType: "PROTOBUF", schema: file.schema, references: refs });
      if (same === undefined || (at.id !== undefined ? Number(same["id"]) !== at.id : Number(same["version"]) !== at.version)) return false;
    }
    for (const ref of refs) {
      let refBody: Record<string, unknown>;
      try {
        refBody = await call("version", { subject: ref.subject, version: ref.version }, ref.subject);
      } catch (error) {
        if (registryStatus(error) === 404) return false;
        throw error;
      }
      if (!(await sameAsLocal(refBody, files.get(ref.name)!, files, { subject: ref.subject, version: ref.version }))) {
        return false;
      }
    }
    return true;
  }

  return { sameAsLocal };
}
