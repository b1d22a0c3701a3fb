import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { ISocketFactory } from "kafkajs";

/** Kafka's api key of a Produce request. */
const PRODUCE_API_KEY = 0;
/** kafkajs's own socket factory sets this keep-alive delay. */
const KEEP_ALIVE_MS = 60_000;

/** Produce requests written to sockets and answered, at one moment. */
export interface ProduceMark {
  readonly written: number;
  readonly answered: number;
}

/**
 * Which Produce requests reached a socket, so that the books tell a record
 * the broker may have written from one it cannot have (delivery-unknown.ts):
 * a request handed to a socket and never answered may be in the topic
 * (librdkafka's "possibly persisted"); one that never left is not.
 *
 * kafkajs writes each request to its socket in one `write`: the size, then
 * the request header (api key, api version, correlation id). `socketFactory`
 * is kafkajs's public `socketFactory` option, doing what kafkajs's default
 * does (TLS with the servername for a host name, keep-alive 60 s), and counts
 * the writes of Produce requests. `answered()` is fed from kafkajs's
 * `producer.network.request` event, which fires when a response arrived,
 * error answers included.
 *
 * `stop()` is for a `disconnect()` that ends a request in flight: no Produce
 * request is written and no connection is made after it, so a request not
 * written by then never will be; the open sockets are destroyed with an
 * error, so kafkajs rejects what it waits for at once rather than after
 * `requestTimeoutMs`. A destroyed socket still delivers the bytes it had
 * handed to the kernel: what was written stays possibly written.
 */
export function createProduceWatch() {
  let written = 0;
  let answered = 0;
  let stopped = false;
  const sockets = new Set<Socket>();

  const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    if (stopped) throw new Error("the producer is disconnecting");
    const socket: Socket = ssl
      ? tlsConnect(Object.assign({ host, port }, isIP(host) === 0 ? { servername: host } : {}, ssl), onConnect)
      : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_MS);
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    (socket as unknown as { write: (...args: unknown[]) => boolean }).write = (...args) => {
      const chunk = args[0];
      if (Buffer.isBuffer(chunk) && chunk.length >= 8 && chunk.readInt16BE(4) === PRODUCE_API_KEY) {
        if (stopped) {
          socket.destroy(new Error("the producer is disconnecting"));
          return false;
        }
        written++;
      }
      return write(...args);
    };
    return socket;
  };

  return {
    socketFactory,
    /** A Produce request's answer arrived. */
    answered(): void {
      answered++;
    },
    mark(): ProduceMark {
      return { written, answered };
    },
    /** Produce requests written since `m`. */
    writtenSince(m: ProduceMark): number {
      return written - m.written;
    },
    /** Produce requests written since `m` that got no answer (yet). */
    unansweredSince(m: ProduceMark): number {
      return written - m.written - (answered - m.answered);
    },
    stop(): void {
      stopped = true;
      for (const s of sockets) s.destroy(new Error("logwire disconnected the producer with a request in flight"));
    },
    /** Allows writes and connections again (a `connect()` after `disconnect()`). */
    start(): void {
      stopped = false;
    },
  };
}

export type ProduceWatch = ReturnType<typeof createProduceWatch>;
