import { ErrorCode, LogwireError } from "../errors.ts";

/**
 * The Confluent wire format for Protobuf values:
 *
 *   byte 0      magic byte 0x00
 *   bytes 1..4  schema id, 32-bit big-endian
 *   then        message-index array: its length, then each index, all as
 *               zigzag varints. The common case `[0]` is written as a single
 *               0x00 (length 0), as Confluent's serializers do.
 *   then        the Protobuf payload
 */
export const MAGIC_BYTE = 0;

/**
 * The frame header for a schema id and message-index path. The header is the
 * same for every record of a type, so the pipeline builds it once per type
 * and copies it in front of each payload.
 */
export function encodeFrameHeader(schemaId: number, messageIndexes: readonly number[]): Uint8Array {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new LogwireError(ErrorCode.InvalidOption, `schema id ${schemaId} is not a 32-bit unsigned integer`, {
      fix: "use the id the registry returned",
    });
  }
  const indexes = messageIndexes.length === 1 && messageIndexes[0] === 0 ? [] : messageIndexes;
  const out: number[] = [MAGIC_BYTE, (schemaId >>> 24) & 0xff, (schemaId >>> 16) & 0xff, (schemaId >>> 8) & 0xff, schemaId & 0xff];
  writeZigzagVarint(out, indexes.length);
  for (const index of indexes) {
    if (!Number.isInteger(index) || index < 0) {
      throw new LogwireError(ErrorCode.InvalidOption, `message index ${index} is not a non-negative integer`, {
        fix: "regenerate the code with protoc-gen-logwire",
      });
    }
    writeZigzagVarint(out, index);
  }
  return Uint8Array.from(out);
}

/** Copies header and payload into one frame. */
export function frame(header: Uint8Array, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

export interface DecodedFrame {
  readonly schemaId: number;
  /** Always at least one element; `[0]` for the first top-level message. */
  readonly messageIndexes: readonly number[];
  /** The Protobuf payload, a view into the input. */
  readonly payload: Uint8Array;
}

/**
 * Parses a Confluent Protobuf frame. Throws a `malformed_frame` LogwireError
 * that says what is wrong and at which byte; never reads past the input.
 */
export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  if (bytes.length === 0) {
    throw malformed("empty value (a tombstone or a record without a body)", 0);
  }
  if (bytes[0] !== MAGIC_BYTE) {
    throw malformed(`first byte is 0x${bytes[0]!.toString(16).padStart(2, "0")}, not the magic byte 0x00; the value was not written by a Confluent-format serializer`, 0);
  }
  if (bytes.length < 5) {
    throw malformed(`frame is ${bytes.length} bytes, shorter than the 5-byte header`, bytes.length);
  }
  const schemaId = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0;
  const cursor = { pos: 5 };
  const count = readZigzagVarint(bytes, cursor);
  if (count < 0 || count > bytes.length) {
    throw malformed(`message-index count ${count} is impossible for a ${bytes.length}-byte frame`, 5);
  }
  let messageIndexes: number[];
  if (count === 0) {
    messageIndexes = [0];
  } else {
    messageIndexes = [];
    for (let i = 0; i < count; i++) {
      const at = cursor.pos;
      const index = readZigzagVarint(bytes, cursor);
      if (index < 0) {
        throw malformed(`message index ${index} is negative`, at);
      }
      messageIndexes.push(index);
    }
  }
  return { schemaId, messageIndexes, payload: bytes.subarray(cursor.pos) };
}

function malformed(what: string, offset: number): LogwireError {
  return new LogwireError(ErrorCode.MalformedFrame, `${what} (at byte ${offset})`, {
    fix: "check that the producer uses the Confluent Protobuf wire format with message indexes",
    details: { offset },
  });
}

function writeZigzagVarint(out: number[], value: number): void {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function readZigzagVarint(bytes: Uint8Array, cursor: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (cursor.pos >= bytes.length) {
      throw malformed("truncated varint in the message-index array", cursor.pos);
    }
    if (shift > 28) {
      throw malformed("varint in the message-index array is longer than 5 bytes", cursor.pos);
    }
    const b = bytes[cursor.pos++]!;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      break;
    }
    shift += 7;
  }
  const u = result >>> 0;
  return (u >>> 1) ^ -(u & 1);
}
