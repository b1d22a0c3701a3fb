/**
 * The closed-loop driver of bench/load-driver.ts, over any contender's
 * `Sink`: it logs records in chunks of 256 while the sink has room, sleeps a
 * millisecond when it has not, and yields to the event loop after every
 * chunk so delivery reports and acks are handled. Sustained throughput is
 * then what the contender and the broker can carry, with nothing dropped
 * for lack of room. `sleep` and `turn` are the phase child's.
 */
import { sleep, turn } from "../phase-child.ts";
import type { AuditSource } from "./records.ts";
import type { Sink } from "./sink.ts";

const CHUNK = 256;

/** Logs records until `performance.now()` passes `until` or `limit` records are logged; returns how many were logged. */
export async function drivePeer(sink: Sink, source: AuditSource, until: number, limit = Infinity, onTurn?: () => void): Promise<number> {
  let logged = 0;
  while (performance.now() < until && logged < limit) {
    if (sink.backlogged()) {
      await sleep(1);
      continue;
    }
    for (let k = 0; k < CHUNK; k++) sink.log(source.next());
    logged += CHUNK;
    onTurn?.();
    await turn();
  }
  return logged;
}
