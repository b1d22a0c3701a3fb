/** A snapshot of the pipeline's books. */
export interface PipelineStats {
  /** Records passed to `emit`/`emitAndWait`. */
  readonly emitted: number;
  /** Records the broker acked. */
  readonly acked: number;
  /** Records dropped, by reason: sampled, buffer_full, spool_full, spool_torn, spool_failed, block_timeout, closed, close_timeout, dlq_failed, dlq_full, internal. */
  readonly dropped: Readonly<Record<string, number>>;
  /** Records written to a dead-letter topic, by error code. */
  readonly deadLettered: Readonly<Record<string, number>>;
  /**
   * Records whose outcome is unknown: logwire gave up on them (close() timed
   * out, or a dead-letter write ran out of retries) after their request
   * reached the broker's socket and got no answer, so the broker may or may
   * not have written them ("possibly persisted" in librdkafka's words).
   * Neither acked nor dropped; see delivery-unknown.ts.
   */
  readonly unknown: number;
  /** Records not settled yet (queued, waiting for an id or space, in flight, or on their way to the DLQ). */
  readonly pending: number;
  /**
   * With `buffer.spool`: records in the disk spool, not yet read back. They
   * are neither pending nor dropped; what `close()` leaves there is kept for
   * the next pipeline on the same dir. 0 without a spool.
   */
  readonly spooled: number;
  /** With `buffer.spool`: records a previous process left in the spool when this pipeline opened it (torn ones included). */
  readonly restored: number;
  /** Bytes held in the buffer and its capacity. */
  readonly bufferedBytes: number;
  readonly capacityBytes: number;
}

/**
 * The books. They always balance:
 * `emitted + restored = acked + Σ dropped + Σ deadLettered + unknown + pending + spooled`
 * (`restored` and `spooled` are 0 without a disk spool), and after `flush()`
 * or `close()` resolves, `pending` is 0 for what came before.
 */
export function createStatsBook() {
  let emitted = 0;
  let acked = 0;
  let droppedTotal = 0;
  let dlqTotal = 0;
  let unknown = 0;
  const dropped: Record<string, number> = {};
  const deadLettered: Record<string, number> = {};
  return {
    emitted(): void {
      emitted++;
    },
    acked(n: number): void {
      acked += n;
    },
    dropped(reason: string): void {
      dropped[reason] = (dropped[reason] ?? 0) + 1;
      droppedTotal++;
    },
    deadLettered(reason: string): void {
      deadLettered[reason] = (deadLettered[reason] ?? 0) + 1;
      dlqTotal++;
    },
    unknown(): void {
      unknown++;
    },
    snapshot(bufferedBytes: number, capacityBytes: number, spooled = 0, restored = 0): PipelineStats {
      return {
        emitted,
        acked,
        dropped: { ...dropped },
        deadLettered: { ...deadLettered },
        unknown,
        pending: emitted + restored - acked - droppedTotal - dlqTotal - unknown - spooled,
        spooled,
        restored,
        bufferedBytes,
        capacityBytes,
      };
    },
  };
}
