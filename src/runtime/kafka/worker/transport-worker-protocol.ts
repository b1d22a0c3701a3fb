/**
 * What the pipeline's thread and the producer thread say to each other
 * (worker-transport.ts on one side, transport-worker.ts on the other).
 *
 * A `send` carries its records packed (transport/packed-batches.ts) into
 * two transferred buffers, so a request costs no copy of the bytes on the
 * caller's thread when the record route packed it (`sendPacked`), at most
 * one otherwise, and no structured clone of thousands of small objects:
 * `data` holds every key and value back to back, `lengths` two Int32 per
 * record (key length, -1 for a null key, then value length). Headers are
 * rare (dead-letter records) and travel beside them as
 * `[recordIndex, headers]` pairs.
 *
 * Errors cross as plain data and become `LogwireError`s again with the same
 * code, message, `retriable` flag, path, fix and details; the cause keeps its
 * name, message, stack and broker error type, and so does each cause under it
 * (kafkajs wraps the broker's error: KafkaJSNumberOfRetriesExceeded, then the
 * KafkaJSProtocolError holding the type).
 */
import { ErrorCode, LogwireError, isLogwireError } from "../../errors.ts";
import type { KafkaLogEntry, KafkaLogLevel } from "../security-options.ts";
import type { KafkaTransportOptions } from "../kafkajs/kafka-transport.ts";
import { handedOver, type TransportRecord, type TransportTopicBatch } from "../../transport/transport.ts";
import type { PackedBatches } from "../../transport/packed-batches.ts";

export { unpackBatches, type PackedBatches } from "../../transport/packed-batches.ts";

/** `KafkaTransportOptions` as they cross to the worker: the logger stays behind, only its level goes. */
export type WorkerTransportInit = Omit<KafkaTransportOptions, "logger" | "secrets"> & {
  readonly secrets: readonly string[];
  /** The caller's logger level; undefined when there is no logger (kafkajs then logs nothing). */
  readonly logLevel: KafkaLogLevel | undefined;
};

export type ToWorker =
  | { readonly type: "connect"; readonly id: number }
  | ({ readonly type: "send"; readonly id: number } & PackedBatches)
  | { readonly type: "maxMessageBytes"; readonly id: number; readonly topic: string }
  | { readonly type: "disconnect"; readonly id: number };

export type FromWorker =
  | { readonly type: "done"; readonly id: number; readonly value?: number | undefined }
  | { readonly type: "failed"; readonly id: number; readonly error: WireError }
  | { readonly type: "log"; readonly entry: KafkaLogEntry }
  /** Sent once the thread has loaded the transport: a thread that exits before it could not start. */
  | { readonly type: "loaded" };

/** An error's cause as it crosses: name, message, stack, the broker's error type, and its own cause. */
export interface WireCause {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly type: string | undefined;
  readonly cause: WireCause | undefined;
}

export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly retriable: boolean;
  readonly path: string | undefined;
  readonly fix: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly cause: WireCause | undefined;
}

/**
 * The ArrayBuffer that holds every key and value of `batches` back to back,
 * in packing order, and nothing else, if its owner handed it over
 * (`handedOver`): the record route frames a request so
 * (buffer/record-route.ts `packRequest`), and such a buffer is transferred
 * as is, with no copy. It is then detached on the caller's thread.
 */
function packedAlready(batches: readonly TransportTopicBatch[], bytes: number): ArrayBuffer | undefined {
  let buffer: ArrayBufferLike | undefined;
  let p = 0;
  for (const b of batches) {
    const records = b.records;
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as TransportRecord;
      const key = r.key;
      if (key !== null) {
        buffer ??= key.buffer;
        if (key.buffer !== buffer || key.byteOffset !== p) return undefined;
        p += key.byteLength;
      }
      const value = r.value;
      buffer ??= value.buffer;
      if (value.buffer !== buffer || value.byteOffset !== p) return undefined;
      p += value.byteLength;
    }
  }
  return buffer instanceof ArrayBuffer && handedOver.has(buffer) && buffer.byteLength === bytes && p === bytes ? buffer : undefined;
}

/** Packs the batches for a `send`; `transfer` lists the buffers to move rather than copy. */
export function packBatches(batches: readonly TransportTopicBatch[]): { packed: PackedBatches; transfer: ArrayBuffer[] } {
  let bytes = 0;
  let count = 0;
  for (const b of batches) {
    const records = b.records;
    count += records.length;
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as TransportRecord;
      bytes += r.value.length + (r.key === null ? 0 : r.key.length);
    }
  }
  const framed = packedAlready(batches, bytes);
  const data = framed === undefined ? new Uint8Array(bytes) : undefined;
  const lengths = new Int32Array(2 * count);
  const headers: [number, Readonly<Record<string, string>>][] = [];
  let p = 0;
  let n = 0;
  for (const b of batches) {
    const records = b.records;
    for (let i = 0; i < records.length; i++, n++) {
      const r = records[i] as TransportRecord;
      const key = r.key;
      if (key === null) {
        lengths[2 * n] = -1;
      } else {
        data?.set(key, p);
        p += key.length;
        lengths[2 * n] = key.length;
      }
      const value = r.value;
      data?.set(value, p);
      p += value.length;
      lengths[2 * n + 1] = value.length;
      if (r.headers !== undefined) headers.push([n, r.headers]);
    }
  }
  const buffer = framed ?? (data!.buffer as ArrayBuffer);
  return {
    packed: { topics: batches.map((b) => ({ topic: b.topic, count: b.records.length })), data: buffer, lengths: lengths.buffer, headers },
    transfer: [buffer, lengths.buffer],
  };
}

function brokerType(error: unknown): string | undefined {
  const type = typeof error === "object" && error !== null ? (error as { type?: unknown }).type : undefined;
  return typeof type === "string" ? type : undefined;
}

/** The cause chain as kafka-transport.ts walks it (`cause`, else kafkajs's `originalError`), as deep as it looks. */
function causeToWire(error: unknown, depth = 0): WireCause | undefined {
  if (!(error instanceof Error) || depth >= 8) return undefined;
  const next = (error as { cause?: unknown }).cause ?? (error as { originalError?: unknown }).originalError;
  return { name: error.name, message: error.message, stack: error.stack, type: brokerType(error), cause: causeToWire(next, depth + 1) };
}

function causeFromWire(w: WireCause): Error {
  const cause = new Error(w.message, w.cause === undefined ? undefined : { cause: causeFromWire(w.cause) });
  cause.name = w.name;
  if (w.stack !== undefined) cause.stack = w.stack;
  if (w.type !== undefined) (cause as Error & { type?: string }).type = w.type;
  return cause;
}

/** Details as structured clone can carry them: JSON-shaped, or left out. */
function plainDetails(details: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined {
  if (details === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function errorToWire(caught: unknown): WireError {
  const e = isLogwireError(caught) ? caught : LogwireError.from(caught);
  const cause: unknown = e.cause;
  return {
    code: e.code,
    message: e.rawMessage,
    retriable: e.retriable,
    path: e.path,
    fix: e.fix,
    details: plainDetails(e.details),
    cause: causeToWire(cause),
  };
}

/** The `LogwireError` `errorToWire` described, on this side. */
export function errorFromWire(w: WireError): LogwireError {
  const cause = w.cause === undefined ? undefined : causeFromWire(w.cause);
  const code = (Object.values(ErrorCode) as string[]).includes(w.code) ? (w.code as ErrorCode) : ErrorCode.Internal;
  return new LogwireError(code, w.message, {
    retriable: w.retriable,
    ...(w.path === undefined ? {} : { path: w.path }),
    ...(w.fix === undefined ? {} : { fix: w.fix }),
    ...(w.details === undefined ? {} : { details: w.details }),
    ...(cause === undefined ? {} : { cause }),
  });
}
