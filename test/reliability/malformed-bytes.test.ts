import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import fc from "fast-check";
import kafkajs from "kafkajs";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { createSchemaDecoder } from "../../src/cli/decode/schema-decoder.ts";
import { decodeFrame, encodeFrameHeader, frame } from "../../src/runtime/registry/wire-format.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { brokers, registryUrl } from "../support/stack-env.ts";
import { onUniqueTopic } from "../pipeline/support/descriptors.ts";
import { report } from "./support/figures.ts";
import { readAll } from "./support/topic-reader.ts";

/**
 * Malformed and fuzzed bytes: the frame decoder, the registry-backed schema
 * decoder, and the real `logwire tail` CLI never crash, and give each bad
 * record one clear error. Seeds are fixed so a failure replays.
 */
const DECODE_ERRORS = new Set(["malformed_frame", "invalid_record", "schema_not_found"]);
const ROOT = join(import.meta.dirname, "..", "..");

test("decodeFrame on arbitrary bytes returns a frame or throws malformed_frame naming the byte; valid frames round-trip", () => {
  let ok = 0;
  let malformed = 0;
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => ((b[0] = 0), b))), (bytes) => {
      try {
        const f = decodeFrame(bytes);
        assert.ok(f.messageIndexes.length >= 1 && f.messageIndexes.every((i) => Number.isInteger(i) && i >= 0));
        assert.ok(f.payload.length <= bytes.length - 5);
        ok++;
      } catch (error) {
        assert.ok(isLogwireError(error) && error.code === "malformed_frame", `unexpected ${String(error)}`);
        assert.match(error.message, /\(at byte \d+\)/);
        malformed++;
      }
    }),
    { numRuns: 3000, seed: 8 },
  );
  fc.assert(
    fc.property(fc.nat({ max: 0xffffffff }), fc.array(fc.nat({ max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 16 }), (id, indexes, payload) => {
      const f = decodeFrame(frame(encodeFrameHeader(id, indexes), payload));
      assert.equal(f.schemaId, id);
      assert.deepEqual(f.messageIndexes, indexes);
      assert.deepEqual([...f.payload], [...payload]);
    }),
    { numRuns: 1000, seed: 8 },
  );
  assert.ok(ok > 0 && malformed > 0);
});

/** Fuzzed variants of a real frame: flipped bits, cuts, garbage tails, other ids and index arrays. */
function corruptions(real: Uint8Array, knownId: number): fc.Arbitrary<Uint8Array> {
  const flip = fc.tuple(fc.nat({ max: real.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, mask]) => {
    const b = Uint8Array.from(real);
    b[at]! ^= mask;
    return b;
  });
  const cut = fc.nat({ max: real.length - 1 }).map((n) => real.subarray(0, n));
  const tail = fc.uint8Array({ minLength: 1, maxLength: 12 }).map((g) => Uint8Array.from([...real, ...g]));
  const payloadNoise = fc.uint8Array({ minLength: 1, maxLength: 30 }).map((g) => frame(real.subarray(0, 6), g));
  const header = fc.tuple(fc.constantFrom(knownId, knownId + 1_000_000), fc.array(fc.nat({ max: 3 }), { maxLength: 3 })).map(([id, idx]) => frame(encodeFrameHeader(id, idx.length === 0 ? [0] : idx), real.subarray(6)));
  return fc.oneof(flip, cut, tail, payloadNoise, header);
}

test("the schema decoder on fuzzed variants of a real record: a decoded record or one LogwireError (malformed_frame, invalid_record, schema_not_found); the real tail prints one line per record", { timeout: 120_000 }, async (t) => {
  // A real record, framed by logwire with an id from the real registry.
  const log = onUniqueTopic(PaymentErrorLog, "malformed");
  const p = await createPipeline({ brokers, registry: { url: registryUrl } });
  const good = { code: "good", message: "a valid record", severity: 4, attempt: 7, labels: { region: "eu" }, stack: [{ function: "charge", file: "pay.ts", line: 42 }] };
  for (let i = 0; i < 5; i++) await p.emitter(log).emitAndWait({ ...good, code: `good-${i}` });
  await p.close();
  const real = (await readAll(brokers, [log.topic]))[0]!.value;
  const knownId = decodeFrame(real).schemaId;

  const decoder = createSchemaDecoder({ registryUrl });
  const outcomes = new Map<string, number>();
  const samples = fc.sample(corruptions(real, knownId), { numRuns: 400, seed: 8 });
  const expected: string[] = [];
  for (const bytes of samples) {
    let outcome: string;
    try {
      const d = await decoder.decode(bytes);
      assert.equal(typeof d.typeName, "string");
      JSON.stringify(d.json);
      outcome = "decoded";
    } catch (error) {
      assert.ok(isLogwireError(error), `not a LogwireError: ${String(error)}`);
      assert.ok(DECODE_ERRORS.has(error.code), `${error.code}: ${error.message}`);
      assert.ok(error.message.length > 10 && error.fix !== undefined, "a message and a fix");
      outcome = error.code;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    expected.push(outcome);
  }
  for (const code of ["decoded", "malformed_frame", "invalid_record", "schema_not_found"]) assert.ok((outcomes.get(code) ?? 0) > 0, `the corpus reaches ${code}`);

  // The same bytes, plus a tombstone, an empty value and a DLQ-marked non-JSON value, through the real CLI.
  const kafka = new kafkajs.Kafka({ clientId: "logwire-malformed", brokers, logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const corpus = 60;
  await producer.send({
    topic: log.topic,
    messages: [
      ...samples.slice(0, corpus).map((b, i) => ({ key: `fuzz-${i}`, value: Buffer.from(b) })),
      { key: "tombstone", value: null },
      { key: "empty", value: Buffer.alloc(0) },
      { key: "dlq-not-json", value: Buffer.from([0xff, 0xfe, 0x7b]), headers: { "logwire.value.format": "json" } },
    ],
  });
  await producer.disconnect();
  const total = 5 + corpus + 3;
  const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(join(ROOT, "node_modules", ".bin", "tsx"), [join(ROOT, "src/cli/main.ts"), "tail", log.topic, "--from-beginning", "--max", String(total), "--json", "--brokers", brokers.join(","), "--registry", registryUrl], { cwd: ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: "1" }, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number((error as { code?: unknown }).code ?? -1), stdout, stderr });
    });
  });
  assert.equal(cli.code, 0, cli.stderr);
  const lines = cli.stdout.trim().split("\n").map((l) => JSON.parse(l) as { key: string | null; value?: unknown; error?: { code: string; message: string } });
  assert.equal(lines.length, total, "one line per record");
  const byKey = new Map(lines.map((l) => [l.key, l]));
  for (let i = 0; i < 5; i++) assert.equal((byKey.get(`good-${i}`)!.value as { code: string }).code, `good-${i}`);
  for (let i = 0; i < corpus; i++) {
    const line = byKey.get(`fuzz-${i}`)!;
    if (expected[i] === "decoded") assert.ok(line.value !== undefined && line.error === undefined, `fuzz-${i} decodes in tail as in-process`);
    else {
      assert.equal(line.error?.code, expected[i], `fuzz-${i}: tail reports what the decoder does`);
      assert.ok(line.error!.message.length > 10);
    }
  }
  assert.equal(byKey.get("tombstone")!.error?.code, "malformed_frame");
  assert.equal(byKey.get("empty")!.error?.code, "malformed_frame");
  assert.ok("value" in byKey.get("dlq-not-json")!, "a DLQ-marked value that is not JSON is shown, not thrown");
  report(t, "malformed bytes", { "fuzzed frames decoded in-process": samples.length, "outcomes": Object.fromEntries(outcomes), "records through logwire tail": total, "tail lines": lines.length, "tail errors": lines.filter((l) => l.error !== undefined).length });
});
