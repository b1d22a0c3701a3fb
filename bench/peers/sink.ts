/**
 * The one seam every contender implements, so the same driver, the same
 * records and the same accounting measure them all. A sink is what an
 * application holds to log one audit record; the driver calls `log` and
 * never awaits it, as request handlers do not await their log lines.
 */
import type { AuditInit } from "../workload.ts";

export interface Sink {
  /** Logs one record (the e-mail still in clear: the sink hashes it, or logwire's redaction does). Never awaited. */
  log(record: AuditInit): void;
  /** True while the sink holds as much unacknowledged work as the driver lets it queue. */
  backlogged(): boolean;
  /** Records the broker acknowledged so far. */
  acked(): number;
  /** Records that failed (rejected, dropped, dead-lettered, outcome unknown), so `logged = acked + failed` after close. */
  failed(): number;
  /** Waits until every logged record is acknowledged or failed, then disconnects. */
  close(): Promise<void>;
  /** A line per failure kind seen, for the report. */
  errors(): readonly string[];
}

export interface SinkContext {
  readonly topic: string;
  readonly brokers: readonly string[];
  readonly registryUrl: string;
}

/**
 * Unacknowledged records a record-counting sink may hold before the driver
 * waits: about 4 MiB of these ~250 B records, close to logwire's 5 MiB
 * buffer, so every contender runs with a similar amount of data in flight.
 */
export const MAX_PENDING = 16384;

/** Batching every contender is configured with where its client allows it (the seed's 1 MiB / 5 ms point). */
export const BATCH_BYTES = 1048576;
export const LINGER_MS = 5;

/** Counts outstanding work and failures for sinks whose client reports each record or batch. */
export function createTally() {
  let logged = 0;
  let acked = 0;
  let failed = 0;
  const errors = new Set<string>();
  let idle: (() => void) | undefined;
  const settle = () => {
    if (idle !== undefined && acked + failed === logged) {
      const done = idle;
      idle = undefined;
      done();
    }
  };
  return {
    sent(n = 1): void {
      logged += n;
    },
    ack(n = 1): void {
      acked += n;
      settle();
    },
    fail(error: unknown, n = 1): void {
      failed += n;
      errors.add(error instanceof Error ? error.message.split("\n")[0]! : String(error));
      settle();
    },
    pending: () => logged - acked - failed,
    acked: () => acked,
    failed: () => failed,
    errors: () => [...errors],
    /** Resolves once every record sent so far is acked or failed. */
    drained(): Promise<void> {
      return new Promise((resolve) => {
        idle = resolve;
        settle();
      });
    },
  };
}
export type Tally = ReturnType<typeof createTally>;
