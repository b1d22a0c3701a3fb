import { Command, Option } from "commander";
import kafkajs from "kafkajs";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { registerCompressionCodecs } from "../runtime/compression.ts";
import { createPipeline } from "../runtime/pipeline.ts";
import { createSchemaDecoder } from "../runtime/schema-decoder.ts";
import { createProgress, createStack, resolveStackConfig, stackEndpoints } from "../stack/index.ts";
import { simulatePaymentRequest } from "./demo-payments.ts";

const { Kafka, logLevel } = kafkajs;
const TOPICS = [PaymentAuditLog.topic, RequestPerformanceLog.topic, PaymentErrorLog.topic];

/**
 * `logwire demo` (`npm run demo`): brings the dev stack up (reusing a healthy
 * one), runs a small simulated payments service that writes the seed's three
 * logs per request through a pipeline, closes it (nothing lost), then prints
 * the books and the first records of this run, decoded through the registry.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("start the dev stack, emit the three seed logs from a simulated payments service, print counts and decoded records")
    .addOption(new Option("--requests <n>", "simulated requests (3 logs each)").default("3000").argParser((v) => Number.parseInt(v, 10)))
    .addOption(new Option("--show <n>", "decoded records to print per topic").default("1").argParser((v) => Number.parseInt(v, 10)))
    .action(async (opts: { requests: number; show: number }) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const stack = createStack(resolveStackConfig(), { progress: createProgress() });
      await stack.up({ wait: true });
      const { brokers, registryUrl } = stackEndpoints(stack.config);
      out(`kafka ${brokers}, schema registry ${registryUrl}`);

      const kafka = new Kafka({ clientId: "logwire-demo", brokers: [brokers], logLevel: logLevel.NOTHING });
      const start = await endOffsets(kafka);

      const pipeline = await createPipeline({ brokers: [brokers], registry: { url: registryUrl }, onError: (e) => out(`  onError: ${e.message}`) });
      const audit = pipeline.emitter(PaymentAuditLog);
      const perf = pipeline.emitter(RequestPerformanceLog);
      const error = pipeline.emitter(PaymentErrorLog);
      const began = performance.now();
      for (let i = 0; i < opts.requests; i++) {
        const logs = simulatePaymentRequest(i);
        audit.emit(logs.audit);
        perf.emit(logs.performance);
        error.emit(logs.error);
        if (i % 500 === 499) await new Promise((r) => setImmediate(r)); // a service yields between requests
      }
      await pipeline.close();
      const ms = performance.now() - began;
      const s = pipeline.stats();
      out(`\nsimulated ${opts.requests} payment requests -> ${s.emitted} records in ${ms.toFixed(0)} ms (snappy, idempotent, acks=all)`);
      out(`  acked ${s.acked}, dropped ${JSON.stringify(s.dropped)}, dead-lettered ${JSON.stringify(s.deadLettered)}, pending ${s.pending}`);

      const end = await endOffsets(kafka);
      for (const topic of TOPICS) {
        out(`  ${topic}: +${sum(end.get(topic)) - sum(start.get(topic))} records (now ${sum(end.get(topic))})`);
      }

      out("\nfirst records of this run, decoded with the registered schemas:");
      const decoder = createSchemaDecoder({ registryUrl });
      const consumer = kafka.consumer({ groupId: `logwire-demo-${Date.now()}`, maxWaitTimeInMs: 100 });
      registerCompressionCodecs();
      await consumer.connect();
      const wanted = new Map(TOPICS.map((t) => [t, opts.show]));
      try {
        for (const topic of TOPICS) await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 15000);
          void consumer.run({
            eachMessage: async ({ topic, partition, message }) => {
              const left = wanted.get(topic) ?? 0;
              if (left <= 0 || BigInt(message.offset) < (start.get(topic)?.get(partition) ?? 0n) || message.value === null) return;
              wanted.set(topic, left - 1);
              const decoded = await decoder.decode(message.value);
              out(`\n${topic} [partition ${partition}, offset ${message.offset}, key ${message.key?.toString()}, schema id ${decoded.schemaId}]`);
              out(JSON.stringify(decoded.json, null, 2));
              if ([...wanted.values()].every((n) => n <= 0)) {
                clearTimeout(timer);
                resolve();
              }
            },
          });
        });
      } finally {
        await consumer.disconnect();
      }
      out(`\nmore: npx logwire tail ${PaymentAuditLog.topic}; the stack keeps running (stop it with \`npx logwire dev down\`)`);
      if (s.acked !== s.emitted) process.exitCode = 1;
    });
}


function sum(offsets: Map<number, bigint> | undefined): number {
  let n = 0n;
  for (const v of offsets?.values() ?? []) n += v;
  return Number(n);
}

/** End offset per partition of each demo topic; empty for a topic that does not exist yet. */
async function endOffsets(kafka: InstanceType<typeof Kafka>): Promise<Map<string, Map<number, bigint>>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const out = new Map<string, Map<number, bigint>>();
    for (const topic of TOPICS) {
      const m = new Map<number, bigint>();
      if (existing.has(topic)) for (const o of await admin.fetchTopicOffsets(topic)) m.set(o.partition, BigInt(o.high));
      out.set(topic, m);
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}
