import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { createPipelineMetrics } from "../../src/runtime/metrics/metrics.ts";

const rules = readFileSync(new URL("../../examples/alerts/logwire.rules.yml", import.meta.url), "utf8");
const exprs = [...rules.matchAll(/expr: (?:\|\n)?([\s\S]*?)\n\s+(?:for|labels):/g)].map((m) => m[1]!);

test("the shipped alert fires on a queue above 80% of capacity for 30 s, per pipeline", () => {
  const alert = rules.slice(rules.indexOf("alert: LogwireProducerQueueNearlyFull"), rules.indexOf("- alert: LogwireRecordsDropped"));
  // Each pipeline has its own buffer and capacity: the ratio is taken per pipeline, never across two.
  assert.match(alert, /max by \(job, instance, pipeline\) \(logwire_producer_queue_bytes\)\s*\/ max by \(job, instance, pipeline\) \(logwire_producer_queue_capacity_bytes\) > 0\.8/);
  assert.match(alert, /\n\s+for: 30s\n/);
});

test("every metric the rules use is one the pipeline exports, and every rule keeps the pipeline label", () => {
  const registry = new Registry();
  createPipelineMetrics({ registry, prefix: "", pipeline: "p", queue: () => ({ lengthByTopic: new Map(), bytes: 0, capacityBytes: 1 }) });
  assert.equal(exprs.length, 5);
  const names = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:logwire_|produce_|producer_)[a-z_]+)\b/g)].map((m) => m[1]!)));
  assert.ok(names.size >= 5);
  for (const name of names) assert.ok(registry.getSingleMetric(name), `${name} is exported`);
  // An aggregation that drops `pipeline` would merge two pipelines sharing a registry into one alert.
  for (const expr of exprs) {
    for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) assert.ok(by[1]!.split(/,\s*/).includes("pipeline"), `${expr}: by (${by[1]}) keeps pipeline`);
  }
  // The seed's four names, exactly, with a topic label; `pipeline` comes first on every logwire series.
  for (const name of ["produce_requests_total", "produce_success_total", "produce_error_total", "producer_queue_len"]) {
    const metric = registry.getSingleMetric(name) as unknown as { labelNames: string[] };
    assert.deepEqual(metric.labelNames, ["pipeline", "topic"]);
  }
});
