import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A basic-auth gateway in front of the real registry, as companies put one in
 * front of theirs: Apicurio only authenticates through OIDC, so the 401 a
 * client with a wrong password gets comes from here. Requests with the right
 * `Authorization: Basic` header are forwarded unchanged (without it).
 */
export interface AuthProxy {
  /** The proxied ccompat URL, e.g. `http://127.0.0.1:41234/apis/ccompat/v7`. */
  readonly url: string;
  /** Authorization headers seen, so a test can prove the client sent them. */
  readonly seen: { ok: number; refused: number };
  close(): Promise<void>;
}

export async function startAuthProxy(upstreamCcompatUrl: string, username: string, password: string): Promise<AuthProxy> {
  const upstream = new URL(upstreamCcompatUrl);
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  const seen = { ok: 0, refused: 0 };
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      seen.refused++;
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": 'Basic realm="registry"' });
      res.end(JSON.stringify({ error_code: 401, message: "Unauthorized" }));
      return;
    }
    seen.ok++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && !["authorization", "host", "content-length", "connection"].includes(k)) headers[k] = v;
      }
      const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
      fetch(new URL(req.url ?? "/", upstream.origin), { method: req.method ?? "GET", headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(10_000) })
        .then(async (r) => {
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch((error: unknown) => {
          res.writeHead(502, { "content-type": "application/json" });
          res.end(JSON.stringify({ error_code: 502, message: String(error) }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
