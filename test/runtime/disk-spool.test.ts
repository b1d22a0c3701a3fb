import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDiskSpool, SPOOL_POSITION_EVERY, type DiskSpool, type DiskSpoolOptions } from "../../src/runtime/spool/disk-spool.ts";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import { formatPosition, parsePosition } from "../../src/runtime/spool/spool-position.ts";
import { crc32, encodeSpoolRecord, scanSpoolBytes, type SpoolEntry } from "../../src/runtime/spool/spool-record-format.ts";

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
  return { dir: join(dir, "nested"), maxBytes: 1048576, recordOverhead: 24, onLost: () => assert.fail("no record may be lost"), onError: (e) => assert.fail(`no disk error expected: ${e.message}`), ...extra };
}

/** Reads until the spool is empty, settling each record as if acked. */
async function readAllFrom(spool: DiskSpool<number>): Promise<{ entry: SpoolEntry; tag: number | undefined }[]> {
  const out = [];
  for (let guard = 0; spool.records > 0 && guard < 10000; guard++) {
    const batch = await spool.read(4096);
    for (const r of batch) spool.settle(r.seq);
    out.push(...batch);
  }
  await spool.settleWrites(); // lets the truncation that the last settle scheduled run
  return out;
}

const file = (dir: string): string => join(dir, "nested", "logwire.spool");
const posFile = (dir: string): string => join(dir, "nested", "spool.pos");

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
    for (const r of first) spool.settle(r.seq);
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
    for (const r of read) a.settle(r.seq);
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

test("a failed append reports its records lost, in order, and they leave the count; the error is an environment one, reported once", async () => {
  await withDir(async (dir) => {
    const lost: (number | undefined)[] = [];
    const errors: LogwireError[] = [];
    const eio = Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
    const spool = await createDiskSpool(opts(dir, {
      onLost: (tags, reason) => {
        assert.equal(reason, "spool_failed");
        lost.push(...tags);
      },
      onError: (e) => errors.push(e),
      write: async () => {
        throw eio;
      },
    }));
    assert.ok(spool.append(entry(1), 1));
    assert.ok(spool.append(entry(2), 2));
    await spool.settleWrites();
    assert.deepEqual(lost, [1, 2]);
    assert.equal(spool.records, 0);
    assert.equal(spool.bytes, 0);
    assert.equal(errors.length, 1);
    assert.ok(isLogwireError(errors[0]) && errors[0].code === "environment" && errors[0].path === "buffer.spool.dir", errors[0]!.message);
    assert.ok(spool.failure !== undefined, "appends are suspended");
    assert.equal(spool.append(entry(3), 3), false, "refused while suspended");
    await spool.close();
  });
});

test("a short write (a full disk) keeps the whole records written, cuts the partial one, loses the rest as spool_failed; books and file agree", async () => {
  await withDir(async (dir) => {
    const lost: (number | undefined)[] = [];
    const errors: LogwireError[] = [];
    let room = 3 * encodeSpoolRecord(entry(0)).length + 5; // three whole records and part of a fourth
    const spool = await createDiskSpool(opts(dir, {
      onLost: (tags) => lost.push(...tags),
      onError: (e) => errors.push(e),
      write: async (fh, bytes, offset, length, position) => {
        const n = Math.min(length, room);
        if (n === 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        room -= n;
        return (await fh.write(bytes, offset, n, position)).bytesWritten;
      },
    }));
    for (let i = 0; i < 6; i++) assert.ok(spool.append(entry(0), i));
    await spool.settleWrites();
    assert.deepEqual(lost, [3, 4, 5]);
    assert.equal(spool.records, 3);
    assert.equal(spool.bytes, 3 * encodeSpoolRecord(entry(0)).length);
    assert.equal((await stat(file(dir))).size, spool.bytes, "the partial record is cut off");
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, "environment");
    assert.equal(errors[0]!.path, "buffer.spool.maxBytes");
    assert.match(errors[0]!.message, /is full .*buffer\.spool\.maxBytes is 1048576.*free space on that disk, or lower buffer\.spool\.maxBytes/);
    const back = await readAllFrom(spool);
    assert.deepEqual(back.map((r) => r.tag), [0, 1, 2], "the reader finishes: only whole records were counted");
    assert.equal((await stat(file(dir))).size, 0, "drained and truncated");
    assert.equal(spool.failure, undefined, "a drained spool may be tried again at once");
    room = 1 << 30;
    assert.ok(spool.append(entry(7), 7));
    await spool.settleWrites();
    assert.equal(spool.records, 1);
    assert.equal(errors.length, 1, "reported once");
    await spool.close();
  });
});

test("read hands records to accept one by one: the first refused stays on disk with those after it, and is read again", async () => {
  await withDir(async (dir) => {
    const spool = await createDiskSpool(opts(dir));
    for (let i = 0; i < 10; i++) spool.append(entry(i), i);
    let room = 4;
    const first = await spool.read(1 << 20, () => room-- > 0);
    assert.deepEqual(first.map((r) => r.tag), [0, 1, 2, 3]);
    assert.equal(spool.records, 6);
    const rest = await readAllFrom(spool);
    assert.deepEqual(rest.map((r) => r.tag), [4, 5, 6, 7, 8, 9]);
    await spool.close();
  });
});

test("the restart point is the oldest record not settled: a spool abandoned without close (a crash) restores from it and counts the records already read back as replayed", async () => {
  await withDir(async (dir) => {
    const a = await createDiskSpool(opts(dir));
    const n = SPOOL_POSITION_EVERY + 500;
    for (let i = 0; i < n; i++) a.append(entry(i), i);
    const read = [];
    while (read.length < n) read.push(...(await a.read(1 << 20)));
    // Settle out of order: everything but record 1200, then nothing more is stored.
    for (const r of read) if (r.tag !== 1200) a.settle(r.seq);
    await a.settleWrites();
    // No close: the process "dies" here. The next one restores from record 1200 at most.
    const b = await createDiskSpool(opts(dir));
    const from = n - b.restored;
    assert.ok(from >= SPOOL_POSITION_EVERY && from <= 1200, `restart point stored every ${SPOOL_POSITION_EVERY} settled records, never past an unsettled one: restored from record ${from}`);
    assert.equal(b.replayed.get("t.audit"), b.restored, "all were read back by the previous process");
    const replay = await readAllFrom(b);
    assert.equal(Buffer.from(replay[0]!.entry.value).toString(), entry(from).value.toString());
    assert.ok(replay.some((r) => Buffer.from(r.entry.value).toString() === entry(1200).value.toString()), "the unsettled record is sent again");
    await b.close();
  });
});

test("spool.pos is replaced atomically (temp file + rename); when no temp file can be written (a full disk) it is overwritten in place; one that cannot be stored is reported", async () => {
  assert.deepEqual(parsePosition(formatPosition({ settled: 120, read: 4000 })), { settled: 120, read: 4000 });
  assert.equal(formatPosition({ settled: 1, read: 2 }).length, 64);
  assert.equal(parsePosition(""), undefined, "an empty file is no position");
  assert.equal(parsePosition("120 4000 0"), undefined, "a damaged one neither");
  assert.deepEqual(parsePosition("77\n"), { settled: 77, read: 77 }, "the single offset earlier versions wrote");
  await withDir(async (dir) => {
    const errors: LogwireError[] = [];
    const a = await createDiskSpool(opts(dir, { onError: (e) => errors.push(e) }));
    for (let i = 0; i < 20; i++) a.append(entry(i), i);
    const read = await a.read(10 * 60);
    for (const r of read) a.settle(r.seq);
    // The temp file cannot be created (a directory is in its way), as on a full disk.
    await mkdir(posFile(dir) + ".tmp");
    await a.close();
    assert.equal(errors.length, 0, "the in-place overwrite stored it");
    const settledBytes = sizeOf(read.length);
    assert.deepEqual(parsePosition(await readFile(posFile(dir), "utf8")), { settled: settledBytes, read: settledBytes });
    await rm(posFile(dir), { force: true });
    const b = await createDiskSpool(opts(dir, { onError: (e) => errors.push(e) }));
    assert.equal(b.restored, 20, "without a stored position every record is restored");
    await b.close();
    assert.equal(errors.length, 1, "a position that cannot be stored at all is reported");
    assert.equal(errors[0]!.code, "environment");
  });
});

/** Bytes of the first `n` records of `entry(0..n-1)`. */
function sizeOf(n: number): number {
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += encodeSpoolRecord(entry(i)).length;
  return bytes;
}

test("a corrupt record inside the file (not a torn tail) drops the records behind it as spool_torn, reported; the reader does not wedge", async () => {
  await withDir(async (dir) => {
    const lost: (number | undefined)[] = [];
    const errors: LogwireError[] = [];
    const spool = await createDiskSpool(opts(dir, { onLost: (tags, reason) => (assert.equal(reason, "spool_torn"), lost.push(...tags)), onError: (e) => errors.push(e) }));
    for (let i = 0; i < 10; i++) spool.append(entry(i), i);
    await spool.settleWrites();
    const bytes = await readFile(file(dir));
    const sixth = scanSpoolBytes(bytes).records[5]!;
    bytes[sixth.end - 1] ^= 0xff;
    await writeFile(file(dir), bytes);
    const back = await readAllFrom(spool);
    assert.deepEqual(back.map((r) => r.tag), [0, 1, 2, 3, 4]);
    assert.deepEqual(lost, [5, 6, 7, 8, 9]);
    assert.equal(spool.records, 0);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /is corrupt; the 5 records/);
    await spool.close();
  });
});

test("records given back at close stay in the file for the next process, and count as spooled again", async () => {
  await withDir(async (dir) => {
    const a = await createDiskSpool(opts(dir));
    for (let i = 0; i < 10; i++) a.append(entry(i), i);
    const read = await a.read(1 << 20);
    assert.equal(read.length, 10);
    a.settle(read[0]!.seq);
    a.settle(read[1]!.seq);
    a.giveBack(read[2]!.seq);
    a.settle(read[3]!.seq); // acked after one given back: sent again by the next process
    for (const r of read.slice(4)) a.giveBack(r.seq);
    assert.equal(a.records, 7);
    assert.deepEqual(a.remaining(), [[2, 1], [4, 1], [5, 1], [6, 1], [7, 1], [8, 1], [9, 1]]);
    await a.close();
    const b = await createDiskSpool(opts(dir));
    assert.equal(b.restored, 8);
    assert.equal(b.replayed.get("t.audit"), 8, "all of them had been read back");
    const replay = await readAllFrom(b);
    assert.deepEqual(replay.map((r) => Buffer.from(r.entry.value).toString()), Array.from({ length: 8 }, (_, i) => entry(i + 2).value.toString()));
    await b.close();
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
