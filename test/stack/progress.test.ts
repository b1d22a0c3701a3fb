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

const repo = "https://repo.maven.apache.org/maven2";

/** A first-run Kafka fetch: 417 files, 45.2 MB, the last one arriving at 38 s. */
function* firstRun(): Generator<{ at: number; line: string }> {
  for (let i = 0; i < 417; i += 1) {
    const at = Math.round(((i + 1) * 38_000) / 417);
    const name = i < 407 ? `dep-${i}.pom` : `lib-${i}.jar`;
    const size = i < 407 ? "10 kB" : i < 416 ? "4.1 MB" : "4.2 MB";
    yield { at: at - 5, line: `[INFO] Downloading from central: ${repo}/g/${name}` };
    yield { at, line: `[INFO] Downloaded from central: ${repo}/g/${name} (${size} at 2.0 MB/s)` };
  }
  yield { at: 38_000, line: "[INFO] Copying lib-416.jar to /tmp/libs.partial/lib-416.jar" };
}

function replayFirstRun(isTTY: boolean): string {
  const { stream, text } = capture(isTTY);
  let clock = 1_000_000;
  const progress = createProgress({ stream, now: () => clock });
  progress.phase("fetching kafka");
  progress.mavenStart();
  const start = clock;
  let nextTick = start + 1000;
  for (const { at, line } of firstRun()) {
    // The heartbeat's once-a-second tick, interleaved with Maven's lines as it would be.
    while (nextTick <= start + at) {
      clock = nextTick;
      progress.tick();
      nextTick += 1000;
    }
    clock = start + at;
    progress.maven(line);
  }
  progress.mavenEnd(true);
  progress.phase("starting kafka");
  return text();
}

test("without a TTY: 417 downloads give a few plain lines and the totals", () => {
  const out = replayFirstRun(false);
  const lines = out.split("\n").slice(0, -1);
  assert.doesNotMatch(out, /[\r\x1b]/);
  assert.equal(lines[0], "==> fetching kafka");
  assert.equal(lines.at(-2), "    mvn: downloaded 417 files, 45.2 MB in 38 s");
  assert.equal(lines.at(-1), "==> starting kafka");
  const progressLines = lines.slice(1, -2);
  // 38 s at one line per 5 s, plus one per 10 MB: a dozen at most, never one per file.
  assert.ok(progressLines.length >= 2 && progressLines.length <= 12, `${progressLines.length} lines:\n${out}`);
  for (const line of progressLines) {
    assert.match(line, /^ {4}mvn: \d+ files?, [\d.]+ (B|kB|MB) so far \(\d+ s\)$/);
  }
});

test("on a TTY: 417 downloads redraw one line, then one totals line replaces it", () => {
  const out = replayFirstRun(true);
  const [head, maven, tail, rest] = out.split("\n");
  assert.equal(head, "\x1b[1m==> fetching kafka\x1b[0m");
  // Everything Maven caused sits on one terminal line: redraws, then the totals.
  assert.ok(maven !== undefined && maven.startsWith("\r\x1b[K    mvn: 1 file, 10 kB downloaded (dep-0.pom)"), JSON.stringify(maven));
  assert.match(maven, /\r\x1b\[K {4}mvn: downloaded 417 files, 45\.2 MB in 38 s$/);
  const redraws = maven.split("\r\x1b[K").slice(1, -1);
  assert.ok(redraws.length > 10, "the line updates as files arrive");
  for (const redraw of redraws) {
    assert.match(redraw, /^ {4}mvn: \d+ files?, [\d.]+ (kB|MB) downloaded \((dep|lib)-\d+\.(pom|jar)\)$/);
  }
  assert.equal(tail, "\x1b[1m==> starting kafka\x1b[0m");
  assert.equal(rest, "");
});

test("on a TTY: Maven errors and other steps start on a line of their own", () => {
  const { stream, text } = capture(true);
  const progress = createProgress({ stream, color: false, now: () => 0 });
  progress.mavenStart();
  progress.maven(`[INFO] Downloaded from central: ${repo}/a/b-1.jar (1.5 MB at 3 MB/s)`);
  progress.maven("[ERROR] Failed to execute goal on project stack-kafka: Could not resolve dependencies");
  progress.mavenEnd(false);
  assert.equal(
    text(),
    "\r\x1b[K    mvn: 1 file, 1.5 MB downloaded (b-1.jar)\n" +
      "    mvn: [ERROR] Failed to execute goal on project stack-kafka: Could not resolve dependencies\n" +
      "    mvn: failed after 0 s (1 file, 1.5 MB downloaded)\n",
  );
});

test("NO_COLOR drops the bold, not the in-place line", () => {
  const saved = process.env["NO_COLOR"];
  process.env["NO_COLOR"] = "1";
  try {
    const { stream, text } = capture(true);
    const progress = createProgress({ stream, now: () => 0 });
    progress.phase("fetching kafka");
    progress.mavenStart();
    progress.maven(`[INFO] Downloaded from central: ${repo}/a/b-1.jar (1.5 MB at 3 MB/s)`);
    progress.mavenEnd(true);
    assert.equal(text(), "==> fetching kafka\n\r\x1b[K    mvn: 1 file, 1.5 MB downloaded (b-1.jar)\r\x1b[K    mvn: downloaded 1 file, 1.5 MB in 0 s\n");
  } finally {
    if (saved === undefined) {
      delete process.env["NO_COLOR"];
    } else {
      process.env["NO_COLOR"] = saved;
    }
  }
});

test("silent progress writes nothing", () => {
  const { stream, text } = capture(false);
  const progress = createProgress({ stream, silent: true });
  progress.phase("x");
  progress.mavenStart();
  progress.maven(`[INFO] Downloaded from central: ${repo}/a/b-1.jar (1.5 MB at 3 MB/s)`);
  progress.maven("[ERROR] boom");
  progress.mavenEnd(false);
  assert.equal(text(), "");
});
