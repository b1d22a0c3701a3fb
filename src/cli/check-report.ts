import type { CheckReport, SubjectReport } from "./check-run.ts";
import type { Style } from "./output.ts";

/**
 * Text form of the `logwire check` report: a verdict line per subject, then
 * indented reasons, notes and buf findings, then a summary line with the exit
 * code. `--json` prints the CheckReport itself instead.
 */
export function formatCheckReport(report: CheckReport, style: Style): string {
  const lines: string[] = [];
  for (const s of report.subjects) {
    lines.push(verdictLine(s, style));
    if (s.error !== undefined) {
      lines.push(`    error: ${s.error}`);
    }
    if (s.registry !== undefined && s.registry !== "new") {
      const against = s.latest === undefined ? "" : ` (latest version ${s.latest.version}, id ${s.latest.id})`;
      lines.push(`    registry: ${s.registry}${against}`);
    }
    if (s.registryMessage !== undefined) {
      lines.push(`    registry says: ${s.registryMessage}`);
    }
    for (const r of s.reasons) {
      const rules = `Confluent: ${r.confluent}${r.apicurio === undefined ? "" : `, Apicurio: ${r.apicurio}`}`;
      lines.push(`    - ${r.message} ${style.dim(`[${rules}]`)}`);
    }
    for (const f of s.buf) {
      lines.push(`    - buf ${f.rule} at ${f.path}:${f.line}: ${f.message}`);
    }
    for (const note of s.notes) {
      lines.push(`    note: ${note}`);
    }
  }
  if ("error" in report.buf) {
    lines.push(`${style.red("buf breaking could not run")}: ${report.buf.error}`);
  } else if ("skipped" in report.buf) {
    lines.push(style.dim(`buf breaking: skipped (${report.buf.skipped})`));
  } else {
    const total = report.subjects.reduce((n, s) => n + s.buf.length, 0) + report.buf.unmatched.length;
    lines.push(`buf breaking (${report.buf.category}) against ${report.buf.against} (${report.buf.commit.slice(0, 12)}): ${total === 0 ? "no breaking changes" : `${total} breaking change(s)`}`);
    for (const f of report.buf.unmatched) {
      lines.push(`    - buf ${f.rule} at ${f.path}:${f.line}: ${f.message}`);
    }
  }
  lines.push(summaryLine(report));
  return lines.join("\n");
}

function verdictLine(s: SubjectReport, style: Style): string {
  const what = s.role === "log" ? `${s.typeName ?? ""}` : "imported file";
  const word =
    s.verdict === "incompatible"
      ? style.red("INCOMPATIBLE")
      : s.verdict === "error"
        ? style.red("COULD NOT CHECK")
        : s.verdict === "new"
          ? style.yellow("new subject")
          : style.green(s.verdict);
  return `${style.bold(s.subject)} (${what}): ${word}`;
}

function summaryLine(report: CheckReport): string {
  const counts = new Map<string, number>();
  for (const s of report.subjects) {
    counts.set(s.verdict, (counts.get(s.verdict) ?? 0) + 1);
  }
  const parts = [...counts.entries()].map(([verdict, n]) => `${n} ${verdict}`);
  return `${report.subjects.length} subject(s): ${parts.join(", ") || "none"}; exit ${report.exitCode}`;
}
