import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * Prometheus for the observability tests: Debian's `prometheus` package
 * (2.42 on bookworm), which brings both `prometheus` and `promtool`.
 *
 * They are looked up on PATH (and in /usr/bin, where the package puts them).
 * When missing, they are installed with apt-get, the way the dev stack fetches
 * Kafka, but only when that is allowed: in CI (`CI` set and not `false`/`0`)
 * or with `LOGWIRE_INSTALL_PROMETHEUS=1`, and only as root. Otherwise the
 * error says what to run. A Prometheus service the package might start is
 * kept from starting (policy-rc.d), so the only Prometheus running is the
 * one a test starts on its own port.
 */
export interface PrometheusTools {
  readonly prometheus: string;
  readonly promtool: string;
  /** First line of `prometheus --version`. */
  readonly version: string;
}

const INSTALL_HINT =
  "install Debian's package: `sudo apt-get install -y --no-install-recommends prometheus` " +
  "(or set LOGWIRE_INSTALL_PROMETHEUS=1 and run the tests as root, and they install it)";

function onPath(name: string): string | undefined {
  const dirs = [...(process.env["PATH"] ?? "").split(delimiter), "/usr/bin", "/usr/local/bin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function installAllowed(): boolean {
  const flag = process.env["LOGWIRE_INSTALL_PROMETHEUS"];
  if (flag !== undefined) return flag === "1" || flag === "true";
  const ci = process.env["CI"];
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

function run(command: string, args: string[], timeoutMs: number): void {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    timeout: timeoutMs,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`\`${command} ${args.join(" ")}\` failed (${result.error?.message ?? `exit ${result.status}`}):\n${output}\nfix: ${INSTALL_HINT}`);
  }
}

/**
 * `apt-get install prometheus` with its service kept from starting: a
 * policy-rc.d that refuses every start is put in place for the install when
 * there is none (Docker-style images already have one), and removed after.
 */
function aptInstallPrometheus(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`prometheus and promtool are not installed, and installing them needs root: ${INSTALL_HINT}`);
  }
  const policy = "/usr/sbin/policy-rc.d";
  const ours = !existsSync(policy);
  if (ours) writeFileSync(policy, "#!/bin/sh\n# logwire tests: no service starts during apt-get install prometheus\nexit 101\n", { mode: 0o755 });
  try {
    const install = ["install", "-y", "--no-install-recommends", "prometheus"];
    try {
      run("apt-get", install, 600_000);
    } catch {
      // Stale or missing package lists: refresh once and retry.
      run("apt-get", ["update"], 300_000);
      run("apt-get", install, 600_000);
    }
  } finally {
    if (ours) unlinkSync(policy);
  }
}

/** `prometheus` and `promtool`, installed first when missing and allowed (see above). */
export function prometheusTools(): PrometheusTools {
  let prometheus = onPath("prometheus");
  let promtool = onPath("promtool");
  if (prometheus === undefined || promtool === undefined) {
    if (!installAllowed()) {
      throw new Error(`prometheus and promtool are not on PATH: ${INSTALL_HINT}`);
    }
    aptInstallPrometheus();
    prometheus = onPath("prometheus");
    promtool = onPath("promtool");
    if (prometheus === undefined || promtool === undefined) {
      throw new Error(`apt-get installed prometheus, but prometheus/promtool are still not on PATH or in /usr/bin: ${INSTALL_HINT}`);
    }
  }
  const v = spawnSync(prometheus, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const version = `${v.stdout ?? ""}${v.stderr ?? ""}`.trim().split("\n")[0] ?? "";
  if (!/^prometheus, version \d/.test(version)) throw new Error(`\`${prometheus} --version\` printed ${JSON.stringify(version)}: ${INSTALL_HINT}`);
  return { prometheus, promtool, version };
}

/** Runs `promtool check rules <file>`; returns its exit code and output. */
export function promtoolCheckRules(tools: PrometheusTools, file: string): { status: number | null; output: string } {
  const result = spawnSync(tools.promtool, ["check", "rules", file], { encoding: "utf8", timeout: 30_000 });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface PromSample {
  readonly metric: Record<string, string>;
  /** Instant queries. */
  readonly value?: [number, string];
  /** Range queries. */
  readonly values?: [number, string][];
}

export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly state: "pending" | "firing" | "inactive";
  readonly activeAt?: string;
  readonly value?: string;
}

export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly dir: string;
  /** Instant query at `time` (Unix seconds), or now. */
  query(expr: string, time?: number): Promise<PromSample[]>;
  /** Range query; `start`/`end` in Unix seconds. */
  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<PromSample[]>;
  /** `/api/v1/series?match[]=` */
  series(match: string, start: number, end: number): Promise<Record<string, string>[]>;
  /** `/api/v1/alerts` */
  alerts(): Promise<ActiveAlert[]>;
  /** `/api/v1/rules` (alerting and recording rules as Prometheus loaded them). */
  rules(): Promise<{ name: string; query: string; type: string; duration?: number }[]>;
  /** `/api/v1/targets` health of the active targets. */
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]>;
  /** What Prometheus logged (for failure messages). */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PrometheusStartOptions {
  /** `host:port` targets of the one scrape job. */
  readonly targets: readonly string[];
  readonly job?: string;
  /** Rule files, as `name -> content`, written next to the config. */
  readonly ruleFiles?: Readonly<Record<string, string>>;
  readonly scrapeIntervalSeconds?: number;
  readonly evaluationIntervalSeconds?: number;
}

/**
 * Starts `prometheus` on a free 127.0.0.1 port with a config, rules and TSDB
 * in a temp dir of its own, and waits (30 s at most) until `/-/ready`
 * answers. The caller must `stop()` it.
 */
export async function startPrometheus(tools: PrometheusTools, options: PrometheusStartOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "logwire-prometheus-"));
  const ruleFiles = Object.entries(options.ruleFiles ?? {});
  for (const [name, content] of ruleFiles) writeFileSync(join(dir, name), content);
  const scrape = options.scrapeIntervalSeconds ?? 1;
  const evaluation = options.evaluationIntervalSeconds ?? 1;
  const config = [
    "global:",
    `  scrape_interval: ${scrape}s`,
    `  scrape_timeout: ${scrape}s`,
    `  evaluation_interval: ${evaluation}s`,
    ...(ruleFiles.length > 0 ? ["rule_files:", ...ruleFiles.map(([name]) => `  - ${JSON.stringify(join(dir, name))}`)] : []),
    "scrape_configs:",
    `  - job_name: ${JSON.stringify(options.job ?? "logwire")}`,
    "    static_configs:",
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(", ")}]`,
    "",
  ].join("\n");
  writeFileSync(join(dir, "prometheus.yml"), config);

  let output = "";
  let child: ChildProcess | undefined;
  let url = "";
  let exited: Promise<void> = Promise.resolve();
  // The port was free a moment ago; should another process take it first, try another.
  for (let attempt = 0; attempt < 3 && child === undefined; attempt++) {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const proc = spawn(
      tools.prometheus,
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--storage.tsdb.retention.time=1h",
        "--log.level=info",
      ],
      { stdio: ["ignore", "pipe", "pipe"], detached: false },
    );
    proc.stdout!.on("data", (d: Buffer) => (output += d.toString("utf8")));
    proc.stderr!.on("data", (d: Buffer) => (output += d.toString("utf8")));
    let gone = false;
    exited = new Promise((resolve) => proc.once("exit", () => ((gone = true), resolve())));
    proc.once("error", (error) => (output += `\nspawn error: ${error.message}`));
    const deadline = Date.now() + 30_000;
    let ready = false;
    while (!ready && !gone && Date.now() < deadline) {
      try {
        const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
        await res.text();
        ready = res.ok;
      } catch {
        // not listening yet
      }
      if (!ready) await sleep(100);
    }
    if (ready) child = proc;
    else if (!gone) {
      proc.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`prometheus did not become ready on ${url} within 30 s; its log:\n${output.slice(-4000)}`);
    } else if (!/address already in use/.test(output)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`prometheus exited at start; its log:\n${output.slice(-4000)}`);
    }
  }
  if (child === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`prometheus found no free port in 3 attempts; its log:\n${output.slice(-4000)}`);
  }
  const proc = child;
  // Should the test process end without stop() (an uncaught error, Ctrl-C,
  // SIGTERM from a runner timeout), Prometheus and its dir go with it.
  const onExit = (): void => {
    proc.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    onExit();
    process.kill(process.pid, signal);
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  async function api<T>(path: string): Promise<T> {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.errorType ?? res.status} ${body.error ?? ""}`);
    return body.data;
  }
  const q = encodeURIComponent;
  let stopped = false;
  return {
    url,
    dir,
    query: async (expr, time) => (await api<{ result: PromSample[] }>(`/api/v1/query?query=${q(expr)}${time === undefined ? "" : `&time=${time}`}`)).result,
    queryRange: async (expr, start, end, step) =>
      (await api<{ result: PromSample[] }>(`/api/v1/query_range?query=${q(expr)}&start=${start}&end=${end}&step=${step}`)).result,
    series: (match, start, end) => api<Record<string, string>[]>(`/api/v1/series?match[]=${q(match)}&start=${start}&end=${end}`),
    alerts: async () => (await api<{ alerts: ActiveAlert[] }>("/api/v1/alerts")).alerts,
    rules: async () => (await api<{ groups: { rules: { name: string; query: string; type: string; duration?: number }[] }[] }>("/api/v1/rules")).groups.flatMap((g) => g.rules),
    targets: async () => (await api<{ activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }>("/api/v1/targets")).activeTargets,
    log: () => output,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", onExit);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads a file next to the repo root (for the shipped rules and dashboard). */
export function repoFile(relative: string): string {
  return readFileSync(new URL(`../../../${relative}`, import.meta.url), "utf8");
}
