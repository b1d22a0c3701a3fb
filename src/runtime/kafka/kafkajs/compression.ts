import { createRequire } from "node:module";
import { ErrorCode, LogwireError } from "../../errors.ts";
import { loadKafkajs, type Kafkajs } from "./kafkajs-module.ts";
import type { CompressionName } from "../../transport/transport.ts";

/**
 * kafkajs ships only gzip; the other codecs are plugged into its
 * `CompressionCodecs` table from well-kept native packages. The table is
 * per kafkajs instance: logwire registers into its own (kafkajs-module.ts),
 * which its producer and the CLI's tail use; an application's kafkajs gets
 * them only when it asks (`registerCompressionCodecs(kafkajs)`).
 *
 * Kafka's wire formats: snappy is raw Snappy (Java's xerial
 * `SnappyInputStream` accepts it; xerial-framed input from Java producers is
 * unframed on decompress), lz4 is the LZ4 frame format, zstd a zstd frame.
 *
 * kafkajs itself loads (patched, kafkajs-module.ts) when the codecs are
 * registered or a compression type is asked for, never for
 * `assertCompressionAvailable`, which the producer thread's main side calls.
 * The native packages load on first use, never when logwire is imported:
 * snappy (a dependency, the default codec) when a transport is created with
 * it; lz4-napi and zstd-napi (optional peer dependencies) only when chosen
 * with `compression`, or when a consumer meets a batch compressed with them.
 * They are CommonJS, so `createRequire` loads them synchronously and the
 * codec table stays synchronous. A package that is missing or fails to load
 * is an `environment` error naming `compression` and the fix, both up front
 * (`compressionType`, which kafka-transport.ts calls when it creates the
 * producer) and from a codec's compress/decompress.
 */
interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

type NativeCodecName = Exclude<CompressionName, "none" | "gzip">;

/** What logwire uses of each package, declared here so the optional ones need not be installed to type-check. */
interface SnappyModule {
  compressSync(input: Buffer): Buffer;
  uncompressSync(input: Buffer): Buffer | string;
}
interface Lz4Module {
  compressFrameSync(input: Buffer): Buffer;
  decompressFrameSync(input: Buffer): Buffer;
}
interface ZstdModule {
  compress(input: Uint8Array): Buffer;
  decompress(input: Uint8Array): Buffer;
}

/** Synchronous compress/decompress over one loaded package. */
interface Impl {
  compress(input: Buffer): Buffer;
  decompress(input: Buffer): Buffer;
}

const PACKAGES: Readonly<Record<NativeCodecName, string>> = { snappy: "snappy", lz4: "lz4-napi", zstd: "zstd-napi" };

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/** Unframes xerial snappy-java's block format (magic, 2 ints, then [len][block]...). */
function snappyDecompress(snappy: SnappyModule, buffer: Buffer): Buffer {
  if (buffer.length >= 16 && buffer.subarray(0, 8).equals(XERIAL_MAGIC)) {
    const parts: Buffer[] = [];
    let pos = 16;
    while (pos + 4 <= buffer.length) {
      const len = buffer.readInt32BE(pos);
      pos += 4;
      parts.push(snappy.uncompressSync(buffer.subarray(pos, pos + len)) as Buffer);
      pos += len;
    }
    return Buffer.concat(parts);
  }
  return snappy.uncompressSync(buffer) as Buffer;
}

function bind(name: NativeCodecName, mod: unknown): Impl {
  switch (name) {
    case "snappy": {
      const snappy = mod as SnappyModule;
      return { compress: (b) => snappy.compressSync(b), decompress: (b) => snappyDecompress(snappy, b) };
    }
    case "lz4": {
      const lz4 = mod as Lz4Module;
      return { compress: (b) => lz4.compressFrameSync(b), decompress: (b) => lz4.decompressFrameSync(b) };
    }
    case "zstd": {
      const zstd = mod as ZstdModule;
      return { compress: (b) => zstd.compress(b), decompress: (b) => zstd.decompress(b) };
    }
  }
}

const defaultRequire: (id: string) => unknown = createRequire(import.meta.url);
let requirePackage: (id: string) => unknown = defaultRequire;
/** Loaded packages, and the error of one that failed (kept, so a consumer does not search node_modules per batch). */
const loaded = new Map<NativeCodecName, Impl | LogwireError>();

/**
 * For tests only: loads the codec packages through `load` (e.g. one that
 * throws like a missing package) instead of logwire's own `require`, and
 * forgets what was loaded before; no argument restores the real `require`.
 */
export function setCodecRequireForTests(load?: (id: string) => unknown): void {
  requirePackage = load ?? defaultRequire;
  loaded.clear();
}

function codecUnavailable(name: NativeCodecName, cause: unknown): LogwireError {
  const pkg = PACKAGES[name];
  const reason = cause instanceof Error ? cause.message : String(cause);
  const notInstalled = (cause as { code?: unknown } | null)?.code === "MODULE_NOT_FOUND" && reason.startsWith(`Cannot find module '${pkg}'`);
  const optional = name === "snappy" ? "package" : "optional package";
  const message = notInstalled
    ? `${name} compression needs the ${optional} ${pkg}, which is not installed`
    : `${name} compression needs the ${optional} ${pkg}, which failed to load (${reason.split("\n")[0]})`;
  // Installed without its install script (npm i --ignore-scripts), a package's native binding is missing: rebuilding runs it.
  const install = notInstalled ? `npm i ${pkg}` : `npm rebuild ${pkg}`;
  const fix = name === "snappy" ? `${install}, or set compression: "gzip"` : `${install}, or set compression: "snappy" (the default)`;
  // No `cause`: kafkajs wraps what a codec throws as `new KafkaJSNonRetriableError(e, { cause: e.cause || e })`,
  // so without one the consumer's CRASH event carries this error itself as the cause, code, path and fix included.
  return new LogwireError(ErrorCode.Environment, message, { path: "compression", fix, details: { codec: name, package: pkg, reason } });
}

/** The codec's package, loaded on first use; throws the `environment` error when it cannot be. */
function load(name: NativeCodecName): Impl {
  let impl = loaded.get(name);
  if (impl === undefined) {
    try {
      impl = bind(name, requirePackage(PACKAGES[name]));
    } catch (cause) {
      impl = codecUnavailable(name, cause);
    }
    loaded.set(name, impl);
  }
  if (impl instanceof LogwireError) {
    throw impl;
  }
  return impl;
}

/** Each codec loads its package when kafkajs first compresses or decompresses with it. */
const codecs: Record<NativeCodecName, Codec> = {
  snappy: {
    compress: async (e) => load("snappy").compress(e.buffer),
    decompress: async (b) => load("snappy").decompress(b),
  },
  lz4: {
    compress: async (e) => load("lz4").compress(e.buffer),
    decompress: async (b) => load("lz4").decompress(b),
  },
  zstd: {
    compress: async (e) => load("zstd").compress(e.buffer),
    decompress: async (b) => load("zstd").decompress(b),
  },
};

const registered = new WeakSet<object>();

/**
 * Registers snappy, lz4 and zstd into logwire's kafkajs, or into the kafkajs
 * given (its `CompressionCodecs` and `CompressionTypes`). Safe to call many
 * times. Loads no package: each loads when first used.
 */
export function registerCompressionCodecs(into: Pick<Kafkajs, "CompressionCodecs" | "CompressionTypes"> = loadKafkajs()): void {
  const { CompressionCodecs, CompressionTypes } = into;
  if (registered.has(CompressionCodecs)) {
    return;
  }
  registered.add(CompressionCodecs);
  const table = CompressionCodecs as unknown as Record<number, () => Codec>;
  table[CompressionTypes.Snappy] = () => codecs.snappy;
  table[CompressionTypes.LZ4] = () => codecs.lz4;
  table[CompressionTypes.ZSTD] = () => codecs.zstd;
}

/**
 * Loads the package `name` needs (none for gzip and none), so a missing one
 * fails where the codec is chosen: throws an `environment` error with path
 * `compression` and the fix (`npm i lz4-napi`, or snappy).
 */
export function assertCompressionAvailable(name: CompressionName): void {
  if (name !== "none" && name !== "gzip") {
    load(name);
  }
}

/**
 * The kafkajs compression type for a codec name. Checks the codec's package
 * first (`assertCompressionAvailable`): the transport calls this when it is
 * created, which is where a missing lz4-napi or zstd-napi must show.
 */
export function compressionType(name: CompressionName): number {
  assertCompressionAvailable(name);
  const { CompressionTypes } = loadKafkajs();
  switch (name) {
    case "snappy":
      return CompressionTypes.Snappy;
    case "gzip":
      return CompressionTypes.GZIP;
    case "lz4":
      return CompressionTypes.LZ4;
    case "zstd":
      return CompressionTypes.ZSTD;
    case "none":
      return CompressionTypes.None;
  }
}
