import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RULES_FILE, readDashboard, readRules, substituteGrafana } from "./support/expressions.ts";
import { prometheusTools, promtoolCheckRules } from "./support/prometheus.ts";

/**
 * `promtool check rules` (Debian's prometheus package) on the shipped alert
 * rules, on broken copies of them (so the check can fail), and on the
 * dashboard's PromQL written as recording rules (promtool parses PromQL
 * offline; a typo in a panel fails here without a server).
 */
const tools = prometheusTools();
const dir = mkdtempSync(join(tmpdir(), "logwire-promtool-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const shipped = readFileSync(RULES_FILE, "utf8");

function check(name: string, content: string) {
  const file = join(dir, name);
  writeFileSync(file, content);
  return promtoolCheckRules(tools, file);
}

test(`promtool check rules passes on examples/alerts/logwire.rules.yml (${tools.version})`, () => {
  const { status, output } = promtoolCheckRules(tools, fileURLToPath(RULES_FILE));
  assert.equal(status, 0, output);
  const rules = readRules(shipped);
  assert.equal(rules.length, 5);
  assert.match(output, new RegExp(`SUCCESS: ${rules.length} rules found`));
  // The seed's alert, as the seed states it: above 80% of capacity for 30 s.
  const seed = rules.find((r) => r.name === "LogwireProducerQueueNearlyFull");
  assert.ok(seed);
  assert.match(seed.expr, /^max by \(([^)]*)\) \(logwire_producer_queue_bytes\)\s*\/\s*max by \(\1\) \(logwire_producer_queue_capacity_bytes\) > 0\.8$/);
  assert.match(shipped.slice(shipped.indexOf("alert: LogwireProducerQueueNearlyFull")), /^\s+for: 30s$/m);
});

test("promtool check rules fails on broken copies: a PromQL syntax error, a bad duration, a broken annotation template", () => {
  const seedExpr = /(\(logwire_producer_queue_capacity_bytes\)) > 0\.8\n/;
  assert.match(shipped, seedExpr);
  const broken = {
    "promql.yml": shipped.replace(seedExpr, "$1 > \n"),
    "duration.yml": shipped.replace("for: 30s", "for: 30 seconds"),
    "template.yml": shipped.replace("{{ $value | humanizePercentage }}", "{{ $value | humanizePercentage "),
  };
  for (const [name, content] of Object.entries(broken)) {
    assert.notEqual(content, shipped, `${name} differs from the shipped file`);
    const { status, output } = check(name, content);
    assert.equal(status, 1, `${name}: promtool should fail:\n${output}`);
    assert.match(output, /FAILED/, `${name}: ${output}`);
  }
  assert.match(check("promql2.yml", broken["promql.yml"]).output, /parse error|unexpected/);
});

test("every dashboard expression parses as PromQL (promtool, as recording rules)", () => {
  const { targets, variables } = readDashboard();
  assert.ok(targets.length >= 15, `${targets.length} targets`);
  const exprs = [
    ...targets.map((t) => substituteGrafana(t.expr, { rateInterval: "4s", range: "1h", interval: "1s" })),
    ...variables.map((v) => substituteGrafana(v.selector, { rateInterval: "4s", range: "1h", interval: "1s" })),
  ];
  const yaml = ["groups:", "  - name: logwire-dashboard", "    rules:", ...exprs.flatMap((expr, i) => [`      - record: logwire:dashboard:expr_${i}`, `        expr: ${JSON.stringify(expr)}`]), ""].join("\n");
  const { status, output } = check("dashboard.yml", yaml);
  assert.equal(status, 0, output);
  assert.match(output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  // And the check is real: one broken panel expression fails it.
  const bad = check("dashboard-bad.yml", yaml.replace("sum by (topic) (rate(", "sum by (topic) (rate(("));
  assert.equal(bad.status, 1, bad.output);
});
