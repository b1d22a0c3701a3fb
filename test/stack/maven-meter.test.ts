import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, MavenMeter, parseMavenDownloadStart, parseMavenTransfer } from "../../src/stack/progress.ts";

const repo = "https://repo.maven.apache.org/maven2";
const downloading = (name: string) => `[INFO] Downloading from central: ${repo}/g/${name}`;
const downloaded = (name: string, size: string) => `[INFO] Downloaded from central: ${repo}/g/${name} (${size} at 3 MB/s)`;

test("parses Maven's transfer lines, with or without the [INFO] prefix", () => {
  assert.deepEqual(parseMavenTransfer(downloaded("b-1.jar", "1,234.5 kB")), { url: `${repo}/g/b-1.jar`, name: "b-1.jar", bytes: 1_234_500 });
  assert.deepEqual(parseMavenTransfer(`Downloaded from central: ${repo}/g/b-1.pom (3.9 kB at 23 kB/s)`)?.bytes, 3900);
  assert.deepEqual(parseMavenDownloadStart(downloading("b-1.jar")), { url: `${repo}/g/b-1.jar`, name: "b-1.jar" });
  assert.equal(parseMavenTransfer(downloading("b-1.jar")), undefined);
  assert.equal(parseMavenTransfer("[INFO] Copying b-1.jar to /tmp/b-1.jar"), undefined);
});

test("no TTY: nothing before 5 s, then a line per 5 s, and sooner once 10 MB more arrived", () => {
  const meter = new MavenMeter({ interactive: false, startedAt: 0 });
  assert.equal(meter.line(downloaded("a.pom", "4 kB"), 1000), "");
  assert.equal(meter.line(downloaded("b.pom", "4 kB"), 4999), "");
  assert.equal(meter.line(downloaded("c.pom", "4 kB"), 5000), "    mvn: 3 files, 12 kB so far (5 s)\n");
  assert.equal(meter.line(downloaded("d.jar", "9.9 MB"), 6000), "");
  assert.equal(meter.line(downloaded("e.jar", "200 kB"), 6500), "    mvn: 5 files, 10.1 MB so far (7 s)\n");
  assert.equal(meter.tick(7000), "");
  // A file that came in just before a lull is reported once the 5 s are up, not held back.
  assert.equal(meter.line(downloaded("f.pom", "4 kB"), 8000), "");
  assert.equal(meter.tick(11_000), "");
  assert.equal(meter.tick(11_500), "    mvn: 6 files, 10.1 MB so far (12 s)\n");
  assert.equal(meter.tick(12_500), "");
  assert.equal(meter.finish(20_000, true), "    mvn: downloaded 6 files, 10.1 MB in 20 s\n");
});

test("no TTY: a long quiet download names the file, once per 10 s", () => {
  const meter = new MavenMeter({ interactive: false, startedAt: 0 });
  assert.equal(meter.line("[INFO] Configured Artifact: io.apicurio:apicurio-registry-app:all:3.3.3:tar.gz", 500), "");
  assert.equal(meter.line(downloading("registry-all.tar.gz"), 1000), "");
  const out: string[] = [];
  for (let at = 2000; at <= 61_000; at += 1000) {
    const text = meter.tick(at);
    if (text !== "") {
      out.push(text);
    }
  }
  assert.deepEqual(out, [
    "    mvn: 0 files, 0 B so far (still downloading registry-all.tar.gz, 10 s)\n",
    "    mvn: 0 files, 0 B so far (still downloading registry-all.tar.gz, 20 s)\n",
    "    mvn: 0 files, 0 B so far (still downloading registry-all.tar.gz, 30 s)\n",
    "    mvn: 0 files, 0 B so far (still downloading registry-all.tar.gz, 40 s)\n",
    "    mvn: 0 files, 0 B so far (still downloading registry-all.tar.gz, 50 s)\n",
    "    mvn: 0 files, 0 B so far (still downloading registry-all.tar.gz, 1 min 0 s)\n",
  ]);
  meter.line(downloaded("registry-all.tar.gz", "159 MB"), 62_000);
  assert.equal(meter.finish(63_000, true), "    mvn: downloaded 1 file, 159.0 MB in 1 min 3 s\n");
});

test("TTY: redraws are folded to one per 100 ms, and a tick draws what was held back", () => {
  const meter = new MavenMeter({ interactive: true, startedAt: 0 });
  assert.equal(meter.line(downloaded("a.pom", "4 kB"), 1000), "\r\x1b[K    mvn: 1 file, 4 kB downloaded (a.pom)");
  for (let i = 0; i < 50; i += 1) {
    assert.equal(meter.line(downloaded(`p-${i}.pom`, "2 kB"), 1050), "");
  }
  assert.equal(meter.line(downloaded("b.jar", "1.2 MB"), 1100), "\r\x1b[K    mvn: 52 files, 1.3 MB downloaded (b.jar)");
  assert.equal(meter.line(downloaded("c.jar", "1.0 MB"), 1150), "");
  assert.equal(meter.tick(2000), "\r\x1b[K    mvn: 53 files, 2.3 MB downloaded (c.jar)");
  // Nothing new and not yet quiet: the screen is already right.
  assert.equal(meter.tick(3000), "");
  assert.equal(meter.finish(4000, true), "\r\x1b[K    mvn: downloaded 53 files, 2.3 MB in 4 s\n");
});

test("TTY: while Maven is quiet the line names the oldest unfinished download and counts up", () => {
  const meter = new MavenMeter({ interactive: true, startedAt: 0 });
  meter.line(downloading("big.tar.gz"), 1000);
  meter.line(downloading("small.pom"), 1001);
  assert.equal(meter.line(downloaded("small.pom", "1 kB"), 1002), "\r\x1b[K    mvn: 1 file, 1 kB downloaded (small.pom)");
  assert.equal(meter.tick(4000), "");
  assert.equal(meter.tick(7000), "\r\x1b[K    mvn: 1 file, 1 kB downloaded (still downloading big.tar.gz, 6 s)");
  assert.equal(meter.tick(8000), "\r\x1b[K    mvn: 1 file, 1 kB downloaded (still downloading big.tar.gz, 7 s)");
});

test("TTY: the live line is cut to the terminal width so \\r can still erase it", () => {
  const meter = new MavenMeter({ interactive: true, startedAt: 0, columns: () => 30 });
  const out = meter.line(downloaded("a-very-long-artifact-name-1.2.3.jar", "4 kB"), 1000);
  assert.equal(out, "\r\x1b[K    mvn: 1 file, 4 kB downloa");
  assert.equal(out.length - "\r\x1b[K".length, 29);
});

test("Maven's errors and warnings are printed in full, in both modes", () => {
  const error = "[ERROR] Failed to execute goal on project stack-kafka: Could not resolve dependencies for project dev.logwire:stack-kafka:pom:1";
  const plain = new MavenMeter({ interactive: false, startedAt: 0 });
  assert.equal(plain.line(error, 10), `    mvn: ${error}\n`);
  // Maven's launcher puts colour resets before its first line, even with -B.
  assert.equal(plain.line("\x1b[0m\x1b[0m[WARNING] The POM for x:y:jar:1 is missing", 20), "    mvn: [WARNING] The POM for x:y:jar:1 is missing\n");
  assert.equal(plain.line("[INFO] BUILD FAILURE", 30), "");
  assert.equal(plain.finish(2500, false), "    mvn: failed after 3 s (0 files, 0 B downloaded)\n");
  const tty = new MavenMeter({ interactive: true, startedAt: 0 });
  tty.line(downloaded("a.pom", "4 kB"), 10);
  assert.equal(tty.line(error, 20), `\n    mvn: ${error}\n`);
  assert.equal(tty.interrupt(), "", "the line was already ended");
  assert.equal(tty.finish(30, false), "    mvn: failed after 0 s (1 file, 4 kB downloaded)\n");
});

test("everything already in ~/.m2: a totals line that says so", () => {
  const meter = new MavenMeter({ interactive: true, startedAt: 0 });
  assert.equal(meter.line("[INFO] Copying b-1.jar to /tmp/b-1.jar", 900), "");
  assert.equal(meter.tick(1000), "");
  assert.equal(meter.finish(2000, true), "    mvn: nothing to download (all in the local Maven repository), 2 s\n");
});

test("durations read as seconds, then minutes", () => {
  assert.equal(formatDuration(0), "0 s");
  assert.equal(formatDuration(38_400), "38 s");
  assert.equal(formatDuration(59_600), "1 min 0 s");
  assert.equal(formatDuration(125_000), "2 min 5 s");
});
