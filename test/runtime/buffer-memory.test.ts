import { spawn } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";

/**
 * buffer.maxBytes bounds the memory held records take, not only their wire
 * bytes: each record also counts the objects that carry it
 * (HELD_RECORD_MEMORY_BYTES). Measured in a child with --expose-gc: JS heap
 * plus external memory grown by a full buffer, after a full GC. The
 * allowance beyond the cap is the request in flight (its frames are copies,
 * at most batch.maxBytes) and some slack for the heap's own bookkeeping.
 */
const MAX_BYTES = 16 * 1048576;
const BATCH_MAX_BYTES = 256 * 1024;

async function fill(kind: "audit" | "tiny"): Promise<{ records: number; bufferedBytes: number; grown: number }> {
  const child = new URL("./fixtures/buffer-memory-child.ts", import.meta.url).pathname;
  const proc = spawn(process.execPath, ["--expose-gc", "--import", "tsx", child, kind, String(MAX_BYTES), String(BATCH_MAX_BYTES)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  assert.equal(code, 0, out);
  return JSON.parse(out) as { records: number; bufferedBytes: number; grown: number };
}

for (const [kind, what] of [["audit", "the seed's ~280 B audit records"], ["tiny", "~40 B records, where the objects outweigh the bytes"]] as const) {
  test(`a full buffer of ${what} holds about buffer.maxBytes of memory, not a multiple of it`, async () => {
    const { records, bufferedBytes, grown } = await fill(kind);
    const MiB = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
    assert.ok(bufferedBytes > MAX_BYTES - 4096 && bufferedBytes <= MAX_BYTES, `the buffer filled: ${bufferedBytes} of ${MAX_BYTES}`);
    assert.ok(grown <= MAX_BYTES * 1.15 + 2 * BATCH_MAX_BYTES, `${records} held records grew memory by ${MiB(grown)}, against a cap of ${MiB(MAX_BYTES)}`);
    assert.ok(grown >= MAX_BYTES * 0.7, `the measurement sees the held records: ${MiB(grown)} for ${records} records`);
  });
}
