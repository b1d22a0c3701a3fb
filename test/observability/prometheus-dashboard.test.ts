import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { Registry, type Counter } from "prom-client";
import { createPipeline, isLogwireError, type LogwireError, type Pipeline } from "../../src/index.ts";
import { readPidFile } from "../../src/stack/process-control.ts";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { simulatePaymentRequest } from "../../examples/demo/demo-payments.ts";
import { registryUrl, uniqueName } from "../support/stack-env.ts";
import { createDedicatedStack, type DedicatedStack } from "../reliability/support/dedicated-stack.ts";
import { createTopicsOn } from "../reliability/support/topic-reader.ts";
import { readDashboard, readRules, RULES_FILE, substituteGrafana } from "./support/expressions.ts";
import { prometheusTools, promtoolCheckRules, startPrometheus, type ActiveAlert, type PromSample, type RunningPrometheus } from "./support/prometheus.ts";
import { readFileSync } from "node:fs";

/**
 * The shipped dashboard and alert rules against a real Prometheus (Debian's
 * 2.42) scraping a real pipeline every second.
 *
 * The pipeline's metrics are served the documented prom-client way: an
 * `http.createServer` answering `registry.metrics()` with
 * `registry.contentType`. It writes the demo's three payment logs to a
 * dedicated broker (its own ports and data dir, from the stack code; the
 * shared dev broker is never touched) and the shared registry, with some
 * records that are dead-lettered (an unknown enum value, a record over
 * maxRecordBytes). Then:
 *   1. the broker is SIGKILLed: records pile up in the buffer until it is
 *      full and drops (`buffer_full`) start, and the seed's alert (buffer
 *      above 80% of capacity; `for: 2s` in the test's copy instead of 30s)
 *      must fire; the broker is restarted on the same data dir, the buffer
 *      drains and the alert must resolve;
 *   2. the broker is frozen (SIGSTOP) with a request on its socket and the
 *      pipeline closed with a short closeTimeoutMs: those records are
 *      `delivery unknown`;
 *   3. every PromQL expression of the dashboard and of the rules file is
 *      queried over the run and must return data.
 */
const RATE_INTERVAL = "4s"; // Grafana's $__rate_interval for a 1 s scrape interval: max(4 × 1s, step + 1s)
const BUFFER_BYTES = 512 * 1024;
const SEED_ALERT = "LogwireProducerQueueNearlyFull";
/** The pipeline's `name`: the `pipeline` label of its series. */
const PIPELINE = "logwire-observability";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** With LOGWIRE_DASHBOARD_PNG (rendering the README's image), longer steady phases make a readable picture. */
const RENDER = (process.env["LOGWIRE_DASHBOARD_PNG"] ?? "") !== "";

/** Polls `check` every 250 ms until it returns a value, or fails naming `what` after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, explain: () => Promise<string> | string = () => ""): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}. ${await explain()}`);
    await sleep(250);
  }
}

const tools = prometheusTools();
const audit = { ...PaymentAuditLog, topic: uniqueName("obs-audit") };
const perf = { ...RequestPerformanceLog, topic: uniqueName("obs-perf") };
const errorLog = { ...PaymentErrorLog, topic: uniqueName("obs-error") };
for (const d of [audit, perf, errorLog]) d.subject = `${d.topic}-value`;
const topics = [audit.topic, perf.topic, errorLog.topic];

let dedicated: DedicatedStack | undefined;
let prom: RunningPrometheus | undefined;
let server: Server | undefined;
let pipeline: Pipeline | undefined;
let frozen: number | undefined;
let ticker: NodeJS.Timeout | undefined;
const registry = new Registry();
const errors = new Map<string, number>();
let startedAt = 0;
let phase: "steady" | "outage" | "recovered" = "steady";
let tick = 0;

function brokerPid(): number {
  const record = readPidFile(join(dedicated!.config.stateDir, "kafka.pid"));
  assert.ok(record !== undefined, "the dedicated broker's pid file");
  return record.pid;
}

async function alertsNamed(name: string): Promise<ActiveAlert[]> {
  return (await prom!.alerts()).filter((a) => a.labels["alertname"] === name);
}

async function bufferRatio(): Promise<string> {
  const r = await prom!.query("max(logwire_producer_queue_bytes) / max(logwire_producer_queue_capacity_bytes)").catch((e: Error) => e.message);
  const s = pipeline?.stats();
  return `prometheus: buffer ratio ${JSON.stringify(r)}; pipeline: ${JSON.stringify(s)}; alerts: ${JSON.stringify(await prom!.alerts().catch(() => []))}`;
}

before(async () => {
  // Scrape endpoint first, so Prometheus sees every series from its start.
  server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  const target = `127.0.0.1:${address.port}`;

  // The shipped rules, with the seed alert's `for` shortened to 2 s (the only change).
  const shipped = readFileSync(RULES_FILE, "utf8");
  const seedFor = /(alert: LogwireProducerQueueNearlyFull[\s\S]*?\n\s+for: )30s\n/;
  assert.match(shipped, seedFor);
  const rules = shipped.replace(seedFor, "$12s\n");
  assert.equal(rules.length, shipped.length - 1);

  dedicated = await createDedicatedStack("kafka");
  await dedicated.start();
  await createTopicsOn(dedicated.brokers, [...topics, ...topics.map((t) => `${t}.dlq`)], 1);

  prom = await startPrometheus(tools, { targets: [target], ruleFiles: { "logwire.rules.yml": rules }, scrapeIntervalSeconds: 1, evaluationIntervalSeconds: 1 });
  const check = promtoolCheckRules(tools, join(prom.dir, "logwire.rules.yml"));
  assert.equal(check.status, 0, check.output);
  startedAt = Math.floor(Date.now() / 1000) - 1;

  pipeline = await createPipeline({
    name: PIPELINE,
    brokers: dedicated.brokers,
    registry: { url: registryUrl },
    buffer: { maxBytes: BUFFER_BYTES, overflow: "drop-newest" },
    batch: { maxBytes: 64 * 1024 },
    maxRecordBytes: 16 * 1024,
    requestTimeoutMs: 3_000,
    closeTimeoutMs: 1_000,
    metrics: { registry },
    onError: (e: LogwireError) => errors.set(e.code, (errors.get(e.code) ?? 0) + 1),
  });
  // prom-client creates a labelled counter's series on its first increment,
  // and `increase()` needs a sample before it: a counter that appears at its
  // first value shows no increase. The pipeline gives up on requests with
  // unknown delivery once, at close(), so the series is created at 0 first,
  // as Prometheus advises for label values known in advance.
  const unknownCounter = registry.getSingleMetric("logwire_delivery_unknown_total") as Counter<"pipeline" | "topic"> | undefined;
  assert.ok(unknownCounter);
  for (const topic of topics) unknownCounter.inc({ pipeline: PIPELINE, topic }, 0);

  // The demo workload: every 20 ms two payment requests, each the seed's three
  // logs; outside the outage, every 25th tick one audit with an unknown enum
  // value (invalid_record) and one performance log over maxRecordBytes
  // (record_too_large), both dead-lettered.
  const auditLog = pipeline.emitter(audit);
  const perfLog = pipeline.emitter(perf);
  const errLog = pipeline.emitter(errorLog);
  const plainJs = auditLog as unknown as { emit(x: unknown): void };
  ticker = setInterval(() => {
    for (let i = 0; i < 2; i++) {
      const logs = simulatePaymentRequest(tick * 2 + i);
      auditLog.emit(logs.audit);
      perfLog.emit(logs.performance);
      errLog.emit(logs.error);
    }
    if (phase !== "outage" && tick % 25 === 0) {
      plainJs.emit({ paymentId: `bad-${tick}`, action: 99 });
      perfLog.emit({ ...simulatePaymentRequest(tick).performance, labels: { blob: "x".repeat(20_000) } });
    }
    tick++;
  }, 20);
});

after(async () => {
  if (ticker !== undefined) clearInterval(ticker);
  if (frozen !== undefined) process.kill(frozen, "SIGCONT");
  await Promise.race([pipeline?.close().catch(() => undefined), sleep(5_000)]);
  await prom?.stop();
  await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  await dedicated?.dispose();
});

test("Prometheus scrapes the pipeline's metrics endpoint and loads the shipped rules", { timeout: 60_000 }, async () => {
  const targets = await waitFor("the scrape target to be up", 20_000, async () => {
    const t = await prom!.targets();
    return t.length === 1 && t[0]!.health === "up" ? t : undefined;
  }, async () => JSON.stringify(await prom!.targets()));
  assert.match(targets[0]!.scrapeUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const loaded = await prom!.rules();
  const shipped = readRules();
  assert.deepEqual(loaded.map((r) => r.name).sort(), shipped.map((r) => r.name).sort());
  assert.equal(loaded.find((r) => r.name === SEED_ALERT)?.duration, 2);
  // The demo flows: all three topics acked, both dead-letter codes seen, in Prometheus.
  await waitFor("acked records on all three topics and dead letters of both codes", 45_000, async () => {
    const acked = await prom!.query(`sum by (topic) (rate(produce_success_total[${RATE_INTERVAL}])) > 0`);
    const dlq = await prom!.query(`sum by (reason) (rate(logwire_dlq_total[${RATE_INTERVAL}])) > 0`);
    const reasons = dlq.map((s) => s.metric["reason"]).sort();
    return acked.length === 3 && reasons.join() === "invalid_record,record_too_large" ? true : undefined;
  }, bufferRatio);
  assert.equal(errors.get("invalid_record") !== undefined && errors.get("record_too_large") !== undefined, true, JSON.stringify([...errors]));
});

test("the seed's alert fires when the broker is down and records pile up, and resolves once it is back", { timeout: 240_000 }, async () => {
  // Not firing while the broker keeps up.
  const before = await prom!.query("max(logwire_producer_queue_bytes) / max(logwire_producer_queue_capacity_bytes)");
  assert.equal(before.length, 1);
  assert.ok(Number(before[0]!.value![1]) < 0.8, `buffer at ${before[0]!.value![1]} before the outage`);
  assert.deepEqual(await alertsNamed(SEED_ALERT), []);

  if (RENDER) await sleep(20_000);
  phase = "outage";
  const droppedBefore = pipeline!.stats().dropped["buffer_full"] ?? 0;
  await dedicated!.kill();
  const firing = await waitFor(`${SEED_ALERT} to fire`, 60_000, async () => {
    const a = await alertsNamed(SEED_ALERT);
    return a.length === 1 && a[0]!.state === "firing" ? a[0]! : undefined;
  }, bufferRatio);
  // It fired from the real metric: the pipeline's own books say the buffer is nearly full.
  assert.ok(Number(firing.value) > 0.8, `alert value ${firing.value}`);
  assert.equal(firing.labels["severity"], "warning");
  assert.equal(firing.labels["job"], "logwire");
  assert.equal(firing.labels["pipeline"], PIPELINE);
  const stats = pipeline!.stats();
  assert.ok(stats.bufferedBytes > 0.8 * stats.capacityBytes, `buffered ${stats.bufferedBytes} of ${stats.capacityBytes}`);
  assert.ok((stats.dropped["buffer_full"] ?? 0) > droppedBefore, "the overflow policy drops while the broker is down");
  const series = await prom!.query(`ALERTS{alertname="${SEED_ALERT}", alertstate="firing"}`);
  assert.equal(series.length, 1);

  // The broker comes back on the same data dir: the buffer drains and the alert resolves.
  const ackedBefore = pipeline!.stats().acked;
  await dedicated!.start();
  phase = "recovered";
  await waitFor(`${SEED_ALERT} to resolve`, 120_000, async () => ((await alertsNamed(SEED_ALERT)).length === 0 ? true : undefined), bufferRatio);
  const after = pipeline!.stats();
  assert.ok(after.acked > ackedBefore, "records are acked again after the restart");
  assert.ok(after.bufferedBytes < 0.8 * after.capacityBytes);
  const now = await prom!.query(`ALERTS{alertname="${SEED_ALERT}"}`);
  assert.deepEqual(now, [], "no ALERTS series (pending or firing) once resolved");
});

test("every PromQL expression of the dashboard and of the rules returns data from the run", { timeout: 120_000 }, async () => {
  // Steady traffic after the recovery, so rates span the whole run.
  await sleep(RENDER ? 20_000 : 5_000);
  clearInterval(ticker);
  ticker = undefined;
  await Promise.race([pipeline!.flush(), sleep(20_000)]);

  // Delivery unknown: the broker frozen with a request on its socket, and close() giving up on it.
  const pid = brokerPid();
  process.kill(pid, "SIGSTOP");
  frozen = pid;
  const errLog = pipeline!.emitter(errorLog);
  const outcomes = Array.from({ length: 30 }, (_, i) =>
    errLog.emitAndWait(simulatePaymentRequest(900_000 + i).error).then(
      () => "acked",
      (e: unknown) => (isLogwireError(e) ? e.code : String(e)),
    ),
  );
  await sleep(300);
  await Promise.race([pipeline!.close(), sleep(10_000)]);
  process.kill(pid, "SIGCONT");
  frozen = undefined;
  const codes = await Promise.all(outcomes);
  assert.ok(codes.includes("delivery_unknown"), `outcomes of the frozen request: ${codes.join(",")}`);
  assert.ok(pipeline!.stats().unknown > 0);
  await waitFor("Prometheus to see the delivery-unknown records", 15_000, async () => {
    const r = await prom!.query("sum(logwire_delivery_unknown_total) > 0");
    return r.length > 0 ? true : undefined;
  });
  await sleep(2_000); // two more scrapes and rule evaluations

  const end = Math.ceil(Date.now() / 1000);
  const { targets, variables } = readDashboard();
  const rules = readRules();
  assert.equal(rules.length, (await prom!.rules()).length, "every loaded rule was read from the file");
  const exprs = [
    ...targets.map((t) => ({ what: `dashboard "${t.panel}" ${t.refId} (${t.legendFormat})`, expr: substituteGrafana(t.expr, { rateInterval: RATE_INTERVAL, range: `${end - startedAt}s`, interval: "1s" }) })),
    ...rules.map((r) => ({ what: `rule ${r.name}`, expr: r.expr })),
  ];
  assert.ok(exprs.length >= 25, `${exprs.length} expressions`);
  const results = new Map<string, PromSample[]>();
  const empty: string[] = [];
  for (const { what, expr } of exprs) {
    const result = await prom!.queryRange(expr, startedAt, end, 1);
    results.set(expr, result);
    const finite = result.some((s) => (s.values ?? []).some(([, v]) => Number.isFinite(Number(v))));
    if (!finite) empty.push(`${what}: ${expr}`);
  }
  assert.deepEqual(empty, [], "expressions that returned no data");

  // The template variables list what the run produced.
  for (const v of variables) {
    const values = new Set((await prom!.series(substituteGrafana(v.selector, { rateInterval: RATE_INTERVAL, range: "1h", interval: "1s" }), startedAt, end)).map((s) => s[v.label]));
    if (v.label === "topic") assert.deepEqual([...values].sort(), [...topics].sort());
    else if (v.label === "job") assert.deepEqual([...values], ["logwire"]);
    else if (v.label === "pipeline") assert.deepEqual([...values], [PIPELINE]);
    else assert.equal(values.size, 1, `${v.name}: ${[...values].join(",")}`);
  }

  // And the panels show what happened, by their labels.
  const labelsOf = (exprPart: string, label: string): string[] => {
    const expr = [...results.keys()].find((e) => e.startsWith(exprPart));
    assert.ok(expr, exprPart);
    return [...new Set(results.get(expr)!.map((s) => s.metric[label]!))].sort();
  };
  assert.deepEqual(labelsOf("sum by (topic) (rate(produce_success_total", "topic"), [...topics].sort());
  assert.ok(labelsOf("sum by (topic, reason) (rate(logwire_dropped_total", "reason").includes("buffer_full"));
  assert.deepEqual(labelsOf("sum by (topic, reason) (rate(logwire_dlq_total", "reason"), ["invalid_record", "record_too_large"]);
  assert.ok(labelsOf("sum by (topic) (rate(produce_error_total", "topic").length > 0);
  assert.ok(labelsOf("sum by (op, outcome) (logwire_registry_calls_total", "outcome").includes("ok"));
  const peak = results.get([...results.keys()].find((e) => e.startsWith("max by (job, instance, pipeline) (logwire_producer_queue_bytes"))!)!;
  assert.ok(Math.max(...peak[0]!.values!.map(([, v]) => Number(v))) > 0.8, "the buffer-fill panel crosses the 80% line");

  // The README's image, on request only (needs Debian's chromium): examples/grafana/render.ts.
  const png = process.env["LOGWIRE_DASHBOARD_PNG"];
  if (RENDER && png !== undefined) {
    const { renderDashboard } = await import("../../examples/grafana/render.ts");
    await renderDashboard({ prometheusUrl: prom!.url, start: startedAt, end, out: png, rateInterval: RATE_INTERVAL });
  }
});
