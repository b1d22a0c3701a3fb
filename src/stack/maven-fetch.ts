import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { findMaven } from "./java-runtime.ts";
import { tailFile } from "./process-control.ts";
import type { Progress } from "./progress.ts";
import { mavenFailedError } from "./stack-errors.ts";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";

/**
 * Fetches the stack's jars from Maven Central into a cache folder shared by
 * all projects. Maven's own ~/.m2 also keeps them, so a wiped cache refills
 * without the network. A folder counts as cached only once `.complete` is
 * written, so an interrupted fetch is redone, never half-used.
 */
export interface MavenFetcher {
  /** Folder of Kafka's jars (a classpath `libs/*`). */
  kafkaLibs(version: string): Promise<string>;
  /** Folder holding Apicurio Registry's `quarkus-run.jar`. */
  registryApp(version: string): Promise<string>;
}

/**
 * slf4j-api comes in transitively as 1.7.36, which the log4j2 binding
 * (slf4j2) ignores, leaving the broker silent; 2.x is pinned on purpose.
 */
export function renderKafkaPom(kafkaVersion: string): string {
  const dep = (g: string, a: string, v: string) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return [
    `<project xmlns="http://maven.apache.org/POM/4.0.0">`,
    `  <modelVersion>4.0.0</modelVersion>`,
    `  <groupId>dev.logwire</groupId><artifactId>stack-kafka</artifactId><version>1</version><packaging>pom</packaging>`,
    `  <dependencies>`,
    dep("org.apache.kafka", "kafka_2.13", kafkaVersion),
    dep("org.apache.logging.log4j", "log4j-slf4j2-impl", "2.26.1"),
    dep("org.slf4j", "slf4j-api", "2.0.17"),
    `  </dependencies>`,
    `</project>`,
    ``,
  ].join("\n");
}

export function createMavenFetcher(options: { cacheDir: string; progress: Progress }): MavenFetcher {
  const { cacheDir, progress } = options;
  return {
    async kafkaLibs(version) {
      const dir = join(cacheDir, `kafka-${version}`);
      const libs = join(dir, "libs");
      if (existsSync(join(libs, ".complete"))) {
        return libs;
      }
      progress.phase(`fetching kafka ${version} from Maven Central into ${dir} (first run: ~45 MB)`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "pom.xml"), renderKafkaPom(version));
      const partial = join(dir, "libs.partial");
      rmSync(partial, { recursive: true, force: true });
      await runMaven(`kafka ${version}`, dir, ["dependency:copy-dependencies", `-DoutputDirectory=${partial}`], progress);
      if (!readdirSync(partial).some((f) => f.startsWith(`kafka_2.13-${version}`))) {
        throw new LogwireError(ErrorCode.Environment, `maven finished but ${partial} holds no kafka_2.13-${version} jar`, {
          fix: `remove ${dir} and run \`logwire dev up\` again`,
        });
      }
      writeFileSync(join(partial, ".complete"), new Date().toISOString() + "\n");
      rmSync(libs, { recursive: true, force: true });
      renameSync(partial, libs);
      return libs;
    },

    async registryApp(version) {
      const dir = join(cacheDir, `apicurio-registry-${version}`);
      const app = join(dir, "app");
      if (existsSync(join(app, ".complete"))) {
        return app;
      }
      progress.phase(`fetching apicurio registry ${version} from Maven Central into ${dir} (first run: ~160 MB)`);
      const download = join(dir, "download");
      mkdirSync(download, { recursive: true });
      // No pom in `dir`: dependency:copy runs project-less.
      await runMaven(`apicurio registry ${version}`, dir, [
        "dependency:copy",
        `-Dartifact=io.apicurio:apicurio-registry-app:${version}:tar.gz:all`,
        `-DoutputDirectory=${download}`,
      ], progress);
      const tarball = join(download, `apicurio-registry-app-${version}-all.tar.gz`);
      progress.phase(`unpacking ${tarball}`);
      const partial = join(dir, "app.partial");
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      const tar = spawnSync("tar", ["-xzf", tarball, "-C", partial], { encoding: "utf8" });
      if (tar.status !== 0 || !existsSync(join(partial, "quarkus-run.jar"))) {
        throw new LogwireError(ErrorCode.Environment, `could not unpack ${tarball}: ${tar.stderr || tar.error?.message || "no quarkus-run.jar inside"}`, {
          fix: `remove ${dir} and run \`logwire dev up\` again`,
        });
      }
      writeFileSync(join(partial, ".complete"), new Date().toISOString() + "\n");
      rmSync(app, { recursive: true, force: true });
      renameSync(partial, app);
      rmSync(download, { recursive: true, force: true });
      return app;
    },
  };
}

async function runMaven(what: string, cwd: string, goals: string[], progress: Progress): Promise<void> {
  const mvn = findMaven();
  const logFile = join(cwd, "maven.log");
  const log = createWriteStream(logFile);
  // -B: no colour, no interactive transfer bars; "Downloaded from" lines remain.
  const child = spawn(mvn, ["-B", "-Dstyle.color=never", ...goals], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  const lines = createInterface({ input: child.stdout });
  progress.mavenStart();
  lines.on("line", (line) => {
    log.write(line + "\n");
    progress.maven(line);
  });
  // Batch mode prints nothing while one big file (the registry's 160 MB) downloads.
  const heartbeat = setInterval(() => progress.tick(), 1000);
  child.stderr.on("data", (chunk: Buffer) => log.write(chunk));
  let exitCode: number | null = null;
  try {
    exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code) => resolve(code));
    });
  } finally {
    // Also on a spawn error: a live interval would keep the CLI from exiting.
    clearInterval(heartbeat);
    await new Promise<void>((resolve) => log.end(resolve));
    progress.mavenEnd(exitCode === 0);
  }
  if (exitCode !== 0) {
    throw mavenFailedError(what, exitCode, logFile, tailFile(logFile, 20));
  }
}
