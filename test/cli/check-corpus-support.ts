import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LogDescriptor, SchemaFile } from "../../src/runtime/registry/log-descriptor.ts";
import { registryCall } from "../support/registry-call.ts";
import type { Evolution } from "./check-corpus-cases.ts";
import { REGISTRY_URL } from "./support/cli-harness.ts";
import { buildDescriptorSet, fixtureDescriptor } from "./support/fixture-descriptors.ts";

/**
 * Puts the corpus of test/cli/check-corpus-cases.ts on disk and talks to the
 * registry for it, independently of the CLI under test: every case gets its
 * own directory (`$D`), package (`$P`) and subjects, so runs never see each
 * other's versions. All cases' v1 trees are compiled by one `buf build`, and
 * all v2 trees by another, to keep the suite fast on two cores.
 */
export interface MaterializedCase {
  readonly evolution: Evolution;
  readonly dir: string;
  readonly pkg: string;
  readonly subject: string;
  v1(): LogDescriptor;
  v2(): LogDescriptor;
}

function fill(text: string, dir: string, pkg: string): string {
  const body = text.split("$D").join(dir).split("$P").join(pkg);
  return body.trimStart().startsWith("syntax") ? body : `syntax = "proto3";\npackage ${pkg};\n\n${body}`;
}

function writeTree(root: string, dir: string, pkg: string, files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, fill(text, dir, pkg));
  }
}

export function materializeCorpus(root: string, id: string, evolutions: readonly Evolution[]): MaterializedCase[] {
  const cases = evolutions.map((evolution, index) => {
    const dir = `ck${id}c${String(index).padStart(2, "0")}`;
    const pkg = `${dir}.v1`;
    writeTree(join(root, "v1"), dir, pkg, evolution.v1);
    writeTree(join(root, "v2"), dir, pkg, evolution.v2);
    return { evolution, dir, pkg, subject: `${dir}-log-value` };
  });
  mkdirSync(join(root, "out1"));
  mkdirSync(join(root, "out2"));
  const v1Set = buildDescriptorSet(join(root, "v1"), join(root, "out1"));
  const v2Set = buildDescriptorSet(join(root, "v2"), join(root, "out2"));
  return cases.map((c) => ({
    ...c,
    v1: () => fixtureDescriptor(v1Set, `${c.pkg}.Log`, c.subject.replace(/-value$/, ""), c.subject),
    v2: () => fixtureDescriptor(v2Set, `${c.pkg}.${c.evolution.typeName ?? "Log"}`, c.subject.replace(/-value$/, ""), c.subject),
  }));
}

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await registryCall(`${REGISTRY_URL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** The descriptor's non-well-known files, each after the files it imports. */
function filesInOrder(descriptor: LogDescriptor): SchemaFile[] {
  const byName = new Map(descriptor.files.map((f) => [f.name, f]));
  const out: SchemaFile[] = [];
  const visit = (name: string) => {
    const file = byName.get(name);
    if (file === undefined || name.startsWith("google/protobuf/") || out.includes(file)) {
      return;
    }
    file.dependencies.forEach(visit);
    out.push(file);
  };
  visit(descriptor.files[0]!.name);
  return out;
}

export interface Registration {
  /** 200 when every file registered; else the first refusal's status (409 incompatible). */
  readonly status: number;
  /** The subject that refused, and the registry's words. */
  readonly refused: string | undefined;
  readonly message: string;
}

/**
 * Registers the descriptor the way `logwire register` and the pipeline do:
 * each import under its import path (references by the version that holds
 * its exact content), then the log type under its subject. Stops at the
 * first refusal.
 */
export async function registerAll(descriptor: LogDescriptor): Promise<Registration> {
  const versions = new Map<string, number>();
  for (const file of filesInOrder(descriptor)) {
    const subject = file === descriptor.files[0] ? descriptor.subject : file.name;
    const body = {
      schemaType: "PROTOBUF",
      schema: file.schema,
      references: file.dependencies.filter((d) => !d.startsWith("google/protobuf/")).map((d) => ({ name: d, subject: d, version: versions.get(d) })),
    };
    const registered = await post(`/subjects/${encodeURIComponent(subject)}/versions`, body);
    if (registered.status !== 200) {
      return { status: registered.status, refused: subject, message: String(registered.json["message"] ?? JSON.stringify(registered.json)) };
    }
    const lookup = await post(`/subjects/${encodeURIComponent(subject)}`, body);
    versions.set(file.name, Number(lookup.json["version"]));
  }
  return { status: 200, refused: undefined, message: "" };
}
