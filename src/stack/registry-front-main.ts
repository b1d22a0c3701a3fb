import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createRegistryFront } from "./registry-front.ts";
import { STACK_HOST } from "./stack-config.ts";

/**
 * Process entry of the registry front (registry-front.ts), started detached
 * by `logwire dev up` (registry-front-node.ts) with its output in
 * `registry-front.log`:
 *   --port <public registry port> --backend-port <Apicurio's port> --pid-file <path> --registry-front-of=<state dir>
 * The last argument only marks the command line, so `dev down` knows the pid
 * is still this process. SIGTERM/SIGINT close the listener and exit 0.
 *
 * The front also exits once its pid file, having named it, is gone or names
 * another process: a `down` that removed the file, or a test harness that
 * deleted the whole state folder, never leaves it running.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "backend-port": { type: "string" },
    "pid-file": { type: "string" },
    "registry-front-of": { type: "string" },
  },
  strict: true,
});
const port = Number(values.port);
const backendPort = Number(values["backend-port"]);
const pidFile = values["pid-file"];
if (!Number.isInteger(port) || !Number.isInteger(backendPort) || pidFile === undefined) {
  process.stderr.write("usage: registry-front-main --port <n> --backend-port <n> --pid-file <path> --registry-front-of=<state dir>\n");
  process.exit(2);
}

const stamp = (): string => new Date().toISOString();
const server = createRegistryFront({ backendHost: STACK_HOST, backendPort, log: (line) => process.stdout.write(`${stamp()} ${line}\n`) });
server.once("error", (error) => {
  process.stderr.write(`${stamp()} registry front could not listen on ${STACK_HOST}:${port}: ${error.message}\n`);
  process.exit(1);
});
server.listen(port, STACK_HOST, () => {
  process.stdout.write(`${stamp()} registry front on http://${STACK_HOST}:${port} -> Apicurio on http://${STACK_HOST}:${backendPort} (pid ${process.pid})\n`);
});

function stop(why: string): void {
  process.stdout.write(`${stamp()} stopping: ${why}\n`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
}
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));

let named = false;
setInterval(() => {
  let owner: number | undefined;
  try {
    owner = (JSON.parse(readFileSync(pidFile, "utf8")) as { pid?: number }).pid;
  } catch {
    owner = undefined;
  }
  if (owner === process.pid) named = true;
  else if (named) stop(`${pidFile} no longer names this process`);
}, 2_000).unref();
