import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";

const run = promisify(execFile);

/**
 * `buf breaking` of the local `.proto` tree against the same tree at a git ref.
 *
 * Category: WIRE. It is the strongest buf category that accepts what
 * Confluent's Protobuf checker accepts where it matters most to a log
 * pipeline: Confluent compares binary compatibility (renaming a field is
 * compatible, scalar types may change within one wire-encoding group, as
 * with buf's FIELD_WIRE_COMPATIBLE_TYPE). WIRE_JSON and stronger add
 * FIELD_SAME_NAME / FIELD_SAME_JSON_NAME, so they would fail renames
 * Confluent accepts. WIRE is stricter than Confluent in one way, on purpose:
 * a deleted field or enum value must have its number reserved (Confluent
 * accepts the deletion, Apicurio rejects a deleted field), because a reused
 * number silently misreads old records. WIRE does not see message renames;
 * logwire's own diff and the registry do.
 *
 * The ref's tree is exported with `git archive` into a temporary directory
 * rather than handed to buf as `.git#ref=...`, because buf clones the
 * repository and cannot see remote-tracking refs such as `origin/main` in CI.
 */
export const BUF_CATEGORY = "WIRE";

export interface BufFinding {
  /** Path relative to the repository, as buf prints it. */
  readonly path: string;
  readonly line: number;
  /** buf's rule id, e.g. FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED. */
  readonly rule: string;
  readonly message: string;
}

export interface BufBreakingResult {
  readonly against: string;
  /** The commit `against` resolved to. */
  readonly commit: string;
  readonly findings: readonly BufFinding[];
}

/**
 * Throws `invalid_option` for a ref git does not know or a proto dir absent
 * from it, and `environment` when git or buf cannot run; both mean "could not
 * check" (exit 2).
 */
export async function runBufBreaking(protoDir: string, against: string, cwd = process.cwd()): Promise<BufBreakingResult> {
  const absProto = resolve(cwd, protoDir);
  const top = (await git(cwd, ["rev-parse", "--show-toplevel"], "find the git repository")).trim();
  const commit = await resolveRef(cwd, against);
  const inRepo = relative(top, absProto).split("\\").join("/");
  const scratch = await mkdtemp(join(tmpdir(), "logwire-against-"));
  try {
    try {
      await run("sh", ["-c", `git -C "$1" archive "$2" -- "$3" | tar -x -C "$4"`, "sh", top, commit, inRepo, scratch], { maxBuffer: 64 << 20 });
    } catch (cause) {
      throw new LogwireError(ErrorCode.InvalidOption, `${inRepo} does not exist at ${against} (${commit.slice(0, 12)})`, {
        path: "--against",
        fix: "pass a ref that has the proto directory, or omit --against for a first schema",
        cause,
      });
    }
    const config = JSON.stringify({ version: "v1", breaking: { use: [BUF_CATEGORY] } });
    const args = ["breaking", relative(cwd, absProto) || ".", "--against", join(scratch, inRepo), "--config", config, "--against-config", config, "--error-format", "json"];
    const buf = bufBinary();
    try {
      await run(buf, args, { cwd, maxBuffer: 64 << 20 });
      return { against, commit, findings: [] };
    } catch (error) {
      const failure = error as { code?: number | string; stdout?: string; stderr?: string };
      if (failure.code === 100) {
        return { against, commit, findings: parseFindings(failure.stdout ?? "", relative(cwd, absProto), inRepo) };
      }
      throw new LogwireError(ErrorCode.Environment, `buf breaking failed: ${(failure.stderr ?? String(error)).trim()}`, {
        fix: "run the same buf breaking command by hand (npx buf breaking) to see the problem; buf must be installed (npm ci)",
        cause: error,
      });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function resolveRef(cwd: string, ref: string): Promise<string> {
  try {
    const { stdout } = await run("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd });
    return stdout.trim();
  } catch (cause) {
    throw new LogwireError(ErrorCode.InvalidOption, `${ref} is not a git ref in ${cwd}`, {
      path: "--against",
      fix: "pass a branch, tag or commit that exists locally (in CI, fetch it first: git fetch origin main)",
      cause,
    });
  }
}

async function git(cwd: string, args: string[], what: string): Promise<string> {
  try {
    return (await run("git", args, { cwd })).stdout;
  } catch (cause) {
    throw new LogwireError(ErrorCode.Environment, `cannot ${what} in ${cwd}: ${(cause as Error).message.split("\n")[0]}`, {
      path: "--against",
      fix: "run logwire check --against inside a git checkout, or drop --against",
      cause,
    });
  }
}

/**
 * The buf launcher from the @bufbuild/buf dependency, resolved from logwire's
 * own install so it works from any directory; `LOGWIRE_BUF` overrides it.
 */
function bufBinary(): string {
  return process.env["LOGWIRE_BUF"] ?? createRequire(import.meta.url).resolve("@bufbuild/buf/bin/buf");
}

function parseFindings(stdout: string, localProto: string, inRepo: string): BufFinding[] {
  const out: BufFinding[] = [];
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") {
      continue;
    }
    const item = JSON.parse(line) as { path?: string; start_line?: number; type?: string; message?: string };
    const path = (item.path ?? "").replace(new RegExp(`^${escapeRegExp(localProto)}/?`), `${inRepo}/`);
    out.push({ path, line: item.start_line ?? 0, rule: item.type ?? "UNKNOWN", message: item.message ?? "" });
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
