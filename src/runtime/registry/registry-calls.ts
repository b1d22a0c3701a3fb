import { ErrorCode, LogwireError, isLogwireError } from "../errors.ts";

/**
 * The schema resolver's REST calls: the mappersmith client inside
 * `@kafkajs/confluent-schema-registry` (its typed `register()` cannot take
 * base64 descriptors, so the resources are called directly). Every failure
 * becomes a LogwireError whose `details.status` is the HTTP status when the
 * registry answered; a registry's answer is never `internal`.
 */
interface RegistryApi {
  Subject: Record<"register" | "registered" | "latestVersion" | "version", (args: object) => Promise<{ data(): unknown }>>;
  Schema: Record<"find", (args: object) => Promise<{ data(): unknown }>>;
}

/** The calls, by the name counted in `logwire_registry_calls_total{op}`. */
export type RegistryOp = "register" | "registered" | "latestVersion" | "version" | "schemaById";

const RESOURCES: Readonly<Record<RegistryOp, readonly ["Subject" | "Schema", string]>> = {
  register: ["Subject", "register"], // POST /subjects/{subject}/versions
  registered: ["Subject", "registered"], // POST /subjects/{subject}
  latestVersion: ["Subject", "latestVersion"], // GET /subjects/{subject}/versions/latest
  version: ["Subject", "version"], // GET /subjects/{subject}/versions/{version}
  schemaById: ["Schema", "find"], // GET /schemas/ids/{id}
};

/**
 * What the calls tell about the registry's state: `unreachable` at the first
 * call of an outage that got no answer; `answered` when a call is answered
 * after that. A registry that was unreachable may come back with less than it
 * had (restarted with empty storage, restored from a backup).
 */
export type RegistrySignal = "unreachable" | "answered";

export interface RegistryCallsOptions {
  readonly url: string | undefined;
  readonly auth: { readonly username: string; readonly password: string } | undefined;
  /** Time one call may take; an unanswered call is a retriable `registry_unavailable`. */
  readonly requestTimeoutMs: number;
  /** Counts each call: outcome `ok`/`error`/`unavailable`. */
  readonly onCall: (op: RegistryOp, outcome: "ok" | "error" | "unavailable") => void;
  /** Called synchronously, before the caller sees the call's result. */
  readonly onSignal: (signal: RegistrySignal) => void;
}

export interface RegistryCalls {
  call(op: RegistryOp, args: object, subject: string): Promise<Record<string, unknown>>;
  /** True from a call that got no answer until the next answered one. */
  readonly unreachable: boolean;
}

/** The HTTP status of a registry answer carried by an error (a LogwireError from `call`, or mappersmith's). */
export function registryStatus(error: unknown): number | undefined {
  const s = isLogwireError(error) ? error.details?.["status"] : (error as { status?: unknown } | undefined)?.status;
  return typeof s === "number" ? s : undefined;
}

/** The registry's own message, without mappersmith's client-name prefix. */
export function registryMessage(error: unknown): string {
  if (isLogwireError(error) && typeof error.details?.["registry"] === "string") {
    return error.details["registry"];
  }
  const m = error instanceof Error ? error.message : String(error);
  return m.replace(/^[^ ]* - /, "");
}

/** mappersmith reports connection errors as status 400 with no registry body. */
function isUnavailable(error: unknown): boolean {
  const status = registryStatus(error);
  if (status === undefined || status >= 500 || status === 408 || status === 429) {
    return true;
  }
  return status === 400 && /Error, status 400: |ECONN|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|socket hang up|timeout/i.test(String((error as Error).message));
}

export function createRegistryCalls(options: RegistryCallsOptions): RegistryCalls {
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
  let unreachable = false;

  function answered(): void {
    if (unreachable) {
      unreachable = false;
      options.onSignal("answered");
    }
  }

  /** A registry's refusal, mapped by HTTP status (Confluent's error codes in brackets). */
  function refusal(op: RegistryOp, subject: string, status: number, error: unknown): LogwireError {
    const message = registryMessage(error);
    const init = { details: { subject, status, registry: message }, cause: error };
    const what = `registry ${url} refused ${op} for subject "${subject}": HTTP ${status} ${message}`;
    if (status === 401 || status === 403) {
      return new LogwireError(ErrorCode.NotAuthorized, `registry ${url} refused ${op} for subject "${subject}": HTTP ${status} ${status === 401 ? "unauthorized (credentials missing or wrong)" : "forbidden (this user may not use the subject)"}`, {
        ...init,
        path: "registry.auth",
        fix: status === 401 ? "set registry.auth to the registry's username and password" : "grant the registry user write access to the subject, or pre-register the schema and use schema.mode \"use-latest\"",
      });
    }
    if (status === 404 || (status === 422 && /reference/i.test(message))) {
      // 404: subject, version or id not found (40401-40403); 422 "Unresolved reference": an imported file's subject version is missing.
      return new LogwireError(ErrorCode.SchemaNotFound, what, { ...init, fix: "register the schema and the files it imports (logwire register), or check the subject" });
    }
    if (status === 409) {
      return new LogwireError(ErrorCode.SchemaIncompatible, what, { ...init, fix: "make the change backward compatible (add fields, reserve removed ones) or register it under a new subject" });
    }
    // 422 invalid schema (42201), and any other refusal.
    return new LogwireError(ErrorCode.SchemaRejected, what, {
      ...init,
      fix: "check that registry.url is the registry's Confluent-compatible API and that it accepts Protobuf schemas as base64 descriptors (Apicurio does from 3.1.3)",
    });
  }

  return {
    get unreachable() {
      return unreachable;
    },
    async call(op, args, subject) {
      if (url === undefined) {
        throw new LogwireError(ErrorCode.InvalidOption, "no registry configured", { path: "registry", fix: "pass registry: { url }" });
      }
      const client = await registryApi(url);
      const [resource, method] = RESOURCES[op];
      let data: unknown;
      try {
        // mappersmith takes a per-request `timeout` and rejects with "Timeout (N ms)" (see isUnavailable).
        const res = await (client[resource] as Record<string, (args: object) => Promise<{ data(): unknown }>>)[method]!({ ...args, timeout: options.requestTimeoutMs });
        data = res.data();
      } catch (error) {
        if (isUnavailable(error)) {
          options.onCall(op, "unavailable");
          if (!unreachable) {
            unreachable = true;
            options.onSignal("unreachable");
          }
          throw new LogwireError(ErrorCode.RegistryUnavailable, `registry ${url} did not answer ${op} for subject "${subject}": ${registryMessage(error)}`, {
            retriable: true,
            path: "registry.url",
            fix: "start the registry or fix registry.url; records of this type wait in the buffer meanwhile",
            details: { subject, status: registryStatus(error) },
            cause: error,
          });
        }
        options.onCall(op, "error");
        answered();
        throw refusal(op, subject, registryStatus(error)!, error);
      }
      options.onCall(op, "ok");
      answered();
      return data as Record<string, unknown>;
    },
  };
}
