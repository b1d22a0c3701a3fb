/**
 * Renders the panels of logwire-dashboard.json to a PNG, from the data of a
 * running Prometheus: each panel's queries are run over a time range
 * (query_range), drawn as inline SVG line charts laid out by the panels'
 * gridPos, and the page is screenshotted with headless Chromium (Debian's
 * `chromium` package). A one-off for the README's image; not part of the tests.
 *
 *   tsx examples/grafana/render.ts --prometheus http://127.0.0.1:9090 --start <unix s> --end <unix s> [--out examples/grafana/dashboard.png]
 *
 * The committed image came from the Prometheus of
 * test/observability/prometheus-dashboard.test.ts, run with
 * `LOGWIRE_DASHBOARD_PNG=examples/grafana/dashboard.png`: steady demo traffic,
 * a broker outage (buffer fill above the 80% line, drops, produce errors)
 * and the recovery.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
}
interface Panel {
  readonly type: string;
  readonly title: string;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly targets?: Target[];
  readonly fieldConfig?: { defaults?: { unit?: string; min?: number; max?: number; thresholds?: { steps: { color: string; value: number | null }[] } } };
}
interface Series {
  readonly label: string;
  readonly points: [number, number][];
}

export interface RenderOptions {
  readonly prometheusUrl: string;
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  readonly out: string;
  /** Grafana's $__rate_interval for the scrape interval used (4 × a 1 s scrape by default). */
  readonly rateInterval?: string;
}

const DASHBOARD = fileURLToPath(new URL("./logwire-dashboard.json", import.meta.url));
const COLORS = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#fade2a", "#96d98d", "#ffb357"];
const WIDTH = 1600;
const ROW_PX = 34;

function substitute(expr: string, rateInterval: string, range: string): string {
  return expr
    .replaceAll("$__rate_interval", rateInterval)
    .replaceAll("$__range", range)
    .replaceAll("$__interval", "1s")
    .replace(/\$\{?(job|instance|pipeline|topic)\}?/g, ".*");
}

async function queryRange(url: string, expr: string, start: number, end: number, step: number): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
  const res = await fetch(`${url}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${start}&end=${end}&step=${step}`, { signal: AbortSignal.timeout(15_000) });
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

function legend(format: string | undefined, metric: Record<string, string>): string {
  if (format === undefined || format === "") return JSON.stringify(metric);
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => metric[name] ?? "");
}

function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return "";
  const si = (n: number, suffixes: string[], base: number): string => {
    let i = 0;
    while (Math.abs(n) >= base && i < suffixes.length - 1) {
      n /= base;
      i++;
    }
    return `${Number(n.toFixed(n >= 100 || n === Math.round(n) ? 0 : 1))}${suffixes[i]}`;
  };
  switch (unit) {
    case "percentunit":
      return `${Math.round(v * 100)}%`;
    case "bytes":
      return si(v, [" B", " KiB", " MiB", " GiB"], 1024);
    case "rps":
      return `${si(v, ["", "k", "M"], 1000)}/s`;
    case "s":
      if (v === 0) return "0";
      if (v < 1e-3) return `${Number((v * 1e6).toFixed(1))} µs`;
      if (v < 1) return `${Number((v * 1e3).toFixed(1))} ms`;
      return `${Number(v.toFixed(2))} s`;
    default:
      return si(v, ["", "k", "M"], 1000);
  }
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function chart(panel: Panel, series: Series[], start: number, end: number, w: number, h: number): string {
  const unit = panel.fieldConfig?.defaults?.unit ?? "short";
  const threshold = panel.fieldConfig?.defaults?.thresholds?.steps.find((s) => s.value !== null);
  const left = 64;
  const right = 12;
  const top = 8;
  const legendRows = Math.min(3, Math.ceil(series.length / 3));
  const bottom = 22 + legendRows * 16;
  const pw = w - left - right;
  const ph = h - top - bottom;
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter(Number.isFinite);
  let max = panel.fieldConfig?.defaults?.max ?? Math.max(...values, threshold?.value ?? 0, 0);
  if (!(max > 0)) max = 1;
  if (panel.fieldConfig?.defaults?.max === undefined) max *= 1.1;
  const min = panel.fieldConfig?.defaults?.min ?? 0;
  const x = (t: number) => left + ((t - start) / (end - start)) * pw;
  const y = (v: number) => top + ph - ((v - min) / (max - min)) * ph;
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = min + ((max - min) * i) / 4;
    parts.push(`<line x1="${left}" x2="${left + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#2c3235"/>`);
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" class="axis">${esc(formatValue(v, unit))}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const t = start + ((end - start) * i) / 5;
    const d = new Date(t * 1000);
    const label = `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}:${String(d.getUTCSeconds()).padStart(2, "0")}`;
    parts.push(`<text x="${x(t)}" y="${top + ph + 14}" text-anchor="${i === 5 ? "end" : i === 0 ? "start" : "middle"}" class="axis">${label}</text>`);
  }
  if (threshold?.value !== null && threshold !== undefined) {
    const ty = y(threshold.value!);
    parts.push(`<rect x="${left}" y="${top}" width="${pw}" height="${Math.max(0, ty - top)}" fill="#f2495c" opacity="0.08"/>`);
    parts.push(`<line x1="${left}" x2="${left + pw}" y1="${ty}" y2="${ty}" stroke="#f2495c" stroke-dasharray="6 4" stroke-width="1.5"/>`);
    parts.push(`<text x="${left + pw - 4}" y="${ty - 4}" text-anchor="end" class="threshold">${esc(formatValue(threshold.value!, unit))} alert threshold</text>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    let d = "";
    let pen = false;
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${x(t).toFixed(1)},${y(Math.min(v, max)).toFixed(1)}`;
      pen = true;
    }
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
  });
  series.slice(0, 9).forEach((s, i) => {
    const lx = left + (i % 3) * (pw / 3);
    const ly = top + ph + 30 + Math.floor(i / 3) * 16;
    parts.push(`<rect x="${lx}" y="${ly - 8}" width="12" height="3" fill="${COLORS[i % COLORS.length]}"/>`);
    const room = Math.floor((pw / 3 - 22) / 6.2);
    parts.push(`<text x="${lx + 16}" y="${ly - 3}" class="legend">${esc(s.label.length > room ? `${s.label.slice(0, room - 1)}…` : s.label)}</text>`);
  });
  if (series.length === 0) parts.push(`<text x="${left + pw / 2}" y="${top + ph / 2}" text-anchor="middle" class="legend">No data</text>`);
  return `<svg width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">${parts.join("")}</svg>`;
}

export async function renderDashboard(options: RenderOptions): Promise<void> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { title: string; panels: Panel[] };
  const { start, end } = options;
  const step = Math.max(1, Math.round((end - start) / 400));
  const rateInterval = options.rateInterval ?? "4s";
  const cells: string[] = [];
  let height = 0;
  const unitPx = WIDTH / 24;
  for (const panel of dashboard.panels) {
    const g = panel.gridPos;
    const px = { left: g.x * unitPx, top: g.y * ROW_PX, width: g.w * unitPx, height: g.h * ROW_PX };
    height = Math.max(height, px.top + px.height);
    if (panel.type === "row") {
      cells.push(`<div class="row" style="left:${px.left + 8}px;top:${px.top}px;width:${px.width - 16}px">${esc(panel.title)}</div>`);
      continue;
    }
    const series: Series[] = [];
    for (const t of panel.targets ?? []) {
      for (const r of await queryRange(options.prometheusUrl, substitute(t.expr, rateInterval, `${end - start}s`), start, end, step)) {
        series.push({ label: legend(t.legendFormat, r.metric), points: r.values.map(([ts, v]) => [ts, Number(v)]) });
      }
    }
    series.sort((a, b) => a.label.localeCompare(b.label));
    const inner = { w: px.width - 16 - 16, h: px.height - 8 - 36 };
    cells.push(
      `<div class="panel" style="left:${px.left + 4}px;top:${px.top + 4}px;width:${px.width - 8}px;height:${px.height - 8}px">` +
        `<div class="title">${esc(panel.title)}</div>${chart(panel, series, start, end, inner.w, inner.h)}</div>`,
    );
  }
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#111217;font-family:"DejaVu Sans",sans-serif;color:#ccccdc}
.head{height:40px;line-height:40px;padding:0 16px;font-size:17px;border-bottom:1px solid #2c3235}
.board{position:relative;width:${WIDTH}px;height:${height + 8}px;margin-top:8px}
.panel{position:absolute;background:#181b1f;border:1px solid #2c3235;border-radius:3px;padding:6px 8px;box-sizing:border-box}
.title{font-size:13px;font-weight:600;height:26px;line-height:22px}
.row{position:absolute;font-size:15px;font-weight:600;height:${ROW_PX}px;line-height:${ROW_PX}px}
.axis{fill:#9fa7b3;font-size:10px}.legend{fill:#ccccdc;font-size:11px}.threshold{fill:#f2495c;font-size:11px}
</style></head><body><div class="head">${esc(dashboard.title)} <span style="color:#9fa7b3;font-size:13px">· rendered from a real Prometheus (test/observability): steady demo traffic, a broker outage, the recovery</span></div>
<div class="board">${cells.join("\n")}</div></body></html>`;
  const dir = mkdtempSync(join(tmpdir(), "logwire-render-"));
  try {
    const page = join(dir, "dashboard.html");
    writeFileSync(page, html);
    const chromium = ["chromium", "chromium-browser"].find((c) => spawnSync(c, ["--version"], { encoding: "utf8" }).status === 0);
    if (chromium === undefined) throw new Error("chromium is not installed: apt-get install -y --no-install-recommends chromium fonts-dejavu-core");
    const out = resolve(options.out);
    const result = spawnSync(
      chromium,
      ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", `--user-data-dir=${join(dir, "profile")}`, `--window-size=${WIDTH},${height + 58}`, `--screenshot=${out}`, `file://${page}`],
      { encoding: "utf8", timeout: 120_000 },
    );
    if (result.status !== 0) throw new Error(`chromium failed (${result.status}): ${result.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string): string | undefined => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const prometheusUrl = arg("prometheus");
  const end = Number(arg("end") ?? Math.floor(Date.now() / 1000));
  const start = Number(arg("start") ?? end - 600);
  if (prometheusUrl === undefined) {
    console.error("usage: tsx examples/grafana/render.ts --prometheus <url> [--start <unix s>] [--end <unix s>] [--out examples/grafana/dashboard.png]");
    process.exit(2);
  }
  await renderDashboard({ prometheusUrl, start, end, out: arg("out") ?? fileURLToPath(new URL("./dashboard.png", import.meta.url)) });
  console.log(`wrote ${arg("out") ?? "examples/grafana/dashboard.png"}`);
}
