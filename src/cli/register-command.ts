import { Command } from "commander";
import { ErrorCode, isLogwireError } from "../runtime/errors.ts";
import type { LogDescriptor, SchemaFile } from "../runtime/registry/log-descriptor.ts";
import { REGISTRY_ATTEMPTS, REGISTRY_TIMEOUT_MS, registryBackoff } from "../runtime/registry/registry-fetch.ts";
import { createSchemaResolver, type SchemaResolver } from "../runtime/registry/schema-registration.ts";
import { DEFAULT_GEN_DIR, describeGenDir, genOptionHelp, resolveGenDir } from "./buf-gen-out.ts";
import { isWellKnown, referencedFilesInOrder } from "./check-run.ts";
import { loadLogDescriptors } from "./descriptor-loading.ts";
import { createProgress, createStyle, defaultRegistryUrl, printLine } from "./output.ts";
import { createRegistryRequests } from "./registry-requests.ts";
import type { RegistryRequests, SchemaBody } from "./registry-requests.ts";

interface RegisterOptions {
  readonly registry: string;
  readonly dryRun?: boolean;
  readonly gen?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** One line of the report: a subject and what it holds (or would hold). */
interface RegisteredSubject {
  readonly subject: string;
  readonly role: "log" | "reference";
  readonly typeName: string | undefined;
  readonly file: string;
  /** `registered` after a real run; for `--dry-run` what would happen. */
  readonly state: "registered" | "would-register-new-subject" | "would-register-new-version" | "already-registered";
  readonly id: number | undefined;
  readonly version: number | undefined;
}

/** `logwire register`: register every generated schema, imports first, before a `use-latest` deploy. */
export function registerCommand(): Command {
  return new Command("register")
    .description("register every generated log schema, with references for its imports, and print subject -> id and version")
    .option("--registry <url>", "schema registry URL, Confluent API (env LOGWIRE_REGISTRY_URL)", defaultRegistryUrl())
    .option("--gen <dir>", genOptionHelp(DEFAULT_GEN_DIR))
    .option("--dry-run", "print what would be registered; write nothing")
    .option("--json", "print a JSON array instead of text lines")
    .option("-q, --quiet", "no progress lines on stderr")
    .addHelpText(
      "after",
      `
Imported files are registered first, each under its import path as subject (as Confluent's
serializers do); google/protobuf/* imports are not registered. Registration goes through the same
code as the pipeline's auto-register mode, so a deploy in use-latest mode finds exactly these versions.

Exit codes:
  0  every schema is registered (or, with --dry-run, could be looked up)
  1  the registry rejected a schema (incompatible with the subject's latest version; run logwire check)
  2  could not register: registry down, no generated code, bad option`,
    )
    .action(async (options: RegisterOptions) => {
      process.exitCode = await runRegister(options);
    });
}

/** Registers with the tries `check`'s calls make (registry-fetch.ts): an unanswered call or a 5xx is retried; a refused connection fails at once. */
async function resolveWithRetries(resolver: SchemaResolver, descriptor: LogDescriptor): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await resolver.resolve(descriptor);
      return;
    } catch (error) {
      const refused = /ECONNREFUSED/.test(String((error as Error).message));
      if (!isLogwireError(error) || !error.retriable || refused || attempt >= REGISTRY_ATTEMPTS) throw error;
      await registryBackoff(attempt);
    }
  }
}

async function runRegister(options: RegisterOptions): Promise<0 | 1 | 2> {
  const progress = createProgress(options.quiet === true || options.json === true);
  const style = createStyle();
  const requests = createRegistryRequests(options.registry);
  try {
    const gen = resolveGenDir(options.gen, process.cwd());
    progress.step(`loading generated log types from ${describeGenDir(gen)}`);
    const descriptors = await loadLogDescriptors(gen.dir);
    if (options.dryRun !== true) {
      // The pipeline's own resolver registers imports first, then each type.
      const resolver = createSchemaResolver({ url: requests.url, auth: undefined, requestTimeoutMs: REGISTRY_TIMEOUT_MS, mode: "auto-register", ids: {}, onCall: () => undefined });
      for (const d of descriptors) {
        progress.step(`registering ${d.subject} (${d.typeName})`);
        await resolveWithRetries(resolver, d);
      }
    }
    const rows = await describeSubjects(descriptors, requests, options.dryRun === true);
    if (options.json === true) {
      printLine(JSON.stringify(rows, null, 2));
    } else {
      for (const row of rows) {
        printLine(formatRow(row, style));
      }
    }
    return 0;
  } catch (error) {
    process.stderr.write(`logwire: ${error instanceof Error ? error.message : String(error)}\n`);
    if (isLogwireError(error) && error.code === ErrorCode.SchemaIncompatible) {
      return 1;
    }
    return 2;
  }
}

/**
 * Looks every subject up (imports first, so references carry registered
 * versions). After a real run every lookup finds its version; in a dry run a
 * missing one says what registering would do.
 */
async function describeSubjects(descriptors: readonly LogDescriptor[], requests: RegistryRequests, dryRun: boolean): Promise<RegisteredSubject[]> {
  const versions = new Map<string, number>();
  const rows: RegisteredSubject[] = [];
  const describe = async (subject: string, role: "log" | "reference", typeName: string | undefined, file: SchemaFile) => {
    const deps = file.dependencies.filter((d) => !isWellKnown(d));
    const complete = deps.every((d) => versions.has(d));
    const body: SchemaBody = { schemaType: "PROTOBUF", schema: file.schema, references: deps.filter((d) => versions.has(d)).map((d) => ({ name: d, subject: d, version: versions.get(d)! })) };
    const found = complete ? await requests.lookup(subject, body) : undefined;
    if (found !== undefined) {
      if (role === "reference") {
        versions.set(file.name, found.version);
      }
      rows.push({ subject, role, typeName, file: file.name, state: dryRun ? "already-registered" : "registered", id: found.id, version: found.version });
      return;
    }
    if (!dryRun) {
      throw new Error(`subject ${subject} has no version equal to the schema just registered`);
    }
    const latest = await requests.latest(subject);
    rows.push({ subject, role, typeName, file: file.name, state: latest === undefined ? "would-register-new-subject" : "would-register-new-version", id: undefined, version: latest === undefined ? undefined : latest.version + 1 });
  };
  for (const file of referencedFilesInOrder(descriptors)) {
    await describe(file.name, "reference", undefined, file);
  }
  for (const d of descriptors) {
    await describe(d.subject, "log", d.typeName, d.files[0]!);
  }
  return rows;
}

function formatRow(row: RegisteredSubject, style: ReturnType<typeof createStyle>): string {
  const what = row.role === "log" ? row.typeName : `imported ${row.file}`;
  switch (row.state) {
    case "registered":
      return `${style.bold(row.subject)} -> id ${row.id}, version ${row.version} (${what})`;
    case "already-registered":
      return `${style.bold(row.subject)}: already registered as id ${row.id}, version ${row.version} (${what}); dry run, nothing written`;
    case "would-register-new-subject":
      return `${style.bold(row.subject)}: would register version 1 of a new subject (${what}); dry run, nothing written`;
    case "would-register-new-version":
      return `${style.bold(row.subject)}: would register a new version, expected ${row.version} (${what}); dry run, nothing written`;
  }
}
