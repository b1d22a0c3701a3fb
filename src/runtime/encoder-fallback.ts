/**
 * The way out of a generated encoder. A generated encoder handles the values
 * protobuf-es's types allow; anything else (a numeric string in an int32
 * field from plain JavaScript, an out-of-range number, a missing nested
 * message in a list) makes its size pass throw, and it hands the message to
 * `toBinary` instead. So the bytes, and the error for a value that cannot be
 * encoded at all, are always exactly `toBinary`'s.
 */

import { toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

let fallbacks = 0;

/** Encodes with `toBinary` and counts the fallback. Called by generated code only. */
export function fallbackToBinary<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): Uint8Array {
  fallbacks++;
  return toBinary(schema, message);
}

/**
 * How many times generated encoders fell back to `toBinary` in this process.
 * Tests assert it stays put for well-typed records; a rising count in
 * production means callers pass values of the wrong type.
 */
export function encoderFallbackCount(): number {
  return fallbacks;
}
