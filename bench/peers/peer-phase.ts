/**
 * Child phase of `npm run bench:peers`: one contender, one record variant,
 * on a fresh topic, in a fresh process (forked by bench/phase-runner.ts).
 * Opens the contender (connections, schema registration, one record acked
 * before the clock), drives a warm-up, then the measured window, reads the
 * process's CPU (user + system: every thread, librdkafka's and logwire's
 * producer thread included) and peak RSS, closes (everything logged is
 * acked or failed), and compares the acked count with what the broker holds
 * (the sum of the topic's high watermarks).
 */
import { progress, runChild } from "../phase-child.ts";
import { startWindow, type WindowCost } from "../process-sample.ts";
import { threadCpuSeconds, threadMicrosPerRecord, type ThreadGroup } from "../thread-cpu.ts";
import { benchTopic, brokers, recordsOnBroker, registryUrl, withTopics } from "../workload.ts";
import { contender, type ContenderId } from "./contenders.ts";
import { drivePeer } from "./peer-driver.ts";
import { auditSource, type Variant } from "./records.ts";

export interface PeerParams {
  readonly contender: ContenderId;
  readonly variant: Variant;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** Measure this many records instead of a time window (no warm-up); `seconds` then bounds the window. */
  readonly records?: number;
}

export interface PeerResult extends WindowCost {
  readonly contender: ContenderId;
  readonly variant: Variant;
  readonly recordsPerSecond: number;
  /** CPU (user + system, all threads) in the window per record acked in it. */
  readonly cpuMicrosPerRecord: number;
  /** The same CPU split by thread (thread-cpu.ts), undefined off Linux. */
  readonly threadMicrosPerRecord: Partial<Record<ThreadGroup, number>> | undefined;
  /** `process.resourceUsage().maxRSS` at the end of the window. */
  readonly peakRssBytes: number;
  /** RSS before the contender was opened: the part of the peak every contender shares. */
  readonly startRssBytes: number;
  readonly windowAcked: number;
  /** Over the whole run (warm-up and the first record included): logged = acked + failed after close. */
  readonly logged: number;
  readonly acked: number;
  readonly failed: number;
  readonly onBroker: number;
  readonly countsMatch: boolean;
  readonly errors: readonly string[];
}

await runChild<PeerParams, PeerResult>(async (p) => {
  const c = contender(p.contender);
  const topic = benchTopic(`peers-${c.id}`);
  const cleanup = await withTopics([topic]);
  try {
    const source = auditSource(p.variant);
    // The process before the contender exists (Node, tsx, the bench's own admin client, the records' source).
    const startRssBytes = process.memoryUsage.rss();
    const sink = await c.open({ topic, brokers, registryUrl });
    let logged = 0;
    // One record acked before the clock: connections are open and the schema registered.
    sink.log(source.next());
    logged++;
    const t1 = performance.now() + 30_000;
    while (sink.acked() + sink.failed() < 1 && performance.now() < t1) await new Promise((r) => setTimeout(r, 5));
    if (sink.acked() < 1) throw new Error(`${c.id}: the first record was not acked within 30 s (${sink.errors().join("; ") || "no error reported"})`);

    const warmup = p.records === undefined ? p.warmupSeconds : 0;
    const total = (warmup + p.seconds) * 1000;
    const t0 = performance.now();
    const onTurn = () => progress((performance.now() - t0) / total);
    logged += await drivePeer(sink, source, t0 + warmup * 1000, Infinity, onTurn);
    const acked0 = sink.acked();
    const end = startWindow();
    const threads0 = threadCpuSeconds();
    logged += await drivePeer(sink, source, t0 + total, p.records ?? Infinity, onTurn);
    const cost = end();
    const threads1 = threadCpuSeconds();
    const windowAcked = sink.acked() - acked0;
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    await sink.close();
    const acked = sink.acked();
    const failed = sink.failed();
    const onBroker = await recordsOnBroker(topic);
    return {
      ...cost,
      contender: c.id,
      variant: p.variant,
      recordsPerSecond: windowAcked / cost.seconds,
      cpuMicrosPerRecord: (cost.cpuCores * cost.seconds * 1e6) / windowAcked,
      threadMicrosPerRecord: threadMicrosPerRecord(threads0, threads1, windowAcked),
      peakRssBytes,
      startRssBytes,
      windowAcked,
      logged,
      acked,
      failed,
      onBroker,
      countsMatch: onBroker === acked && acked + failed === logged,
      errors: sink.errors().slice(0, 5),
    };
  } finally {
    await cleanup();
  }
});
