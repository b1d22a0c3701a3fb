import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { isRecordAlive, readPidFile, removePidFile, sleep } from "../../src/stack/process-control.ts";
import { createProgress } from "../../src/stack/progress.ts";
import { createRegistryFrontNode } from "../../src/stack/registry-front-node.ts";
import { resolveStackConfig } from "../../src/stack/stack-config.ts";
import { createStack } from "../../src/stack/stack.ts";

// The front as `logwire dev` runs it: a detached process with a pid file,
// shown by status, stopped by `down registry`, reported when it died. A
// scripted backend on the stack's backend port stands in for Apicurio; Kafka
// ports are free ones nobody listens on.

const home = mkdtempSync(join(tmpdir(), "logwire-front-"));
const servers: Server[] = [];
after(async () => {
  const record = readPidFile(join(home, "stack", "registry-front.pid"));
  if (record !== undefined && isRecordAlive(record)) process.kill(record.pid, "SIGKILL");
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  rmSync(home, { recursive: true, force: true });
});

async function freePorts(count: number): Promise<number[]> {
  const held = await Promise.all(
    Array.from({ length: count }, async () => {
      const s = createServer().listen(0, "127.0.0.1");
      await once(s, "listening");
      return s;
    }),
  );
  const ports = held.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await check()); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
  }
}

test("the front process: status shows it, a killed one is reported with its log, down stops it, a removed pid file ends it", { timeout: 120_000 }, async () => {
  const [kafka, controller, registry, backend] = await freePorts(4);
  const config = resolveStackConfig({
    env: {
      LOGWIRE_HOME: home,
      LOGWIRE_KAFKA_PORT: String(kafka),
      LOGWIRE_CONTROLLER_PORT: String(controller),
      LOGWIRE_REGISTRY_PORT: String(registry),
      LOGWIRE_REGISTRY_BACKEND_PORT: String(backend),
    },
  });
  mkdirSync(config.stateDir, { recursive: true });
  const fake = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end("[]");
  }).listen(backend, "127.0.0.1");
  servers.push(fake);
  await once(fake, "listening");

  const front = createRegistryFrontNode(config);
  const stack = createStack(config, { progress: createProgress({ silent: true }) });
  const frontStatus = async () => (await stack.status()).find((s) => s.name === "registry-front")!;

  front.preflight();
  const first = await front.start();
  await until("the front answers", () => front.isHealthy());
  let status = await frontStatus();
  assert.equal(status.state, "up");
  assert.equal(status.managed, true);
  assert.equal(status.pid, first.pid);
  assert.equal(status.endpoint, `http://127.0.0.1:${registry}/apis/ccompat/v7`);

  // Crashed: reported down, with the last lines of its log.
  process.kill(first.pid, "SIGKILL");
  await until("the killed front is gone", () => !isRecordAlive(first));
  status = await frontStatus();
  assert.equal(status.state, "down");
  assert.match(status.note, new RegExp(`process ${first.pid} started by logwire is no longer running`));
  assert.ok(status.logTail?.some((l) => l.includes(`registry front on http://127.0.0.1:${registry}`)), JSON.stringify(status.logTail));

  // `down registry` stops the front too.
  const second = await front.start();
  await until("the restarted front answers", () => front.isHealthy());
  const lines = await stack.down(["registry"]);
  assert.ok(lines.includes(`registry-front: stopped (pid ${second.pid})`), lines.join("\n"));
  assert.equal(isRecordAlive(second), false);

  // A front whose pid file is removed (its state folder deleted) exits by itself.
  const third = await front.start();
  await until("the third front answers", () => front.isHealthy());
  await sleep(2_500); // one pid-file check that sees its own pid
  removePidFile(front.pidFile);
  await until("the front without a pid file exits", () => !isRecordAlive(third));
});
