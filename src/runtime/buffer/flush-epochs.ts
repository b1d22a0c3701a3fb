/**
 * What `flush()` waits for: every record emitted before the call, and not the
 * ones emitted after it (so a busy emitter cannot starve a flush).
 *
 * Each pending record carries the epoch it was emitted in; `flush()` closes
 * the current epoch and resolves once no record of that or an older epoch is
 * pending. Records settle out of order (acks, DLQ writes, drops), so pending
 * counts are kept per epoch; there are only as many epochs as concurrent
 * flushes, so the bookkeeping stays tiny.
 */
export function createFlushEpochs() {
  let epoch = 0;
  const outstanding = new Map<number, number>();
  const waiters: { epoch: number; resolve: () => void }[] = [];

  function check(): void {
    let oldest = Infinity;
    for (const e of outstanding.keys()) oldest = Math.min(oldest, e);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.epoch < oldest) waiters.splice(i, 1)[0]!.resolve();
    }
  }

  return {
    /** A record became pending; returns its epoch. */
    begin(): number {
      outstanding.set(epoch, (outstanding.get(epoch) ?? 0) + 1);
      return epoch;
    },
    /** A record of epoch `e` settled. */
    done(e: number): void {
      const n = (outstanding.get(e) ?? 1) - 1;
      if (n === 0) outstanding.delete(e);
      else outstanding.set(e, n);
      if (waiters.length > 0) check();
    },
    /** Resolves when everything begun before this call is done. */
    flush(): Promise<void> {
      const e = epoch++;
      return new Promise((resolve) => {
        waiters.push({ epoch: e, resolve });
        check();
      });
    },
    /** Flushes are waiting (the record route then sends without lingering). */
    get waiting(): boolean {
      return waiters.length > 0;
    },
  };
}
