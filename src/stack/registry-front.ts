import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * The dev stack's registry front: a reverse proxy on the registry port users
 * use, in front of Apicurio on an internal port. It exists for one endpoint.
 *
 * Apicurio Registry 3.3.3 (the newest on Maven Central when this was written)
 * answers the Confluent-API request `GET /schemas/ids/{id}?format=serialized`
 * (and `GET /subjects/{subject}/versions/{version}?format=serialized`)
 * wrongly for Protobuf schemas:
 * - registered as base64 `FileDescriptorProto` (logwire's form, and that of
 *   Confluent's Python and JS serializers): HTTP 500, `{"message":
 *   "java.lang.IllegalStateException: Syntax error in X.proto:1:1: unexpected
 *   label: <the base64>"}`; it parses the base64 as `.proto` text;
 * - registered as `.proto` text: HTTP 200 with `schema` holding the
 *   descriptor's raw bytes decoded as UTF-8 (bytes that are not UTF-8 become
 *   U+FFFD), not their base64; the bytes cannot be recovered from it.
 * Confluent's registry answers with the base64 `FileDescriptorProto`, and
 * Confluent's deserializers (`@confluentinc/schemaregistry`, Python's
 * `ProtobufDeserializer` with a registry client) ask only that form.
 *
 * Contract:
 * - `GET` of those two paths with `format=serialized`: the front asks Apicurio
 *   the same request without `format`. A 200 `PROTOBUF` answer whose `schema`
 *   is base64 of a `FileDescriptorProto` is sent as Apicurio gave it (that
 *   string is what `format=serialized` means). Any other answer (a schema
 *   stored as `.proto` text, not PROTOBUF, not 200) is replaced by Apicurio's
 *   answer to the original request, untouched.
 * - `.proto` text is not compiled here. A descriptor built by another parser
 *   than the registry's may list nested types in another order, and
 *   Confluent's message indexes would then name other types without an
 *   error. Nor is it refused: Confluent's JS serializer with
 *   `useLatestVersion` asks `format=serialized` but uses only the id, and
 *   reads Apicurio's answer fine. Deserializers still cannot read records of
 *   text-registered schemas through it.
 * - Everything else is passed through as is: method, path, headers and body
 *   both ways, streamed, statuses included.
 * - When Apicurio does not answer (down, restarting), HTTP 502 with
 *   error_code 50201, so clients retry as for any 5xx.
 * Every answer carries `x-logwire-registry-front`, so a health check can tell
 * the front from a registry listening on the port itself.
 */

/**
 * The headers sent to Apicurio: the client's, with the hop-by-hop ones
 * replaced (RFC 9110 section 7.6.1): one connection per request, closed after
 * its answer (`agent: false` on each request). Apicurio 3.3.3 now and then
 * logs an answer that never reaches the client over a kept-alive connection
 * (README, "Three Apicurio quirks"); a fresh loopback connection per request
 * costs well under a millisecond and leaves no request waiting on one.
 */
function toBackend(headers: IncomingMessage["headers"]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers, connection: "close" };
  delete out["keep-alive"];
  delete out["proxy-connection"];
  return out;
}

/** Header on every answer of the front. */
export const FRONT_HEADER = "x-logwire-registry-front";

export interface RegistryFrontOptions {
  readonly backendHost: string;
  readonly backendPort: number;
  /** A line per `format=serialized` answer, and one when Apicurio stops or starts answering. */
  readonly log?: (line: string) => void;
}

/** Paths whose `format=serialized` the front answers; `ccompat/v6` and `v7` are the same API in Apicurio. */
const SERIALIZED_PATH = /^\/apis\/ccompat\/v[67]\/(?:schemas\/ids\/[^/]+|subjects\/[^/]+\/versions\/[^/]+)$/;

/** Schema answers are a few KB; a bigger one is not inspected but passed through. */
const MAX_INSPECTED_BYTES = 16 * 1024 * 1024;

export function createRegistryFront(options: RegistryFrontOptions): Server {
  const log = options.log ?? (() => {});
  // Logged when it changes, not per request: `up --wait` polls through the front while Apicurio starts.
  let backendDown = false;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    if (req.method === "GET" && url.searchParams.get("format") === "serialized" && SERIALIZED_PATH.test(url.pathname)) {
      url.searchParams.delete("format");
      void serveSerialized(req, res, `${url.pathname}${url.search}`).catch((error: unknown) => badGateway(req, res, error));
      return;
    }
    passThrough(req, res);
  });
  return server;

  function passThrough(req: IncomingMessage, res: ServerResponse): void {
    const upstream = request(
      { host: options.backendHost, port: options.backendPort, method: req.method, path: req.url, headers: toBackend(req.headers), agent: false },
      (answer) => {
        backendAnswered();
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, [...answer.rawHeaders, FRONT_HEADER, "1"]);
        answer.pipe(res);
        answer.once("error", () => res.destroy());
      },
    );
    let clientGone = false;
    upstream.once("error", (error) => {
      // A client that hung up is not Apicurio failing.
      if (!clientGone) badGateway(req, res, error);
    });
    req.once("error", () => upstream.destroy());
    res.once("close", () => {
      if (!res.writableFinished) {
        clientGone = true;
        upstream.destroy();
      }
    });
    req.pipe(upstream);
  }

  async function serveSerialized(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    // Uncompressed, to read it; the client's accept-encoding allows identity.
    const headers: OutgoingHttpHeaders = { ...toBackend(req.headers), "accept-encoding": "identity" };
    const answer = await new Promise<{ status: number; message: string | undefined; rawHeaders: string[]; body: Buffer }>((resolve, reject) => {
      const upstream = request({ host: options.backendHost, port: options.backendPort, method: "GET", path, headers, agent: false }, (incoming) => {
        backendAnswered();
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_INSPECTED_BYTES) chunks.push(chunk);
        });
        incoming.once("error", reject);
        incoming.once("end", () => resolve({ status: incoming.statusCode ?? 502, message: incoming.statusMessage, rawHeaders: incoming.rawHeaders, body: size <= MAX_INSPECTED_BYTES ? Buffer.concat(chunks) : Buffer.alloc(0) }));
      });
      upstream.once("error", reject);
      upstream.end();
    });
    const stored = answer.status === 200 ? protobufSchemaOf(answer.body) : undefined;
    if (stored === undefined) {
      // Not a Protobuf schema we can speak for: Apicurio's own answer to the original request.
      passThrough(req, res);
      return;
    }
    if (isDescriptorBase64(stored)) {
      log(`${req.method} ${req.url}: 200, the stored base64 FileDescriptorProto (asked Apicurio ${path})`);
      res.writeHead(200, answer.message, [...answer.rawHeaders, FRONT_HEADER, "1"]);
      res.end(answer.body);
      return;
    }
    log(`${req.method} ${req.url}: the schema is stored as .proto text; Apicurio's own answer passed on`);
    passThrough(req, res);
  }

  function badGateway(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    const why = error instanceof Error ? ((error as { code?: string }).code ?? error.message) : String(error);
    if (!backendDown) {
      backendDown = true;
      log(`${req.method} ${req.url}: 502, Apicurio at ${options.backendHost}:${options.backendPort} did not answer (${why}); answering 502 until it does`);
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, 502, {
      error_code: 50201,
      message: `logwire dev registry front: the registry behind it (Apicurio at ${options.backendHost}:${options.backendPort}) did not answer (${why}); run \`logwire dev status\``,
    });
  }

  function backendAnswered(): void {
    if (backendDown) {
      backendDown = false;
      log(`Apicurio at ${options.backendHost}:${options.backendPort} answers again`);
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/vnd.schemaregistry.v1+json", "content-length": Buffer.byteLength(text), [FRONT_HEADER]: "1" });
  res.end(text);
}

/** The `schema` string of a Confluent-API schema answer when its type is PROTOBUF. */
function protobufSchemaOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { schemaType?: unknown; schema?: unknown };
    return parsed.schemaType === "PROTOBUF" && typeof parsed.schema === "string" ? parsed.schema : undefined;
  } catch {
    return undefined;
  }
}

/** True when `text` is canonical base64 of bytes that parse as a `FileDescriptorProto` naming a file. */
export function isDescriptorBase64(text: string): boolean {
  if (text === "" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return false;
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) return false;
  try {
    return fromBinary(FileDescriptorProtoSchema, bytes).name !== "";
  } catch {
    return false;
  }
}
