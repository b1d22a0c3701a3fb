import { Command } from "commander";
import { isLogwireError } from "../runtime/errors.ts";
import { BUF_CATEGORY, runBufBreaking } from "./buf-breaking.ts";
import { describeGenDir, genOptionHelp, resolveGenDir } from "./buf-gen-out.ts";
import { attachBufFindings, checkSubjects, exitCodeOf } from "./check-run.ts";
import type { CheckReport } from "./check-run.ts";
import { formatCheckReport } from "./check-report.ts";
import { loadLogDescriptors } from "./descriptor-loading.ts";
import { createProgress, createStyle, defaultRegistryUrl, printLine } from "./output.ts";
import { createRegistryRequests } from "./registry-requests.ts";

interface CheckOptions {
  readonly registry: string;
  readonly against?: string;
  readonly json?: boolean;
  readonly proto: string;
  readonly gen?: string;
  readonly quiet?: boolean;
}

/** `logwire check`: gate a schema change before deploy, against the registry and `buf breaking`. */
export function checkCommand(): Command {
  return new Command("check")
    .description("check every generated log type against the latest registered version of its subject, and buf breaking against a git ref")
    .option("--registry <url>", "schema registry URL, Confluent API (env LOGWIRE_REGISTRY_URL)", defaultRegistryUrl())
    .option("--against <ref>", "also run buf breaking (category WIRE) on --proto against this git ref, e.g. origin/main")
    .option("--proto <dir>", "directory of the .proto module for buf breaking", "proto")
    .option("--gen <dir>", genOptionHelp("--proto"))
    .option("--json", "print a machine-readable report on stdout")
    .option("-q, --quiet", "no progress lines on stderr")
    .addHelpText(
      "after",
      `
For every subject the report says: new (never registered), unchanged, compatible or INCOMPATIBLE,
as the registry itself answers; a subject it could not be asked about is COULD NOT CHECK (exit 2),
never compatible. Imported files are checked first, under their import path as subject. A schema
that imports a new or changed file is asked about with that file registered on a scratch subject
first (logwire-check.<random>.<path>, deleted afterwards), as logwire register would send it.

Reasons come from diffing the registered latest schema against the local one (Apicurio's
compatibility endpoint gives none): field removed without reserved, type or label changed, optional added or dropped, field
renamed or renumbered, moved into or out of a oneof, enum value removed, renamed or renumbered,
message renamed or removed, package changed. Each says what Confluent Schema Registry's rules make
of it and, where they differ, Apicurio's; a note says when the registry refuses what Confluent
would accept (Apicurio also refuses any type change, e.g. int32 -> int64, repeated <-> singular,
optional added or dropped, and renamed or removed enum values even when reserved).

buf breaking uses the WIRE category, as the buf.yaml logwire init writes: the strongest one that
does not reject what Confluent accepts (field renames). It still requires reserved numbers for
deleted fields and enum values. Both sides compile --proto on its own, plus
logwire/v1/options.proto from the installed logwire package (node_modules is not in git); the
category is WIRE whatever buf.yaml says.

Exit codes:
  0  every subject is new, unchanged or compatible, and buf breaking found nothing
  1  at least one subject is incompatible, or buf breaking found a breaking change
  2  could not check: registry down or unable to judge a schema, bad input (no generated code,
     bad option), not a git ref`,
    )
    .action(async (options: CheckOptions) => {
      process.exitCode = await runCheck(options);
    });
}

async function runCheck(options: CheckOptions): Promise<0 | 1 | 2> {
  const progress = createProgress(options.quiet === true || options.json === true);
  const style = createStyle();
  const requests = createRegistryRequests(options.registry);
  const report: CheckReport = { registry: requests.url, subjects: [], buf: { skipped: "no --against ref given" }, exitCode: 2 };
  try {
    const gen = resolveGenDir(options.gen, process.cwd(), options.proto);
    progress.step(`loading generated log types from ${describeGenDir(gen)}`);
    const descriptors = await loadLogDescriptors(gen.dir);
    progress.step(`found ${descriptors.length} log type(s); asking ${requests.url}`);
    report.subjects.push(...(await checkSubjects(descriptors, requests, progress)));
    if (options.against !== undefined) {
      progress.step(`running buf breaking (${BUF_CATEGORY}) on ${options.proto} against ${options.against}`);
      try {
        const buf = await runBufBreaking(options.proto, options.against);
        const unmatched = attachBufFindings(report.subjects, buf);
        report.buf = { against: buf.against, commit: buf.commit, category: BUF_CATEGORY, unmatched };
      } catch (error) {
        report.buf = { error: isLogwireError(error) ? error.message : String(error) };
      }
    }
    report.exitCode = exitCodeOf(report);
  } catch (error) {
    // Bad input before any subject could be checked: still one report, exit 2.
    const message = isLogwireError(error) ? error.message : String(error);
    if (options.json === true) {
      printLine(JSON.stringify({ ...report, error: message }, null, 2));
    } else {
      process.stderr.write(`logwire: ${message}\n`);
    }
    return 2;
  }
  printLine(options.json === true ? JSON.stringify(report, null, 2) : formatCheckReport(report, style));
  return report.exitCode;
}
