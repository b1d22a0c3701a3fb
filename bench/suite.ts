/**
 * The benchmark suite: the steps of parts a-e, each in its own child
 * process, in one run against one broker with the same settings. The
 * broker-bound measurements run in two passes, the second in reverse order
 * (ABBA), so a drift in the machine's load hits every side alike; the
 * report gives their means and ranges. `--quick` runs one pass and skips
 * the profile.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { OverloadResult } from "./phases/overload.ts";
import type { RawResult } from "./phases/raw-throughput.ts";
import type { KafkajsFlavour } from "./raw-producer.ts";
import type { SdkResult } from "./phases/sdk-throughput.ts";
import type { WireSizeResult } from "./phases/wire-size.ts";
import { summariseProfile, type ProfileSummary } from "./cpu-profile-summary.ts";
import { runEncodeMicro, type EncodeResult } from "./encode-step.ts";
import { measureHotPath, type StepCost } from "./hot-path-micro.ts";
import { runPhase } from "./phase-runner.ts";
import { settle } from "./settle.ts";
import type { WindowCost } from "./process-sample.ts";
import type { ProgressBar } from "./progress-bar.ts";
import type { SuiteOptions } from "./suite-options.ts";

export const MiB = 1048576;

/** The seed's batching table: batch bytes and linger. */
export const SWEEP: readonly { readonly label: string; readonly batchBytes: number; readonly lingerMs: number }[] = [
  { label: "100 kB / 0 ms", batchBytes: 100 * 1024, lingerMs: 0 },
  { label: "500 kB / 2 ms", batchBytes: 500 * 1024, lingerMs: 2 },
  { label: "1 MiB / 5 ms", batchBytes: MiB, lingerMs: 5 },
  { label: "2 MiB / 10 ms", batchBytes: 2 * MiB, lingerMs: 10 },
];

export interface SuiteResults {
  encode: EncodeResult | undefined;
  wireSize: WireSizeResult | undefined;
  /** Part a: raw kafkajs as published (LOGWIRE_KAFKAJS_PATCHES=off), one entry per pass. */
  rawStock: RawResult[];
  /** Part a: raw kafkajs with logwire's patches and partitioner (the SDK's transport without the SDK), and the full SDK, at 1 MiB / 5 ms. */
  raw: RawResult[];
  sdk: SdkResult[];
  /** The same SDK phase with `producerThread: "main"`: kafkajs on the emitting thread. */
  sdkMainThread: SdkResult[];
  /** Part c: raw kafkajs with JSON records, one per pass. */
  rawJson: RawResult[];
  /** Part d: one entry per point and pass. */
  sweep: { label: string; batchBytes: number; lingerMs: number; result: SdkResult }[];
  overload: OverloadResult | undefined;
  hotPath: StepCost[] | undefined;
  profile: (ProfileSummary & { file: string; recordsPerSecond: number }) | undefined;
  failures: string[];
}

interface Step {
  readonly label: string;
  /** Expected seconds, to weigh the progress bar. */
  readonly weight: number;
  readonly run: (onProgress: (f: number) => void) => Promise<string>;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rate = (n: number) => `${Math.round(n).toLocaleString("en-US")} rec/s`;
const costOf = (x: WindowCost & { recordsPerSecond: number; recordsPerRequest: number }) =>
  `${((x.cpuCores * 1e6) / x.recordsPerSecond).toFixed(1)} µs CPU/record, event loop ${(100 * x.eventLoopUtilization).toFixed(0)}% busy, ${Math.round(x.recordsPerRequest)} records/request`;

export async function runSuite(o: SuiteOptions, bar: ProgressBar): Promise<SuiteResults> {
  const r: SuiteResults = { encode: undefined, wireSize: undefined, rawStock: [], raw: [], sdk: [], sdkMainThread: [], rawJson: [], sweep: [], overload: undefined, hotPath: undefined, profile: undefined, failures: [] };
  const window = o.seconds + o.warmupSeconds;
  const timeoutMs = (window + 90) * 1000;
  const throughput = { seconds: o.seconds, warmupSeconds: o.warmupSeconds, batchBytes: MiB };

  const raw = (label: string, format: "protobuf" | "json", kafkajs: KafkajsFlavour, into: RawResult[]): Step => ({
    label,
    weight: window + 2,
    run: async (onProgress) => {
      const env = kafkajs === "stock" ? { LOGWIRE_KAFKAJS_PATCHES: "off" } : undefined;
      await settle();
      const res = await runPhase<RawResult>({ script: "raw-throughput.ts", params: { ...throughput, format, kafkajs }, ...(env === undefined ? {} : { env }), timeoutMs, onProgress });
      into.push(res);
      return `${label}: ${rate(res.recordsPerSecond)} (${costOf(res)})`;
    },
  });
  const sdk = (label: string, point: { batchBytes: number; lingerMs: number }, sampleEvery: number, onResult: (res: SdkResult) => void, producerThread?: "main"): Step => ({
    label,
    weight: window + 3,
    run: async (onProgress) => {
      await settle();
      const res = await runPhase<SdkResult>({
        script: "sdk-throughput.ts",
        params: { seconds: o.seconds, warmupSeconds: o.warmupSeconds, batchBytes: point.batchBytes, lingerMs: point.lingerMs, sampleEvery, ...(producerThread === undefined ? {} : { producerThread }) },
        timeoutMs,
        onProgress,
      });
      onResult(res);
      return `${label}: ${rate(res.recordsPerSecond)} (${costOf(res)}${res.dropped > 0 ? `, dropped ${res.dropped}` : ""})`;
    },
  });

  // One pass of the broker-bound measurements; the second runs reversed.
  const pass: Step[] = [
    raw("a. raw kafkajs 2.2.4 as published, sendBatch, pre-encoded", "protobuf", "stock", r.rawStock),
    raw("a. raw kafkajs with logwire's patches, sendBatch, pre-encoded", "protobuf", "logwire", r.raw),
    sdk("a. full SDK emit -> ack, 1 MiB / 5 ms", { batchBytes: MiB, lingerMs: 5 }, 8, (res) => r.sdk.push(res)),
    sdk("a. full SDK, producer on the emitting thread (producerThread: main)", { batchBytes: MiB, lingerMs: 5 }, 8, (res) => r.sdkMainThread.push(res), "main"),
    raw("c. raw kafkajs (logwire's patches) sendBatch, JSON records", "json", "logwire", r.rawJson),
    ...SWEEP.map((point) => sdk(`d. full SDK at ${point.label}`, point, 0, (res) => r.sweep.push({ ...point, result: res }))),
  ];

  const steps: Step[] = [
    {
      label: "b. encoders: generated vs toBinary vs protobufjs vs JSON (bench/encode-micro.ts)",
      weight: o.quick ? 4 : 12,
      run: async (onProgress) => {
        r.encode = await runEncodeMicro({ rounds: o.quick ? 3 : 7, ms: o.quick ? 150 : 300, timeoutMs: 180000, onProgress });
        const g = r.encode.encoders[0]!;
        return `generated encoder ${g.microsPerRecord} µs/record, ${g.speedupVsToBinary}x toBinary`;
      },
    },
    {
      label: "c. bytes on the wire: Protobuf vs JSON record batches, Snappy",
      weight: 3,
      run: async (onProgress) => {
        const res = await runPhase<WireSizeResult>({ script: "wire-size.ts", params: { batchBytes: MiB }, timeoutMs: 60000, onProgress });
        r.wireSize = res;
        return `after Snappy: protobuf ${res.protobuf.wireBytesSnappy.toFixed(1)} B/record, JSON ${res.json.wireBytesSnappy.toFixed(1)} B/record`;
      },
    },
    ...pass,
    ...(o.quick ? [] : [...pass].reverse()),
    {
      label: "e. 10x overload: RSS against the 5 MiB buffer",
      weight: Math.min(o.seconds, 6) + 5,
      run: async (onProgress) => {
        const drain = r.sdk.length > 0 ? mean(r.sdk.map((s) => s.recordsPerSecond)) : 50000;
        const res = await runPhase<OverloadResult>({
          script: "overload.ts",
          params: { seconds: Math.min(o.seconds, 6), drainRate: drain, overloadFactor: 10 },
          nodeFlags: ["--expose-gc"],
          timeoutMs: 120000,
          onProgress,
        });
        r.overload = res;
        return `overload: max RSS - baseline ${(res.rssGrowthBytes / MiB).toFixed(1)} MiB, buffer max ${(res.maxBufferedBytes / MiB).toFixed(2)} MiB of ${(res.capacityBytes / MiB).toFixed(0)} MiB`;
      },
    },
  ];
  if (o.profile) {
    steps.push(
      {
        label: "profile: per-record CPU of each hot-path step (bench/hot-path-micro.ts)",
        weight: 6,
        run: async (onProgress) => {
          onProgress(0.1);
          r.hotPath = await measureHotPath(5);
          const sum = (side: string) => r.hotPath!.filter((c) => c.side === side && !c.step.includes("(before)")).reduce((a, c) => a + c.microsPerRecord, 0);
          return `per record: SDK steps ${sum("sdk").toFixed(1)} µs, kafkajs steps ${sum("kafkajs").toFixed(1)} µs`;
        },
      },
      {
        label: "profile: full SDK 1 MiB / 5 ms under the CPU profiler",
        weight: window + 4,
        run: async (onProgress) => {
          mkdirSync(o.profileDir, { recursive: true });
          await settle();
          const file = join(o.profileDir, "sdk-throughput.cpuprofile");
          const res = await runPhase<SdkResult>({ script: "sdk-throughput.ts", params: { ...throughput, lingerMs: 5, sampleEvery: 0, profileFile: file }, timeoutMs, onProgress });
          r.profile = { ...summariseProfile(JSON.parse(readFileSync(file, "utf8")), 25), file, recordsPerSecond: res.recordsPerSecond };
          const top = r.profile.functions[0];
          return `profiled at ${rate(res.recordsPerSecond)}; top self time: ${top?.name ?? "-"} ${((top?.share ?? 0) * 100).toFixed(1)}%`;
        },
      },
    );
  }
  const total = steps.reduce((s, x) => s + x.weight, 0);
  let done = 0;
  for (const [i, step] of steps.entries()) {
    bar.step(i, steps.length, step.label);
    try {
      bar.note(await step.run((f) => bar.update((done + f * step.weight) / total)));
    } catch (error) {
      const message = `${step.label}: ${error instanceof Error ? error.message : String(error)}`;
      r.failures.push(message);
      bar.note(`FAILED ${message}`);
    }
    done += step.weight;
    bar.update(done / total);
  }
  bar.done();
  return r;
}
