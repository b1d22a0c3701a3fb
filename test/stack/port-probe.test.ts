import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { isPortFree, parseSsHolder } from "../../src/stack/port-probe.ts";
import { createProgress } from "../../src/stack/progress.ts";
import { resolveStackConfig } from "../../src/stack/stack-config.ts";
import { createStack } from "../../src/stack/stack.ts";

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function freePort(): Promise<number> {
  const { server, port } = await listen();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("isPortFree sees a held port as taken and a released one as free", async () => {
  const { server, port } = await listen();
  assert.equal(await isPortFree("127.0.0.1", port), false);
  await new Promise((resolve) => server.close(resolve));
  assert.equal(await isPortFree("127.0.0.1", port), true);
});

test("parses the holder of a port from ss output", () => {
  const line = 'LISTEN 0 50 [::ffff:127.0.0.1]:19092 *:* users:(("java",pid=3502,fd=97))';
  assert.equal(parseSsHolder(line), "java (pid 3502)");
  assert.equal(parseSsHolder(""), undefined);
});

test("up refuses a port held by a process it did not start, and status says who holds it", async () => {
  const { server, port } = await listen();
  try {
    const env = {
      LOGWIRE_HOME: mkdtempSync(join(tmpdir(), "lw-held-")),
      LOGWIRE_KAFKA_PORT: String(port),
      LOGWIRE_CONTROLLER_PORT: String(await freePort()),
      LOGWIRE_REGISTRY_PORT: String(await freePort()),
    };
    const stack = createStack(resolveStackConfig({ env }), { progress: createProgress({ silent: true }) });
    const [kafka, registry] = await stack.status();
    assert.equal(kafka?.state, "down");
    assert.match(kafka?.note ?? "", new RegExp(`port ${port} is held by .*not a healthy kafka`));
    assert.match(kafka?.fix ?? "", /LOGWIRE_KAFKA_PORT/);
    assert.equal(registry?.state, "down");
    await assert.rejects(stack.up(), (e: unknown) => {
      assert.ok(isLogwireError(e));
      assert.equal(e.code, "environment");
      assert.equal(e.path, "LOGWIRE_KAFKA_PORT");
      assert.match(e.message, new RegExp(`port 127\\.0\\.0\\.1:${port} for kafka is held by .*which logwire did not start: stop that process, or pick a free port with LOGWIRE_KAFKA_PORT`));
      return true;
    });
    assert.deepEqual(await stack.down(), ["kafka: not running", "registry: not running", "registry-front: not running"]);
  } finally {
    server.close();
  }
});
