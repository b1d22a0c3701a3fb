/**
 * Where generated encoders write: the free end of a shared slab.
 *
 * An encoder writes a record in one pass right after the previous record
 * and returns a view of exactly its bytes. `new Uint8Array(n)` per record
 * would give each record an off-heap backing store of its own from V8; a
 * view into a shared slab allocates none (BENCHMARKS.md has the figures).
 * Node's `Buffer.allocUnsafe` pool does the same.
 *
 * Each array returned is the caller's: its bytes are never handed out or
 * written again. The price is retention: an array kept alive keeps its slab
 * (`SLAB_SIZE`) alive, which suits records that live until their batch is
 * sent. A record that does not fit the rest of the slab is written again
 * into a fresh slab; one that does not fit a slab, into a buffer of its own
 * that doubles until it fits.
 */

import { bufferFull } from "./proto-writer.ts";

/** Bytes per slab. */
const SLAB_SIZE = 64 * 1024;
/** A slab with less room than this is retired before a record starts. */
const MIN_ROOM = 2048;

let slabBuffer = new ArrayBuffer(SLAB_SIZE);
let slab = new Uint8Array(slabBuffer);
let used = 0;

/** A generated write function: writes `message` at `pos`, returns the end. */
export type WriteFn<T> = (message: T, buf: Uint8Array, pos: number) => number;

/** Runs `write` on `message` and returns the bytes written, as an array the caller owns. */
export function encodeWith<T>(write: WriteFn<T>, message: T): Uint8Array {
  if (SLAB_SIZE - used < MIN_ROOM) newSlab();
  let buf = slab;
  let start = used;
  for (;;) {
    try {
      const end = write(message, buf, start);
      // Not subarray(), nor buf.buffer: the species lookup and the getter cost
      // more than the view itself. Should a capacity check ever be missed,
      // `end` lies past the buffer and this throws, so the record falls back
      // to toBinary, never truncated.
      if (buf === slab) {
        used = end;
        return new Uint8Array(slabBuffer, start, end - start);
      }
      return new Uint8Array(buf.buffer, start, end - start);
    } catch (error) {
      if (error !== bufferFull) throw error;
      if (start > 0) {
        // Did not fit the rest of the slab: retry at the start of a fresh one.
        newSlab();
        buf = slab;
      } else {
        // Did not fit a whole buffer: a larger one, for this record alone.
        buf = new Uint8Array(buf.length * 2);
      }
      start = 0;
    }
  }
}

function newSlab(): void {
  slabBuffer = new ArrayBuffer(SLAB_SIZE);
  slab = new Uint8Array(slabBuffer);
  used = 0;
}
