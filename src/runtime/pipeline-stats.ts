/** A snapshot of the pipeline's books. */
export interface PipelineStats {
  /** Records passed to `emit`/`emitAndWait`. */
  readonly emitted: number;
  /** Records the broker acked. */
  readonly acked: number;
  /** Records dropped, by reason: sampled, buffer_full, block_timeout, closed, close_timeout, dlq_failed, dlq_full, internal. */
  readonly dropped: Readonly<Record<string, number>>;
  /** Records written to a dead-letter topic, by error code. */
  readonly deadLettered: Readonly<Record<string, number>>;
  /** Records not settled yet (queued, waiting for an id or space, in flight, or on their way to the DLQ). */
  readonly pending: number;
  /** Bytes held in the buffer and its capacity. */
  readonly bufferedBytes: number;
  readonly capacityBytes: number;
}

/**
 * The books. They always balance:
 * `emitted = acked + Σ dropped + Σ deadLettered + pending`, and after
 * `flush()` or `close()` resolves, `pending` is 0 for what came before.
 */
export function createStatsBook() {
  let emitted = 0;
  let acked = 0;
  let droppedTotal = 0;
  let dlqTotal = 0;
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
    snapshot(bufferedBytes: number, capacityBytes: number): PipelineStats {
      return {
        emitted,
        acked,
        dropped: { ...dropped },
        deadLettered: { ...deadLettered },
        pending: emitted - acked - droppedTotal - dlqTotal,
        bufferedBytes,
        capacityBytes,
      };
    },
  };
}
