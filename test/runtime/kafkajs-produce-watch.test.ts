import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type AddressInfo, type Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { createProduceWatch } from "../../src/runtime/kafka/kafkajs/kafkajs-produce-watch.ts";

/** A Kafka request frame as kafkajs writes it: size, api key, api version, correlation id, then a body. */
function request(apiKey: number, correlationId: number): Buffer {
  const b = Buffer.alloc(4 + 2 + 2 + 4 + 6);
  b.writeInt32BE(b.length - 4, 0);
  b.writeInt16BE(apiKey, 4);
  b.writeInt16BE(7, 6);
  b.writeInt32BE(correlationId, 8);
  return b;
}

test("the socket factory counts the Produce requests written to its sockets; after stop() it writes none, connects nowhere and has closed its sockets", async (t) => {
  const received: Buffer[] = [];
  const server = createServer((s) => s.on("data", (d) => received.push(d)));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  const watch = createProduceWatch();
  const args = { host: "127.0.0.1", port, ssl: undefined as unknown as ConnectionOptions };
  const socket = await new Promise<Socket>((resolve) => {
    const s: Socket = watch.socketFactory({ ...args, onConnect: () => resolve(s) });
  });
  socket.on("error", () => {}); // kafkajs listens for it; stop() destroys with an error
  const mark = watch.mark();
  assert.equal(socket.write(request(18, 1)), true, "ApiVersions");
  socket.write(request(0, 2));
  socket.write(request(3, 3)); // Metadata
  socket.write(request(0, 4));
  assert.equal(watch.writtenSince(mark), 2, "two Produce requests");
  assert.equal(watch.unansweredSince(mark), 2);
  watch.answered();
  assert.equal(watch.unansweredSince(mark), 1, "one answered, one not");

  const closed = new Promise((resolve) => socket.once("close", resolve));
  watch.stop();
  await closed;
  assert.equal(socket.write(request(0, 5)), false, "no Produce request is written after stop()");
  assert.equal(watch.writtenSince(mark), 2);
  assert.throws(() => watch.socketFactory({ ...args, onConnect: () => {} }), /the producer is disconnecting/);
  // What was written before stop() still reached the other end.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(Buffer.concat(received).length, 4 * request(0, 0).length);

  watch.start();
  const again = await new Promise<Socket>((resolve) => {
    const s: Socket = watch.socketFactory({ ...args, onConnect: () => resolve(s) });
  });
  again.write(request(0, 6));
  assert.equal(watch.writtenSince(mark), 3, "start() allows connections and writes again");
  again.destroy();
});
