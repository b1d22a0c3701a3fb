import type { LogDescriptor } from "../../../src/runtime/registry/log-descriptor.ts";
import { brokers, registryUrl } from "../../support/stack-env.ts";
import { registryCall } from "../../support/registry-call.ts";

export { runCli, runId, type CliResult } from "./run-cli.ts";

/** Endpoints of the real stack (test/support/stack-env.ts): a test that imports this file runs only in `npm test`. */
export const REGISTRY_URL = registryUrl;
export const BROKERS = brokers.join(",");

async function registryPost(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await registryCall(`${REGISTRY_URL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function body(descriptor: LogDescriptor, fileIndex: number, versions: Map<string, number>): unknown {
  const file = descriptor.files[fileIndex]!;
  return {
    schemaType: "PROTOBUF",
    schema: file.schema,
    references: file.dependencies.filter((d) => !d.startsWith("google/protobuf/")).map((d) => ({ name: d, subject: d, version: versions.get(d) })),
  };
}

/**
 * Registers a fixture's imports (under their import paths) and then the log
 * type itself, straight over REST, as the test's own setup; independent of
 * the CLI under test. Returns the root's id.
 */
export async function registerDirect(descriptor: LogDescriptor): Promise<{ id: number; versions: Map<string, number> }> {
  const versions = new Map<string, number>();
  for (let i = descriptor.files.length - 1; i >= 1; i--) {
    const file = descriptor.files[i]!;
    if (file.name.startsWith("google/protobuf/")) {
      continue;
    }
    const subject = encodeURIComponent(file.name);
    const registered = await registryPost(`/subjects/${subject}/versions`, body(descriptor, i, versions));
    if (registered.status !== 200) {
      throw new Error(`registering ${file.name}: ${JSON.stringify(registered.json)}`);
    }
    const lookup = await registryPost(`/subjects/${subject}`, body(descriptor, i, versions));
    versions.set(file.name, Number(lookup.json["version"]));
  }
  const root = await registryPost(`/subjects/${encodeURIComponent(descriptor.subject)}/versions`, body(descriptor, 0, versions));
  if (root.status !== 200) {
    throw new Error(`registering ${descriptor.subject}: ${JSON.stringify(root.json)}`);
  }
  return { id: Number(root.json["id"]), versions };
}

/**
 * What the real registry says about the descriptor's root schema: it tries to
 * register it as the subject's next version (HTTP 200 compatible, 409
 * incompatible with the registry's reason). Registration is used rather than
 * the compatibility endpoint because Apicurio 3.3.3 cannot parse a schema with
 * references there (422).
 */
export async function registerAttempt(descriptor: LogDescriptor, versions: Map<string, number>): Promise<{ status: number; message: string }> {
  const answer = await registryPost(`/subjects/${encodeURIComponent(descriptor.subject)}/versions`, body(descriptor, 0, versions));
  return { status: answer.status, message: String(answer.json["message"] ?? "") };
}
