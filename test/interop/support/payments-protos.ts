import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import type { FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

/**
 * The payments schemas (proto/example/payments/v1/*.proto and the logwire
 * options they import), copied under a folder unique to the run, so every
 * subject a client derives from a file name (Confluent's clients register
 * imports under their path) is new: `interop_ab12cd/example/payments/v1/common.proto`.
 * Packages stay as they are. The folder name is a Python identifier, so
 * grpc_tools.protoc output imports as `interop_ab12cd.example.payments.v1.audit_pb2`.
 */
export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const SOURCES = ["example/payments/v1/common.proto", "example/payments/v1/audit.proto", "example/payments/v1/error.proto", "example/payments/v1/performance.proto", "logwire/v1/options.proto"];

export interface ProtoTree {
  readonly root: string;
  readonly prefix: string;
  /** Paths relative to `root`, e.g. `interop_ab12cd/example/payments/v1/audit.proto`. */
  readonly files: readonly string[];
  /** Each file's text as written. */
  readonly text: ReadonlyMap<string, string>;
}

export function writePaymentsTree(root: string, prefix: string, edit: (file: string, text: string) => string = (_f, t) => t): ProtoTree {
  const text = new Map<string, string>();
  for (const source of SOURCES) {
    const original = readFileSync(join(REPO_ROOT, "proto", source), "utf8");
    const moved = original.replaceAll('import "example/payments/', `import "${prefix}/example/payments/`).replaceAll('import "logwire/v1/options.proto"', `import "${prefix}/logwire/v1/options.proto"`);
    const name = `${prefix}/${source}`;
    const out = edit(source, moved);
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), out);
    text.set(name, out);
  }
  return { root, prefix, files: [...text.keys()], text };
}

/**
 * `buf build` of the tree as a registry: json_name filled in (as buf and
 * protoc give plugins), no source info (as protobuf-es embeds descriptors
 * in generated code; Apicurio 3.3.3 answers HTTP 500 for a reference
 * registered with source info).
 */
export function buildRegistry(tree: ProtoTree, outDir: string): FileRegistry {
  const out = join(outDir, `${tree.prefix}.binpb`);
  execFileSync(join(REPO_ROOT, "node_modules/.bin/buf"), ["build", tree.root, "--exclude-source-info", "-o", out], { cwd: tree.root, stdio: "pipe", timeout: 60_000 });
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(out)));
}

/**
 * Moves the nested message declarations of `message` above its fields, a
 * layout many teams use. protoc then lists the map entry types after the
 * nested messages (`Card, BankTransfer, LabelsEntry`), so the message-index
 * paths differ from the file as committed.
 */
export function hoistNestedMessages(text: string, message: string): string {
  const start = text.indexOf(`message ${message} {`);
  if (start === -1) throw new Error(`message ${message} not found`);
  const bodyStart = text.indexOf("{", start) + 1;
  const bodyEnd = matchingBrace(text, bodyStart - 1);
  const body = text.slice(bodyStart, bodyEnd);
  const nested: string[] = [];
  let rest = "";
  let i = 0;
  for (const m of body.matchAll(/\n[ \t]*message \w+ \{/g)) {
    if (m.index < i) continue;
    const open = m.index + m[0].length - 1;
    const close = matchingBrace(body, open);
    rest += body.slice(i, m.index);
    nested.push(body.slice(m.index, close + 1));
    i = close + 1;
  }
  rest += body.slice(i);
  if (nested.length === 0) throw new Error(`message ${message} has no nested messages to hoist`);
  return `${text.slice(0, bodyStart)}${nested.join("")}\n${rest}${text.slice(bodyEnd)}`;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return i;
  }
  throw new Error("unbalanced braces");
}
