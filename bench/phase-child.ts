/**
 * The child side of a benchmark phase. Each measurement runs in a fresh
 * process (forked by phase-runner.ts), so JIT state, heap and RSS of one
 * measurement never leak into the next, and `--cpu-prof` can wrap just one.
 * The child gets its parameters as one JSON argument and talks back over
 * the IPC channel: progress fractions while it runs, then one result.
 */
export type ChildMessage =
  | { readonly type: "progress"; readonly fraction: number }
  | { readonly type: "result"; readonly result: unknown }
  | { readonly type: "error"; readonly message: string };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      // Run by hand: print instead.
      if (message.type !== "progress") process.stdout.write(JSON.stringify(message, null, 2) + "\n");
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

/** The parent redraws its bar a few times a second; more reports would only cost the phase CPU. */
const PROGRESS_EVERY_MS = 100;
let lastProgress = -Infinity;

/**
 * Reports how far the phase is, 0..1. Cheap to call on every turn: at most
 * one message per PROGRESS_EVERY_MS crosses the IPC channel (a report per
 * driver turn shows in the SDK phase's profile: BENCHMARKS.md, "What was
 * changed" 13), and 1 always does.
 */
export function progress(fraction: number): void {
  if (process.send === undefined) return;
  const now = performance.now();
  if (fraction < 1 && now - lastProgress < PROGRESS_EVERY_MS) return;
  lastProgress = now;
  process.send({ type: "progress", fraction: Math.max(0, Math.min(1, fraction)) } satisfies ChildMessage);
}

/** Runs a phase's main with the JSON parameters from argv[2], sends its result, and exits. */
export async function runChild<P, R>(main: (params: P) => Promise<R>): Promise<void> {
  let code = 0;
  try {
    const params = JSON.parse(process.argv[2] ?? "{}") as P;
    await send({ type: "result", result: await main(params) });
  } catch (error) {
    code = 1;
    await send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
  // Idle kafkajs sockets would keep the process alive; exit writes --cpu-prof output too.
  process.exit(code);
}

/** A promise resolved after `ms`, not keeping the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves on the next turn of the event loop, after pending I/O. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
