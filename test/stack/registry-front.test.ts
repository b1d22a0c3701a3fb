import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { file_example_payments_v1_common } from "../../proto/example/payments/v1/common_pb.ts";
import { createRegistryFront, FRONT_HEADER, isDescriptorBase64 } from "../../src/stack/registry-front.ts";

// The front against a scripted backend on 127.0.0.1 that stands in for
// Apicurio: it records each request and answers as the test says.

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
}

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

/** A backend answering with `handler`, a front before it, and what the backend saw. */
async function setup(handler: Handler): Promise<{ front: number; seen: Seen[]; log: string[] }> {
  const seen: Seen[] = [];
  const backend = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, body, res);
    });
  });
  const backendPort = await listen(backend);
  const log: string[] = [];
  const front = await listen(createRegistryFront({ backendHost: "127.0.0.1", backendPort, log: (l) => log.push(l) }));
  return { front, seen, log };
}

interface Answer {
  readonly status: number;
  readonly rawHeaders: string[];
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
}

function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, rawHeaders: res.rawHeaders, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const COMMON_B64 = Buffer.from(toBinary(FileDescriptorProtoSchema, file_example_payments_v1_common.proto)).toString("base64");
const PROTO_TEXT = 'syntax = "proto3";\npackage probe.v1;\nmessage Probe { string a = 1; }\n';

/** Apicurio 3.3.3 as observed: the stored schema without `format`, HTTP 500 for base64 with `format=serialized`. */
function apicurioLike(schema: string, schemaType = "PROTOBUF"): Handler {
  return (req, _body, res) => {
    const url = new URL(req.url!, "http://x");
    if (url.searchParams.get("format") === "serialized") {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "java.lang.IllegalStateException: Syntax error in X.proto:1:1: unexpected label" }));
      return;
    }
    const text = JSON.stringify({ schema, schemaType, references: [{ name: "a.proto", subject: "a.proto", version: 1 }] });
    res.writeHead(200, { "content-type": "application/json", "x-apicurio": "yes" });
    res.end(text);
  };
}

test("passes a POST through: method, path, query, headers and body to the backend; status, headers and body back", async () => {
  const { front, seen } = await setup((_req, body, res) => {
    res.writeHead(409, "Conflict Here", [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["X-Mixed-Case", "kept"], ["content-type", "application/vnd.schemaregistry.v1+json"]].flat());
    res.end(`{"error_code":409,"echo":${JSON.stringify(body.toString())}}`);
  });
  const body = Buffer.from(JSON.stringify({ schemaType: "PROTOBUF", schema: COMMON_B64 }));
  const answer = await call(front, "POST", "/apis/ccompat/v7/subjects/s%2Fx/versions?normalize=false", { "content-type": "application/vnd.schemaregistry.v1+json", "x-client": "c1" }, body);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.method, "POST");
  assert.equal(seen[0]!.url, "/apis/ccompat/v7/subjects/s%2Fx/versions?normalize=false");
  assert.equal(seen[0]!.headers["x-client"], "c1");
  assert.deepEqual(seen[0]!.body, body);
  assert.equal(answer.status, 409);
  assert.deepEqual(answer.headers["set-cookie"], ["a=1", "b=2"]);
  assert.ok(answer.rawHeaders.includes("X-Mixed-Case"), "header names keep their case");
  assert.equal(answer.headers[FRONT_HEADER], "1");
  assert.equal(answer.body.toString(), `{"error_code":409,"echo":${JSON.stringify(body.toString())}}`);
});

test("passes PUT, DELETE and error statuses through, and GETs without format=serialized untouched", async () => {
  const { front, seen } = await setup((req, _body, res) => {
    const status = req.method === "DELETE" ? 404 : req.method === "PUT" ? 500 : 200;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ method: req.method, status }));
  });
  for (const [method, status] of [["PUT", 500], ["DELETE", 404], ["GET", 200]] as const) {
    const answer = await call(front, method, "/apis/ccompat/v7/config?x=1", {}, method === "PUT" ? Buffer.from('{"compatibility":"BACKWARD"}') : undefined);
    assert.equal(answer.status, status, method);
    assert.deepEqual(JSON.parse(answer.body.toString()), { method, status });
  }
  // format other than serialized, and serialized on a path the front does not answer: untouched.
  await call(front, "GET", "/apis/ccompat/v7/schemas/ids/1?format=resolved");
  await call(front, "GET", "/apis/ccompat/v7/schemas/ids/1/schema?format=serialized");
  assert.deepEqual(seen.slice(3).map((s) => s.url), ["/apis/ccompat/v7/schemas/ids/1?format=resolved", "/apis/ccompat/v7/schemas/ids/1/schema?format=serialized"]);
});

test("streams an answer: the client gets the first chunk before the backend ends it", async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const { front } = await setup((_req, _body, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("first;");
    void released.then(() => res.end("second"));
  });
  const text = await new Promise<string>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: front, path: "/apis/registry/v3/system/info", agent: false }, (res) => {
      let got = "";
      res.on("data", (c: Buffer) => {
        got += c.toString();
        if (got === "first;") release();
      });
      res.on("end", () => resolve(got));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(text, "first;second");
});

test("format=serialized of a base64-registered Protobuf schema: the stored base64 as is, asked without format", async () => {
  const { front, seen, log } = await setup(apicurioLike(COMMON_B64));
  for (const path of ["/apis/ccompat/v7/schemas/ids/7?subject=t-value&format=serialized", "/apis/ccompat/v7/subjects/example%2Fpayments%2Fv1%2Fcommon.proto/versions/1?deleted=true&format=serialized"]) {
    const answer = await call(front, "GET", path, { "accept-encoding": "gzip" });
    assert.equal(answer.status, 200, path);
    const parsed = JSON.parse(answer.body.toString()) as { schema: string; schemaType: string; references: unknown[] };
    assert.equal(parsed.schema, COMMON_B64);
    assert.equal(parsed.schemaType, "PROTOBUF");
    assert.equal(parsed.references.length, 1);
    assert.equal(answer.headers["x-apicurio"], "yes");
  }
  assert.deepEqual(seen.map((s) => s.url), ["/apis/ccompat/v7/schemas/ids/7?subject=t-value", "/apis/ccompat/v7/subjects/example%2Fpayments%2Fv1%2Fcommon.proto/versions/1?deleted=true"]);
  assert.equal(seen[0]!.headers["accept-encoding"], "identity");
  assert.equal(log.length, 2);
});

test("format=serialized of a .proto-text schema: Apicurio's own answer to the original request, untouched", async () => {
  const { front, seen, log } = await setup(apicurioLike(PROTO_TEXT));
  const answer = await call(front, "GET", "/apis/ccompat/v7/subjects/t-value/versions/latest?format=serialized");
  assert.equal(answer.status, 500, "what the scripted backend answers to format=serialized");
  assert.match(answer.body.toString(), /IllegalStateException/);
  assert.deepEqual(seen.map((s) => s.url), ["/apis/ccompat/v7/subjects/t-value/versions/latest", "/apis/ccompat/v7/subjects/t-value/versions/latest?format=serialized"]);
  assert.match(log[0] ?? "", /stored as \.proto text/);
});

test("format=serialized of a schema that is not Protobuf, or not found: the backend's own answer to the original request", async () => {
  const avro = await setup(apicurioLike('{"type":"string"}', "AVRO"));
  const answer = await call(avro.front, "GET", "/apis/ccompat/v7/schemas/ids/9?format=serialized");
  assert.equal(answer.status, 500, "what the backend answers to format=serialized");
  assert.deepEqual(avro.seen.map((s) => s.url), ["/apis/ccompat/v7/schemas/ids/9", "/apis/ccompat/v7/schemas/ids/9?format=serialized"]);

  const missing = await setup((_req, _body, res) => {
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"message":"Schema 10 not found.","error_code":40403}');
  });
  const notFound = await call(missing.front, "GET", "/apis/ccompat/v7/schemas/ids/10?format=serialized");
  assert.equal(notFound.status, 404);
  assert.equal(notFound.body.toString(), '{"message":"Schema 10 not found.","error_code":40403}');
});

test("a backend that does not answer: HTTP 502 with error_code 50201, logged once until it answers", async () => {
  const placeholder = createServer();
  const deadPort = await listen(placeholder);
  placeholder.close();
  await once(placeholder, "close");
  const log: string[] = [];
  const front = await listen(createRegistryFront({ backendHost: "127.0.0.1", backendPort: deadPort, log: (l) => log.push(l) }));
  for (const path of ["/apis/ccompat/v7/subjects", "/apis/ccompat/v7/schemas/ids/1?format=serialized"]) {
    const answer = await call(front, "GET", path);
    assert.equal(answer.status, 502, path);
    assert.equal(answer.headers[FRONT_HEADER], "1");
    const body = JSON.parse(answer.body.toString()) as { error_code: number; message: string };
    assert.equal(body.error_code, 50201);
    assert.match(body.message, /ECONNREFUSED/);
  }
  assert.equal(log.length, 1);
});

test("isDescriptorBase64 accepts canonical base64 of a FileDescriptorProto only", () => {
  assert.equal(isDescriptorBase64(COMMON_B64), true);
  assert.equal(isDescriptorBase64(PROTO_TEXT), false);
  assert.equal(isDescriptorBase64(""), false);
  assert.equal(isDescriptorBase64("AAAA"), false, "parses, but names no file");
  assert.equal(isDescriptorBase64(`${COMMON_B64}\n`), false);
});
