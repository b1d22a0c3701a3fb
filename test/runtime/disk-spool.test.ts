import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, createDiskSpool, encodeSpoolRecord, type DiskSpoolOptions, type SpoolEntry } from "../../src/runtime/disk-spool.ts";

function entry(i: number, key: string | null = `k${i % 3}`): SpoolEntry {
  return { topic: "t.audit", typeName: "example.M", subject: "t.audit-value", key: key === null ? null : Buffer.from(key), value: Buffer.from(`value-${i}-${"x".repeat(i % 7)}`) };
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "logwire-spool-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function opts(dir: string, extra: Partial<DiskSpoolOptions<number>> = {}): DiskSpoolOptions<number> {
  return { dir: join(dir, "nested"), maxBytes: 1048576, recordOverhead: 24, onLost: () => assert.fail("no write may fail"), ...extra };
}

async function readAllFrom(spool: { read(b: number): Promise<{ entry: SpoolEntry; tag: number | undefined }[]>; records: number }): Promise<{ entry: SpoolEntry; tag: number | undefined }[]> {
  const out = [];
  for (let guard = 0; spool.records > 0 && guard < 10000; guard++) out.push(...(await spool.read(4096)));
  return out;
}

test("crc32 matches the IEEE check value", () => {
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
});

test("records read back in append order with their tags, within the byte budget; a drained spool truncates its file", async () => {
  await withDir(async (dir) => {
    const spool = await createDiskSpool(opts(dir));
    for (let i = 0; i < 100; i++) assert.ok(spool.append(entry(i, i === 5 ? null : `k${i % 3}`), i));
    assert.equal(spool.records, 100);
    const first = await spool.read(3 * (24 + 2 + 8 + 6));
    assert.ok(first.length >= 1 && first.length <= 3, `budget respected (${first.length})`);
    const rest = await readAllFrom(spool);
    const all = [...first, ...rest];
    assert.deepEqual(all.map((r) => r.tag), Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual(all.map((r) => Buffer.from(r.entry.value).toString()), Array.from({ length: 100 }, (_, i) => entry(i).value.toString()));
    assert.equal(all[5]!.entry.key, null);
    assert.equal(all[6]!.entry.key!.toString(), "k0");
    assert.equal(all[0]!.entry.topic, "t.audit");
    assert.equal(all[0]!.entry.subject, "t.audit-value");
    assert.equal(spool.records, 0);
    assert.equal((await stat(join(dir, "nested", "logwire.spool"))).size, 0, "drained file truncated");
    assert.equal(await spool.read(4096).then((r) => r.length), 0);
    await spool.close();
  });
});

test("a second spool on the same dir replays what the first left, from where it stopped reading", async () => {
  await withDir(async (dir) => {
    const a = await createDiskSpool(opts(dir));
    for (let i = 0; i < 50; i++) a.append(entry(i), i);
    const read = await a.read(10 * 60);
    assert.ok(read.length > 0 && read.length < 50);
    await a.close();
    const b = await createDiskSpool(opts(dir));
    assert.equal(b.restored, 50 - read.length);
    assert.equal(b.torn, 0);
    assert.deepEqual(b.remaining(), [[undefined, 50 - read.length]]);
    b.append(entry(1000), 1000);
    const replay = await readAllFrom(b);
    assert.deepEqual(
      replay.map((r) => Buffer.from(r.entry.value).toString()),
      [...Array.from({ length: 50 - read.length }, (_, i) => entry(i + read.length).value.toString()), entry(1000).value.toString()],
    );
    assert.deepEqual(replay.map((r) => r.tag), [...new Array(50 - read.length).fill(undefined), 1000], "restored records carry no tag");
    await b.close();
  });
});

test("a torn last write (half a record) is truncated and counted; every complete record replays in order", async () => {
  await withDir(async (dir) => {
    const a = await createDiskSpool(opts(dir));
    for (let i = 0; i < 20; i++) a.append(entry(i), i);
    await a.close();
    const file = join(dir, "nested", "logwire.spool");
    const whole = encodeSpoolRecord(entry(20));
    const before = (await stat(file)).size;
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)), { flag: "a" });
    const b = await createDiskSpool(opts(dir));
    assert.equal(b.torn, 1);
    assert.equal(b.restored, 20);
    assert.equal((await stat(file)).size, before, "the torn tail is cut");
    b.append(entry(21), 21);
    const replay = await readAllFrom(b);
    assert.deepEqual(replay.map((r) => Buffer.from(r.entry.value).toString()), [...Array.from({ length: 20 }, (_, i) => entry(i).value.toString()), entry(21).value.toString()]);
    await b.close();
  });
});

test("a last record with a bad CRC, or only part of a header, is truncated and counted", async () => {
  for (const damage of ["crc", "header"] as const) {
    await withDir(async (dir) => {
      const a = await createDiskSpool(opts(dir));
      for (let i = 0; i < 10; i++) a.append(entry(i), i);
      await a.close();
      const file = join(dir, "nested", "logwire.spool");
      const bytes = await readFile(file);
      if (damage === "crc") {
        bytes[bytes.length - 1] ^= 0xff;
        await writeFile(file, bytes);
      } else {
        await writeFile(file, Buffer.from([0, 0, 0]), { flag: "a" });
      }
      const b = await createDiskSpool(opts(dir));
      assert.equal(b.torn, 1, damage);
      assert.equal(b.restored, damage === "crc" ? 9 : 10, damage);
      const replay = await readAllFrom(b);
      assert.equal(replay.length, b.restored, damage);
      assert.equal(Buffer.from(replay.at(-1)!.entry.value).toString(), entry(b.restored - 1).value.toString());
      await b.close();
    });
  }
});

test("past maxBytes append refuses (the caller counts spool_full); the bound holds on disk; space returns once drained", async () => {
  await withDir(async (dir) => {
    const spool = await createDiskSpool(opts(dir, { maxBytes: 2000 }));
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 100; i++) spool.append(entry(i), i) ? accepted++ : refused++;
    assert.ok(accepted > 0 && refused > 0, `${accepted} accepted, ${refused} refused`);
    assert.ok(spool.bytes <= 2000);
    await spool.close();
    assert.ok((await stat(join(dir, "nested", "logwire.spool"))).size <= 2000);
    const again = await createDiskSpool(opts(dir, { maxBytes: 2000 }));
    assert.equal(again.restored, accepted);
    assert.equal(again.append(entry(0), 0), false, "still full");
    await readAllFrom(again);
    assert.equal(again.append(entry(0), 0), true, "drained: room again");
    await again.close();
  });
});

test("a failed append reports its records lost, in order, and they leave the count", async () => {
  await withDir(async (dir) => {
    const lost: number[] = [];
    const spool = await createDiskSpool(opts(dir, { onLost: (tags) => lost.push(...tags) }));
    await spool.close(); // the file handle is closed: the next write fails
    spool.append(entry(1), 1);
    spool.append(entry(2), 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(lost, [1, 2]);
    assert.equal(spool.records, 0);
  });
});

test("a stored read position past the file end (stale) is ignored", async () => {
  await withDir(async (dir) => {
    const a = await createDiskSpool(opts(dir));
    for (let i = 0; i < 3; i++) a.append(entry(i), i);
    await a.close();
    await writeFile(join(dir, "nested", "spool.pos"), "999999");
    const b = await createDiskSpool(opts(dir));
    assert.equal(b.restored, 3);
    await truncate(join(dir, "nested", "logwire.spool"), 0);
    await b.close();
  });
});
