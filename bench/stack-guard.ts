/**
 * The real stack for `npm run bench`, as test/run.mjs does it: reuse
 * the components that answer, start the rest with `logwire dev up --wait`,
 * and stop exactly those (by the stack's pid files) when the suite ends.
 */
import { createProgress, createStack, resolveStackConfig, type ComponentName } from "../src/stack/index.ts";

export interface StackLease {
  /** One line per component: reused or started. */
  readonly notes: readonly string[];
  release(): Promise<void>;
}

export async function leaseStack(): Promise<StackLease> {
  const stack = createStack(resolveStackConfig(), { progress: createProgress() });
  const before = await stack.status();
  const started = before.filter((s) => s.state === "down").map((s) => s.name as ComponentName);
  const notes = before.filter((s) => s.state !== "down").map((s) => `reusing ${s.name} at ${s.endpoint} (${s.state})`);
  if (before.some((s) => s.state !== "up")) {
    const after = await stack.up({ wait: true });
    const notUp = after.filter((s) => s.state !== "up");
    if (notUp.length > 0) {
      throw new Error(`the dev stack did not come up: ${notUp.map((s) => `${s.name}: ${s.note}`).join("; ")}; run \`logwire dev up --wait\` to see why`);
    }
    notes.push(...started.map((n) => `started ${n} (stopped again at the end)`));
  }
  return {
    notes,
    async release() {
      if (started.length > 0) await stack.down(started);
    },
  };
}
