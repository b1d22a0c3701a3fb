import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Where `check` and `register` look for generated code when buf.gen.yaml names no logwire plugin. */
export const DEFAULT_GEN_DIR = "proto";

/** Help text of `--gen`, shared by `check` and `register`; `fallback` names the last resort. */
export function genOptionHelp(fallback: string): string {
  return `directory holding the generated *_logwire.js (or .ts) modules (default: the out: of the protoc-gen-logwire plugin in ./buf.gen.yaml, else ${fallback})`;
}

/** The `--gen` directory and why it was chosen, for the progress line. */
export interface GenDir {
  readonly dir: string;
  readonly from: "--gen" | "buf.gen.yaml" | "default";
}

/**
 * `--gen` when given, else the `out:` of the protoc-gen-logwire plugin in
 * `<cwd>/buf.gen.yaml` (where `logwire init` sends generated code, `src/gen`
 * by default), else `fallback`.
 */
export function resolveGenDir(given: string | undefined, cwd: string, fallback: string = DEFAULT_GEN_DIR): GenDir {
  if (given !== undefined) {
    return { dir: given, from: "--gen" };
  }
  let text: string;
  try {
    text = readFileSync(join(cwd, "buf.gen.yaml"), "utf8");
  } catch {
    return { dir: fallback, from: "default" };
  }
  const out = logwirePluginOut(text);
  return out === undefined ? { dir: fallback, from: "default" } : { dir: out, from: "buf.gen.yaml" };
}

/** `src/gen (out: of protoc-gen-logwire in buf.gen.yaml)`, for progress lines. */
export function describeGenDir(gen: GenDir): string {
  return gen.from === "buf.gen.yaml" ? `${gen.dir} (out: of protoc-gen-logwire in buf.gen.yaml)` : gen.dir;
}

interface Line {
  readonly indent: number;
  readonly text: string;
}

/**
 * The `out:` of the first entry under `plugins:` that runs protoc-gen-logwire:
 * its `local:` (v2) or `path:` (v1) is a string or a list with an item naming
 * protoc-gen-logwire, or its `plugin:`/`name:` (v1) is `logwire`.
 *
 * A deliberately small reader of the block YAML buf.gen.yaml files use (and
 * `logwire init` writes), so the CLI needs no YAML dependency: block
 * mappings and sequences, flow lists (`["node", "x.js"]`), quoted scalars and
 * comments. Anything else yields `undefined`, which falls back to the default.
 */
export function logwirePluginOut(yaml: string): string | undefined {
  const lines = meaningfulLines(yaml);
  const start = lines.findIndex((l) => l.indent === 0 && /^plugins\s*:\s*$/.test(l.text));
  if (start < 0) {
    return undefined;
  }
  const body: Line[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.indent === 0 && !line.text.startsWith("-")) {
      break;
    }
    body.push(line);
  }
  for (const entry of sequenceItems(body)) {
    const fields = mapping(entry);
    const runs = [fields.get("local"), fields.get("path")].some((v) => v !== undefined && [v].flat().some((item) => /protoc-gen-logwire/.test(item)));
    const named = [fields.get("plugin"), fields.get("name")].some((v) => v === "logwire" || v === "protoc-gen-logwire");
    const out = fields.get("out");
    if ((runs || named) && typeof out === "string" && out !== "") {
      return out;
    }
  }
  return undefined;
}

function meaningfulLines(yaml: string): Line[] {
  const out: Line[] = [];
  for (const raw of yaml.split(/\r?\n/)) {
    const text = stripComment(raw).trimEnd();
    if (text.trim() === "") {
      continue;
    }
    out.push({ indent: text.length - text.trimStart().length, text: text.trimStart() });
  }
  return out;
}

/** A `#` starts a comment at the line's start or after a space, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/**
 * The items of a block sequence, each as lines: the dash line with the dash
 * replaced by a space (so its key lines up with the item's other keys).
 */
function sequenceItems(lines: readonly Line[]): Line[][] {
  const first = lines[0];
  if (first === undefined || !first.text.startsWith("-")) {
    return [];
  }
  const items: Line[][] = [];
  for (const line of lines) {
    if (line.indent === first.indent && line.text.startsWith("-")) {
      const rest = line.text.slice(1);
      const pad = rest.length - rest.trimStart().length + 1;
      items.push(rest.trim() === "" ? [] : [{ indent: line.indent + pad, text: rest.trimStart() }]);
    } else if (line.indent > first.indent) {
      items[items.length - 1]?.push(line);
    }
  }
  return items;
}

/** The scalar and list values of one mapping's keys; nested mappings are skipped. */
function mapping(lines: readonly Line[]): Map<string, string | string[]> {
  const fields = new Map<string, string | string[]>();
  const keyIndent = lines[0]?.indent;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const match = /^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$/.exec(line.text);
    if (line.indent !== keyIndent || match === null) {
      continue;
    }
    const value = (match[2] ?? "").trim();
    if (value !== "") {
      fields.set(match[1]!, value.startsWith("[") && value.endsWith("]") ? flowList(value) : scalar(value));
      continue;
    }
    // A block sequence under the key: `local:` then `- node` lines.
    const items: string[] = [];
    while (i + 1 < lines.length && lines[i + 1]!.indent >= line.indent && lines[i + 1]!.text.startsWith("-")) {
      items.push(scalar(lines[++i]!.text.slice(1).trim()));
    }
    if (items.length > 0) {
      fields.set(match[1]!, items);
    }
  }
  return fields;
}

function flowList(value: string): string[] {
  return value
    .slice(1, -1)
    .split(",")
    .map((item) => scalar(item.trim()))
    .filter((item) => item !== "");
}

function scalar(value: string): string {
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(value);
  return quoted === null ? value : (quoted[1] ?? quoted[2] ?? "");
}
