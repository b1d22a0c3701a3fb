/**
 * The evolutions `logwire check` is held to against the real registry
 * (test/cli/check-corpus.test.ts): each is a small tree of `.proto` files
 * before (v1) and after (v2). `log.proto` holds the log type `Log` (or
 * `typeName`); other files are imports, registered under their import path.
 *
 * In file text, `$P` is the case's package and `$D` its directory, so every
 * run and every case has import paths, packages and subjects of its own. A
 * header `syntax = "proto3"; package $P;` is added unless the text starts
 * with `syntax`.
 *
 * `registry` is what Apicurio Registry 3.3.3 (the dev stack, global level
 * BACKWARD) answers when v2 is registered for real: every new or changed
 * import under its own subject, then the log type. The test asserts it, and
 * asserts that `check` agrees (exit 0 for accepts, 1 for rejects).
 */
export interface CorpusReason {
  readonly kind: string;
  readonly confluent?: "compatible" | "incompatible";
  /** `null`: the reason must carry no Apicurio mark. */
  readonly apicurio?: "compatible" | "incompatible" | null;
  readonly text?: RegExp;
}

export interface Evolution {
  readonly name: string;
  readonly v1: Readonly<Record<string, string>>;
  readonly v2: Readonly<Record<string, string>>;
  readonly registry: "accepts" | "rejects";
  /** Log type in v2, relative to the package; `Log` unless renamed. */
  readonly typeName?: string;
  /** Reasons the log subject's report must list. */
  readonly reasons?: readonly CorpusReason[];
  /** Reason kinds the log subject's report must not list. */
  readonly absent?: readonly string[];
  /** A note the log subject's report must carry. */
  readonly note?: RegExp;
}

const COMMON = `message Money {\n  int64 amount_minor = 1;\n  string currency = 2;\n}\n`;
const WITH_COMMON = `import "$D/common.proto";\n`;

/** v1 and v2 of a log.proto that differ only in the body of `message Log`. */
function logChange(name: string, before: string, after: string, rest: Omit<Evolution, "name" | "v1" | "v2">): Evolution {
  return { name, v1: { "log.proto": `message Log {\n${before}\n}\n` }, v2: { "log.proto": `message Log {\n${after}\n}\n` }, ...rest };
}

export const EVOLUTIONS: readonly Evolution[] = [
  // ---- fields
  logChange("add a field", "  string id = 1;", "  string id = 1;\n  string region = 2;", { registry: "accepts", reasons: [{ kind: "field-added" }] }),
  logChange("remove a field without reserved", "  string id = 1;\n  string customer = 2;", "  string id = 1;", {
    registry: "rejects",
    reasons: [{ kind: "field-removed", confluent: "compatible", apicurio: "incompatible", text: /add `reserved 2; reserved "customer";`/ }],
  }),
  logChange("remove a field, number and name reserved", "  string id = 1;\n  string customer = 2;", '  string id = 1;\n  reserved 2;\n  reserved "customer";', {
    registry: "accepts",
    reasons: [{ kind: "field-removed", confluent: "compatible", apicurio: null, text: /its number and name are reserved/ }],
  }),
  logChange("remove a field, only its number reserved", "  string id = 1;\n  string customer = 2;", "  string id = 1;\n  reserved 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-removed", apicurio: "incompatible", text: /add `reserved "customer";`/ }],
  }),
  logChange("rename a field", "  string id = 1;\n  string customer = 2;", "  string id = 1;\n  string customer_ref = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-renamed", confluent: "compatible", apicurio: "incompatible" }],
  }),
  logChange("renumber a field", "  string id = 1;\n  string customer = 2;", "  string id = 1;\n  string customer = 3;", {
    registry: "rejects",
    reasons: [{ kind: "field-renumbered", apicurio: "incompatible" }],
  }),
  logChange("int32 -> int64", "  string id = 1;\n  int32 count = 2;", "  string id = 1;\n  int64 count = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "compatible", apicurio: "incompatible", text: /from int32 to int64/ }],
    note: /Confluent Schema Registry would accept this change; this registry is stricter.*field type changed within a wire-encoding group/,
  }),
  logChange("int64 -> string", "  string id = 1;\n  int64 count = 2;", "  string id = 1;\n  string count = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "incompatible" }],
  }),
  logChange("string -> bytes", "  string id = 1;\n  string payload = 2;", "  string id = 1;\n  bytes payload = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "compatible", apicurio: "incompatible" }],
    note: /this registry is stricter/,
  }),
  logChange("sint32 -> sint64", "  string id = 1;\n  sint32 delta = 2;", "  string id = 1;\n  sint64 delta = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "compatible", apicurio: "incompatible" }],
  }),
  logChange("int32 -> sint32", "  string id = 1;\n  int32 delta = 2;", "  string id = 1;\n  sint32 delta = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "incompatible" }],
  }),
  logChange("float -> double", "  string id = 1;\n  float ratio = 2;", "  string id = 1;\n  double ratio = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "incompatible" }],
  }),
  logChange("repeated int32 -> int32", "  string id = 1;\n  repeated int32 codes = 2;", "  string id = 1;\n  int32 codes = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-label-changed", confluent: "compatible", apicurio: "incompatible" }],
    note: /this registry is stricter.*repeated/,
  }),
  logChange("string -> repeated string", "  string id = 1;\n  string tag = 2;", "  string id = 1;\n  repeated string tag = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-label-changed", confluent: "compatible", apicurio: "incompatible" }],
  }),
  // Apicurio: "Field label changed ... before: null, after OPTIONAL". Before issue 15, check called this "taken out of oneof".
  logChange("make a field optional (explicit presence)", "  string id = 1;\n  int32 count = 2;", "  string id = 1;\n  optional int32 count = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-presence-changed", confluent: "compatible", apicurio: "incompatible", text: /count \(2\) became optional/ }],
    absent: ["field-oneof-changed", "field-label-changed", "field-type-changed"],
    note: /this registry is stricter.*optional added to or dropped from a field/,
  }),
  logChange("drop optional from a field", "  string id = 1;\n  optional string note = 2;", "  string id = 1;\n  string note = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-presence-changed", confluent: "compatible", apicurio: "incompatible" }],
    absent: ["field-oneof-changed", "field-label-changed"],
  }),
  logChange("optional field next to a real oneof", "  string id = 1;\n  oneof detail {\n    string text = 2;\n    int64 code = 3;\n  }\n  int32 count = 4;", "  string id = 1;\n  oneof detail {\n    string text = 2;\n    int64 code = 3;\n  }\n  optional int32 count = 4;", {
    registry: "rejects",
    reasons: [{ kind: "field-presence-changed" }],
    absent: ["field-oneof-changed"],
  }),
  logChange("move a field into a new oneof", "  string id = 1;\n  string text = 2;", "  string id = 1;\n  oneof detail {\n    string text = 2;\n    int64 code = 3;\n  }", {
    registry: "accepts",
    reasons: [{ kind: "field-oneof-changed", confluent: "compatible", apicurio: null, text: /text \(2\) was moved into the new oneof detail/ }],
  }),
  logChange("move two fields into a new oneof", "  string id = 1;\n  string text = 2;\n  int64 code = 3;", "  string id = 1;\n  oneof detail {\n    string text = 2;\n    int64 code = 3;\n  }", {
    registry: "accepts",
    reasons: [{ kind: "field-oneof-changed", confluent: "incompatible", apicurio: "compatible", text: /moved into oneof detail together with/ }],
    note: /Confluent Schema Registry would reject this change/,
  }),
  logChange("move a field into an existing oneof", "  string id = 1;\n  oneof detail {\n    string text = 2;\n  }\n  int64 code = 3;", "  string id = 1;\n  oneof detail {\n    string text = 2;\n    int64 code = 3;\n  }", {
    registry: "accepts",
    reasons: [{ kind: "field-oneof-changed", confluent: "incompatible", apicurio: "compatible", text: /code \(3\) was moved into the existing oneof detail/ }],
  }),
  logChange("take a field out of a oneof", "  string id = 1;\n  oneof detail {\n    string text = 2;\n    int64 code = 3;\n  }", "  string id = 1;\n  string text = 2;\n  oneof detail {\n    int64 code = 3;\n  }", {
    registry: "accepts",
    reasons: [{ kind: "field-oneof-changed", confluent: "incompatible", apicurio: "compatible", text: /text \(2\) was taken out of oneof detail, which remains/ }],
  }),
  logChange("add a field to an existing oneof", "  string id = 1;\n  oneof detail {\n    string text = 2;\n  }", "  string id = 1;\n  oneof detail {\n    string text = 2;\n    int64 code = 3;\n  }", {
    registry: "accepts",
    absent: ["field-oneof-changed"],
  }),
  logChange("map value int32 -> int64", "  string id = 1;\n  map<string, int32> counts = 2;", "  string id = 1;\n  map<string, int64> counts = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "compatible", apicurio: "incompatible", text: /map<string, int32> to map<string, int64>/ }],
    note: /this registry is stricter/,
  }),
  logChange("map value string -> int64", "  string id = 1;\n  map<string, string> attrs = 2;", "  string id = 1;\n  map<string, int64> attrs = 2;", {
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "incompatible" }],
  }),
  logChange("add a map field", "  string id = 1;", "  string id = 1;\n  map<string, string> attrs = 2;", { registry: "accepts", reasons: [{ kind: "field-added" }] }),
  {
    name: "change a field's message type",
    v1: { "log.proto": "message A {\n  string x = 1;\n}\nmessage B {\n  string y = 1;\n}\nmessage Log {\n  string id = 1;\n  A detail = 2;\n}\n" },
    v2: { "log.proto": "message A {\n  string x = 1;\n}\nmessage B {\n  string y = 1;\n}\nmessage Log {\n  string id = 1;\n  B detail = 2;\n}\n" },
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "incompatible" }],
  },
  {
    name: "remove a field of a nested message",
    v1: { "log.proto": "message Log {\n  message Item {\n    string sku = 1;\n    int32 qty = 2;\n  }\n  string id = 1;\n  Item item = 2;\n}\n" },
    v2: { "log.proto": "message Log {\n  message Item {\n    string sku = 1;\n  }\n  string id = 1;\n  Item item = 2;\n}\n" },
    registry: "rejects",
    reasons: [{ kind: "field-removed", apicurio: "incompatible" }],
  },
  // ---- enums
  {
    name: "add an enum value",
    v1: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    v2: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n  OUTCOME_DECLINED = 2;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    registry: "accepts",
    reasons: [{ kind: "enum-value-added" }],
  },
  {
    name: "remove an enum value without reserved",
    v1: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n  OUTCOME_DECLINED = 2;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    v2: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    registry: "rejects",
    reasons: [{ kind: "enum-value-removed", confluent: "compatible", apicurio: "incompatible", text: /add `reserved 2; reserved "OUTCOME_DECLINED";`/ }],
  },
  {
    name: "remove an enum value, number and name reserved",
    v1: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n  OUTCOME_DECLINED = 2;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    v2: { "log.proto": 'enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n  reserved 2;\n  reserved "OUTCOME_DECLINED";\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n' },
    registry: "rejects",
    reasons: [{ kind: "enum-value-removed", confluent: "compatible", apicurio: "incompatible", text: /its number and name are reserved/ }],
  },
  {
    name: "rename an enum value",
    v1: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    v2: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_SUCCESS = 1;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    registry: "rejects",
    reasons: [{ kind: "enum-value-renamed", confluent: "compatible", apicurio: "incompatible" }],
    note: /this registry is stricter.*enum value renamed/,
  },
  {
    name: "renumber an enum value",
    v1: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    v2: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 2;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    registry: "rejects",
    reasons: [{ kind: "enum-value-renumbered", confluent: "compatible", apicurio: "incompatible" }],
    absent: ["enum-value-removed", "enum-value-added"],
  },
  {
    name: "add an enum",
    v1: { "log.proto": "message Log {\n  string id = 1;\n}\n" },
    v2: { "log.proto": "enum Level {\n  LEVEL_UNSPECIFIED = 0;\n}\nmessage Log {\n  string id = 1;\n  Level level = 2;\n}\n" },
    registry: "accepts",
  },
  // ---- messages and package
  {
    name: "rename the log message",
    v1: { "log.proto": "message Log {\n  string id = 1;\n}\n" },
    v2: { "log.proto": "message Record {\n  string id = 1;\n}\n" },
    typeName: "Record",
    registry: "rejects",
    reasons: [{ kind: "message-renamed", confluent: "incompatible" }],
  },
  {
    name: "add a message",
    v1: { "log.proto": "message Log {\n  string id = 1;\n}\n" },
    v2: { "log.proto": "message Log {\n  string id = 1;\n  Extra extra = 2;\n}\nmessage Extra {\n  string note = 1;\n}\n" },
    registry: "accepts",
    reasons: [{ kind: "message-added" }],
  },
  {
    name: "remove an unused message",
    v1: { "log.proto": "message Log {\n  string id = 1;\n}\nmessage Old {\n  string note = 1;\n}\n" },
    v2: { "log.proto": "message Log {\n  string id = 1;\n}\n" },
    registry: "rejects",
    reasons: [{ kind: "message-removed", confluent: "incompatible" }],
  },
  {
    name: "change the package",
    v1: { "log.proto": "message Log {\n  string id = 1;\n}\n" },
    v2: { "log.proto": 'syntax = "proto3";\npackage $P.v2;\nmessage Log {\n  string id = 1;\n}\n' },
    typeName: "v2.Log",
    // Apicurio keys messages by their name without the package.
    registry: "accepts",
    reasons: [{ kind: "package-changed", confluent: "incompatible", apicurio: "compatible" }],
  },
  // ---- imports, the case `check` used to decide from its own diff
  {
    name: "new import, field used from it",
    v1: { "log.proto": "message Log {\n  string id = 1;\n}\n" },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n}\n`, "common.proto": COMMON },
    registry: "accepts",
  },
  {
    name: "new import and int32 -> int64 (issue 15)",
    v1: { "log.proto": "message Log {\n  string id = 1;\n  int32 count = 2;\n}\n" },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  int64 count = 2;\n  Money total = 3;\n}\n`, "common.proto": COMMON },
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "compatible", apicurio: "incompatible" }],
    note: /registry was asked by replaying the registration on scratch subjects, with .*common\.proto/,
  },
  {
    name: "new import and a field removed without reserved",
    v1: { "log.proto": "message Log {\n  string id = 1;\n  string customer = 2;\n}\n" },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 3;\n}\n`, "common.proto": COMMON },
    registry: "rejects",
  },
  {
    name: "new import and a field renamed",
    v1: { "log.proto": "message Log {\n  string id = 1;\n  string customer = 2;\n}\n" },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  string customer_ref = 2;\n  Money total = 3;\n}\n`, "common.proto": COMMON },
    registry: "rejects",
  },
  {
    name: "new import and string -> repeated string",
    v1: { "log.proto": "message Log {\n  string id = 1;\n  string tag = 2;\n}\n" },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  repeated string tag = 2;\n  Money total = 3;\n}\n`, "common.proto": COMMON },
    registry: "rejects",
  },
  {
    name: "new import and a field moved into a new oneof",
    v1: { "log.proto": "message Log {\n  string id = 1;\n  string text = 2;\n}\n" },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  oneof detail {\n    string text = 2;\n    Money total = 3;\n  }\n}\n`, "common.proto": COMMON },
    registry: "accepts",
  },
  {
    name: "new import, field type changed to its message",
    v1: { "log.proto": "message Log {\n  string id = 1;\n  string total = 2;\n}\n" },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n}\n`, "common.proto": COMMON },
    registry: "rejects",
    reasons: [{ kind: "field-type-changed", confluent: "incompatible" }],
  },
  {
    name: "new import that imports another new file",
    v1: { "log.proto": "message Log {\n  string id = 1;\n}\n" },
    v2: {
      "log.proto": `import "$D/order.proto";\nmessage Log {\n  string id = 1;\n  Order order = 2;\n}\n`,
      "order.proto": `${WITH_COMMON}message Order {\n  string sku = 1;\n  Money price = 2;\n}\n`,
      "common.proto": COMMON,
    },
    registry: "accepts",
  },
  {
    name: "new import of a new file, and an enum value renamed",
    v1: { "log.proto": "enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_OK = 1;\n}\nmessage Log {\n  Outcome outcome = 1;\n}\n" },
    v2: { "log.proto": `${WITH_COMMON}enum Outcome {\n  OUTCOME_UNSPECIFIED = 0;\n  OUTCOME_SUCCESS = 1;\n}\nmessage Log {\n  Outcome outcome = 1;\n  Money total = 2;\n}\n`, "common.proto": COMMON },
    registry: "rejects",
  },
  {
    name: "new well-known import and a field added",
    v1: { "log.proto": "message Log {\n  string id = 1;\n}\n" },
    v2: { "log.proto": 'import "google/protobuf/timestamp.proto";\nmessage Log {\n  string id = 1;\n  google.protobuf.Timestamp at = 2;\n}\n' },
    registry: "accepts",
  },
  {
    name: "new well-known import and int32 -> int64",
    v1: { "log.proto": "message Log {\n  string id = 1;\n  int32 count = 2;\n}\n" },
    v2: { "log.proto": 'import "google/protobuf/timestamp.proto";\nmessage Log {\n  string id = 1;\n  int64 count = 2;\n  google.protobuf.Timestamp at = 3;\n}\n' },
    registry: "rejects",
  },
  {
    name: "changed import (message added) used by the log",
    v1: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n}\n`, "common.proto": COMMON },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n  Region region = 3;\n}\n`, "common.proto": `${COMMON}message Region {\n  string code = 1;\n}\n` },
    registry: "accepts",
  },
  {
    name: "changed import (message added) and int32 -> int64 in the log",
    v1: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n  int32 count = 3;\n}\n`, "common.proto": COMMON },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n  int64 count = 3;\n  Region region = 4;\n}\n`, "common.proto": `${COMMON}message Region {\n  string code = 1;\n}\n` },
    registry: "rejects",
  },
  {
    name: "import unchanged, int32 -> int64 in the log",
    v1: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n  int32 count = 3;\n}\n`, "common.proto": COMMON },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n  int64 count = 3;\n}\n`, "common.proto": COMMON },
    registry: "rejects",
  },
  {
    name: "import's own field removed without reserved",
    v1: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n}\n`, "common.proto": COMMON },
    v2: { "log.proto": `${WITH_COMMON}message Log {\n  string id = 1;\n  Money total = 2;\n}\n`, "common.proto": "message Money {\n  int64 amount_minor = 1;\n}\n" },
    registry: "rejects",
  },
];
