import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { javaMissingError, javaTooOldError, mavenMissingError } from "./stack-errors.ts";

export interface JavaInstall {
  /** Absolute path of the `java` binary. */
  readonly path: string;
  /** Feature release: 17, 21, 25, or 8 for "1.8.0_x". */
  readonly major: number;
  /** JAVA_HOME for this install (the folder above `bin/`). */
  readonly home: string;
}

export interface ToolSearch {
  readonly pathEnv?: string | undefined;
  readonly javaHome?: string | undefined;
  /** Where JDKs are installed side by side. Default `/usr/lib/jvm`. */
  readonly jvmRoot?: string;
  /** Runs `java -version` and returns its output; injectable for tests. */
  readonly probe?: (javaPath: string) => string | undefined;
}

/** Parses the first line of `java -version`: `openjdk version "17.0.15"`, `"1.8.0_402"`, `"25"`. */
export function parseJavaMajor(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output);
  if (match === null) {
    return undefined;
  }
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** Every distinct java found: JAVA_HOME first, then PATH, then `jvmRoot/*` newest first. */
export function listJavaInstalls(search: ToolSearch = {}): { installs: JavaInstall[]; searched: string[] } {
  const javaHome = "javaHome" in search ? search.javaHome : process.env["JAVA_HOME"];
  const pathEnv = "pathEnv" in search ? search.pathEnv : process.env["PATH"];
  const jvmRoot = search.jvmRoot ?? "/usr/lib/jvm";
  const probe = search.probe ?? probeJava;
  const candidates: string[] = [];
  const searched: string[] = [];
  if (javaHome) {
    candidates.push(join(javaHome, "bin", "java"));
    searched.push("JAVA_HOME");
  }
  const onPath = which("java", pathEnv);
  searched.push("PATH");
  if (onPath !== undefined) {
    candidates.push(onPath);
  }
  searched.push(jvmRoot);
  if (existsSync(jvmRoot)) {
    for (const name of readdirSync(jvmRoot).sort().reverse()) {
      candidates.push(join(jvmRoot, name, "bin", "java"));
    }
  }
  const installs: JavaInstall[] = [];
  const seen = new Set<string>();
  for (const path of candidates) {
    if (seen.has(path) || !existsSync(path)) {
      continue;
    }
    seen.add(path);
    const output = probe(path);
    const major = output === undefined ? undefined : parseJavaMajor(output);
    if (major !== undefined) {
      installs.push({ path, major, home: join(path, "..", "..") });
    }
  }
  return { installs, searched };
}

/**
 * The first java (in `listJavaInstalls` order) of at least `minMajor`.
 * Throws `environment` naming the fix when there is none.
 */
export function findJava(component: string, minMajor: number, search: ToolSearch = {}): JavaInstall {
  const { installs, searched } = listJavaInstalls(search);
  if (installs.length === 0) {
    throw javaMissingError(searched);
  }
  const fit = installs.find((j) => j.major >= minMajor);
  if (fit === undefined) {
    throw javaTooOldError(component, minMajor, installs);
  }
  return fit;
}

/** Path of `mvn`; throws `environment` naming the fix when it is missing. */
export function findMaven(search: Pick<ToolSearch, "pathEnv"> = {}): string {
  const pathEnv = "pathEnv" in search ? search.pathEnv : process.env["PATH"];
  const mvn = which("mvn", pathEnv);
  if (mvn === undefined) {
    throw mavenMissingError();
  }
  return mvn;
}

export function which(command: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, command))) {
      return join(dir, command);
    }
  }
  return undefined;
}

function probeJava(javaPath: string): string | undefined {
  const result = spawnSync(javaPath, ["-version"], { encoding: "utf8", timeout: 15_000 });
  return result.error === undefined ? `${result.stderr}${result.stdout}` : undefined;
}
