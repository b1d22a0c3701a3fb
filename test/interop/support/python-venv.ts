import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A Python virtualenv with Confluent's Python client, for interop tests.
 *
 * Created once under `~/.cache/logwire/python-venv/<hash of the
 * requirements>` with `python3 -m venv` and pip from PyPI, then reused: a
 * change of the requirements gets a new folder. It is built in a scratch
 * folder and renamed into place when complete, so an interrupted or
 * concurrent setup never leaves a half-installed venv behind (the venv is
 * only run as `bin/python -m ...`, which survives the rename).
 *
 * Missing python3, venv or pip is a failure with the fix, never a skip: the
 * interop tests are how we know Confluent's Python client can be read.
 *
 * Overrides: `LOGWIRE_PYTHON` (the interpreter, default `python3`),
 * `LOGWIRE_PYTHON_VENV` (the venv folder).
 */

/** confluent-kafka 2.16.x is the client the issue was reported against; grpcio-tools brings protoc for the Python classes. */
export const PYTHON_REQUIREMENTS = ["confluent-kafka[protobuf,schemaregistry]==2.16.2", "grpcio-tools==1.85.4"] as const;

/** Upper bounds for each setup step; a cold install measured about 15 s here. */
const VENV_TIMEOUT_MS = 120_000;
const PIP_TIMEOUT_MS = 420_000;

export interface PythonVenv {
  /** `<venv>/bin/python`. */
  readonly python: string;
  readonly dir: string;
  /** True when this call created it. */
  readonly created: boolean;
  readonly setupMs: number;
}

export async function ensurePythonVenv(progress: (line: string) => void = (line) => process.stderr.write(`[python-venv] ${line}\n`)): Promise<PythonVenv> {
  const started = performance.now();
  const hash = createHash("sha256").update(PYTHON_REQUIREMENTS.join("\n")).digest("hex").slice(0, 16);
  const dir = process.env["LOGWIRE_PYTHON_VENV"] ?? join(homedir(), ".cache", "logwire", "python-venv", hash);
  const ready = join(dir, ".logwire-ready");
  if (existsSync(ready)) {
    progress(`reusing ${dir}`);
    return { python: join(dir, "bin", "python"), dir, created: false, setupMs: performance.now() - started };
  }

  const base = process.env["LOGWIRE_PYTHON"] ?? "python3";
  const version = spawnSync(base, ["--version"], { encoding: "utf8", timeout: 15_000 });
  if (version.error !== undefined || version.status !== 0) {
    throw new Error(
      `the Confluent Python interop tests need ${base}, which ${version.error !== undefined ? `could not be run (${version.error.message})` : `exited with ${version.status}: ${version.stderr.trim()}`}: ` +
        "install Python 3.9 or later with venv and pip (Debian: apt-get install python3 python3-venv python3-pip), or set LOGWIRE_PYTHON to an interpreter",
    );
  }
  const scratch = `${dir}.partial-${process.pid}-${randomBytes(3).toString("hex")}`;
  mkdirSync(dirname(dir), { recursive: true });
  try {
    progress(`creating ${dir} with ${base} (${(version.stdout || version.stderr).trim()}); a one-time setup, reused by later runs`);
    await step(progress, base, ["-m", "venv", scratch], VENV_TIMEOUT_MS, `${base} -m venv`, "install the venv module (Debian: apt-get install python3-venv)");
    const python = join(scratch, "bin", "python");
    progress(`pip install ${PYTHON_REQUIREMENTS.join(" ")} from PyPI (at most ${PIP_TIMEOUT_MS / 1000} s)`);
    await step(
      progress,
      python,
      ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off", "--timeout", "30", "--retries", "2", ...PYTHON_REQUIREMENTS],
      PIP_TIMEOUT_MS,
      "pip install",
      "check that PyPI is reachable (or set PIP_INDEX_URL to a mirror) and that the venv has pip (Debian: apt-get install python3-venv python3-pip)",
    );
    await step(progress, python, ["-c", "import confluent_kafka, grpc_tools.protoc; print('confluent-kafka', confluent_kafka.version()[0])"], 60_000, "importing the installed packages", "delete the venv folder and run again");
    writeFileSync(join(scratch, "requirements.txt"), `${PYTHON_REQUIREMENTS.join("\n")}\n`);
    writeFileSync(join(scratch, ".logwire-ready"), new Date().toISOString());
    try {
      renameSync(scratch, dir);
    } catch (error) {
      // Another run finished first: use its venv.
      if (!existsSync(ready)) {
        throw error;
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const setupMs = performance.now() - started;
  progress(`ready in ${(setupMs / 1000).toFixed(1)} s: ${dir}`);
  return { python: join(dir, "bin", "python"), dir, created: true, setupMs };
}

/** Runs one setup command with a deadline, echoing its output lines as progress. */
function step(progress: (line: string) => void, command: string, args: readonly string[], timeoutMs: number, what: string, fix: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });
    const tail: string[] = [];
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > 20) tail.shift();
        progress(`  ${line.trimEnd()}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s: ${fix}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${what} could not start (${error.message}): ${fix}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${what} failed (${signal ?? `exit ${code}`}): ${fix}\n${tail.join("\n")}`));
    });
  });
}
