import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { AllKindsLog } from "../../proto/logwire/test/v1/all_kinds_logwire.ts";
import type { AllKinds } from "../../proto/logwire/test/v1/all_kinds_pb.ts";
import { AllKindsSchema, Kind } from "../../proto/logwire/test/v1/all_kinds_pb.ts";
import { encoderFallbackCount } from "../../src/runtime/encode/encoder-fallback.ts";

/**
 * Edge cases of the generated encoder, one by one: each is compared with
 * toBinary byte for byte, and, where it matters, with the exact bytes the
 * wire format prescribes, so an encoder and toBinary wrong in the same way
 * would still fail.
 */

const encode = AllKindsLog.encode as (m: AllKinds) => Uint8Array;

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Encodes on the fast path (no fallback) and checks against toBinary; returns the hex. */
function same(init: MessageInitShape<typeof AllKindsSchema>, message = create(AllKindsSchema, init)): string {
  const before = encoderFallbackCount();
  const actual = encode(message);
  assert.equal(encoderFallbackCount(), before, "the record fell back to toBinary");
  assert.equal(hex(actual), hex(toBinary(AllKindsSchema, message)));
  return hex(actual);
}

describe("generated encoder edge cases", () => {
  it("writes an empty message as zero bytes", () => {
    assert.equal(same({}), "");
  });

  it("encodes lone surrogates as U+FFFD, as TextEncoder does, short and long", () => {
    assert.equal(same({ fString: "a\uD800b" }), "4a05" + "61efbfbd62");
    assert.equal(same({ fString: "\uDC00" }), "4a03efbfbd");
    assert.equal(same({ fString: "\uD83D\uDE00" }), "4a04f09f9880"); // a proper pair: 4 bytes
    same({ fString: "x".repeat(50) + "\uD800" + "é".repeat(20) }); // measured, then written
    same({ fString: "\uDBFF".repeat(70) + "z" }); // native path
  });

  it("writes -1 and other negative enum values as 10-byte varints", () => {
    assert.equal(same({ fEnum: Kind.NEGATIVE }), "8001ffffffffffffffffff01");
    assert.equal(same({ fEnum: -2147483648 as Kind }), "800180808080f8ffffffff01");
    same({ rEnum: [Kind.NEGATIVE, 7 as Kind, Kind.MAX], uEnum: [-5 as Kind, 99 as Kind] });
  });

  it("writes 64-bit extremes, from bigint and from jstype=JS_STRING strings", () => {
    assert.equal(same({ fUint64: 2n ** 64n - 1n }), "20ffffffffffffffffff01");
    assert.equal(same({ fInt64: -(2n ** 63n) }), "1880808080808080808001");
    assert.equal(same({ fUint64String: "18446744073709551615" }), "a801ffffffffffffffffff01");
    same({ fInt64String: "-9223372036854775808", fSint64: -(2n ** 63n), fFixed64: 2n ** 64n - 1n, fSfixed64: -1n });
    same({ fInt64: 2n ** 53n + 1n, fSint64: 2n ** 53n + 1n, oInt64: 0n });
  });

  it("writes NaN, -0 and the infinities; skips +0 of implicit fields", () => {
    assert.equal(same({ fDouble: -0 }), "090000000000000080");
    assert.equal(same({ fDouble: 0 }), "");
    same({ fDouble: NaN, fFloat: NaN });
    same({ fDouble: Infinity, fFloat: -Infinity, rDouble: [NaN, -0, 0], uDouble: [-Infinity], oDouble: 0 });
    same({ fFloat: 0.1, rFloat: [3.4028234663852886e38, -1e-45] });
  });

  it("writes a present empty nested message, and nothing for an absent one", () => {
    assert.equal(same({ fEmpty: {} }), "b20100");
    assert.equal(same({ fMessage: {} }), "8a0100");
    assert.equal(same({ fMessage: undefined }), "");
    same({ fMessage: { child: { child: {} } }, rMessage: [{}, {}] });
    same({ choice: { case: "cMessage", value: {} } });
  });

  it("writes proto3 optional zero values, and oneof zero values", () => {
    same({ oInt32: 0, oString: "", oBool: false, oBytes: new Uint8Array(0), oEnum: Kind.UNSPECIFIED });
    assert.equal(same({ choice: { case: "cInt64", value: 0n } }), "a80600");
    assert.equal(same({ choice: { case: "cBool", value: false } }), "d00600");
  });

  it("writes wrappers: present zero as an empty wrapper, absent as nothing", () => {
    assert.equal(same({ wInt32: 0 }), "920700");
    assert.equal(same({ wString: "" }), "aa0700");
    same({ wInt32: -1, wString: "é", wBytes: new Uint8Array([1]), wBool: true, wUint64: 1n, wFloat: -0 });
    same({ choice: { case: "cWrapped", value: { value: 7 } } });
  });

  it("writes map entries with zero keys and values in full, as toBinary does", () => {
    assert.equal(same({ mInt32Int64: { "0": 0n } }), "8a050408001000");
    same({ mStringString: { "": "" }, mBoolBytes: { true: new Uint8Array(0), false: new Uint8Array([0]) } });
    same({ mUint32Message: { "7": {} }, mSint64Enum: { "-1": Kind.NEGATIVE } });
  });

  it("moves payloads of 128 bytes and more to make room for a longer length prefix", () => {
    same({ fMessage: { name: "n".repeat(200) } });
    same({ rInt64: Array.from({ length: 40 }, (_, i) => -BigInt(i)) });
    same({ mStringString: { k: "v".repeat(300) } });
  });

  it("writes records larger than the output slab", () => {
    const big = "é".repeat(40_000); // 80 kB of UTF-8: 1-byte tag, 3-byte length
    assert.equal(hex(encode(create(AllKindsSchema, { fString: big }))).length, 2 * (80_000 + 4));
    same({ fString: big, rString: [big, big] });
    // and keeps working in the slab afterwards
    same({ fString: "small" });
  });

  it("writes unknown fields after the known ones, as toBinary does by default", () => {
    const message = create(AllKindsSchema, { fInt32: 1 });
    message.$unknown = [{ no: 9999, wireType: 0, data: new Uint8Array([0x05]) }];
    assert.equal(same({}, message), "2801" + "f8f00405");
  });

  it("never writes past the end of the output: every room left in the slab works", () => {
    // A record of ~2.6 kB ending in strings and fixed-size fields, written with every
    // amount of room around its size left in the slab; a missing capacity
    // check would drop bytes silently (typed arrays ignore writes past the end).
    const target = create(AllKindsSchema, {
      fBytes: new Uint8Array(2500).fill(7),
      fUint32: 0xffffffff,
      fSfixed32: -1,
      fSfixed64: -1n,
      fSint32: -2147483648,
      fSint64: -(2n ** 63n),
      fEnum: Kind.NEGATIVE,
      fMessage: { name: "x".repeat(20), value: -1n, kind: Kind.NEGATIVE, child: { name: "y", kind: Kind.MAX } },
      fTimestamp: { seconds: -1n, nanos: 999_999_999 },
      fInt64String: "-1",
    });
    const expected = hex(toBinary(AllKindsSchema, target));
    const size = expected.length / 2;
    const roomLeft = (): number => {
      const probe = encode(create(AllKindsSchema, { fBytes: new Uint8Array(1) }));
      return probe.buffer.byteLength - probe.byteOffset - probe.byteLength;
    };
    /** Takes exactly `bytes` (3 to 129, or 131 and more) of the slab. */
    const filler = (bytes: number): void => {
      for (; bytes > 10_000; bytes -= 5000) filler(5000); // keeps length prefixes at 2 bytes
      const length = bytes < 130 ? bytes - 2 : bytes - 3;
      encode(create(AllKindsSchema, { fBytes: new Uint8Array(length) }));
    };
    for (let room = size - 24; room <= size + 24; room++) {
      const aim = room + 3; // roomLeft() itself takes 3 bytes
      let left = roomLeft();
      while (left - aim < 3 || left - aim === 130) {
        filler(1000); // cannot aim from here: move on to the next slab
        left = roomLeft();
      }
      filler(left - aim);
      assert.equal(roomLeft(), room, "the test itself missed its aim");
      const before = encoderFallbackCount();
      assert.equal(hex(encode(target)), expected, `with ${room} bytes of room`);
      // A missed check shows as a fallback: the view past the end throws.
      assert.equal(encoderFallbackCount(), before, `fell back with ${room} bytes of room`);
    }
  });

  it("returns arrays the caller owns: later records never overwrite earlier ones", () => {
    const first = encode(create(AllKindsSchema, { fString: "first" }));
    const copy = hex(first);
    for (let i = 0; i < 2000; i++) encode(create(AllKindsSchema, { fString: "other record " + i }));
    assert.equal(hex(first), copy);
  });

  it("falls back to toBinary for values only toBinary coerces, with toBinary's bytes", () => {
    const loose = create(AllKindsSchema, {}) as unknown as Record<string, unknown>;
    loose["fInt32"] = "42"; // a numeric string from plain JavaScript
    loose["fString"] = 7;
    const before = encoderFallbackCount();
    const bytes = encode(loose as unknown as AllKinds);
    assert.equal(encoderFallbackCount(), before + 1);
    assert.equal(hex(bytes), hex(toBinary(AllKindsSchema, loose as unknown as AllKinds)));
  });

  it("throws toBinary's error for a value nobody can encode", () => {
    const bad = create(AllKindsSchema, { fInt32: 1.5 });
    assert.throws(() => toBinary(AllKindsSchema, bad), /invalid int32: 1\.5/);
    assert.throws(() => encode(bad), /invalid int32: 1\.5/);
    const foreign = { ...create(AllKindsSchema, {}), fMessage: { $typeName: "logwire.test.v1.Empty" } } as unknown as AllKinds;
    assert.throws(() => encode(foreign), /cannot use/);
  });

  it("is wired into the example descriptors", () => {
    assert.equal(typeof PaymentAuditLog.encode, "function");
  });
});
