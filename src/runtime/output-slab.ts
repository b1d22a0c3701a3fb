/**
 * Output arrays for generated encoders, carved from shared slabs.
 *
 * `new Uint8Array(n)` of a few hundred bytes costs about as much as encoding
 * the record (V8 gives it its own off-heap backing store); a view on a slab
 * costs a tenth of that. Node's `Buffer.allocUnsafe` pool does the same.
 * Each array returned is the caller's: no byte of it is ever handed out or
 * written again. The price is retention: an array kept alive keeps its slab
 * (`SLAB_SIZE`) alive, which suits records that live until their batch is
 * sent. Arrays of more than a quarter slab get their own buffer.
 */

/** Bytes per slab. */
const SLAB_SIZE = 32 * 1024;
/** Larger arrays are allocated on their own. */
const LARGE = SLAB_SIZE / 4;

let slab = new ArrayBuffer(SLAB_SIZE);
let used = 0;

/** A zero-filled array of exactly `size` bytes that the caller owns. */
export function allocOutput(size: number): Uint8Array {
  if (size > LARGE) return new Uint8Array(size);
  if (used + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    used = 0;
  }
  const out = new Uint8Array(slab, used, size);
  used += size;
  return out;
}
