import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createProgress } from "../../src/stack/progress.ts";

function capture(isTTY: boolean): { stream: Writable & { isTTY: boolean }; text: () => string } {
  let out = "";
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        out += String(chunk);
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => out };
}

const transfer = "Downloaded from central: https://repo.maven.apache.org/maven2/a/b/1/b-1.jar (1.5 MB at 3 MB/s)";

test("without a TTY: one plain line per phase and per download, no escape codes", () => {
  const { stream, text } = capture(false);
  const progress = createProgress({ stream });
  progress.phase("fetching kafka");
  progress.maven(transfer);
  progress.maven("[INFO] Copying b-1.jar");
  progress.quiet(10);
  progress.flush();
  assert.equal(
    text(),
    "==> fetching kafka\n" +
      "    mvn: downloaded b-1.jar (1.5 MB; 1 files, 1.5 MB so far)\n" +
      "    mvn: still downloading (10 s since the last finished file)\n",
  );
});

test("on a TTY: downloads update one counter line", () => {
  const { stream, text } = capture(true);
  const progress = createProgress({ stream, interactive: true });
  progress.maven(transfer);
  progress.maven(transfer);
  progress.flush();
  assert.match(text(), /\r\x1b\[K {4}downloaded 2 files, 3\.0 MB {2}b-1\.jar\n$/);
});

test("silent progress writes nothing", () => {
  const { stream, text } = capture(false);
  const progress = createProgress({ stream, silent: true });
  progress.phase("x");
  progress.maven(transfer);
  assert.equal(text(), "");
});
