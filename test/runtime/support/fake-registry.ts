import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface Reference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

interface Stored {
  readonly id: number;
  readonly schema: string;
  readonly schemaType: string;
  readonly references: readonly Reference[];
}

/** One request as the fake registry saw it: `GET /schemas/ids/2`. */
export type SeenRequest = string;

/**
 * A Confluent-compatible registry in memory, for the resolver's unit tests:
 * the endpoints logwire calls, ids handed out from 1 by content (schema and
 * references), `Unresolved reference` (422) for a reference to a missing
 * subject version, as Apicurio 3.3.3 answers. `reset()` forgets everything,
 * as a registry restarted with empty storage; ids start from 1 again.
 */
export interface FakeRegistry {
  /** The Confluent API root, e.g. `http://127.0.0.1:PORT/apis/ccompat/v7`. */
  readonly url: string;
  readonly requests: SeenRequest[];
  reset(): void;
  /** Registers a schema as another app would, returning its id. */
  register(subject: string, schema: string, references?: readonly Reference[]): number;
  /** While set, every request gets this status (e.g. 503), or a reset connection for `"reset"`. */
  failWith(answer: number | "reset" | undefined): void;
  /** While set, answers to requests matching it wait until `release()`. */
  holdMatching(pattern: RegExp | undefined): void;
  release(): void;
  /** While set, schemas are answered as `.proto` text (as Confluent's registry answers), not as registered. */
  answerAsText(on: boolean): void;
  /** The next answer to a request matching `pattern` is `status` with `message`. */
  answerOnce(pattern: RegExp, status: number, message: string): void;
  close(): Promise<void>;
}

export async function createFakeRegistry(): Promise<FakeRegistry> {
  let nextId = 1;
  let byId = new Map<number, Stored>();
  let subjects = new Map<string, Stored[]>();
  const requests: SeenRequest[] = [];
  let failure: number | "reset" | undefined;
  let holdPattern: RegExp | undefined;
  let held: (() => void)[] = [];
  const once: { pattern: RegExp; status: number; message: string }[] = [];
  let asText = false;
  /** A stand-in for the text form: it only has to differ from the registered base64. */
  const shown = (s: Stored): string => (asText ? `syntax = "proto3";\n// schema ${s.id} as text\n` : s.schema);

  const contentKey = (schema: string, refs: readonly Reference[]): string => JSON.stringify([schema, refs.map((r) => [r.name, r.subject, r.version])]);

  function register(subject: string, schema: string, references: readonly Reference[] = [], schemaType = "PROTOBUF"): number | "unresolved" {
    for (const r of references) {
      if (subjects.get(r.subject)?.[r.version - 1] === undefined) return "unresolved";
    }
    const key = contentKey(schema, references);
    const versions = subjects.get(subject) ?? [];
    const existing = versions.find((v) => contentKey(v.schema, v.references) === key);
    if (existing !== undefined) return existing.id;
    const same = [...byId.values()].find((v) => contentKey(v.schema, v.references) === key);
    const stored: Stored = same ?? { id: nextId++, schema, schemaType, references };
    byId.set(stored.id, stored);
    versions.push(stored);
    subjects.set(subject, versions);
    return stored.id;
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/vnd.schemaregistry.v1+json" }).end(JSON.stringify(body));
  }

  function answer(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): void {
    const path = decodeURIComponent(new URL(req.url!, "http://x").pathname.replace(/^\/apis\/ccompat\/v7/, ""));
    const seen = `${req.method} ${path}`;
    requests.push(seen);
    if (failure === "reset") {
      req.socket.destroy();
      return;
    }
    if (failure !== undefined) {
      send(res, failure, { error_code: failure * 100 + 1, message: "fake registry failing" });
      return;
    }
    const o = once.findIndex((x) => x.pattern.test(seen));
    if (o >= 0) {
      const [x] = once.splice(o, 1);
      send(res, x!.status, { error_code: x!.status * 100 + 1, message: x!.message });
      return;
    }
    let m: RegExpMatchArray | null;
    if (req.method === "GET" && (m = path.match(/^\/schemas\/ids\/(\d+)$/))) {
      const s = byId.get(Number(m[1]));
      if (s === undefined) return send(res, 404, { error_code: 40403, message: `Schema ${m[1]} not found` });
      return send(res, 200, { schema: shown(s), schemaType: s.schemaType, ...(s.references.length > 0 ? { references: s.references } : {}) });
    }
    if (req.method === "GET" && (m = path.match(/^\/subjects\/(.+)\/versions\/(latest|\d+)$/))) {
      const versions = subjects.get(m[1]!);
      if (versions === undefined) return send(res, 404, { error_code: 40401, message: `Subject '${m[1]}' not found.` });
      const v = m[2] === "latest" ? versions.length : Number(m[2]);
      const s = versions[v - 1];
      if (s === undefined) return send(res, 404, { error_code: 40402, message: `Version ${m[2]} not found.` });
      return send(res, 200, { subject: m[1], version: v, id: s.id, schema: shown(s), schemaType: s.schemaType, references: s.references });
    }
    if (req.method === "POST" && (m = path.match(/^\/subjects\/(.+)\/versions$/))) {
      const id = register(m[1]!, String(body["schema"]), (body["references"] as Reference[] | undefined) ?? [], String(body["schemaType"] ?? "AVRO"));
      if (id === "unresolved") return send(res, 422, { error_code: 42201, message: "Unresolved reference" });
      return send(res, 200, { id });
    }
    if (req.method === "POST" && (m = path.match(/^\/subjects\/(.+)$/))) {
      const versions = subjects.get(m[1]!) ?? [];
      const key = contentKey(String(body["schema"]), (body["references"] as Reference[] | undefined) ?? []);
      const v = versions.findIndex((s) => contentKey(s.schema, s.references) === key);
      if (v < 0) return send(res, 404, { error_code: 40403, message: "Schema not found" });
      return send(res, 200, { subject: m[1], version: v + 1, id: versions[v]!.id, schema: versions[v]!.schema });
    }
    send(res, 404, { error_code: 404, message: `no route ${seen}` });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
      const go = (): void => answer(req, res, body);
      if (holdPattern !== undefined && holdPattern.test(`${req.method} ${decodeURIComponent(req.url!).replace(/^\/apis\/ccompat\/v7/, "")}`)) held.push(go);
      else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/apis/ccompat/v7`,
    requests,
    reset() {
      nextId = 1;
      byId = new Map();
      subjects = new Map();
    },
    register(subject, schema, references = []) {
      const id = register(subject, schema, references);
      if (id === "unresolved") throw new Error(`unresolved reference registering ${subject}`);
      return id;
    },
    failWith(a) {
      failure = a;
    },
    holdMatching(pattern) {
      holdPattern = pattern;
    },
    release() {
      const waiting = held;
      held = [];
      holdPattern = undefined;
      for (const go of waiting) go();
    },
    answerAsText(on) {
      asText = on;
    },
    answerOnce(pattern, status, message) {
      once.push({ pattern, status, message });
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
