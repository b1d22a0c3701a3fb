import { ErrorCode, LogwireError } from "../runtime/errors.ts";

/**
 * Every way the dev stack can fail to start, each naming its fix. Kept apart
 * from the code that detects them so the wording can be unit-tested.
 */

export function javaMissingError(searched: readonly string[]): LogwireError {
  return new LogwireError(ErrorCode.Environment, `java was not found (looked in ${searched.join(", ")})`, {
    fix: "install a JDK 17 or later (e.g. `apt-get install openjdk-17-jdk-headless`) or set JAVA_HOME to one",
    details: { searched },
  });
}

export function javaTooOldError(
  component: string,
  required: number,
  found: readonly { path: string; major: number }[],
): LogwireError {
  const seen = found.length === 0 ? "none found" : found.map((j) => `${j.major} at ${j.path}`).join(", ");
  return new LogwireError(ErrorCode.Environment, `${component} needs java ${required} or later (${seen})`, {
    fix: `install a JDK ${required} or later (e.g. Temurin ${required}) and set JAVA_HOME to it, or put it under /usr/lib/jvm`,
    details: { required, found },
  });
}

export function mavenMissingError(): LogwireError {
  return new LogwireError(ErrorCode.Environment, "mvn was not found on PATH; it fetches Kafka and the registry from Maven Central", {
    fix: "install Apache Maven 3.6 or later (e.g. `apt-get install maven`) and make sure `mvn -version` works",
  });
}

export function mavenFailedError(what: string, exitCode: number | null, logFile: string, lastLines: readonly string[]): LogwireError {
  return new LogwireError(
    ErrorCode.Environment,
    `maven could not fetch ${what} (exit ${exitCode ?? "signal"}); last lines of ${logFile}:\n${indent(lastLines)}\n`,
    { fix: "check network access to Maven Central (repo.maven.apache.org) and proxy settings in ~/.m2/settings.xml, then run `logwire dev up` again" },
  );
}

export function portHeldError(component: string, endpoint: string, envVar: string, holder: string | undefined): LogwireError {
  const who = holder === undefined ? "another process" : holder;
  return new LogwireError(ErrorCode.Environment, `port ${endpoint} for ${component} is held by ${who}, which logwire did not start`, {
    fix: `stop that process, or pick a free port with ${envVar}=<port>`,
    path: envVar,
    details: { endpoint, holder },
  });
}

export function componentDiedError(component: string, exit: string, logFile: string, lastLines: readonly string[]): LogwireError {
  return new LogwireError(
    ErrorCode.Environment,
    `${component} ${exit} during start; last ${lastLines.length} lines of ${logFile}:\n${indent(lastLines)}\n`,
    { fix: "fix the cause shown in the log, then run `logwire dev up` again", details: { logFile } },
  );
}

export function startTimeoutError(component: string, seconds: number, logFile: string, lastLines: readonly string[]): LogwireError {
  return new LogwireError(
    ErrorCode.Environment,
    `${component} did not become healthy within ${seconds} s; last ${lastLines.length} lines of ${logFile}:\n${indent(lastLines)}\n`,
    { fix: "read the log above; `logwire dev down` then `logwire dev up --wait` retries from a clean start", retriable: true },
  );
}

export function outdatedProcessError(component: string, why: string, fix: string): LogwireError {
  return new LogwireError(ErrorCode.Environment, `${component}: ${why}`, { fix });
}

function indent(lines: readonly string[]): string {
  return lines.length === 0 ? "  (log is empty)" : lines.map((l) => `  | ${l}`).join("\n");
}
