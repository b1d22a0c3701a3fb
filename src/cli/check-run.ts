import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { isLogwireError } from "../runtime/errors.ts";
import type { LogDescriptor, SchemaFile } from "../runtime/log-descriptor.ts";
import { createSchemaDecoder } from "../runtime/schema-decoder.ts";
import type { BufBreakingResult, BufFinding } from "./buf-breaking.ts";
import type { Progress } from "./output.ts";
import type { RegistryRequests, SchemaBody } from "./registry-requests.ts";
import { diffSchemas } from "./schema-diff.ts";
import type { DiffReason } from "./schema-diff.ts";

/**
 * The engine of `logwire check`: one verdict per subject. Imported files are
 * checked first, under their own subjects (the import path, as Confluent's
 * serializers register them), because a log type's references must name a
 * registered version of each.
 */
export type RegistryVerdict = "new" | "unchanged" | "compatible" | "incompatible" | "skipped";

export interface SubjectReport {
  readonly subject: string;
  /** `log` for a generated log type, `reference` for an imported file. */
  readonly role: "log" | "reference";
  readonly typeName: string | undefined;
  /** Import path of the file registered under the subject. */
  readonly file: string;
  /** The combined verdict: `incompatible` if the registry or buf says so. */
  verdict: RegistryVerdict | "error";
  /** What the registry answered; `skipped` when a reference is not registered yet. */
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
  const referenceVersion = new Map<string, number>();
  const reports: SubjectReport[] = [];

  async function checkOne(subject: string, role: "log" | "reference", typeName: string | undefined, file: SchemaFile): Promise<SubjectReport> {
    const report: SubjectReport = { subject, role, typeName, file: file.name, verdict: "error", registry: undefined, latest: undefined, registryMessage: undefined, reasons: [], buf: [], notes: [], error: undefined };
    progress.step(`checking ${subject}`);
    try {
      const missing = file.dependencies.filter((d) => !isWellKnown(d) && !referenceVersion.has(d));
      const body: SchemaBody = {
        schemaType: "PROTOBUF",
        schema: file.schema,
        references: file.dependencies.filter((d) => !isWellKnown(d) && referenceVersion.has(d)).map((d) => ({ name: d, subject: d, version: referenceVersion.get(d)! })),
      };
      let registeredAs: number | undefined;
      const latest = await requests.latest(subject);
      report.latest = latest === undefined ? undefined : { version: latest.version, id: latest.id };
      if (latest === undefined) {
        report.registry = "new";
      } else if (missing.length > 0) {
        report.registry = "skipped";
        report.notes.push(`the registry was not asked: ${missing.join(", ")} is not registered yet, so the schema cannot reference it; verdict from logwire's diff alone`);
      } else {
        const same = await requests.lookup(subject, body);
        if (same !== undefined) {
          report.registry = "unchanged";
          registeredAs = same.version;
          report.notes.push(`already registered as version ${same.version} (id ${same.id})`);
        } else {
          const answer = await requests.isCompatible(subject, body, latest);
          report.registry = answer.compatible ? "compatible" : "incompatible";
          report.registryMessage = answer.message;
          if (answer.method === "scratch-subject") {
            report.notes.push("asked by replaying the registration on a scratch subject: this registry's compatibility endpoint cannot parse schemas with references");
          }
        }
      }
      if (report.latest !== undefined && report.registry !== "unchanged") {
        const registered = await decoder.subjectVersion(subject, "latest");
        if (registered !== undefined) {
          report.reasons = diffSchemas(registered.file.proto, localProto(file));
        }
      }
      if (role === "reference") {
        // Log types reference what is registered: the identical version, else the latest.
        const version = registeredAs ?? report.latest?.version;
        if (version !== undefined) {
          referenceVersion.set(file.name, version);
        }
      }
      report.verdict = verdictOf(report);
      explainRuleDifferences(report);
    } catch (error) {
      report.verdict = "error";
      report.error = isLogwireError(error) ? error.message : String(error);
    }
    return report;
  }

  for (const file of referencedFilesInOrder(descriptors)) {
    reports.push(await checkOne(file.name, "reference", undefined, file));
  }
  for (const d of descriptors) {
    reports.push(await checkOne(d.subject, "log", d.typeName, d.files[0]!));
  }
  return reports;
}

function verdictOf(report: SubjectReport): RegistryVerdict {
  if (report.registry === "skipped") {
    const breaks = report.reasons.some((r) => r.confluent === "incompatible" || r.apicurio === "incompatible");
    return breaks ? "incompatible" : "compatible";
  }
  return report.registry ?? "new";
}

function explainRuleDifferences(report: SubjectReport): void {
  const confluentBreaks = report.reasons.filter((r) => r.confluent === "incompatible");
  const apicurioOnly = report.reasons.filter((r) => r.confluent === "compatible" && r.apicurio === "incompatible");
  if (report.registry === "incompatible" && confluentBreaks.length === 0 && apicurioOnly.length > 0) {
    report.notes.push("Confluent Schema Registry would accept this change; this registry (Apicurio) is stricter and rejects a field removed without reserved, a renamed field and a removed enum value");
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
