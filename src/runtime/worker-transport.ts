/**
 * The kafkajs transport on a producer thread of its own (`producerThread:
 * "worker"`, the default), as pino runs its transports: the caller's thread
 * keeps the emit path (check, redaction, encoding, framing) and hands each
 * request over as two transferred buffers (transport-worker-protocol.ts);
 * the worker runs kafka-transport.ts — partitioning, record batches, Snappy,
 * CRC32C, sockets, acks — and answers. Both halves then run on different
 * cores, and a slow broker or a large compression job never holds up
 * `emit()`.
 *
 * Semantics are the in-thread transport's: one request in flight (the
 * pipeline awaits each `send`), the same errors with the same codes and
 * `retriable` flags, kafkajs's log lines delivered to the caller's logger on
 * the caller's thread. Should the thread die (a crash in a dependency), the
 * requests it held fail as retriable, and the next request starts a new
 * thread and connects it again before sending, so the pipeline's own retry
 * carries the records on.
 */
import { Worker } from "node:worker_threads";
import { ErrorCode, LogwireError } from "./errors.ts";
import type { KafkaTransportOptions, ProduceTransport } from "./kafka-transport.ts";
import { errorFromWire, packBatches, type FromWorker, type ToWorker, type WorkerTransportInit } from "./transport-worker-protocol.ts";

type Request = ToWorker extends infer T ? (T extends { readonly id: number } ? Omit<T, "id"> : never) : never;

interface Pending {
  readonly resolve: (value: number | undefined) => void;
  readonly reject: (error: LogwireError) => void;
}

const BOOT = new URL("./transport-worker-boot.mjs", import.meta.url);

/**
 * Whether `options` can cross to a worker thread: TLS options holding
 * functions or native objects (`checkServerIdentity`, a `secureContext`)
 * cannot be cloned, and then the transport stays on the caller's thread.
 */
export function workerCanCarry(options: KafkaTransportOptions): boolean {
  try {
    structuredClone(options.ssl);
    return true;
  } catch {
    return false;
  }
}

/** `boot`: the thread's entry module; tests pass a wrapper that can make the thread fail. */
export function createWorkerTransport(options: KafkaTransportOptions, boot: URL = BOOT): ProduceTransport {
  const init: WorkerTransportInit = {
    brokers: [...options.brokers],
    clientId: options.clientId,
    compression: options.compression,
    retries: options.retries,
    initialRetryTimeMs: options.initialRetryTimeMs,
    requestTimeoutMs: options.requestTimeoutMs,
    sasl: options.sasl === undefined ? undefined : { ...options.sasl },
    ssl: options.ssl,
    secrets: [...(options.secrets ?? [])],
    logLevel: options.logger === undefined ? undefined : (options.logger.level ?? "warn"),
  };
  const logger = options.logger;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let worker: Worker | undefined;
  /** Between a successful connect and disconnect: a replacement thread must connect before it sends. */
  let connected = false;
  /** The current thread's connect, once one was asked for. */
  let ready: Promise<void> | undefined;

  /**
   * Like a producer's open sockets, a connected transport keeps the process
   * alive (the pipeline's timers are unref()ed and rely on it), and so does
   * a request in flight; otherwise the thread does not, so a failed connect
   * or a closed pipeline never holds the process open.
   */
  function keepAlive(): void {
    if (connected || pending.size > 0) worker?.ref();
    else worker?.unref();
  }

  function settle(id: number): Pending | undefined {
    const p = pending.get(id);
    pending.delete(id);
    keepAlive();
    return p;
  }

  function start(): Worker {
    const w = new Worker(boot, { workerData: init });
    w.on("message", (m: FromWorker) => {
      if (m.type === "log") {
        try {
          logger?.log(m.entry);
        } catch {
          // A throwing logger must not break the transport.
        }
        return;
      }
      const p = settle(m.id);
      if (m.type === "done") p?.resolve(m.value);
      else p?.reject(errorFromWire(m.error));
    });
    let crash: Error | undefined;
    w.on("error", (error) => {
      crash = error;
    });
    w.on("exit", (code) => {
      if (worker === w) {
        worker = undefined;
        ready = undefined;
      }
      const why = crash === undefined ? `exited with code ${code}` : `failed: ${crash.message}`;
      const error = new LogwireError(ErrorCode.Internal, `the producer thread ${why}`, {
        retriable: true,
        fix: 'logwire starts a new producer thread for the next request; if this repeats, set producerThread: "main" and report the error',
        ...(crash === undefined ? {} : { cause: crash }),
      });
      const waiting = [...pending.values()];
      pending.clear();
      for (const p of waiting) p.reject(error);
    });
    return w;
  }

  function call(request: Request, transfer: ArrayBuffer[] = []): Promise<number | undefined> {
    worker ??= start();
    const id = nextId++;
    const w = worker;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      keepAlive();
      w.postMessage({ ...request, id } as ToWorker, transfer);
    });
  }

  /** Ends the current thread, e.g. after its producer failed to connect. */
  async function stop(): Promise<void> {
    const w = worker;
    worker = undefined;
    ready = undefined;
    await w?.terminate();
  }

  /** A thread started after a crash connects its producer before anything else. */
  async function connectedThread(): Promise<void> {
    if (!connected) return;
    ready ??= call({ type: "connect" }).then(
      () => undefined,
      async (error: unknown) => {
        await stop();
        throw error;
      },
    );
    await ready;
  }

  return {
    async connect() {
      try {
        await call({ type: "connect" });
      } catch (error) {
        await stop();
        throw error;
      }
      ready = Promise.resolve();
      connected = true;
      keepAlive();
    },
    async send(batches) {
      await connectedThread();
      const { packed, transfer } = packBatches(batches);
      await call({ type: "send", ...packed }, transfer);
    },
    async maxMessageBytes(topic) {
      await connectedThread();
      return call({ type: "maxMessageBytes", topic });
    },
    async disconnect() {
      connected = false;
      if (worker === undefined) return;
      try {
        await call({ type: "disconnect" });
      } catch {
        // Disconnecting is best effort, as in the in-thread transport.
      }
      await stop();
    },
  };
}
