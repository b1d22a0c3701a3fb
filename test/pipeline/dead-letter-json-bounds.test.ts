import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";

/**
 * The bounds a dead letter's text and JSON are cut to (bounded-json.ts):
 * never over the byte bound, still JSON, cut only when too long, and cut
 * text stays well-formed UTF-16 with a prefix of the original.
 */

const utf8 = (s: string): number => Buffer.byteLength(s, "utf8");
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const anyText = fc.string({ unit: "binary", maxLength: 300 });
const anyJson = fc.jsonValue({ maxDepth: 4 });

test("boundedJson: at most maxBytes, valid JSON, whole when it fits, marked when an object is shortened", async () => {
  const { boundedJson, safeJson } = await import("../../src/runtime/bounded-json.ts");
  fc.assert(
    fc.property(fc.oneof(anyJson, fc.dictionary(anyText, anyJson)), fc.integer({ min: 20, max: 3000 }), fc.boolean(), (value, maxBytes, mark) => {
      const whole = safeJson(value);
      const out = boundedJson(value, maxBytes, { mark });
      assert.ok(utf8(out.text) <= maxBytes, `${utf8(out.text)} > ${maxBytes}`);
      assert.equal(out.truncated, utf8(whole) > maxBytes);
      if (!out.truncated) assert.equal(out.text, whole);
      if (out.text !== "") {
        const parsed = JSON.parse(out.text) as unknown;
        if (out.truncated && mark && typeof value === "object" && value !== null && !Array.isArray(value)) {
          assert.equal((parsed as { truncated?: unknown }).truncated, true);
        }
      }
    }),
    { numRuns: 500 },
  );
});

test("shortText: at most maxBytes, well-formed, a prefix of the text and an ellipsis when cut", async () => {
  const { shortText } = await import("../../src/runtime/bounded-json.ts");
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), fc.integer({ min: 0, max: 600 }), (text, maxBytes) => {
      const out = shortText(text, maxBytes);
      assert.ok(utf8(out) <= maxBytes);
      assert.doesNotMatch(out, loneSurrogate);
      if (utf8(text) <= maxBytes) assert.equal(out, text);
      else if (out !== "") {
        assert.ok(out.endsWith("…"));
        assert.ok(text.startsWith(out.slice(0, -1)));
        // Nothing more of the text would have fitted: the cut is at most one code point early.
        const next = text.slice(out.length - 1).codePointAt(0)!;
        assert.ok(utf8(out) + utf8(String.fromCodePoint(next)) > maxBytes);
      }
    }),
    { numRuns: 500 },
  );
});

test("safeJson with a bound keeps what a plain-JS caller passes readable: bigints, bytes, cycles", async () => {
  const { safeJson } = await import("../../src/runtime/bounded-json.ts");
  const cyclic: Record<string, unknown> = { n: 10n, bytes: new Uint8Array([1, 2, 3]), big: "x".repeat(5000) };
  cyclic["self"] = cyclic;
  const out = JSON.parse(safeJson(cyclic, 1000)) as Record<string, unknown>;
  assert.equal(out["n"], "10");
  assert.equal(out["bytes"], "AQID");
  assert.equal(out["self"], "[circular]");
  assert.equal(out["truncated"], true);
  assert.match(out["big"] as string, /^x+…$/);
});
