import { randomUUID } from "node:crypto";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { REGISTRY_TIMEOUT_MS, registryFetch } from "../runtime/registry/registry-fetch.ts";

/**
 * The few Confluent-API calls `logwire check` makes, over plain `fetch` so a
 * registry that is down fails at once with `registry_unavailable` (exit 2)
 * rather than after a client's retry budget, and so a 404 for "subject not
 * found" (40401) and "schema not found" (40403) can be told apart.
 */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

export interface SchemaBody {
  readonly schemaType: "PROTOBUF";
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

/**
 * An import whose local content is not registered (a new file, or a changed
 * one): `isCompatible` registers it on a scratch subject of its own first.
 */
export interface UnregisteredImport {
  /** Import path, the name references give it. */
  readonly name: string;
  readonly schema: string;
  /** Its imports that are registered with their local content. */
  readonly references: readonly SchemaReference[];
  /** Its imports that are not: earlier entries of the same list. */
  readonly unregistered: readonly string[];
}

/** What a schema imports that is not registered yet, for `isCompatible`. */
export interface PendingImports {
  /** Every such import, directly or not, each after the imports it needs. */
  readonly files: readonly UnregisteredImport[];
  /** Those the schema itself imports. */
  readonly direct: readonly string[];
}

export interface LatestVersion {
  readonly version: number;
  readonly id: number;
  readonly body: SchemaBody;
}

/** The registry's verdict and how it was obtained (see `isCompatible`). */
export interface CompatibilityAnswer {
  readonly compatible: boolean;
  readonly method: "compatibility-endpoint" | "scratch-subject";
  /** Imports registered on scratch subjects to ask the question (`PendingImports`). */
  readonly scratchImports: readonly string[];
  /** The registry's own reason, when it gave one (Apicurio does on a rejected registration). */
  readonly message: string | undefined;
}

export interface RegistryRequests {
  readonly url: string;
  /** `GET /subjects/S/versions/latest`: version, id and schema, or `undefined` for a subject never registered. */
  latest(subject: string): Promise<LatestVersion | undefined>;
  /** `POST /subjects/S`: the version holding exactly this schema, or `undefined`. */
  lookup(subject: string, body: SchemaBody): Promise<{ version: number; id: number } | undefined>;
  /**
   * The registry's verdict on `body` against the subject's latest version,
   * under the subject's effective compatibility level.
   *
   * First `POST /compatibility/subjects/S/versions/latest`. Apicurio 3.3.3
   * cannot parse a schema with references on that endpoint (HTTP 422 "Syntax
   * violation", for base64 and text alike), although registration with the
   * same references works and runs the same rules. For that case the check
   * is replayed on a scratch subject: the latest version is registered under
   * `logwire-check.<random>.<subject>` with the subject's effective level,
   * the local schema is registered after it (HTTP 409 means incompatible, and
   * carries the registry's reason), and the scratch subject is deleted
   * (soft, then permanent). The real subject is never written.
   *
   * A schema that imports files not registered with their local content
   * cannot be sent as it is: its references would name versions that do not
   * exist. Those imports (`pending`) are registered first, each on a new
   * scratch subject `logwire-check.<random>.<import path>`, and the schema's
   * references name them there; then the question is asked as above, and the
   * scratch subjects are deleted afterwards, the importing ones first. The
   * registry thus judges exactly what `logwire register` would send.
   */
  isCompatible(subject: string, body: SchemaBody, latest: LatestVersion, pending?: PendingImports): Promise<CompatibilityAnswer>;
}

export function createRegistryRequests(url: string, timeoutMs = REGISTRY_TIMEOUT_MS): RegistryRequests {
  const base = url.replace(/\/+$/, "");

  /**
   * One request, with Confluent's client's retries (see `registryFetch`): a
   * request that gets no answer, or a 408/429/5xx, is sent again (every call
   * here is idempotent). A refused connection still fails at once.
   */
  function send(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body: unknown): Promise<Response> {
    return registryFetch(
      `${base}${path}`,
      {
        method,
        headers: { "content-type": "application/vnd.schemaregistry.v1+json", accept: "application/vnd.schemaregistry.v1+json, application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      },
      { timeoutMs },
    );
  }

  async function call(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    let response: Response;
    let text: string;
    try {
      response = await send(method, path, body);
      text = await response.text();
    } catch (cause) {
      throw new LogwireError(ErrorCode.RegistryUnavailable, `registry at ${base} did not answer ${method} ${path}: ${(cause as Error).message}`, {
        retriable: true,
        path: "--registry",
        fix: "start the registry (npx logwire dev up) or pass the right --registry URL",
        cause,
      });
    }
    let json: Record<string, unknown> = {};
    try {
      json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      json = { message: text };
    }
    if (response.status >= 500 || (response.status >= 400 && response.status !== 404 && response.status !== 409 && response.status !== 422)) {
      throw new LogwireError(ErrorCode.RegistryUnavailable, `registry at ${base} answered ${method} ${path} with HTTP ${response.status}: ${String(json["message"] ?? text)}`, {
        retriable: response.status >= 500,
        path: "--registry",
        fix: "check the registry URL (it must end in the Confluent API root, e.g. /apis/ccompat/v7) and the registry's logs",
      });
    }
    return { status: response.status, json };
  }

  const subjectPath = (subject: string) => `/subjects/${encodeURIComponent(subject)}`;

  const unparseable = (subject: string, json: Record<string, unknown>) =>
    new LogwireError(ErrorCode.InvalidOption, `registry cannot parse the schema for ${subject}: ${String(json["message"])}`, {
      fix: "check the generated schema and that every import is registered under its import path",
    });

  async function lookup(subject: string, body: SchemaBody): Promise<{ version: number; id: number } | undefined> {
    const { status, json } = await call("POST", subjectPath(subject), body);
    return status === 404 ? undefined : { version: Number(json["version"]), id: Number(json["id"]) };
  }

  /** Soft, then permanent delete, then its config; failures are ignored (the subject is unique and holds no real data). */
  async function removeScratch(scratch: string): Promise<void> {
    await call("DELETE", subjectPath(scratch)).catch(() => undefined);
    await call("DELETE", `${subjectPath(scratch)}?permanent=true`).catch(() => undefined);
    await call("DELETE", `/config${subjectPath(scratch)}`).catch(() => undefined);
  }

  /** The compatibility endpoint, else the registration replayed on the scratch subject `<prefix><subject>`. */
  async function ask(subject: string, body: SchemaBody, latest: LatestVersion, prefix: string): Promise<Omit<CompatibilityAnswer, "scratchImports">> {
    const { status, json } = await call("POST", `/compatibility${subjectPath(subject)}/versions/latest`, body);
    if (status === 200) {
      return { compatible: json["is_compatible"] === true, method: "compatibility-endpoint", message: undefined };
    }
    if (status !== 422 || body.references.length === 0) {
      throw unparseable(subject, json);
    }
    const config = await call("GET", `/config${subjectPath(subject)}?defaultToGlobal=true`);
    const level = String(config.json["compatibilityLevel"] ?? config.json["compatibility"] ?? "BACKWARD");
    const scratch = `${prefix}${subject}`;
    try {
      const seeded = await call("POST", `${subjectPath(scratch)}/versions`, latest.body);
      if (seeded.status !== 200) {
        throw unparseable(subject, seeded.json);
      }
      await call("PUT", `/config${subjectPath(scratch)}`, { compatibility: level });
      const tried = await call("POST", `${subjectPath(scratch)}/versions`, body);
      if (tried.status === 422) {
        throw unparseable(subject, tried.json);
      }
      return { compatible: tried.status === 200, method: "scratch-subject", message: tried.status === 409 ? String(tried.json["message"]) : undefined };
    } finally {
      await removeScratch(scratch);
    }
  }

  return {
    url: base,
    async latest(subject) {
      const { status, json } = await call("GET", `${subjectPath(subject)}/versions/latest`);
      if (status === 404) {
        return undefined;
      }
      const references = (json["references"] ?? []) as SchemaBody["references"];
      return { version: Number(json["version"]), id: Number(json["id"]), body: { schemaType: "PROTOBUF", schema: String(json["schema"]), references } };
    },
    lookup,
    async isCompatible(subject, body, latest, pending) {
      const prefix = `logwire-check.${randomUUID().slice(0, 8)}.`;
      const unprefix = (message: string) => message.split(prefix).join("");
      const seeded: string[] = [];
      try {
        let asked = body;
        if (pending !== undefined && pending.files.length > 0) {
          const scratchVersion = new Map<string, number>();
          const toScratch = (name: string): SchemaReference => ({ name, subject: `${prefix}${name}`, version: scratchVersion.get(name)! });
          for (const file of pending.files) {
            const scratch = `${prefix}${file.name}`;
            const importBody: SchemaBody = { schemaType: "PROTOBUF", schema: file.schema, references: [...file.references, ...file.unregistered.map(toScratch)] };
            seeded.push(scratch);
            const registered = await call("POST", `${subjectPath(scratch)}/versions`, importBody);
            if (registered.status !== 200) {
              throw unparseable(`${file.name} (imported by ${subject})`, { message: unprefix(String(registered.json["message"])) });
            }
            const found = await lookup(scratch, importBody);
            if (found === undefined) {
              throw unparseable(file.name, { message: `registered on ${scratch} but not found there again` });
            }
            scratchVersion.set(file.name, found.version);
          }
          asked = { ...body, references: [...body.references, ...pending.direct.map(toScratch)] };
        }
        const answer = await ask(subject, asked, latest, prefix);
        return { ...answer, scratchImports: pending?.files.map((f) => f.name) ?? [], message: answer.message === undefined ? undefined : unprefix(answer.message) };
      } finally {
        for (const scratch of seeded.reverse()) {
          await removeScratch(scratch);
        }
      }
    },
  };
}
