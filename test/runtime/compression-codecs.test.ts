import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assertCompressionAvailable, compressionType, registerCompressionCodecs, setCodecRequireForTests } from "../../src/runtime/kafka/kafkajs/compression.ts";
import { ErrorCode, isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import { createKafkaTransport, type KafkaTransportOptions } from "../../src/runtime/kafka/kafkajs/kafka-transport.ts";
import { loadKafkajs } from "../../src/runtime/kafka/kafkajs/kafkajs-module.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import type { CompressionName } from "../../src/runtime/pipeline/pipeline-options.ts";
import { brokers, registryUrl, uniqueName } from "../support/stack-env.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { onUniqueTopic } from "../pipeline/support/descriptors.ts";
import { consumeAll, createTopics } from "../pipeline/support/kafka-helpers.ts";
import { fetchBatchHeaders } from "../pipeline/support/raw-fetch.ts";

const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = loadKafkajs();
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const realRequire = createRequire(import.meta.url);

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
const TYPES = { snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD } as const;
/** The codec kafkajs looks up for a compression type, as its producer and consumer do. */
const kafkajsCodec = (name: keyof typeof TYPES): Codec => (CompressionCodecs as unknown as Record<number, () => Codec>)[TYPES[name]]!();

/** A directory with no node_modules: requiring a package from it fails exactly as for a package that is not installed. */
const nowhere = mkdtempSync(join(tmpdir(), "logwire-no-modules-"));
const requireFromNowhere = createRequire(join(nowhere, "x.js"));

/**
 * A directory holding a zstd-napi whose native binding was never built (what
 * `npm i --ignore-scripts` leaves: zstd-napi builds it in its install script).
 */
const unbuilt = mkdtempSync(join(tmpdir(), "logwire-unbuilt-"));
mkdirSync(join(unbuilt, "node_modules/zstd-napi"), { recursive: true });
writeFileSync(join(unbuilt, "node_modules/zstd-napi/package.json"), JSON.stringify({ name: "zstd-napi", main: "index.js" }));
writeFileSync(join(unbuilt, "node_modules/zstd-napi/index.js"), "module.exports = require('./build/Release/binding.node');\n");
const requireFromUnbuilt = createRequire(join(unbuilt, "x.js"));

process.on("exit", () => {
  rmSync(nowhere, { recursive: true, force: true });
  rmSync(unbuilt, { recursive: true, force: true });
});

/** Loads the codec packages as if `missing` were not installed; every other package loads for real. Returns the ids asked for. */
function withoutPackage(missing: string, from: (id: string) => unknown = requireFromNowhere): string[] {
  const asked: string[] = [];
  setCodecRequireForTests((id) => {
    asked.push(id);
    return id === missing ? from(id) : realRequire(id);
  });
  return asked;
}

const MISSING_LZ4 = '[environment] compression: lz4 compression needs the optional package lz4-napi, which is not installed: npm i lz4-napi, or set compression: "snappy" (the default)';
const MISSING_ZSTD = '[environment] compression: zstd compression needs the optional package zstd-napi, which is not installed: npm i zstd-napi, or set compression: "snappy" (the default)';

/** The error a missing (or unloadable) codec package must give, wherever it shows. */
function isCodecUnavailable(message: string, fix: string): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(isLogwireError(e), `a LogwireError, not ${String(e)}`);
    const err = e as LogwireError;
    assert.equal(err.code, ErrorCode.Environment);
    assert.equal(err.path, "compression");
    assert.equal(err.fix, fix);
    assert.equal(err.retriable, false);
    assert.equal(err.message, message);
    return true;
  };
}
const lz4Missing = isCodecUnavailable(MISSING_LZ4, 'npm i lz4-napi, or set compression: "snappy" (the default)');
const zstdMissing = isCodecUnavailable(MISSING_ZSTD, 'npm i zstd-napi, or set compression: "snappy" (the default)');

const transportOptions = (compression: CompressionName): KafkaTransportOptions => ({
  // Nothing listens here: the error must come before any connection is tried.
  brokers: ["127.0.0.1:1"],
  clientId: "logwire-test",
  compression,
  retries: 1,
  initialRetryTimeMs: 100,
  requestTimeoutMs: 1000,
});

test("importing logwire loads no compression package; choosing a codec loads only its own", () => {
  const script = `
    import { createRequire } from "node:module";
    await import("./src/index.ts");
    const require = createRequire(import.meta.url);
    const loaded = () => ["snappy", "lz4-napi", "zstd-napi"].filter((p) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + p + "/")));
    const out = { imported: loaded() };
    const { compressionType, registerCompressionCodecs } = await import("./src/runtime/kafka/kafkajs/compression.ts");
    registerCompressionCodecs();
    compressionType("gzip");
    compressionType("none");
    out.registered = loaded();
    compressionType("lz4");
    out.lz4 = loaded();
    console.log(JSON.stringify(out));
  `;
  const stdout = execFileSync(process.execPath, ["--conditions=logwire-source", "--import", "tsx", "--input-type=module", "--eval", script], { cwd: root, encoding: "utf8" });
  assert.deepEqual(JSON.parse(stdout.trim().split("\n").at(-1)!), { imported: [], registered: [], lz4: ["lz4-napi"] });
});

test("with lz4-napi missing, choosing lz4 fails up front: assert, compressionType, createKafkaTransport, createPipeline", async () => {
  const asked = withoutPackage("lz4-napi");
  try {
    assert.throws(() => assertCompressionAvailable("lz4"), lz4Missing);
    assert.throws(() => compressionType("lz4"), lz4Missing);
    assert.throws(() => createKafkaTransport(transportOptions("lz4")), lz4Missing);
    await assert.rejects(createPipeline({ brokers: ["127.0.0.1:1"], registry: { url: registryUrl }, compression: "lz4", producerThread: "main" }), lz4Missing);
    // The other codecs do not need it.
    for (const other of ["snappy", "gzip", "zstd", "none"] as const) assert.doesNotThrow(() => assertCompressionAvailable(other), other);
    createKafkaTransport(transportOptions("snappy"));
    // One look for the missing package, not one per call.
    assert.deepEqual(asked.filter((id) => id === "lz4-napi"), ["lz4-napi"]);
  } finally {
    setCodecRequireForTests();
  }
});

test("with zstd-napi missing, choosing zstd fails up front with its own fix", async () => {
  withoutPackage("zstd-napi");
  try {
    assert.throws(() => compressionType("zstd"), zstdMissing);
    assert.throws(() => createKafkaTransport(transportOptions("zstd")), zstdMissing);
    await assert.rejects(createPipeline({ brokers: ["127.0.0.1:1"], registry: { url: registryUrl }, compression: "zstd", producerThread: "main" }), zstdMissing);
    assert.doesNotThrow(() => compressionType("lz4"));
  } finally {
    setCodecRequireForTests();
  }
});

test("a zstd-napi installed without its install script (no native binding) says so and how to rebuild it", () => {
  withoutPackage("zstd-napi", requireFromUnbuilt);
  try {
    assert.throws(
      () => compressionType("zstd"),
      isCodecUnavailable(
        `[environment] compression: zstd compression needs the optional package zstd-napi, which failed to load (Cannot find module './build/Release/binding.node'): npm rebuild zstd-napi, or set compression: "snappy" (the default)`,
        'npm rebuild zstd-napi, or set compression: "snappy" (the default)',
      ),
    );
  } finally {
    setCodecRequireForTests();
  }
});

test("a missing snappy (the default) points at reinstalling it or gzip", () => {
  withoutPackage("snappy");
  try {
    assert.throws(
      () => compressionType("snappy"),
      isCodecUnavailable('[environment] compression: snappy compression needs the package snappy, which is not installed: npm i snappy, or set compression: "gzip"', 'npm i snappy, or set compression: "gzip"'),
    );
    assert.doesNotThrow(() => compressionType("gzip"));
  } finally {
    setCodecRequireForTests();
  }
});

test("the registered codecs throw the same error from compress and decompress when their package is missing", async () => {
  registerCompressionCodecs();
  const lz4Frame = realRequire("lz4-napi").compressFrameSync(Buffer.from("hello")) as Buffer;
  const zstdFrame = realRequire("zstd-napi").compress(Buffer.from("hello")) as Buffer;
  withoutPackage("lz4-napi");
  try {
    await assert.rejects(kafkajsCodec("lz4").decompress(lz4Frame), lz4Missing);
    await assert.rejects(kafkajsCodec("lz4").compress({ buffer: Buffer.from("hello") }), lz4Missing);
    assert.equal((await kafkajsCodec("zstd").decompress(zstdFrame)).toString(), "hello");
  } finally {
    setCodecRequireForTests();
  }
  withoutPackage("zstd-napi");
  try {
    await assert.rejects(kafkajsCodec("zstd").decompress(zstdFrame), zstdMissing);
    assert.equal((await kafkajsCodec("lz4").decompress(lz4Frame)).toString(), "hello");
  } finally {
    setCodecRequireForTests();
  }
});

test("packages load once, when a codec is first used", async () => {
  registerCompressionCodecs();
  const asked: string[] = [];
  setCodecRequireForTests((id) => (asked.push(id), realRequire(id)));
  try {
    registerCompressionCodecs();
    compressionType("gzip");
    assert.deepEqual(asked, []);
    compressionType("snappy");
    compressionType("snappy");
    assert.deepEqual(asked, ["snappy"]);
    await kafkajsCodec("zstd").decompress(await kafkajsCodec("zstd").compress({ buffer: Buffer.from("x") }));
    await kafkajsCodec("zstd").compress({ buffer: Buffer.from("y") });
    assert.deepEqual(asked, ["snappy", "zstd-napi"]);
  } finally {
    setCodecRequireForTests();
  }
});

const samples = (): Buffer[] => [
  Buffer.alloc(0),
  Buffer.from("a"),
  Buffer.from('{"level":"info","msg":"payment authorized","amount_minor":1299}'.repeat(400)),
  randomBytes(70_000),
];

for (const name of ["snappy", "lz4", "zstd"] as const) {
  test(`${name} round-trips through kafkajs's codec table, in the format Kafka expects`, async () => {
    registerCompressionCodecs();
    assert.equal(compressionType(name), TYPES[name]);
    const codec = kafkajsCodec(name);
    for (const input of samples()) {
      const packed = await codec.compress({ buffer: input });
      assert.ok(Buffer.isBuffer(packed));
      assert.ok((await codec.decompress(packed)).equals(input), `${name}, ${input.length} bytes`);
      // Readable by the package itself, i.e. by any other Kafka client's decoder of that format.
      switch (name) {
        case "snappy":
          assert.ok((realRequire("snappy").uncompressSync(packed) as Buffer).equals(input));
          break;
        case "lz4":
          assert.deepEqual([...packed.subarray(0, 4)], [0x04, 0x22, 0x4d, 0x18], "LZ4 frame magic");
          assert.ok((realRequire("lz4-napi").decompressFrameSync(packed) as Buffer).equals(input));
          break;
        case "zstd":
          assert.deepEqual([...packed.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd], "zstd frame magic");
          assert.ok((realRequire("zstd-napi").decompress(packed) as Buffer).equals(input));
          break;
      }
    }
  });
}

test("snappy still unframes xerial snappy-java blocks (Java producers)", async () => {
  registerCompressionCodecs();
  const snappy = realRequire("snappy") as { compressSync(b: Buffer): Buffer };
  const parts = [Buffer.from("first block ".repeat(50)), Buffer.from("second block ".repeat(70))];
  const header = Buffer.alloc(16);
  Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const blocks = parts.map((p) => {
    const c = snappy.compressSync(p);
    const len = Buffer.alloc(4);
    len.writeInt32BE(c.length);
    return Buffer.concat([len, c]);
  });
  assert.ok((await kafkajsCodec("snappy").decompress(Buffer.concat([header, ...blocks]))).equals(Buffer.concat(parts)));
});

test("on the real broker, a consumer meeting an lz4 batch without lz4-napi crashes with the clear error, not MODULE_NOT_FOUND", async () => {
  registerCompressionCodecs();
  const topic = uniqueName("compression-lz4-missing");
  const kafka = new Kafka({ clientId: "logwire-test", brokers, logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 } });
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true }), true);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, compression: CompressionTypes.LZ4, messages: [{ value: "written with lz4" }] });
    await producer.disconnect();

    withoutPackage("lz4-napi");
    const consumer = kafka.consumer({ groupId: uniqueName("compression-lz4-missing"), maxWaitTimeInMs: 100 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const crashed = new Promise<{ error: Error & { cause?: unknown }; restart: boolean }>((resolve) => consumer.on(consumer.events.CRASH, (e) => resolve(e.payload)));
      const read: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void read.push(String(message.value)) });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("the consumer did not crash within 20 s")), 20_000)));
      const crash = await Promise.race([crashed, timeout]).finally(() => clearTimeout(timer));
      assert.deepEqual(read, []);
      assert.equal(crash.restart, false, "not retried forever");
      assert.equal(crash.error.message, MISSING_LZ4);
      assert.ok(lz4Missing(crash.error.cause), "kafkajs's error carries logwire's as its cause");
    } finally {
      setCodecRequireForTests();
      await consumer.disconnect().catch(() => undefined);
    }
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
});

test("on the real broker, a pipeline with each codec on either producer thread stores batches of that codec and reads back", async () => {
  const CODEC_IDS = { snappy: 2, lz4: 3, zstd: 4 } as const;
  for (const compression of ["snappy", "lz4", "zstd"] as const) {
    for (const producerThread of ["main", "worker"] as const) {
      const what = `${compression} on the ${producerThread} thread`;
      const log = onUniqueTopic(PaymentErrorLog, `compression-${compression}-${producerThread}`);
      await createTopics([log.topic], 1);
      const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, compression, producerThread });
      const emitter = pipeline.emitter(log);
      for (let i = 0; i < 300; i++) emitter.emit({ code: `E${i}`, message: "card declined by issuer ".repeat(4) });
      await pipeline.close();
      assert.equal(pipeline.stats().acked, 300, what);
      const read = await consumeAll([log.topic]);
      assert.equal(read.length, 300, what);
      for (let i = 0; i < read.length; i++) assert.ok(read[i]!.value.includes(Buffer.from(`E${i}`)), `${what}: record ${i} in order`);
      const batches = await fetchBatchHeaders(brokers[0]!, log.topic, 0);
      assert.ok(batches.length > 0, what);
      for (const b of batches) assert.equal(b.codec, CODEC_IDS[compression], `${what}: batch @${b.baseOffset}`);
    }
  }
});

test(
  "with the default producer thread, createPipeline also fails up front naming compression",
  async () => {
    withoutPackage("lz4-napi");
    try {
      const pipeline = await createPipeline({ brokers, registry: { url: registryUrl }, compression: "lz4" }).catch((e: unknown) => e);
      if (!isLogwireError(pipeline)) await (pipeline as { close(): Promise<void> }).close();
      assert.ok(lz4Missing(pipeline));
    } finally {
      setCodecRequireForTests();
    }
  },
);
