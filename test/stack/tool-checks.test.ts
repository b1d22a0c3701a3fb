import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isLogwireError, type LogwireError } from "../../src/runtime/errors.ts";
import { findJava, findMaven, parseJavaMajor } from "../../src/stack/java-runtime.ts";
import { componentDiedError } from "../../src/stack/stack-errors.ts";

function fakeJdk(root: string, name: string): string {
  const bin = join(root, name, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "java"), "");
  return join(bin, "java");
}

const isEnvironmentError = (pattern: RegExp) => (e: unknown) => {
  assert.ok(isLogwireError(e), `not a LogwireError: ${String(e)}`);
  assert.equal((e as LogwireError).code, "environment");
  assert.match((e as LogwireError).message, pattern);
  return true;
};

test("parses java -version output of old and new JDKs", () => {
  assert.equal(parseJavaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
  assert.equal(parseJavaMajor('openjdk version "25" 2025-09-16'), 25);
  assert.equal(parseJavaMajor('java version "1.8.0_402"'), 8);
  assert.equal(parseJavaMajor("not java"), undefined);
});

test("missing java is an environment error that says how to install it", () => {
  const empty = mkdtempSync(join(tmpdir(), "lw-nojava-"));
  assert.throws(
    () => findJava("kafka", 17, { pathEnv: empty, javaHome: undefined, jvmRoot: join(empty, "jvm") }),
    isEnvironmentError(/java was not found .*install a JDK 17 or later .*JAVA_HOME/),
  );
});

test("only old JDKs for the registry: the error names the versions found and the fix", () => {
  const root = mkdtempSync(join(tmpdir(), "lw-jvm-"));
  fakeJdk(root, "java-17");
  assert.throws(
    () => findJava("apicurio registry 3.3.3", 21, { pathEnv: "", javaHome: undefined, jvmRoot: root, probe: () => 'openjdk version "17.0.2"' }),
    isEnvironmentError(/apicurio registry 3\.3\.3 needs java 21 or later \(17 at .*java-17\/bin\/java\): install a JDK 21 or later .*JAVA_HOME/),
  );
});

test("a JDK >= 21 under the jvm root is found even when JAVA_HOME and PATH hold 17", () => {
  const root = mkdtempSync(join(tmpdir(), "lw-jvm-"));
  const old = fakeJdk(root, "java-17");
  const fresh = fakeJdk(root, "temurin-25");
  const found = findJava("registry", 21, {
    pathEnv: join(root, "java-17", "bin"),
    javaHome: join(root, "java-17"),
    jvmRoot: root,
    probe: (path) => (path === old ? 'openjdk version "17.0.2"' : 'openjdk version "25"'),
  });
  assert.equal(found.path, fresh);
  assert.equal(found.major, 25);
  assert.equal(found.home, join(root, "temurin-25"));
});

test("missing mvn is an environment error that says how to install it", () => {
  assert.throws(() => findMaven({ pathEnv: mkdtempSync(join(tmpdir(), "lw-nomvn-")) }), isEnvironmentError(/mvn was not found on PATH.*install Apache Maven/));
});

test("a component dying during start shows its log lines and the fix", () => {
  const error = componentDiedError("registry", "exited", "/s/registry.log", ["ERROR boom", "Caused by: x"]);
  assert.equal(error.code, "environment");
  assert.match(error.message, /registry exited during start; last 2 lines of \/s\/registry\.log:\n {2}\| ERROR boom\n {2}\| Caused by: x\n: fix the cause/);
});
