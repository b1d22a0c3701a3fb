import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { createPipelineMetrics } from "../../src/runtime/metrics/metrics.ts";

const rules = readFileSync(new URL("../../examples/alerts/logwire.rules.yml", import.meta.url), "utf8");

test("the shipped alert fires on a queue above 80% of capacity for 30 s", () => {
  const alert = rules.slice(rules.indexOf("alert: LogwireProducerQueueNearlyFull"), rules.indexOf("- alert: LogwireRecordsDropped"));
  assert.match(alert, /logwire_producer_queue_bytes\)\s*\/ max by \(job, instance\) \(logwire_producer_queue_capacity_bytes\) > 0\.8/);
  assert.match(alert, /\n\s+for: 30s\n/);
});

test("every metric the rules use is one the pipeline exports", () => {
  const registry = new Registry();
  createPipelineMetrics({ registry, prefix: "", queue: () => ({ lengthByTopic: new Map(), bytes: 0, capacityBytes: 1 }) });
  const exprs = [...rules.matchAll(/expr: (?:\|\n)?([\s\S]*?)\n\s+(?:for|labels):/g)].map((m) => m[1]!);
  assert.equal(exprs.length, 5);
  const names = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:logwire_|produce_|producer_)[a-z_]+)\b/g)].map((m) => m[1]!)));
  assert.ok(names.size >= 5);
  for (const name of names) assert.ok(registry.getSingleMetric(name), `${name} is exported`);
  // The seed's four names, exactly, with a topic label.
  for (const name of ["produce_requests_total", "produce_success_total", "produce_error_total", "producer_queue_len"]) {
    const metric = registry.getSingleMetric(name) as unknown as { labelNames: string[] };
    assert.deepEqual(metric.labelNames, ["topic"]);
  }
});
