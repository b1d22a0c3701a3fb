import { ErrorCode, LogwireError, isLogwireError } from "../errors.ts";
import type { LogDescriptor, SchemaFile } from "./log-descriptor.ts";
import { createRegistryCalls, registryMessage, registryStatus, type RegistryOp, type RegistrySignal } from "./registry-calls.ts";
import { createSchemaComparison, importsOf, schemaFingerprint, type Reference } from "./schema-comparison.ts";

/** How the schema id of a type is found. */
export type SchemaMode = "auto-register" | "use-latest" | "use-schema-id";

export { isWellKnownImport, schemaFingerprint } from "./schema-comparison.ts";
export type { RegistrySignal };

/** What the pipeline needs to frame a type's records. */
export interface ResolvedSchema {
  readonly id: number;
  readonly subject: string;
  readonly version: number | undefined;
  /** sha256 hex of the local root descriptor bytes. */
  readonly fingerprint: string;
}

/**
 * What a cached id names now: the local schema (`same`), nothing (`gone`),
 * or another schema (`other`: another root, or references to other files).
 */
export type SchemaVerdict = "same" | "gone" | "other";

/**
 * Finds the schema id of a log type: one attempt per call. Rejects with a
 * LogwireError that is `retriable` when the registry is unreachable or
 * answers 5xx (the pipeline backs off and retries), and permanent for
 * `schema_incompatible` (409), `schema_mismatch` (use-latest differs),
 * `schema_not_found` and `schema_rejected` (another refusal); the pipeline
 * dead-letters that type's records.
 */
export interface SchemaResolver {
  resolve(descriptor: LogDescriptor): Promise<ResolvedSchema>;
  /**
   * Checks that `schema.id` still names the local schema of `descriptor`
   * (`GET /schemas/ids/{id}`, root and references compared by fingerprint).
   * Unless `same`, the cached resolution and reference versions are
   * forgotten, so the next `resolve` registers (or looks up) anew. Rejects
   * like `resolve` when the registry does not answer. Always `same` in
   * `use-schema-id` mode, where the ids are the caller's.
   */
  verify(descriptor: LogDescriptor, schema: ResolvedSchema): Promise<SchemaVerdict>;
  /** True from a registry call that got no answer until the next answered one. */
  readonly unreachable: boolean;
}

export interface SchemaResolverOptions {
  readonly url: string | undefined;
  readonly auth: { readonly username: string; readonly password: string } | undefined;
  /**
   * Time one call may take. Without it a call whose answer never arrives
   * (lost on the way, or a registry that hangs) would hold the type's
   * records forever.
   */
  readonly requestTimeoutMs: number;
  readonly mode: SchemaMode;
  readonly ids: Readonly<Record<string, number>>;
  /** Counts each REST call: op is the endpoint, outcome `ok`/`error`/`unavailable`. */
  readonly onCall: (op: RegistryOp, outcome: "ok" | "error" | "unavailable") => void;
  /**
   * Signs that cached ids may name nothing, or something else, now:
   * `unreachable` at the first unanswered call of an outage; `answered` when
   * the registry answers after one, when it says that a subject, version or
   * id it was asked for is missing, or when it refuses a schema for a
   * missing reference. Called synchronously, before the call's caller goes
   * on. The default is to ignore them.
   */
  readonly onSuspect?: ((signal: RegistrySignal) => void) | undefined;
}

/** True for a `schema_not_found` the registry answered (not one logwire raised itself). */
function isRegistryNotFound(error: unknown): boolean {
  return isLogwireError(error) && error.code === ErrorCode.SchemaNotFound && registryStatus(error) !== undefined;
}

export function createSchemaResolver(options: SchemaResolverOptions): SchemaResolver {
  const suspect = (signal: RegistrySignal): void => options.onSuspect?.(signal);
  const registry = createRegistryCalls({ url: options.url, auth: options.auth, requestTimeoutMs: options.requestTimeoutMs, onCall: options.onCall, onSignal: suspect });
  const call = registry.call;
  const { sameAsLocal } = createSchemaComparison(call);
  /** Reference versions by import path, shared by all types. */
  const refVersions = new Map<string, Promise<number>>();
  /** Resolutions by subject + root schema. Failures are not cached, so a retry asks again. */
  const cache = new Map<string, Promise<ResolvedSchema>>();
  const cacheKey = (descriptor: LogDescriptor): string => `${descriptor.subject}\u0000${descriptor.files[0]?.schema ?? ""}`;

  function fileMap(descriptor: LogDescriptor): Map<string, SchemaFile> {
    return new Map(descriptor.files.map((f) => [f.name, f]));
  }

  function referencesOf(file: SchemaFile, files: Map<string, SchemaFile>, register: boolean): Promise<Reference[]> {
    return Promise.all(
      importsOf(file).map(async (dep) => {
        const depFile = files.get(dep);
        if (depFile === undefined) {
          throw new LogwireError(ErrorCode.Internal, `descriptor lists import "${dep}" of ${file.name} but not its schema`, {
            fix: "regenerate the code with buf generate",
          });
        }
        return { name: dep, subject: dep, version: await referenceVersion(depFile, files, register) };
      }),
    );
  }

  /** Registers (or looks up) an imported file under subject = its import path, dependencies first. */
  function referenceVersion(file: SchemaFile, files: Map<string, SchemaFile>, register: boolean): Promise<number> {
    let p = refVersions.get(file.name);
    if (p === undefined) {
      p = (async () => {
        const references = await referencesOf(file, files, register);
        const body = { schemaType: "PROTOBUF", schema: file.schema, references };
        if (register) {
          await call("register", { subject: file.name, body }, file.name);
        }
        const found = await lookup(file.name, body);
        return Number(found["version"]);
      })();
      refVersions.set(file.name, p);
      const mine = p;
      p.catch(() => {
        if (refVersions.get(file.name) === mine) refVersions.delete(file.name);
      });
    }
    return p;
  }

  async function lookup(subject: string, body: object): Promise<Record<string, unknown>> {
    try {
      return await call("registered", { subject, body }, subject);
    } catch (error) {
      if (registryStatus(error) === 404) {
        throw new LogwireError(ErrorCode.SchemaNotFound, `subject "${subject}" has no version equal to the local schema`, {
          fix: "register the schema ahead of deploys (logwire register) or use schema.mode \"auto-register\"",
          details: { subject, status: 404, registry: registryMessage(error) },
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Registers the root with its references. A reference version taken from
   * the cache may be gone (the registry restarted empty or was restored):
   * the registry then refuses the root with 422 "Unresolved reference". That
   * is a sign of lost state: the references are registered again, once, and
   * the cached ids of every type re-verified (onSuspect).
   */
  async function register(subject: string, root: SchemaFile, files: Map<string, SchemaFile>): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const references = await referencesOf(root, files, true);
        return await call("register", { subject, body: { schemaType: "PROTOBUF", schema: root.schema, references } }, subject);
      } catch (error) {
        if (attempt === 1 && registryStatus(error) === 422 && importsOf(root).length > 0) {
          refVersions.clear();
          suspect("answered");
          continue;
        }
        throw error;
      }
    }
  }

  async function resolveOnce(descriptor: LogDescriptor): Promise<ResolvedSchema> {
    const root = descriptor.files[0];
    if (root === undefined) {
      throw new LogwireError(ErrorCode.Internal, `descriptor ${descriptor.typeName} has no files`, { fix: "regenerate the code with buf generate" });
    }
    const subject = descriptor.subject;
    const fingerprint = schemaFingerprint(root.schema);
    if (options.mode === "use-schema-id") {
      const id = options.ids[subject] ?? options.ids[descriptor.typeName];
      if (id === undefined) {
        throw new LogwireError(ErrorCode.SchemaNotFound, `no schema id given for subject "${subject}"`, {
          path: `schema.ids.${subject}`,
          fix: `add "${subject}": <id> to schema.ids`,
          details: { subject, localFingerprint: fingerprint },
        });
      }
      return { id, subject, version: undefined, fingerprint };
    }
    const files = fileMap(descriptor);
    if (options.mode === "auto-register") {
      try {
        const res = await register(subject, root, files);
        return { id: Number(res["id"]), subject, version: undefined, fingerprint };
      } catch (error) {
        if (isLogwireError(error) && error.code === ErrorCode.SchemaIncompatible) {
          const latest = await call("latestVersion", { subject }, subject).catch(() => undefined);
          throw new LogwireError(ErrorCode.SchemaIncompatible, `the registry rejected ${descriptor.typeName} as incompatible with subject "${subject}": ${registryMessage(error)}`, {
            fix: "make the change backward compatible (add fields, reserve removed ones) or register it under a new subject",
            details: {
              subject,
              status: registryStatus(error),
              registry: registryMessage(error),
              localFingerprint: fingerprint,
              registeredId: latest?.["id"],
              registeredVersion: latest?.["version"],
              registeredFingerprint: typeof latest?.["schema"] === "string" ? schemaFingerprint(latest["schema"]) : undefined,
            },
            cause: error,
          });
        }
        throw error;
      }
    }
    // use-latest: the local schema must be the latest version of the subject.
    const references = await referencesOf(root, files, false);
    const body = { schemaType: "PROTOBUF", schema: root.schema, references };
    const latest = await call("latestVersion", { subject }, subject).catch((error: unknown) => {
      if (registryStatus(error) === 404) {
        throw new LogwireError(ErrorCode.SchemaNotFound, `subject "${subject}" is not registered`, {
          fix: "register the schema ahead of deploys (logwire register) or use schema.mode \"auto-register\"",
          details: { subject, status: 404, registry: registryMessage(error), localFingerprint: fingerprint },
          cause: error,
        });
      }
      throw error;
    });
    const mismatch = (registry: string): LogwireError =>
      new LogwireError(ErrorCode.SchemaMismatch, `the latest version of subject "${subject}" differs from the local ${descriptor.typeName}`, {
        fix: "deploy the code generated from the latest schema, or register the local schema first",
        details: {
          subject,
          registry,
          localFingerprint: fingerprint,
          registeredId: latest["id"],
          registeredVersion: latest["version"],
          registeredFingerprint: typeof latest["schema"] === "string" ? schemaFingerprint(latest["schema"]) : undefined,
        },
      });
    let found: Record<string, unknown>;
    try {
      found = await lookup(subject, body);
    } catch (error) {
      if (isLogwireError(error) && error.code === ErrorCode.SchemaNotFound) {
        throw mismatch(error.details?.["registry"] as string);
      }
      throw error;
    }
    if (found["version"] !== latest["version"]) {
      throw mismatch(`local schema is version ${String(found["version"])}, latest is ${String(latest["version"])}`);
    }
    return { id: Number(latest["id"]), subject, version: Number(latest["version"]), fingerprint };
  }

  return {
    resolve(descriptor) {
      const key = cacheKey(descriptor);
      let p = cache.get(key);
      if (p === undefined) {
        p = resolveOnce(descriptor);
        cache.set(key, p);
        p.catch((error: unknown) => {
          if (cache.get(key) === p) cache.delete(key);
          // The registry lacks a subject or version asked for: maybe it lost its state.
          if (isRegistryNotFound(error)) suspect("answered");
        });
      }
      return p;
    },
    async verify(descriptor, schema) {
      const root = descriptor.files[0];
      if (options.mode === "use-schema-id" || root === undefined) {
        return "same";
      }
      let verdict: SchemaVerdict;
      try {
        const body = await call("schemaById", { id: schema.id }, descriptor.subject);
        verdict = (await sameAsLocal(body, root, fileMap(descriptor), { subject: descriptor.subject, id: schema.id })) ? "same" : "other";
      } catch (error) {
        if (registryStatus(error) !== 404 || !isLogwireError(error) || error.code !== ErrorCode.SchemaNotFound) throw error;
        verdict = "gone";
      }
      if (verdict !== "same") {
        cache.delete(cacheKey(descriptor));
        refVersions.clear();
      }
      return verdict;
    },
    get unreachable() {
      return registry.unreachable;
    },
  };
}
