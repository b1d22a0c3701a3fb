import { spawnSync } from "node:child_process";
import { createServer } from "node:net";

/**
 * True when `host:port` can be bound right now. Binding (rather than
 * connecting) also catches a listener on 0.0.0.0 or one that does not accept.
 */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** Best effort "java (pid 1234)" for the listener on `port`, via `ss`; undefined if unknown. */
export function describePortHolder(port: number): string | undefined {
  const result = spawnSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8", timeout: 5_000 });
  if (result.error !== undefined || result.status !== 0) {
    return undefined;
  }
  return parseSsHolder(result.stdout);
}

/** Parses `users:(("java",pid=3502,fd=97))` from `ss -ltnp` output. */
export function parseSsHolder(output: string): string | undefined {
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(output);
  return match === null ? undefined : `${match[1]} (pid ${match[2]})`;
}

/** Pid of the process listening on `port`, via `ss`; undefined if unknown. */
export function findListenerPid(port: number): number | undefined {
  const holder = describePortHolder(port);
  const match = holder === undefined ? null : /pid (\d+)/.exec(holder);
  return match === null ? undefined : Number(match[1]);
}
