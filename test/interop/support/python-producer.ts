import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FileRegistry } from "@bufbuild/protobuf";
import type { ProtoTree } from "./payments-protos.ts";
import { sampleBytes } from "./payments-samples.ts";
import type { Sample } from "./payments-samples.ts";
import type { PythonVenv } from "./python-venv.ts";

export interface PythonProduceOptions {
  readonly venv: PythonVenv;
  readonly tree: ProtoTree;
  /** The tree built by buf, to write each sample's payload. */
  readonly registry: FileRegistry;
  readonly outDir: string;
  readonly registryUrl: string;
  readonly brokers: string;
  readonly topic: string;
  readonly samples: readonly Sample[];
  /** ProtobufSerializer's configuration (JSON values only). */
  readonly serializerConfig: Readonly<Record<string, string | boolean | number>>;
}

/**
 * Generates the tree's Python classes with `python -m grpc_tools.protoc`,
 * then runs confluent_python_producer.py: each sample is parsed by Python's
 * protobuf runtime, framed by Confluent's ProtobufSerializer and produced
 * with confluent_kafka.Producer. Returns each record's produced value by key.
 */
export async function producePython(options: PythonProduceOptions): Promise<Map<string, Buffer>> {
  const pythonOut = join(options.outDir, `${options.tree.prefix}-python`);
  mkdirSync(pythonOut, { recursive: true });
  await run(options.venv.python, ["-m", "grpc_tools.protoc", `-I${options.tree.root}`, `--python_out=${pythonOut}`, ...options.tree.files], "", 120_000);
  const job = {
    registryUrl: options.registryUrl,
    brokers: options.brokers,
    pythonOut,
    modules: options.tree.files.map((f) => f.replace(/\.proto$/, "_pb2").replaceAll("/", ".")),
    serializerConfig: options.serializerConfig,
    records: options.samples.map((s) => ({ topic: options.topic, key: s.key, type: s.type, payload: Buffer.from(sampleBytes(options.registry, s)).toString("base64") })),
  };
  const stdout = await run(options.venv.python, [join(import.meta.dirname, "confluent_python_producer.py")], JSON.stringify(job), 180_000);
  const produced = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { key: string; frame: string });
  return new Map(produced.map((p) => [p.key, Buffer.from(p.frame, "base64")]));
}

/** Runs a command with stdin and a deadline; rejects with its output on failure. */
function run(command: string, args: readonly string[], input: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(" ")} failed (${killed ? `killed after ${timeoutMs} ms` : (signal ?? `exit ${code}`)}):\n${stderr}${stdout}`));
    });
    child.stdin.end(input);
  });
}
