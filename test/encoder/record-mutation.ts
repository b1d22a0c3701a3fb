import type { DescMessage } from "@bufbuild/protobuf";
import fc from "fast-check";

/**
 * fast-check arbitraries for records that are (mostly) not valid: a valid
 * record with one value replaced at a random path, or one key added, by the
 * kinds of mistakes plain-JS callers make. For testing that two validity
 * checks agree, so the values sit on the edges of every rule: wrong JS
 * types, null, NaN, fractions, integers just outside 32/64-bit ranges (as
 * numbers, bigints and decimal text), built-ins in place of objects, other
 * oneof cases, names of the schema's fields and oneof members in the wrong
 * place, `$typeName` and `$unknown`. Objects are also reshaped, for checks
 * that read members by name rather than by key: other prototypes (null, a
 * class, an object with inherited members, an array's), members made
 * non-enumerable, unknown keys beside them.
 */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const EDGE_VALUES: readonly unknown[] = [
  null, undefined, NaN, Infinity, -Infinity, -0, 0, 1, -1, 2, 3, 4, 5, -2, 1.5, -0.5,
  2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53) - 2, 1e21,
  "", "x", "0", "12", "-1", "007", "-0", "1.5", "12a", " 1", "true", "false",
  String(INT64_MIN), String(INT64_MIN - 1n), String(INT64_MAX), String(INT64_MAX + 1n), String(UINT64_MAX), String(UINT64_MAX + 1n), "123456789012345678901",
  0n, 1n, -1n, INT64_MIN, INT64_MIN - 1n, INT64_MAX, INT64_MAX + 1n, UINT64_MAX, UINT64_MAX + 1n,
  true, false,
  {}, [], [1], ["x"], [undefined], [null], [{}],
  new Uint8Array(2), new Uint16Array(1), new ArrayBuffer(1), new Date(0), new Map([["a", "b"]]), new Set(), /x/, new Error("x"), Promise.resolve(),
  Object.create(null) as object, Object.assign(Object.create(null) as object, { x: 1 }),
  { case: "x" }, { case: undefined, value: 3 }, { case: null }, { value: 1 }, { seconds: 1n, nanos: 2 }, { $typeName: "other.Type" },
  () => 1, Symbol("s"),
];

/** Names of the fields and oneofs of `root` and every message it reaches, and of the oneof members. */
function namesOf(root: DescMessage): string[] {
  const names = new Set<string>();
  const seen = new Set<DescMessage>();
  const visit = (m: DescMessage): void => {
    if (seen.has(m)) return;
    seen.add(m);
    names.add(m.typeName);
    for (const member of m.members) {
      names.add(member.localName);
      if (member.kind === "oneof") for (const f of member.fields) names.add(f.localName);
    }
    for (const f of m.fields) if (f.message !== undefined) visit(f.message);
  };
  visit(root);
  return [...names];
}

/**
 * An object rebuilt with the same own enumerable members, except: its
 * prototype (`proto`); members on that prototype (`inherited`: data
 * properties, or getters for "class"), enumerable or not; own keys made
 * non-enumerable, by index into the object's keys, value kept (`hideOwn`) or
 * defined anew (`hidden`); own enumerable keys added (`extra`).
 */
interface Reshape {
  readonly kind: "reshape";
  readonly proto: "plain" | "null" | "class" | "object" | "array";
  readonly inherited: readonly (readonly [string, unknown, boolean])[];
  readonly hideOwn: readonly number[];
  readonly hidden: readonly (readonly [string, unknown])[];
  readonly extra: readonly (readonly [string, unknown])[];
}

type Mutation = { readonly kind: "replace"; readonly value: unknown } | { readonly kind: "add"; readonly key: string; readonly value: unknown } | Reshape;

function mutationArb(schema: DescMessage): fc.Arbitrary<Mutation> {
  const names = namesOf(schema);
  const value = fc.oneof(fc.constantFrom(...EDGE_VALUES), fc.constantFrom(...names), fc.anything({ withBigInt: true, withTypedArray: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true }));
  const key = fc.oneof(fc.constantFrom("extra", "$typeName", "$unknown", "case", "value", "0", "-1", "01", "true", "x", "18446744073709551616", ...names), fc.string({ maxLength: 4 }));
  const entries = fc.array(fc.tuple(key, value), { maxLength: 2 });
  const reshape = fc.record({
    kind: fc.constant("reshape" as const),
    proto: fc.constantFrom("plain" as const, "null" as const, "class" as const, "object" as const, "array" as const),
    inherited: fc.array(fc.tuple(key, value, fc.boolean()), { maxLength: 3 }),
    hideOwn: fc.array(fc.nat(), { maxLength: 2 }),
    hidden: entries,
    extra: entries,
  });
  return fc.oneof(
    { weight: 3, arbitrary: value.map((v): Mutation => ({ kind: "replace", value: v })) },
    { weight: 1, arbitrary: fc.tuple(key, value).map(([k, v]): Mutation => ({ kind: "add", key: k, value: v })) },
    { weight: 2, arbitrary: reshape },
  );
}

const define = (o: object, key: string, value: unknown, enumerable: boolean): void => {
  Object.defineProperty(o, key, { value, enumerable, writable: true, configurable: true });
};

/** `node` (an object, not an array) rebuilt as `r` says; see `Reshape`. */
function reshape(node: Record<string, unknown>, r: Reshape): object {
  let out: object;
  switch (r.proto) {
    case "plain":
      out = {};
      break;
    case "null":
      out = Object.create(null) as object;
      break;
    case "class": {
      const Class = class Record {};
      for (const [k, v, enumerable] of r.inherited) Object.defineProperty(Class.prototype, k, { get: () => v, enumerable, configurable: true });
      out = new Class();
      break;
    }
    case "object": {
      const proto = {};
      for (const [k, v, enumerable] of r.inherited) define(proto, k, v, enumerable);
      out = Object.create(proto) as object;
      break;
    }
    case "array":
      // An array all the same, though its prototype is Object.prototype.
      out = Object.setPrototypeOf([], Object.prototype) as object;
      break;
  }
  const keys = Object.keys(node);
  for (const k of keys) define(out, k, node[k], true);
  for (const i of r.hideOwn) {
    const k = keys[i % Math.max(keys.length, 1)];
    if (k !== undefined) define(out, k, node[k], false);
  }
  for (const [k, v] of r.hidden) define(out, k, v, false);
  for (const [k, v] of r.extra) define(out, k, v, true);
  return out;
}

function isContainer(node: unknown): node is Record<string, unknown> {
  return typeof node === "object" && node !== null && (Array.isArray(node) || Object.getPrototypeOf(node) === Object.prototype);
}

/** Every path in `node`: each entry of each object and array, and each object or array itself, depth first. */
function pathsOf(node: unknown, prefix: readonly string[] = [], out: string[][] = []): string[][] {
  out.push([...prefix]);
  if (isContainer(node)) {
    for (const key of Object.keys(node)) pathsOf(node[key], [...prefix, key], out);
  }
  return out;
}

/**
 * `record` with `mutation` applied at `path`: the value there replaced, a
 * key added to the object or array there, or the object there reshaped. Objects on the path are copied
 * (own properties, `$typeName` included), so `record` is never changed.
 */
function mutate(node: unknown, path: readonly string[], mutation: Mutation): unknown {
  const [key, ...rest] = path;
  if (key === undefined) {
    if (mutation.kind === "replace") return mutation.value;
    if (!isContainer(node)) return node;
    if (mutation.kind === "reshape") return Array.isArray(node) ? node : reshape(node, mutation);
  }
  const copy: Record<string, unknown> = Array.isArray(node) ? ([...(node as unknown[])] as unknown as Record<string, unknown>) : { ...(node as Record<string, unknown>) };
  if (key === undefined) {
    // Defined, not assigned: "__proto__" and the like become own keys.
    define(copy, (mutation as { key: string }).key, (mutation as { value: unknown }).value, true);
    return copy;
  }
  copy[key] = mutate(copy[key], rest, mutation);
  return copy;
}

/**
 * Records of `schema` from `valid` with one mutation each, at a path chosen
 * uniformly among all the paths of the record, so deep values are hit as
 * often as shallow ones.
 */
export function mutatedArb(schema: DescMessage, valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(), mutationArb(schema)).map(([record, pick, mutation]) => {
    const paths = pathsOf(record);
    return mutate(record, paths[pick % paths.length] as string[], mutation);
  });
}
