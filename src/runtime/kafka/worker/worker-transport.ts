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
 * requests it held fail as retriable, a new thread takes its place, and the
 * next request connects it before sending, so the record route's retry
 * loop (buffer/record-route.ts) carries the records on, within each
 * record's `deliveryTimeoutMs`. A thread that dies before it loaded the transport
 * (a dependency missing, a module that fails to load) fails its requests for good.
 */
import { Worker } from "node:worker_threads";
import { assertCompressionAvailable } from "../kafkajs/compression.ts";
import { markDeliveryUnknown } from "../../transport/delivery-unknown.ts";
import { ErrorCode, LogwireError } from "../../errors.ts";
import type { KafkaTransportOptions } from "../kafkajs/kafka-transport.ts";
import type { ProduceTransport } from "../../transport/transport.ts";
import { withPackedSend, type PackedBatches } from "../../transport/packed-batches.ts";
import { safeCause, scrubSecrets } from "../secret-scrub.ts";
import { transportWorkerEntry } from "./worker-entry.ts";
import { errorFromWire, packBatches, type FromWorker, type ToWorker, type WorkerTransportInit } from "./transport-worker-protocol.ts";

type Request = ToWorker extends infer T ? (T extends { readonly id: number } ? Omit<T, "id"> : never) : never;

interface Pending {
  readonly resolve: (value: number | undefined) => void;
  readonly reject: (error: LogwireError) => void;
}

/** One producer thread and what is asked of it: each thread answers, or fails, only its own requests. */
interface Thread {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Its producer's connect, once one was asked for. */
  ready: Promise<void> | undefined;
  /** Its producer connected: a thread that dies after that is replaced at once. */
  connected: boolean;
  /** The thread said it loaded the transport; dying before that is a failure to start. */
  loaded: boolean;
  /** Ended by `stop`, not by a crash. */
  stopped: boolean;
  /** Why it ended, once it did: what a request posted after that fails with. */
  ended: LogwireError | undefined;
}

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

/**
 * The producer thread's V8 young generation, in MiB. Left to V8, it grows
 * to 64–128 MiB under full load (each request's unpacked views, kafkajs's
 * encoders and promises are short-lived garbage), for an old generation of
 * ~10–25 MiB, and a scavenge is also what frees the transferred request
 * buffers; capped, the thread scavenges more often, at no measurable cost
 * in throughput, and the process's peak RSS drops by ~100 MiB (issue 18).
 * Only a bound on the young generation: the old one keeps Node's default,
 * so the cap never ends the thread for lack of memory.
 */
const WORKER_YOUNG_GENERATION_MB = 16;

/** `boot`: the thread's entry module (see worker-entry.ts); tests pass a wrapper that can make the thread fail. */
export function createWorkerTransport(options: KafkaTransportOptions, boot: URL = transportWorkerEntry()): ProduceTransport {
  // On the caller's thread, so a missing optional codec names `compression`, not the thread.
  assertCompressionAvailable(options.compression);
  // Picked field by field, not spread: the pipeline passes its whole
  // resolved options (callbacks, the metrics registry), which cannot be
  // cloned into a thread. The logger stays here; only its level crosses.
  const secrets = [...(options.secrets ?? [])];
  const logger = options.logger;
  const init: WorkerTransportInit = {
    brokers: [...options.brokers],
    clientId: options.clientId,
    compression: options.compression,
    retries: options.retries,
    initialRetryTimeMs: options.initialRetryTimeMs,
    requestTimeoutMs: options.requestTimeoutMs,
    sasl: options.sasl === undefined ? undefined : { ...options.sasl },
    ssl: options.ssl,
    secrets,
    logLevel: logger === undefined ? undefined : (logger.level ?? "warn"),
  };
  let nextId = 1;
  let thread: Thread | undefined;
  /** Between a successful connect and disconnect: a replacement thread must connect before it sends. */
  let connected = false;

  /**
   * Like a producer's open sockets, a connected transport keeps the process
   * alive (the pipeline's linger timers are unref()ed and rely on it), and
   * so does a request in flight; otherwise the thread does not, so a failed
   * connect or a closed pipeline never holds the process open.
   */
  function keepAlive(t: Thread): void {
    if ((connected && t === thread) || t.pending.size > 0) t.worker.ref();
    else t.worker.unref();
  }

  /** Why `t` ended, secrets scrubbed: the thread's error (anything a dependency threw) may quote anything it held. */
  function endError(t: Thread, code: number, crash: { error: unknown } | undefined): LogwireError {
    const why = crash === undefined ? `exited with code ${code}` : `failed: ${scrubSecrets(crash.error instanceof Error ? crash.error.message : String(crash.error), secrets)}`;
    const cause = crash === undefined ? {} : { cause: safeCause(crash.error, secrets) };
    if (!t.loaded && !t.stopped) {
      return new LogwireError(ErrorCode.Environment, `the producer thread could not start: it ${why}`, {
        path: "producerThread",
        fix: 'check that logwire and its dependencies (kafkajs, snappy) are installed where the app runs, or set producerThread: "main"',
        ...cause,
      });
    }
    return new LogwireError(ErrorCode.Internal, `the producer thread ${why}`, {
      retriable: true,
      fix: 'logwire starts a new producer thread for the next request; if this repeats, set producerThread: "main" and report the error',
      ...cause,
    });
  }

  function start(): Thread {
    let w: Worker;
    try {
      // Named so that it shows as "logwire-produce" (Linux keeps 15 characters) in top -H, perf and debuggers.
      w = new Worker(boot, { name: "logwire-producer", workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    } catch (error) {
      // Thrown at once (no thread was made), e.g. for options that cannot be cloned or a bad entry URL.
      throw new LogwireError(ErrorCode.Environment, `the producer thread could not start: ${scrubSecrets(error instanceof Error ? error.message : String(error), secrets)}`, {
        path: "producerThread",
        fix: 'set producerThread: "main" to produce on the calling thread, and report the error',
        cause: safeCause(error, secrets),
      });
    }
    const t: Thread = { worker: w, pending: new Map(), ready: undefined, connected: false, loaded: false, stopped: false, ended: undefined };
    w.on("message", (m: FromWorker) => {
      if (m.type === "loaded") {
        t.loaded = true;
        return;
      }
      if (m.type === "log") {
        try {
          logger?.log(m.entry);
        } catch {
          // A throwing logger must not break the transport.
        }
        return;
      }
      const p = t.pending.get(m.id);
      t.pending.delete(m.id);
      keepAlive(t);
      if (m.type === "done") p?.resolve(m.value);
      else p?.reject(errorFromWire(m.error));
    });
    let crash: { error: unknown } | undefined;
    w.on("error", (error: unknown) => {
      crash = { error };
    });
    w.on("exit", (code) => {
      t.ended = endError(t, code, crash);
      const waiting = [...t.pending.values()];
      t.pending.clear();
      // A connected thread may have written a request it held before it died:
      // whether the broker has it is unknown (delivery-unknown.ts).
      const failure = t.connected ? markDeliveryUnknown(t.ended) : t.ended;
      for (const p of waiting) p.reject(failure);
      if (thread !== t) return;
      thread = undefined;
      // A connected transport keeps the process alive, as open sockets do,
      // also between a crash and the pipeline's next try: the replacement
      // does that. Only a thread that connected is replaced, so one that
      // keeps dying does not loop.
      if (connected && t.connected) {
        try {
          thread = start();
          keepAlive(thread);
        } catch {
          // The next request starts a thread and reports why it cannot.
        }
      }
    });
    return t;
  }

  function current(): Thread {
    thread ??= start();
    return thread;
  }

  function call(t: Thread, request: Request, transfer: ArrayBuffer[] = []): Promise<number | undefined> {
    // Posted to a thread that has ended, it would wait for an answer forever.
    if (t.ended !== undefined) return Promise.reject(t.ended);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      try {
        t.worker.postMessage({ ...request, id } as ToWorker, transfer);
      } catch (error) {
        // A request that cannot be cloned or transferred never reached the thread.
        reject(
          new LogwireError(ErrorCode.Internal, `a ${request.type} request could not be posted to the producer thread: ${scrubSecrets(error instanceof Error ? error.message : String(error), secrets)}`, {
            fix: 'set producerThread: "main" and report the error',
            cause: safeCause(error, secrets),
          }),
        );
        return;
      }
      t.pending.set(id, { resolve, reject });
      keepAlive(t);
    });
  }

  /** Ends `t`, e.g. after its producer failed to connect. */
  async function stop(t: Thread): Promise<void> {
    t.stopped = true;
    if (thread === t) thread = undefined;
    await t.worker.terminate();
  }

  /** The thread to send on; one started after a crash connects its producer before anything else. */
  async function connectedThread(): Promise<Thread> {
    const t = current();
    if (!connected) return t;
    t.ready ??= call(t, { type: "connect" }).then(
      () => {
        t.connected = true;
      },
      async (error: unknown) => {
        await stop(t);
        throw error;
      },
    );
    await t.ready;
    return t;
  }

  /** A request already packed (the record route packs each attempt: buffer/record-route.ts): its buffers move to the thread as they are. */
  async function sendPacked(packed: PackedBatches): Promise<void> {
    const t = await connectedThread();
    await call(t, { type: "send", topics: packed.topics, data: packed.data, lengths: packed.lengths, headers: packed.headers }, [packed.data, packed.lengths]);
  }

  const transport: ProduceTransport = {
    async connect() {
      const t = current();
      try {
        await call(t, { type: "connect" });
      } catch (error) {
        await stop(t);
        throw error;
      }
      t.ready = Promise.resolve();
      t.connected = true;
      connected = true;
      keepAlive(t);
    },
    async send(batches) {
      const t = await connectedThread();
      const { packed, transfer } = packBatches(batches);
      await call(t, { type: "send", ...packed }, transfer);
    },
    async maxMessageBytes(topic) {
      return call(await connectedThread(), { type: "maxMessageBytes", topic });
    },
    async disconnect() {
      connected = false;
      const t = thread;
      if (t === undefined) return;
      try {
        await call(t, { type: "disconnect" });
      } catch {
        // Disconnecting is best effort, as in the in-thread transport.
      }
      await stop(t);
    },
  };
  return withPackedSend(transport, sendPacked);
}
