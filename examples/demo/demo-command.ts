import { Command, Option } from "commander";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { createPipeline } from "../../src/runtime/pipeline/pipeline.ts";
import { createProgress, createStack, resolveStackConfig, stackEndpoints } from "../../src/stack/index.ts";
import { simulatePaymentRequest } from "./demo-payments.ts";
import { runTail } from "../../src/cli/tail-command.ts";

/**
 * `logwire demo` (`npm run demo`, after `buf generate`): brings the dev stack
 * up (reusing a healthy one), runs a small simulated payments service that
 * writes the seed's three logs per request through a pipeline, plus one record
 * from a careless plain-JS caller, closes the pipeline (nothing lost), prints
 * the books, then tails each topic and the dead-letter topic decoded through
 * the registry — the same code as `logwire tail`.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("start the dev stack, emit the three seed logs from a simulated payments service, print the books, tail the topics")
    .addOption(new Option("--requests <n>", "simulated requests (3 logs each)").default(3000).argParser((v) => Number.parseInt(v, 10)))
    .addOption(new Option("--show <n>", "records to tail per topic").default(2).argParser((v) => Number.parseInt(v, 10)))
    .action(async (opts: { requests: number; show: number }) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      const stack = createStack(resolveStackConfig(), { progress: createProgress() });
      await stack.up({ wait: true });
      const { brokers, registryUrl } = stackEndpoints(stack.config);
      out(`kafka ${brokers}, schema registry ${registryUrl}`);

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
      // A plain-JS caller with a wrong type: not a crash, a dead letter with the field path.
      (audit.emit as (init: unknown) => void)({ paymentId: "pay-bad", amount: { amountMinor: "twelve" } });
      await pipeline.close();
      const ms = performance.now() - began;
      const s = pipeline.stats();
      out(`\nsimulated ${opts.requests} payment requests -> ${s.emitted} records in ${ms.toFixed(0)} ms (snappy, idempotent, acks=all)`);
      out(`  acked ${s.acked}, dropped ${JSON.stringify(s.dropped)}, dead-lettered ${JSON.stringify(s.deadLettered)}, unknown ${s.unknown}, pending ${s.pending}`);

      const tail = { fromBeginning: true, max: opts.show, idleMs: 5000, brokers, registry: registryUrl, quiet: true };
      for (const topic of [PaymentAuditLog.topic, RequestPerformanceLog.topic, PaymentErrorLog.topic, `${PaymentAuditLog.topic}.dlq`]) {
        out(`\n$ logwire tail ${topic} --from-beginning --max ${opts.show}`);
        await runTail(topic, topic.endsWith(".dlq") ? { ...tail, max: 1 } : tail);
      }
      out(`\nmore: npx logwire tail ${PaymentAuditLog.topic}; the stack keeps running (stop it with \`npx logwire dev down\`)`);
      const deadLettered = Object.values(s.deadLettered).reduce((a, b) => a + b, 0);
      if (s.acked !== s.emitted - 1 || deadLettered !== 1 || s.pending !== 0) process.exitCode = 1;
    });
}
