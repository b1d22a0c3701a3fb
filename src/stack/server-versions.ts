import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { registryFetch } from "../runtime/registry/registry-fetch.ts";
import { findListenerPid } from "./port-probe.ts";

/**
 * Which Kafka runs on `port`, read from the jar on the listening JVM's
 * classpath (Kafka's protocol does not carry the server version). Works for
 * brokers logwire did not start too; undefined where /proc or `ss` is missing.
 */
export function describeKafkaVersion(port: number): { version: string; source: string } | undefined {
  const pid = findListenerPid(port);
  if (pid === undefined) {
    return undefined;
  }
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    const at = args.findIndex((a) => a === "-cp" || a === "-classpath" || a === "--class-path");
    const classpath = at === -1 ? "" : (args[at + 1] ?? "");
    const jars = classpath.split(":").flatMap((entry) => {
      const path = isAbsolute(entry) ? entry : join(cwd, entry);
      return entry.endsWith("*") ? readdirSync(dirname(path)) : [basename(path)];
    });
    // The broker jar names the release; kafka-server is the fallback for layouts without it.
    for (const pattern of [/^kafka_2\.1\d-(.+)\.jar$/, /^kafka-server-(\d.+)\.jar$/]) {
      const jar = jars.find((j) => pattern.test(j));
      if (jar !== undefined) {
        return { version: (pattern.exec(jar) as RegExpExecArray)[1] as string, source: `${jar} on the classpath of pid ${pid}` };
      }
    }
  } catch {
    // Not our user's process, or it exited meanwhile.
  }
  return undefined;
}

/** `GET /apis/registry/v3/system/info` of an Apicurio registry, given its ccompat or base URL. */
export async function describeRegistryVersion(url: string): Promise<{ name: string; version: string } | undefined> {
  const base = url.replace(/\/apis\/.*$/, "");
  try {
    const response = await registryFetch(`${base}/apis/registry/v3/system/info`, {}, { timeoutMs: 5_000 });
    if (!response.ok) {
      return undefined;
    }
    const info = (await response.json()) as { name?: string; version?: string };
    return { name: info.name ?? "unknown", version: info.version ?? "unknown" };
  } catch {
    return undefined;
  }
}
