import type { DescField, DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { create, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";

/**
 * fast-check arbitraries for `MessageInitShape`s of any proto3 message,
 * derived from its descriptor, so every field of every schema under test gets
 * values (coverage is checked separately, see `fieldCoverage`). Values lean
 * on the edges: full 32/64-bit ranges, NaN, -0, infinities, unknown and
 * negative enum values, lone surrogates, strings long enough for the native
 * UTF-8 path, empty nested messages.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

const stringArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: codeUnit, maxLength: 12 }),
  fc.string({ unit: codeUnit, minLength: 60, maxLength: 160 }),
  fc.string({ unit: "grapheme-ascii", minLength: 60, maxLength: 200 }),
);

function int64Arb(unsigned: boolean): fc.Arbitrary<bigint> {
  const min = unsigned ? 0n : INT64_MIN;
  const max = unsigned ? UINT64_MAX : INT64_MAX;
  return fc.oneof(
    fc.bigInt({ min: unsigned ? 0n : -300n, max: 300n }),
    fc.bigInt({ min: unsigned ? 0n : -(2n ** 40n), max: 2n ** 40n }),
    fc.bigInt({ min, max }),
    fc.constantFrom(min, max, 2n ** 53n, 2n ** 53n + 1n, unsigned ? 2n ** 32n : -(2n ** 53n) - 1n),
  );
}

export function scalarArb(type: ScalarType, longAsString = false): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.DOUBLE:
      return fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.1, 1e300));
    case ScalarType.FLOAT:
      return fc.oneof(fc.float(), fc.double({ min: -3.4e38, max: 3.4e38, noNaN: true }), fc.constantFrom(-0, NaN, 0.1));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.oneof(fc.integer({ min: -300, max: 300 }), fc.integer());
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 0xffffffff }));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return longAsString ? int64Arb(false).map(String) : int64Arb(false);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return longAsString ? int64Arb(true).map(String) : int64Arb(true);
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return stringArb;
    case ScalarType.BYTES:
      return fc.oneof(fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ minLength: 120, maxLength: 300 }));
  }
}

/** Map keys are object keys: strings, converted back by toBinary. */
function mapKeyArb(type: ScalarType): fc.Arbitrary<string> {
  switch (type) {
    case ScalarType.STRING:
      return stringArb;
    case ScalarType.BOOL:
      return fc.constantFrom("true", "false");
    default:
      return scalarArb(type).map(String);
  }
}

/** Variants of the values `messageArb` makes. */
export interface MessageArbOptions {
  /**
   * `"any"` (default): declared enum numbers and any other int32 (open enums
   * keep them on the wire); `"declared"`: only the numbers the enum declares,
   * as logwire's record check requires.
   */
  readonly enums?: "any" | "declared";
  /**
   * `"init"` (default): nested messages as plain init objects; `"mixed"`:
   * each nested message either a plain init or a protobuf-es message made by
   * `create()` (with its `$typeName`), as callers may pass either.
   */
  readonly messages?: "init" | "mixed";
  /** Leave fields out of the object, not only set them to `undefined` (default false). */
  readonly omit?: boolean;
  /**
   * `"any"` (default): Timestamps and Durations with any int64 seconds and
   * int32 nanos, as the wire takes them; `"valid"`: only values within the
   * ranges their .proto files define, as logwire's record check requires.
   */
  readonly wkt?: "any" | "valid";
}

const TIMESTAMP_MIN = -62_135_596_800n;
const TIMESTAMP_MAX = 253_402_300_799n;
const DURATION_MAX = 315_576_000_000n;
const NANOS_MAX = 999_999_999;

/** Seconds and nanos of a valid Timestamp or Duration, edges included. */
function validTimeArb(desc: DescMessage, options: MessageArbOptions): fc.Arbitrary<unknown> {
  const timestamp = desc.typeName === "google.protobuf.Timestamp";
  const [min, max] = timestamp ? [TIMESTAMP_MIN, TIMESTAMP_MAX] : [-DURATION_MAX, DURATION_MAX];
  const seconds = fc.oneof(fc.bigInt({ min, max }), fc.bigInt({ min: -300n, max: 300n }), fc.constantFrom(min, max, 0n));
  const nanos = fc.oneof(fc.integer({ min: 0, max: NANOS_MAX }), fc.constantFrom(0, NANOS_MAX));
  return fc.tuple(fc.option(seconds, { nil: undefined }), fc.option(nanos, { nil: undefined }), fc.boolean()).map(([s, n, negative]) => {
    // A Duration's nanos take the sign of its seconds (either when they are 0).
    const signed = n === undefined || timestamp ? n : (s ?? 0n) < 0n || ((s ?? 0n) === 0n && negative) ? -n : n;
    const out: Record<string, unknown> = {};
    if (s !== undefined || options.omit !== true) out["seconds"] = s;
    if (signed !== undefined || options.omit !== true) out["nanos"] = signed;
    return out;
  });
}

function enumArb(field: DescField & { enum: NonNullable<DescField["enum"]> }, options: MessageArbOptions): fc.Arbitrary<number> {
  const declared = fc.constantFrom(...field.enum.values.map((v) => v.number));
  // Known values, and unknown ones: open enums keep any int32.
  return options.enums === "declared" ? declared : fc.oneof(declared, fc.integer());
}

/**
 * Arbitrary init objects for `desc`, nesting messages at most `depth` deep
 * (deeper message fields are left unset, lists and maps empty).
 */
export function messageArb<Desc extends DescMessage>(desc: Desc, depth = 3, options: MessageArbOptions = {}): fc.Arbitrary<MessageInitShape<Desc>> {
  if (options.wkt === "valid" && (desc.typeName === "google.protobuf.Timestamp" || desc.typeName === "google.protobuf.Duration")) {
    return validTimeArb(desc, options) as fc.Arbitrary<MessageInitShape<Desc>>;
  }
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const member of desc.members) {
    if (member.kind === "oneof") {
      const cases = member.fields.map((f) => singularArb(f, depth, options).map((value) => ({ case: f.localName, value })));
      parts[member.localName] = fc.oneof(fc.constant(undefined), ...cases);
      continue;
    }
    parts[member.localName] = fieldArb(member, depth, options);
  }
  return fc.record(parts, options.omit === true ? { requiredKeys: [] } : {}) as unknown as fc.Arbitrary<MessageInitShape<Desc>>;
}

/** `messageArb`, or with `messages: "mixed"` sometimes the message `create()` makes of it. */
function nestedArb(desc: DescMessage, depth: number, options: MessageArbOptions): fc.Arbitrary<unknown> {
  const init = messageArb(desc, depth, options);
  if (options.messages !== "mixed") {
    return init;
  }
  return fc.tuple(init, fc.boolean()).map(([value, asMessage]) => (asMessage ? create(desc, value) : value));
}

function fieldArb(field: DescField, depth: number, options: MessageArbOptions): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
    case "enum":
      return fc.option(singularArb(field, depth, options), { nil: undefined, freq: 3 });
    case "message":
      if (isWrapperDesc(field.message)) {
        const inner = field.message.fields[0] as DescField & { fieldKind: "scalar" };
        return fc.option(scalarArb(inner.scalar), { nil: undefined, freq: 2 });
      }
      return depth === 0 ? fc.constant(undefined) : fc.option(singularArb(field, depth, options), { nil: undefined, freq: 2 });
    case "list": {
      if (field.listKind === "message" && depth === 0) {
        return fc.constant([]);
      }
      const item =
        field.listKind === "message"
          ? nestedArb(field.message, depth - 1, options)
          : field.listKind === "enum"
            ? enumArb(field, options)
            : scalarArb(field.scalar, field.longAsString);
      return fc.array(item, { maxLength: 5 });
    }
    case "map": {
      if (field.mapKind === "message" && depth === 0) {
        return fc.constant({});
      }
      const value =
        field.mapKind === "message"
          ? nestedArb(field.message, depth - 1, options)
          : field.mapKind === "enum"
            ? enumArb(field, options)
            : scalarArb(field.scalar);
      return fc.dictionary(mapKeyArb(field.mapKey), value, { maxKeys: 4 });
    }
  }
}

function singularArb(field: DescField, depth: number, options: MessageArbOptions): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalarArb(field.scalar, field.longAsString);
    case "enum":
      return enumArb(field, options);
    case "message":
      // In a oneof at the depth limit, an empty nested message.
      return depth === 0 ? fc.constant({}) : nestedArb(field.message, depth - 1, options);
    default:
      throw new Error(`not a singular field: ${field.toString()}`);
  }
}
