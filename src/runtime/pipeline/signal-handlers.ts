const SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

/**
 * `handleSignals: true`: on SIGTERM or SIGINT, close (flush) the pipeline,
 * then re-raise the signal so the process ends the way it would have without
 * logwire (exit by signal, other listeners' behaviour intact). Returns a
 * function that removes the handlers.
 */
export function installSignalHandlers(close: () => Promise<void>): () => void {
  const remove = (): void => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    remove();
    void close().finally(() => process.kill(process.pid, signal));
  }
  for (const s of SIGNALS) process.once(s, onSignal);
  return remove;
}
