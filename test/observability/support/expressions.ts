import { readFileSync } from "node:fs";

/**
 * The PromQL that ships: every target expression of the Grafana dashboard
 * (examples/grafana/logwire-dashboard.json) and every `expr` of the alert
 * rules (examples/alerts/logwire.rules.yml), read from the files themselves.
 */
export const DASHBOARD_FILE = new URL("../../../examples/grafana/logwire-dashboard.json", import.meta.url);
export const RULES_FILE = new URL("../../../examples/alerts/logwire.rules.yml", import.meta.url);

export interface DashboardTarget {
  readonly panel: string;
  readonly refId: string;
  readonly legendFormat: string;
  /** As written in the dashboard, with Grafana's variables. */
  readonly expr: string;
}

export interface DashboardVariable {
  readonly name: string;
  /** `label_values(<selector>, <label>)` */
  readonly selector: string;
  readonly label: string;
}

interface Panel {
  readonly title?: string;
  readonly type?: string;
  readonly targets?: { readonly refId?: string; readonly expr?: string; readonly legendFormat?: string }[];
  readonly panels?: Panel[];
}

export function readDashboard(): { json: Record<string, unknown>; targets: DashboardTarget[]; variables: DashboardVariable[] } {
  const json = JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")) as Record<string, unknown> & { panels: Panel[]; templating: { list: { name: string; type: string; query: unknown }[] } };
  const targets: DashboardTarget[] = [];
  const walk = (panels: readonly Panel[]): void => {
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        if (t.expr !== undefined) targets.push({ panel: p.title ?? "", refId: t.refId ?? "", legendFormat: t.legendFormat ?? "", expr: t.expr });
      }
      walk(p.panels ?? []);
    }
  };
  walk(json.panels);
  const variables: DashboardVariable[] = [];
  for (const v of json.templating.list) {
    if (v.type !== "query") continue;
    const query = typeof v.query === "string" ? v.query : (v.query as { query: string }).query;
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(query.trim());
    if (m === null) throw new Error(`variable ${v.name}: not a label_values(selector, label) query: ${query}`);
    variables.push({ name: v.name, selector: m[1]!, label: m[2]! });
  }
  return { json, targets, variables };
}

/**
 * Grafana's variables replaced as Grafana would for "All" over a 1 s scrape
 * interval: a query variable with "All" selected is its `allValue` (`.*`),
 * `$__rate_interval` is max(4 × scrape interval, step + scrape interval).
 */
export function substituteGrafana(expr: string, options: { rateInterval: string; range: string; interval: string }): string {
  const out = expr
    .replaceAll("$__rate_interval", options.rateInterval)
    .replaceAll("$__range", options.range)
    .replaceAll("$__interval", options.interval)
    .replace(/\$\{?(job|instance|pipeline|topic)\}?/g, ".*");
  if (out.includes("$")) throw new Error(`an unknown Grafana variable is left in ${out}`);
  return out;
}

export interface RuleExpr {
  readonly name: string;
  readonly kind: "alert" | "record";
  readonly expr: string;
}

/**
 * The rules file's `- alert:`/`- record:` entries and their `expr`, single
 * line or a `|` block. A small reader for this file's layout, not a YAML
 * parser; `promtool check rules` proves the file is valid YAML and PromQL,
 * and the Prometheus tests check that it loaded as many rules as this finds.
 */
export function readRules(text = readFileSync(RULES_FILE, "utf8")): RuleExpr[] {
  const lines = text.split("\n");
  const rules: RuleExpr[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\s*)- (alert|record): (\S+)\s*$/.exec(lines[i]!);
    if (head === null) continue;
    const fieldIndent = head[1]!.length + 2;
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j]!;
      if (/^\s*- (alert|record):/.test(line)) break;
      const m = /^(\s*)expr:\s*(.*)$/.exec(line);
      if (m === null || m[1]!.length !== fieldIndent) continue;
      let expr = m[2]!.trim();
      if (expr === "|" || expr === ">" || expr === "|-" || expr === ">-") {
        const block: string[] = [];
        for (let k = j + 1; k < lines.length && (lines[k]!.trim() === "" || lines[k]!.search(/\S/) > fieldIndent); k++) block.push(lines[k]!.trim());
        expr = block.join(" ").trim();
      }
      rules.push({ name: head[3]!, kind: head[2] as "alert" | "record", expr });
      break;
    }
  }
  return rules;
}
