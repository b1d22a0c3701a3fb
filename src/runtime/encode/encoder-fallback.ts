/**
 * The way out of a generated encoder. A generated encoder handles the values
 * protobuf-es's types allow; anything else (a numeric string in an int32
 * field from plain JavaScript, an out-of-range number, a missing nested
 * message in a list) makes its size pass throw, and it hands the message to
 * `toBinary` instead. So the bytes, and the error for a value that cannot be
 * encoded at all, are always exactly `toBinary`'s.
 */

import { create, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";

let fallbacks = 0;

/**
 * Encodes with `toBinary` and counts the fallback. Called by generated code
 * only, with what the generated encoder was given: a message, or an init
 * object (no `$typeName`), which `create()` makes a message of first, as the
 * generated encoder's bytes are `toBinary(schema, create(schema, init))`'s.
 * Anything with a `$typeName` goes to `toBinary` as it is, so a message of
 * another type fails there as before.
 */
export function fallbackToBinary<Desc extends DescMessage>(schema: Desc, message: MessageInitShape<Desc>): Uint8Array {
  fallbacks++;
  const typed = (message as { $typeName?: unknown }).$typeName === undefined ? create(schema, message) : (message as MessageShape<Desc>);
  return toBinary(schema, typed);
}

/**
 * How many times generated encoders fell back to `toBinary` in this process.
 * Tests assert it stays put for well-typed records; a rising count in
 * production means callers pass values of the wrong type.
 */
export function encoderFallbackCount(): number {
  return fallbacks;
}
