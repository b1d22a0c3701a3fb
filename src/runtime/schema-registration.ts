import { createHash } from "node:crypto";
import { ErrorCode, LogwireError } from "./errors.ts";
import type { LogDescriptor, SchemaFile } from "./log-descriptor.ts";
import type { SchemaMode } from "./pipeline-options.ts";

/** What the pipeline needs to frame a type's records. */
export interface ResolvedSchema {
  readonly id: number;
  readonly subject: string;
  readonly version: number | undefined;
  /** sha256 hex of the local root descriptor bytes. */
  readonly fingerprint: string;
}

/**
 * Finds the schema id of a log type: one attempt per call. Rejects with a
 * LogwireError that is `retriable` when the registry is unreachable or
 * answers 5xx (the pipeline backs off and retries), and permanent for
 * `schema_incompatible` (409), `schema_mismatch` (use-latest differs) and
 * `schema_not_found`; the pipeline dead-letters that type's records.
 */
export interface SchemaResolver {
  resolve(descriptor: LogDescriptor): Promise<ResolvedSchema>;
}

export interface SchemaResolverOptions {
  readonly url: string | undefined;
  readonly auth: { readonly username: string; readonly password: string } | undefined;
  /**
   * Time one call may take. Without it a call the registry never answers
   * would hold the type's records forever: a CI run saw Apicurio log an
   * answer that never reached the client.
   */
  readonly requestTimeoutMs: number;
  readonly mode: SchemaMode;
  readonly ids: Readonly<Record<string, number>>;
  /** Counts each REST call: op is the endpoint, outcome `ok`/`error`/`unavailable`. */
  readonly onCall: (op: string, outcome: "ok" | "error" | "unavailable") => void;
}

/** The mappersmith client inside `@kafkajs/confluent-schema-registry`; its typed `register()` cannot take base64 descriptors. */
interface RegistryApi {
  Subject: Record<"register" | "registered" | "latestVersion", (args: object) => Promise<{ data(): unknown }>>;
}

interface Reference {
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

function httpStatus(error: unknown): number | undefined {
  const s = (error as { status?: unknown }).status;
  return typeof s === "number" ? s : undefined;
}

function registryMessage(error: unknown): string {
  const m = error instanceof Error ? error.message : String(error);
  return m.replace(/^[^ ]* - /, "");
}

/** mappersmith reports connection errors as status 400 with no registry body. */
function isUnavailable(error: unknown): boolean {
  const status = httpStatus(error);
  if (status === undefined || status >= 500 || status === 408 || status === 429) {
    return true;
  }
  return status === 400 && /Error, status 400: |ECONN|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|socket hang up|timeout/i.test(String((error as Error).message));
}

export function createSchemaResolver(options: SchemaResolverOptions): SchemaResolver {
  const url = options.url;
  /**
   * The REST client, loaded on the first call: @kafkajs/confluent-schema-registry
   * brings avsc, ajv and protobufjs along, a third of what `import "logwire"`
   * would otherwise load before the app's first line runs.
   */
  let api: Promise<RegistryApi> | undefined;
  const registryApi = (registryUrl: string): Promise<RegistryApi> =>
    (api ??= import("@kafkajs/confluent-schema-registry").then(
      ({ SchemaRegistry }) => (new SchemaRegistry({ host: registryUrl, retry: { retries: 0 }, ...(options.auth === undefined ? {} : { auth: options.auth }) }) as unknown as { api: RegistryApi }).api,
    ));
  /** Reference versions by import path, shared by all types. */
  const refVersions = new Map<string, Promise<number>>();
  /** Resolutions by subject + fingerprint. Failures are not cached, so a retry asks again. */
  const cache = new Map<string, Promise<ResolvedSchema>>();

  async function call(op: keyof RegistryApi["Subject"], args: object, subject: string): Promise<Record<string, unknown>> {
    if (url === undefined) {
      throw new LogwireError(ErrorCode.InvalidOption, "no registry configured", { path: "registry", fix: "pass registry: { url }" });
    }
    const client = await registryApi(url);
    try {
      // mappersmith takes a per-request `timeout` and rejects with "Timeout (N ms)" (see isUnavailable).
      const res = await client.Subject[op]({ ...args, timeout: options.requestTimeoutMs });
      options.onCall(op, "ok");
      return res.data() as Record<string, unknown>;
    } catch (error) {
      if (isUnavailable(error)) {
        options.onCall(op, "unavailable");
        throw new LogwireError(ErrorCode.RegistryUnavailable, `registry ${options.url} did not answer ${op} for subject "${subject}": ${registryMessage(error)}`, {
          retriable: true,
          path: "registry.url",
          fix: "start the registry or fix registry.url; records of this type wait in the buffer meanwhile",
          details: { subject, status: httpStatus(error) },
          cause: error,
        });
      }
      options.onCall(op, "error");
      const status = httpStatus(error);
      if (status === 401 || status === 403) {
        throw new LogwireError(ErrorCode.NotAuthorized, `registry ${options.url} refused ${op} for subject "${subject}": HTTP ${status} ${status === 401 ? "unauthorized (credentials missing or wrong)" : "forbidden (this user may not use the subject)"}`, {
          path: "registry.auth",
          fix: status === 401 ? "set registry.auth to the registry's username and password" : "grant the registry user write access to the subject, or pre-register the schema and use schema.mode \"use-latest\"",
          details: { subject, status },
          cause: error,
        });
      }
      throw error;
    }
  }

  function fileMap(descriptor: LogDescriptor): Map<string, SchemaFile> {
    return new Map(descriptor.files.map((f) => [f.name, f]));
  }

  function referencesOf(file: SchemaFile, files: Map<string, SchemaFile>, register: boolean): Promise<Reference[]> {
    return Promise.all(
      file.dependencies.filter((d) => !isWellKnownImport(d)).map(async (dep) => {
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
      p.catch(() => refVersions.delete(file.name));
    }
    return p;
  }

  async function lookup(subject: string, body: object): Promise<Record<string, unknown>> {
    try {
      return await call("registered", { subject, body }, subject);
    } catch (error) {
      if (httpStatus(error) === 404) {
        throw new LogwireError(ErrorCode.SchemaNotFound, `subject "${subject}" has no version equal to the local schema`, {
          fix: "register the schema ahead of deploys (logwire register) or use schema.mode \"auto-register\"",
          details: { subject, registry: registryMessage(error) },
          cause: error,
        });
      }
      throw error;
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
    const register = options.mode === "auto-register";
    const references = await referencesOf(root, files, register);
    const body = { schemaType: "PROTOBUF", schema: root.schema, references };
    if (register) {
      try {
        const res = await call("register", { subject, body }, subject);
        return { id: Number(res["id"]), subject, version: undefined, fingerprint };
      } catch (error) {
        if (httpStatus(error) === 409) {
          const latest = await call("latestVersion", { subject }, subject).catch(() => undefined);
          throw new LogwireError(ErrorCode.SchemaIncompatible, `the registry rejected ${descriptor.typeName} as incompatible with subject "${subject}": ${registryMessage(error)}`, {
            fix: "make the change backward compatible (add fields, reserve removed ones) or register it under a new subject",
            details: {
              subject,
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
    const latest = await call("latestVersion", { subject }, subject).catch((error: unknown) => {
      if (httpStatus(error) === 404) {
        throw new LogwireError(ErrorCode.SchemaNotFound, `subject "${subject}" is not registered`, {
          fix: "register the schema ahead of deploys (logwire register) or use schema.mode \"auto-register\"",
          details: { subject, registry: registryMessage(error), localFingerprint: fingerprint },
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
      if (error instanceof LogwireError && error.code === ErrorCode.SchemaNotFound) {
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
      const key = `${descriptor.subject}\u0000${descriptor.files[0]?.schema ?? ""}`;
      let p = cache.get(key);
      if (p === undefined) {
        p = resolveOnce(descriptor);
        cache.set(key, p);
        p.catch(() => cache.delete(key));
      }
      return p;
    },
  };
}
