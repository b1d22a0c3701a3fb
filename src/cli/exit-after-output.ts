/**
 * Exits with `code` once everything written to stdout and stderr has left
 * the process. `process.exit()` right after a write drops what a pipe has
 * not taken yet (writes to pipes are asynchronous), so `logwire tail --json |
 * jq` would lose the end of its output. Exiting explicitly is still needed:
 * the stack's detached processes and idle sockets would keep the CLI alive.
 */
export async function exitAfterOutput(code: number): Promise<never> {
  const drained = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()));
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
