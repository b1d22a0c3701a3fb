import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { create, createFileRegistry, fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { isLogwireError } from "../../src/runtime/errors.ts";
import { createRecordValidator, violationSummary } from "../../src/runtime/check/record-validation.ts";
import { REPO } from "../codegen/plugin-harness.ts";

// The rules of a schema, compiled by the real buf from a .proto that imports
// the vendored proto/buf/validate/validate.proto, checked by the real
// @bufbuild/protovalidate: paths and rule ids as protovalidate reports them.

const RULES = `syntax = "proto3";
package rules.v1;
import "buf/validate/validate.proto";

message Customer {
  string email = 1 [(buf.validate.field).string.email = true];
}

message Order {
  option (buf.validate.message).cel = {
    id: "order.total_covers_items"
    message: "total must be at least the item count"
    expression: "this.total >= size(this.items)"
  };
  string order_id = 1 [(buf.validate.field).string.min_len = 3];
  int64 total = 2 [(buf.validate.field).int64.gt = 0];
  Customer customer = 3 [(buf.validate.field).required = true];
  repeated string items = 4 [(buf.validate.field).repeated.items.string.max_len = 4];
  map<string, int32> counts = 5 [(buf.validate.field).map.keys.string.min_len = 2];
}

message Broken {
  string name = 1 [(buf.validate.field).int32.gt = 0];
}
`;

let dir: string;
let order: DescMessage;
let broken: DescMessage;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "logwire-rules-"));
  mkdirSync(join(dir, "proto", "rules", "v1"), { recursive: true });
  cpSync(join(REPO, "proto", "buf"), join(dir, "proto", "buf"), { recursive: true });
  writeFileSync(join(dir, "proto", "rules", "v1", "rules.proto"), RULES);
  writeFileSync(join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: proto\n");
  const out = join(dir, "image.binpb");
  execFileSync(join(REPO, "node_modules", ".bin", "buf"), ["build", "-o", out], { cwd: dir, stdio: "pipe" });
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(out)));
  order = registry.getMessage("rules.v1.Order")!;
  broken = registry.getMessage("rules.v1.Broken")!;
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("client-side protovalidate", () => {
  it("passes a valid record with no violations", () => {
    const validate = createRecordValidator(order);
    const ok = create(order, { orderId: "o-1", total: 2n, customer: { email: "a@example.com" }, items: ["ab", "cd"], counts: { ab: 1 } } as never);
    assert.deepEqual(validate(ok), []);
  });

  it("reports each violation with the field path, rule id and rule path", () => {
    const validate = createRecordValidator(order);
    const bad = create(order, { orderId: "x", total: 1n, customer: { email: "not-an-email" }, items: ["ok", "toolong"], counts: { k: 1 } } as never);
    const got = validate(bad).map((v) => ({ path: v.path, ruleId: v.ruleId, rule: v.rule, forKey: v.forKey }));
    assert.deepEqual(
      got.sort((a, b) => (a.path === b.path ? (a.ruleId < b.ruleId ? -1 : 1) : a.path < b.path ? -1 : 1)),
      [
        { path: "", ruleId: "order.total_covers_items", rule: "", forKey: false },
        { path: "counts[\"k\"]", ruleId: "string.min_len", rule: "map.keys.string.min_len", forKey: true },
        { path: "customer.email", ruleId: "string.email", rule: "string.email", forKey: false },
        { path: "items[1]", ruleId: "string.max_len", rule: "repeated.items.string.max_len", forKey: false },
        { path: "order_id", ruleId: "string.min_len", rule: "string.min_len", forKey: false },
      ],
    );
  });

  it("required: an unset message field is a violation", () => {
    const validate = createRecordValidator(order);
    const got = validate(create(order, { orderId: "o-1", total: 1n } as never));
    assert.deepEqual(
      got.map((v) => [v.path, v.ruleId]),
      [["customer", "required"]],
    );
    assert.match(violationSummary(got), /^customer: .+ \[required\]$/);
  });

  it("a rule that cannot compile fails when the validator is created, as invalid_option naming the type", () => {
    let error: unknown;
    try {
      createRecordValidator(broken);
    } catch (e) {
      error = e;
    }
    assert.ok(isLogwireError(error), String(error));
    assert.equal(error.code, "invalid_option");
    assert.equal(error.path, "rules.v1.Broken");
  });
});
