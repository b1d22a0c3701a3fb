import { Command } from "commander";
import { createProgress, createStack, resolveStackConfig, stackEndpoints } from "../stack/index.ts";

/**
 * `logwire demo` (`npm run demo`). For now it brings the dev stack up and
 * prints the endpoints; generating code, emitting the three seed logs and
 * tailing them decoded are added by later issues.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("start the dev stack and run the end-to-end demo")
    .action(async () => {
      const stack = createStack(resolveStackConfig(), { progress: createProgress() });
      await stack.up({ wait: true });
      const { brokers, registryUrl } = stackEndpoints(stack.config);
      process.stdout.write(`kafka brokers: ${brokers}\nschema registry: ${registryUrl}\n`);
      process.stdout.write("stack is up; stop it with `npx logwire dev down`\n");
    });
}
