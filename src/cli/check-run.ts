import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { isLogwireError } from "../runtime/errors.ts";
import type { LogDescriptor, SchemaFile } from "../runtime/registry/log-descriptor.ts";
import { createSchemaDecoder } from "./decode/schema-decoder.ts";
import type { BufBreakingResult, BufFinding } from "./buf-breaking.ts";
import type { Progress } from "./output.ts";
import type { PendingImports, RegistryRequests, SchemaBody, SchemaReference } from "./registry-requests.ts";
import { diffSchemas, stricterRule } from "./schema-diff.ts";
import type { DiffReason } from "./schema-diff.ts";

/**
 * The engine of `logwire check`: one verdict per subject. Imported files are
 * checked first, under their own subjects (the import path, as Confluent's
 * serializers register them), because a log type's references must name a
 * registered version of each.
 *
 * Every subject with a registered version is judged by the registry itself,
 * never by logwire's diff alone (a diff cannot know every rule of every
 * registry; the diff only explains). An import that is new or changed is not
 * registered with its local content yet, so a schema importing it is asked
 * about with that import replayed on a scratch subject (see
 * `RegistryRequests.isCompatible`). When the registry cannot be asked, the
 * verdict is `error`: COULD NOT CHECK, exit 2.
 */
export type RegistryVerdict = "new" | "unchanged" | "compatible" | "incompatible";

export interface SubjectReport {
  readonly subject: string;
  /** `log` for a generated log type, `reference` for an imported file. */
  readonly role: "log" | "reference";
  readonly typeName: string | undefined;
  /** Import path of the file registered under the subject. */
  readonly file: string;
  /** The combined verdict: `incompatible` if the registry or buf says so. */
  verdict: RegistryVerdict | "error";
  /** What the registry answered. */
  registry: RegistryVerdict | undefined;
  /** Latest registered version, when there is one. */
  latest: { version: number; id: number } | undefined;
  /** The registry's own words on an incompatible schema, when it gave any. */
  registryMessage: string | undefined;
  reasons: DiffReason[];
  buf: BufFinding[];
  notes: string[];
  error: string | undefined;
}

export interface CheckReport {
  readonly registry: string;
  readonly subjects: SubjectReport[];
  buf: { against: string; commit: string; category: string; unmatched: BufFinding[] } | { skipped: string } | { error: string };
  exitCode: 0 | 1 | 2;
}

export function isWellKnown(name: string): boolean {
  return name.startsWith("google/protobuf/");
}

export function localProto(file: SchemaFile): FileDescriptorProto {
  return fromBinary(FileDescriptorProtoSchema, Buffer.from(file.schema, "base64"));
}

/** Every non-well-known file the descriptors mention, each after the files it imports. */
export function referencedFilesInOrder(descriptors: readonly LogDescriptor[]): SchemaFile[] {
  const byName = new Map<string, SchemaFile>();
  for (const d of descriptors) {
    for (const f of d.files) {
      byName.set(f.name, f);
    }
  }
  const ordered: SchemaFile[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    const file = byName.get(name);
    if (seen.has(name) || isWellKnown(name) || file === undefined) {
      return;
    }
    seen.add(name);
    file.dependencies.forEach(visit);
    ordered.push(file);
  };
  for (const d of descriptors) {
    d.files[0]?.dependencies.forEach(visit);
  }
  return ordered;
}

export async function checkSubjects(
  descriptors: readonly LogDescriptor[],
  requests: RegistryRequests,
  progress: Progress,
): Promise<SubjectReport[]> {
  const decoder = createSchemaDecoder({ registryUrl: requests.url });
  const ordered = referencedFilesInOrder(descriptors);
  const byName = new Map(ordered.map((f) => [f.name, f]));
  /** Imports whose exact local content is registered, by the version that holds it. */
  const registeredVersion = new Map<string, number>();
  const reports: SubjectReport[] = [];

  const ownImports = (file: SchemaFile) => file.dependencies.filter((d) => !isWellKnown(d));
  const registeredRefs = (file: SchemaFile): SchemaReference[] =>
    ownImports(file)
      .filter((d) => registeredVersion.has(d))
      .map((d) => ({ name: d, subject: d, version: registeredVersion.get(d)! }));

  /** The imports of `file`, direct or not, that are not registered with their local content, each after its own. */
  function pendingImports(file: SchemaFile): PendingImports {
    const files: PendingImports["files"][number][] = [];
    const seen = new Set<string>();
    const visit = (name: string) => {
      const dep = byName.get(name);
      if (seen.has(name) || registeredVersion.has(name) || dep === undefined) {
        return;
      }
      seen.add(name);
      ownImports(dep).forEach(visit);
      files.push({ name, schema: dep.schema, references: registeredRefs(dep), unregistered: ownImports(dep).filter((d) => !registeredVersion.has(d)) });
    };
    ownImports(file).forEach(visit);
    return { files, direct: ownImports(file).filter((d) => !registeredVersion.has(d)) };
  }

  async function checkOne(subject: string, role: "log" | "reference", typeName: string | undefined, file: SchemaFile): Promise<SubjectReport> {
    const report: SubjectReport = { subject, role, typeName, file: file.name, verdict: "error", registry: undefined, latest: undefined, registryMessage: undefined, reasons: [], buf: [], notes: [], error: undefined };
    progress.step(`checking ${subject}`);
    try {
      const pending = pendingImports(file);
      const body: SchemaBody = { schemaType: "PROTOBUF", schema: file.schema, references: registeredRefs(file) };
      const latest = await requests.latest(subject);
      report.latest = latest === undefined ? undefined : { version: latest.version, id: latest.id };
      // With an import not registered as it is here, the schema cannot be registered as it is either.
      const same = latest === undefined || pending.files.length > 0 ? undefined : await requests.lookup(subject, body);
      if (latest === undefined) {
        report.registry = "new";
      } else if (same !== undefined) {
        report.registry = "unchanged";
        report.notes.push(`already registered as version ${same.version} (id ${same.id})`);
        if (role === "reference") {
          registeredVersion.set(file.name, same.version);
        }
      } else {
        const answer = await requests.isCompatible(subject, body, latest, pending);
        report.registry = answer.compatible ? "compatible" : "incompatible";
        report.registryMessage = answer.message;
        if (answer.scratchImports.length > 0) {
          const list = answer.scratchImports.join(", ");
          report.notes.push(
            `the registry was asked by replaying the registration on scratch subjects, with ${list} registered there first (not registered with this content yet; logwire register registers ${answer.scratchImports.length === 1 ? "it" : "them"} before this subject)`,
          );
        } else if (answer.method === "scratch-subject") {
          report.notes.push("asked by replaying the registration on a scratch subject: this registry's compatibility endpoint cannot parse schemas with references");
        }
      }
      if (report.latest !== undefined && report.registry !== "unchanged") {
        const registered = await decoder.subjectVersion(subject, "latest");
        if (registered !== undefined) {
          report.reasons = diffSchemas(registered.file.proto, localProto(file));
        }
      }
      report.verdict = report.registry;
      explainRuleDifferences(report);
    } catch (error) {
      report.verdict = "error";
      report.error = isLogwireError(error) ? error.message : String(error);
    }
    return report;
  }

  for (const file of ordered) {
    reports.push(await checkOne(file.name, "reference", undefined, file));
  }
  for (const d of descriptors) {
    reports.push(await checkOne(d.subject, "log", d.typeName, d.files[0]!));
  }
  return reports;
}

/**
 * Notes where the registry's verdict and Confluent's rules part, naming the
 * changes behind it, because a bare INCOMPATIBLE above reasons all marked
 * `Confluent: compatible` reads as a contradiction.
 */
function explainRuleDifferences(report: SubjectReport): void {
  const confluentBreaks = report.reasons.filter((r) => r.confluent === "incompatible");
  const stricter = report.reasons.filter((r) => r.confluent === "compatible" && r.apicurio === "incompatible");
  if (report.registry === "incompatible" && confluentBreaks.length === 0 && stricter.length > 0) {
    report.notes.push(
      `Confluent Schema Registry would accept this change; this registry is stricter (Apicurio Registry's Protobuf rules) and refuses: ${stricter.map(stricterRule).join("; ")}`,
    );
  }
  if (report.registry === "compatible" && confluentBreaks.length > 0) {
    report.notes.push("Confluent Schema Registry would reject this change (see the reasons marked Confluent: incompatible)");
  }
  if (report.registry === "incompatible" && report.reasons.length === 0) {
    report.notes.push("the registry gave no reason and logwire's diff found none; compare the registered latest version by hand (GET /subjects/<subject>/versions/latest)");
  }
}

/** Attaches each buf finding to the subject whose file it is in; returns the rest. */
export function attachBufFindings(reports: SubjectReport[], buf: BufBreakingResult): BufFinding[] {
  const unmatched: BufFinding[] = [];
  for (const finding of buf.findings) {
    const owners = reports.filter((r) => finding.path === r.file || finding.path.endsWith(`/${r.file}`));
    if (owners.length === 0) {
      unmatched.push(finding);
    }
    for (const owner of owners) {
      owner.buf.push(finding);
      if (owner.verdict !== "error") {
        owner.verdict = "incompatible";
      }
    }
  }
  return unmatched;
}

export function exitCodeOf(report: CheckReport): 0 | 1 | 2 {
  if ("error" in report.buf || report.subjects.some((s) => s.verdict === "error")) {
    return 2;
  }
  if (report.subjects.some((s) => s.verdict === "incompatible") || ("unmatched" in report.buf && report.buf.unmatched.length > 0)) {
    return 1;
  }
  return 0;
}
