import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
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
 *
 * Both sides are compiled as a buf v2 workspace of their own, built in that
 * temporary directory: the proto tree as module `proto`, plus
 * `logwire/v1/options.proto` as a second module when the tree does not hold
 * it. An app's schemas import that file from the installed logwire package
 * (`logwire init` makes `node_modules/logwire/proto` a module of the app's
 * workspace), and node_modules is not in git, so the ref's tree cannot bring
 * it: both sides get the installed copy, which also keeps logwire upgrades out
 * of the comparison. The app's own buf.yaml is not read, so the category is
 * always WIRE, whatever its `breaking` section says.
 */
export const BUF_CATEGORY = "WIRE";

/** Import path of the file every log schema imports for `(logwire.v1.log)`. */
export const LOGWIRE_OPTIONS_FILE = "logwire/v1/options.proto";

/** protovalidate's rules, vendored in the logwire package next to options.proto, for schemas that import them. */
const PROTOVALIDATE_FILE = "buf/validate/validate.proto";

/** Module directory names inside each side's scratch workspace. */
const PROTO_MODULE = "proto";
const OPTIONS_MODULE = "logwire-options";

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
  const buf = bufBinary(cwd);
  const options = findLogwireOptions(cwd);
  const scratch = await mkdtemp(join(tmpdir(), "logwire-against-"));
  try {
    const local = join(scratch, "local");
    const old = join(scratch, "against");
    await mkdir(local);
    // A junction on Windows, a plain symlink elsewhere; buf follows symlinks.
    await symlink(absProto, join(local, PROTO_MODULE), "junction");
    await exportTree(top, commit, inRepo, join(old, PROTO_MODULE), against);
    const config = await workspaceConfig(local, options);
    const againstConfig = await workspaceConfig(old, options);
    const args = ["breaking", ".", "--against", old, "--config", config, "--against-config", againstConfig, "--error-format", "json"];
    try {
      await run(buf, args, { cwd: local, maxBuffer: 64 << 20 });
      return { against, commit, findings: [] };
    } catch (error) {
      const failure = error as { code?: number | string; stdout?: string; stderr?: string };
      if (failure.code === 100) {
        return { against, commit, findings: parseFindings(failure.stdout ?? "", inRepo) };
      }
      const stderr = (failure.stderr ?? String(error)).trim();
      const missingOptions = options === undefined && stderr.includes(LOGWIRE_OPTIONS_FILE);
      throw new LogwireError(ErrorCode.Environment, `buf breaking failed: ${stderr}`, {
        path: missingOptions ? "--proto" : "--against",
        fix: missingOptions
          ? `install logwire in the app (npm i logwire): its package ships ${LOGWIRE_OPTIONS_FILE}, which the schemas import`
          : "run npx buf build on the proto directory to see the problem; buf must be installed (npm i -D @bufbuild/buf)",
        cause: error,
      });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Where `logwire/v1/options.proto` is installed: the logwire package the app
 * depends on (resolved from `<cwd>/package.json`), else the logwire package
 * running this code (which, inside the logwire repository, is the repository).
 * `undefined` when neither ships it.
 */
export function findLogwireOptions(cwd: string): string | undefined {
  for (const from of [join(cwd, "package.json"), import.meta.url]) {
    try {
      const manifest = createRequire(from).resolve("logwire/package.json");
      const file = join(dirname(manifest), "proto", LOGWIRE_OPTIONS_FILE);
      if (existsSync(file)) {
        return file;
      }
    } catch {
      // Not resolvable from here: try the next place.
    }
  }
  return undefined;
}

/** Extracts `<commit>:<inRepo>` into `dest`; `invalid_option` when the ref has no such directory. */
async function exportTree(top: string, commit: string, inRepo: string, dest: string, against: string): Promise<void> {
  const tree = `${commit}:${inRepo}`;
  const kind = await run("git", ["cat-file", "-t", tree], { cwd: top }).then(
    (r) => r.stdout.trim(),
    () => "missing",
  );
  if (kind !== "tree") {
    throw new LogwireError(ErrorCode.InvalidOption, `${inRepo || "."} is not a directory at ${against} (${commit.slice(0, 12)})`, {
      path: "--against",
      fix: "pass a ref that has the proto directory, or omit --against for a first schema",
    });
  }
  await mkdir(dest, { recursive: true });
  const archive = join(dirname(dest), "tree.tar");
  await git(top, ["archive", "--format=tar", "-o", archive, tree], `export ${tree}`);
  await run("tar", ["-x", "-f", archive, "-C", dest], { maxBuffer: 64 << 20 });
}

/**
 * The buf v2 config of one side's workspace, as `--config` data: module
 * `proto`, plus a copy of the installed options file as a module when the
 * tree does not hold its own (the logwire repository does).
 */
async function workspaceConfig(workspace: string, options: string | undefined): Promise<string> {
  const modules: { path: string }[] = [{ path: PROTO_MODULE }];
  if (options !== undefined) {
    // The package's proto root ships options.proto and protovalidate's rules; each is added when the tree lacks it.
    const root = options.slice(0, options.length - LOGWIRE_OPTIONS_FILE.length);
    let copied = false;
    for (const file of [LOGWIRE_OPTIONS_FILE, PROTOVALIDATE_FILE]) {
      if (existsSync(join(workspace, PROTO_MODULE, file)) || !existsSync(join(root, file))) continue;
      const copy = join(workspace, OPTIONS_MODULE, file);
      await mkdir(dirname(copy), { recursive: true });
      await copyFile(join(root, file), copy);
      copied = true;
    }
    if (copied) modules.push({ path: OPTIONS_MODULE });
  }
  return JSON.stringify({ version: "v2", modules, breaking: { use: [BUF_CATEGORY], ignore: modules.length > 1 ? [OPTIONS_MODULE] : [] } });
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
 * The buf launcher from @bufbuild/buf: the app's own (`npm i -D
 * @bufbuild/buf`, resolved from `<cwd>/package.json`), else the one next to
 * this logwire install. `LOGWIRE_BUF` overrides both.
 */
function bufBinary(cwd: string): string {
  const override = process.env["LOGWIRE_BUF"];
  if (override !== undefined && override !== "") {
    return override;
  }
  for (const from of [join(cwd, "package.json"), import.meta.url]) {
    try {
      return createRequire(from).resolve("@bufbuild/buf/bin/buf");
    } catch {
      // Not installed there: try the next place.
    }
  }
  throw new LogwireError(ErrorCode.Environment, `cannot find buf: @bufbuild/buf is not installed in ${cwd} nor next to logwire`, {
    path: "--against",
    fix: "install it with npm i -D @bufbuild/buf, or set LOGWIRE_BUF to a buf binary",
  });
}

/** buf prints paths relative to the local workspace (`proto/...`); reports use paths relative to the repository. */
function parseFindings(stdout: string, inRepo: string): BufFinding[] {
  const out: BufFinding[] = [];
  const prefix = `${PROTO_MODULE}/`;
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") {
      continue;
    }
    const item = JSON.parse(line) as { path?: string; start_line?: number; type?: string; message?: string };
    const raw = item.path ?? "";
    const path = raw.startsWith(prefix) ? `${inRepo === "" ? "" : `${inRepo}/`}${raw.slice(prefix.length)}` : raw;
    out.push({ path, line: item.start_line ?? 0, rule: item.type ?? "UNKNOWN", message: item.message ?? "" });
  }
  return out;
}
