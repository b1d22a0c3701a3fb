import type { DescriptorProto, EnumDescriptorProto, FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { oneofChange } from "./check-oneof-rules.ts";
import type { FieldSide } from "./check-oneof-rules.ts";
import { confluentAcceptsLabel, confluentAcceptsType, isRepeated, typeLabel } from "./check-wire-rules.ts";

/**
 * Concrete reasons for a verdict, computed by diffing the registered latest
 * schema against the local one, because Apicurio answers the compatibility
 * endpoint with a bare `{"is_compatible": false}` (it ignores `verbose`).
 *
 * Each reason is classified the way Confluent Schema Registry's Protobuf
 * checker does (`io.confluent.kafka.schemaregistry.protobuf.diff.SchemaDiff`,
 * whose `COMPATIBLE_CHANGES` are: message added/moved, enum added/removed,
 * enum constant added/changed/removed, field added/removed/renamed, string
 * <-> bytes label change, oneof added/removed, field added to a oneof;
 * everything else, e.g. package changed, message removed, field type kind
 * changed, numeric label changed, field removed from a oneof that remains,
 * several fields or one field moved into a oneof that holds others, is
 * incompatible). Type and label rules are in `check-wire-rules.ts`.
 *
 * Apicurio 3.3 keys fields by name and compares names, numbers, declared
 * types and labels as they are written, so it also rejects: a field removed
 * without reserving both its number and its name, a renamed or renumbered
 * field, any type change (int32 -> int64, string -> bytes, a map's value
 * type), repeated <-> singular, `optional` added or dropped, and a removed,
 * renamed or renumbered enum value (it ignores `reserved` in enums). It does
 * not look at oneofs or the package. Where it differs from Confluent a
 * reason carries `apicurio`. All of this is asserted against the real
 * registry by test/cli/check-corpus.test.ts.
 */
export interface DiffReason {
  readonly kind:
    | "package-changed"
    | "message-removed"
    | "message-renamed"
    | "message-added"
    | "field-added"
    | "field-removed"
    | "field-renamed"
    | "field-renumbered"
    | "field-type-changed"
    | "field-label-changed"
    | "field-presence-changed"
    | "field-oneof-changed"
    | "enum-removed"
    | "enum-value-removed"
    | "enum-value-renamed"
    | "enum-value-renumbered"
    | "enum-value-added";
  /** Fully-qualified element, e.g. `fixture.v1.CheckoutLog.customer`. */
  readonly path: string;
  /** One readable sentence. */
  readonly message: string;
  /** What Confluent's checker says about this change under BACKWARD. */
  readonly confluent: "compatible" | "incompatible";
  /** Set where Apicurio's checker is known to differ from Confluent's. */
  readonly apicurio?: "compatible" | "incompatible";
}

/** What a reason is, in the words of a note listing the changes only Apicurio refuses. */
export function stricterRule(reason: DiffReason): string {
  switch (reason.kind) {
    case "field-removed":
      return `field removed without reserving both its number and name (${reason.path})`;
    case "field-renamed":
      return `field renamed (${reason.path})`;
    case "field-renumbered":
      return `field renumbered (${reason.path})`;
    case "field-type-changed":
      return `field type changed within a wire-encoding group (${reason.path})`;
    case "field-label-changed":
      return `field changed between repeated and singular (${reason.path})`;
    case "field-presence-changed":
      return `optional added to or dropped from a field (${reason.path})`;
    case "enum-value-removed":
      return `enum value removed, which Apicurio refuses even when reserved (${reason.path})`;
    case "enum-value-renamed":
      return `enum value renamed (${reason.path})`;
    case "enum-value-renumbered":
      return `enum value renumbered (${reason.path})`;
    default:
      return `${reason.kind} (${reason.path})`;
  }
}

export function diffSchemas(before: FileDescriptorProto, after: FileDescriptorProto): DiffReason[] {
  const reasons: DiffReason[] = [];
  if (before.package !== after.package) {
    reasons.push({ kind: "package-changed", path: after.package, message: `package changed from ${before.package || "(none)"} to ${after.package || "(none)"}`, confluent: "incompatible", apicurio: "compatible" });
  }
  const files = { before, after };
  diffMessageLists(reasons, before.package, before.messageType, after.messageType, files);
  diffEnumLists(reasons, before.package, before.enumType, after.enumType);
  return reasons;
}

interface Files {
  readonly before: FileDescriptorProto;
  readonly after: FileDescriptorProto;
}

function qualify(scope: string, name: string): string {
  return scope === "" ? name : `${scope}.${name}`;
}

function diffMessageLists(reasons: DiffReason[], scope: string, before: readonly DescriptorProto[], after: readonly DescriptorProto[], files: Files): void {
  const afterByName = new Map(after.filter((m) => m.options?.mapEntry !== true).map((m) => [m.name, m]));
  const beforeNames = new Set(before.map((m) => m.name));
  for (const [index, old] of before.entries()) {
    if (old.options?.mapEntry === true) {
      continue;
    }
    const path = qualify(scope, old.name);
    const same = afterByName.get(old.name);
    if (same !== undefined) {
      diffMessage(reasons, path, old, same, files);
      continue;
    }
    // A message gone from its position with a new name in the same position reads as a rename.
    const successor = after[index];
    if (successor !== undefined && !beforeNames.has(successor.name) && successor.options?.mapEntry !== true) {
      reasons.push({
        kind: "message-renamed",
        path,
        message: `message ${path} was renamed to ${qualify(scope, successor.name)}; readers of the old name lose it (Confluent sees the old message removed)`,
        confluent: "incompatible",
      });
      diffMessage(reasons, qualify(scope, successor.name), old, successor, files);
      afterByName.delete(successor.name);
      beforeNames.add(successor.name);
    } else {
      reasons.push({ kind: "message-removed", path, message: `message ${path} was removed`, confluent: "incompatible" });
    }
  }
  for (const added of afterByName.values()) {
    if (!beforeNames.has(added.name)) {
      reasons.push({ kind: "message-added", path: qualify(scope, added.name), message: `message ${qualify(scope, added.name)} was added`, confluent: "compatible" });
    }
  }
}

/** The `reserved` lines that would cover a removed field or enum value, or "" when both are reserved. */
function missingReserved(number: number, name: string, numberReserved: boolean, nameReserved: boolean): string {
  return [numberReserved ? "" : `reserved ${number};`, nameReserved ? "" : `reserved "${name}";`].filter((s) => s !== "").join(" ");
}

function diffMessage(reasons: DiffReason[], path: string, before: DescriptorProto, after: DescriptorProto, files: Files): void {
  const afterByNumber = new Map(after.field.map((f) => [f.number, f]));
  const beforeNumbers = new Set(before.field.map((f) => f.number));
  for (const old of before.field) {
    const fieldPath = `${path}.${old.name}`;
    const now = afterByNumber.get(old.number);
    if (now === undefined) {
      const moved = after.field.find((f) => f.name === old.name && !beforeNumbers.has(f.number));
      if (moved !== undefined) {
        reasons.push({
          kind: "field-renumbered",
          path: fieldPath,
          message: `field ${old.name} was renumbered from ${old.number} to ${moved.number}; old records' values of ${old.name} become unknown fields (Confluent sees field ${old.number} removed and ${moved.number} added)`,
          confluent: "compatible",
          apicurio: "incompatible",
        });
        continue;
      }
      const numberReserved = after.reservedRange.some((r) => old.number >= r.start && old.number < r.end);
      const nameReserved = after.reservedName.includes(old.name);
      const missing = missingReserved(old.number, old.name, numberReserved, nameReserved);
      const partly = numberReserved ? "with only its number reserved" : nameReserved ? "with only its name reserved" : "without reserved";
      reasons.push(
        missing === ""
          ? { kind: "field-removed", path: fieldPath, message: `field ${old.name} (${old.number}) was removed; its number and name are reserved`, confluent: "compatible" }
          : {
              kind: "field-removed",
              path: fieldPath,
              message: `field ${old.name} (${old.number}) was removed ${partly}; add \`${missing}\` to ${path} so the number is never reused`,
              confluent: "compatible",
              apicurio: "incompatible",
            },
      );
      continue;
    }
    diffField(reasons, fieldPath, { field: old, owner: before, file: files.before }, { field: now, owner: after, file: files.after });
  }
  for (const added of after.field) {
    if (!beforeNumbers.has(added.number) && !before.field.some((f) => f.name === added.name)) {
      reasons.push({ kind: "field-added", path: `${path}.${added.name}`, message: `field ${added.name} (${added.number}) was added`, confluent: "compatible" });
    }
  }
  diffMessageLists(reasons, path, before.nestedType, after.nestedType, files);
  diffEnumLists(reasons, path, before.enumType, after.enumType);
}

/** One field present on both sides under the same number. */
function diffField(reasons: DiffReason[], fieldPath: string, was: FieldSide, is: FieldSide): void {
  const { field: old } = was;
  const { field: now } = is;
  const where = `field ${now.name} (${now.number})`;
  if (now.name !== old.name) {
    reasons.push({
      kind: "field-renamed",
      path: fieldPath,
      message: `field ${old.number} was renamed from ${old.name} to ${now.name}; the binary form is unchanged but JSON and generated code change`,
      confluent: "compatible",
      apicurio: "incompatible",
    });
  }
  const oldType = typeLabel(old, was.owner);
  const newType = typeLabel(now, is.owner);
  if (oldType !== newType) {
    const compatible = confluentAcceptsType(old, was.owner, now, is.owner);
    reasons.push({
      kind: "field-type-changed",
      path: fieldPath,
      message: `${where} changed type from ${oldType} to ${newType}${compatible ? " (same wire encoding)" : "; old records no longer decode as the new type"}`,
      confluent: compatible ? "compatible" : "incompatible",
      ...(compatible ? { apicurio: "incompatible" as const } : {}),
    });
  } else if (isRepeated(old) !== isRepeated(now)) {
    const compatible = confluentAcceptsLabel(old, was.file, now, is.file);
    reasons.push({
      kind: "field-label-changed",
      path: fieldPath,
      message: `${where} changed from ${isRepeated(old) ? "repeated" : "singular"} to ${isRepeated(now) ? "repeated" : "singular"}`,
      confluent: compatible ? "compatible" : "incompatible",
      ...(compatible ? { apicurio: "incompatible" as const } : {}),
    });
  }
  if (old.proto3Optional !== now.proto3Optional) {
    reasons.push({
      kind: "field-presence-changed",
      path: fieldPath,
      message: now.proto3Optional ? `${where} became optional (explicit presence); the binary form is unchanged` : `${where} is no longer optional (explicit presence dropped); the binary form is unchanged`,
      confluent: "compatible",
      apicurio: "incompatible",
    });
  }
  const oneof = oneofChange(was, is);
  if (oneof !== undefined) {
    reasons.push({ kind: "field-oneof-changed", path: fieldPath, message: `${where} ${oneof.message}`, confluent: oneof.confluent, ...(oneof.confluent === "incompatible" ? { apicurio: "compatible" as const } : {}) });
  }
}

function diffEnumLists(reasons: DiffReason[], scope: string, before: readonly EnumDescriptorProto[], after: readonly EnumDescriptorProto[]): void {
  const afterByName = new Map(after.map((e) => [e.name, e]));
  for (const old of before) {
    const path = qualify(scope, old.name);
    const now = afterByName.get(old.name);
    if (now === undefined) {
      reasons.push({ kind: "enum-removed", path, message: `enum ${path} was removed`, confluent: "compatible" });
      continue;
    }
    const nowByNumber = new Map(now.value.map((v) => [v.number, v]));
    for (const value of old.value) {
      const same = nowByNumber.get(value.number);
      const valuePath = `${path}.${value.name}`;
      if (same === undefined) {
        const renumbered = now.value.find((v) => v.name === value.name);
        if (renumbered !== undefined) {
          reasons.push({
            kind: "enum-value-renumbered",
            path: valuePath,
            message: `enum value ${value.name} of ${path} was renumbered from ${value.number} to ${renumbered.number}; old records holding ${value.number} read as an unknown value`,
            confluent: "compatible",
            apicurio: "incompatible",
          });
          continue;
        }
        // Enum reserved ranges are inclusive of their end, unlike message ones.
        const numberReserved = now.reservedRange.some((r) => value.number >= r.start && value.number <= r.end);
        const missing = missingReserved(value.number, value.name, numberReserved, now.reservedName.includes(value.name));
        const advice =
          missing === ""
            ? "its number and name are reserved, but Apicurio ignores reserved in enums and refuses any removed value; to pass it, keep the value and stop writing it"
            : `add \`${missing}\` to ${path}`;
        reasons.push({
          kind: "enum-value-removed",
          path: valuePath,
          message: `enum value ${value.name} (${value.number}) was removed from ${path}; old records holding it read as the number ${value.number}; ${advice}`,
          confluent: "compatible",
          apicurio: "incompatible",
        });
      } else if (same.name !== value.name) {
        reasons.push({
          kind: "enum-value-renamed",
          path: valuePath,
          message: `enum value ${value.number} of ${path} was renamed from ${value.name} to ${same.name}; the binary form is unchanged but JSON and generated code change`,
          confluent: "compatible",
          apicurio: "incompatible",
        });
      }
    }
    for (const value of now.value) {
      if (!old.value.some((v) => v.number === value.number || v.name === value.name)) {
        reasons.push({ kind: "enum-value-added", path: `${path}.${value.name}`, message: `enum value ${value.name} (${value.number}) was added to ${path}`, confluent: "compatible" });
      }
    }
  }
}
