import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { importsOf } from "../codegen/import-graph.ts";
import { REPO } from "../codegen/plugin-harness.ts";

// The layout the README's "Layout" section draws: the four rooms of src/
// (codegen, runtime, cli, stack) with arrows into runtime and never out of
// it, and the rooms inside src/runtime, each allowed to import only the
// rooms listed below it. Every import counts, type-only ones included: a
// type import that runs back up is the first step of a cycle.

const SRC = join(REPO, "src");

/** Room of a source file: `runtime/<folder>` (`runtime/kafka/<client>` for a client folder), or the top-level room. */
export function roomOf(file: string): string {
  const parts = relative(SRC, file).split("/");
  if (parts.length === 1) return "(package entry)";
  if (parts[0] !== "runtime") return parts[0]!;
  if (parts.length === 2) return "runtime";
  if (parts[1] === "kafka" && parts.length > 3) return `runtime/kafka/${parts[2]}`;
  return `runtime/${parts[1]}`;
}

/** What each room may import besides itself. `runtime` is the shared root (errors.ts, bounded-json.ts). */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  runtime: [],
  "runtime/encode": ["runtime"],
  "runtime/check": ["runtime", "runtime/encode"],
  "runtime/codegenv1": ["runtime", "runtime/encode", "runtime/check", "runtime/registry"],
  "runtime/registry": ["runtime"],
  "runtime/transport": ["runtime"],
  "runtime/metrics": ["runtime"],
  "runtime/dead-letter": ["runtime", "runtime/transport"],
  "runtime/spool": ["runtime"],
  "runtime/buffer": ["runtime", "runtime/transport", "runtime/registry", "runtime/dead-letter", "runtime/metrics", "runtime/spool"],
  "runtime/kafka": ["runtime"],
  "runtime/kafka/kafkajs": ["runtime", "runtime/kafka", "runtime/transport"],
  "runtime/kafka/worker": ["runtime", "runtime/kafka", "runtime/kafka/kafkajs", "runtime/transport"],
  "runtime/pipeline": [
    "runtime",
    "runtime/encode",
    "runtime/check",
    "runtime/registry",
    "runtime/transport",
    "runtime/metrics",
    "runtime/dead-letter",
    "runtime/spool",
    "runtime/buffer",
    "runtime/kafka",
    "runtime/kafka/kafkajs",
    "runtime/kafka/worker",
  ],
};

function sources(): string[] {
  return readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith(".d.ts"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Relative imports of every source file, resolved to files (`.js` read as the `.ts` beside it). */
function graph(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sources()) {
    const targets = importsOf(file, readFileSync(file, "utf8"))
      .filter((i) => i.specifier.startsWith("."))
      .map((i) => resolve(dirname(file), i.specifier.replace(/\.js$/, ".ts")));
    out.set(file, targets);
  }
  return out;
}

/** The import cycles of a graph, each as the files around it (Tarjan's strongly connected components, size > 1 or a self-import). */
export function cyclesOf(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      for (let w = stack.pop()!; ; w = stack.pop()!) {
        onStack.delete(w);
        component.push(w);
        if (w === v) break;
      }
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!indexOf.has(v)) visit(v);
  return out;
}

test("the cycle finder finds a cycle, so that the next test can fail", () => {
  const edges = new Map([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a"]],
    ["d", ["a"]],
  ]);
  assert.deepEqual(cyclesOf(edges), [["a", "b", "c"]]);
  assert.deepEqual(cyclesOf(new Map([["a", ["b"]], ["b", []]])), []);
});

test("src/ has no import cycles, type-only imports included", () => {
  const cycles = cyclesOf(graph()).map((c) => c.map((f) => relative(REPO, f)));
  assert.deepEqual(cycles, []);
});

test("every import between rooms follows the README's Layout table", () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph()) {
    const from = roomOf(file);
    for (const target of targets) {
      const to = roomOf(target);
      if (to === from) continue;
      if (from.startsWith("runtime")) {
        if (!to.startsWith("runtime") || !(ALLOWED[from] ?? []).includes(to)) wrong.push(`${relative(REPO, file)} (${from}) -> ${relative(REPO, target)} (${to})`);
      } else if (to === "codegen" || to === "cli" || to === "stack") {
        // codegen, cli and stack may use each other only as listed: the CLI starts the stack; nothing else crosses.
        if (!(from === "cli" && to === "stack")) wrong.push(`${relative(REPO, file)} (${from}) -> ${relative(REPO, target)} (${to})`);
      }
    }
  }
  for (const room of new Set([...graph().keys()].map(roomOf))) {
    if (room.startsWith("runtime")) assert.ok(room in ALLOWED, `${room} is a runtime room the Layout table does not list`);
  }
  assert.deepEqual(wrong, []);
});

test("inside the runtime, only kafka/kafkajs/ imports kafkajs", () => {
  const wrong = sources()
    .filter((file) => roomOf(file).startsWith("runtime") && roomOf(file) !== "runtime/kafka/kafkajs")
    .filter((file) => importsOf(file, readFileSync(file, "utf8")).some((i) => i.specifier === "kafkajs" || i.specifier.startsWith("kafkajs/")))
    .map((file) => relative(REPO, file));
  assert.deepEqual(wrong, []);
});
