import { createRequire } from "node:module";
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { pathToString } from "@bufbuild/protobuf/reflect";
import { ErrorCode, LogwireError } from "../errors.ts";

// Client-side protovalidate: the `buf.validate` rules of a log type's schema,
// checked at emit() with @bufbuild/protovalidate (an optional peer dependency,
// loaded only when a type opts in with `(logwire.v1.log).validate = true`).
// Rules are read from the schema the generated code embeds, so every service
// emitting a type enforces the same rules, and the rules travel with the
// schema the registry holds.

/** One rule a record broke, as protovalidate reports it. */
export interface RuleViolation {
  /** The field's path in the record, as @bufbuild/protobuf's pathToString prints it (`customer.email`, `items[2].sku`); "" for a message-level rule. */
  readonly path: string;
  /** The rule's id (`string.email`, `int64.gt`, or a CEL rule's own `id`). */
  readonly ruleId: string;
  /** The rule's path inside the field's rules (`string.min_len`, `cel[0]`). */
  readonly rule: string;
  readonly message: string;
  /** True when a map key, not its value, broke the rule. */
  readonly forKey: boolean;
}

/** Checks a record against its type's rules: the violations, or an empty array when it passes. */
export type RecordValidator = (message: Message) => readonly RuleViolation[];

type Protovalidate = typeof import("@bufbuild/protovalidate");

let loaded: Protovalidate | undefined;

/** @bufbuild/protovalidate, resolved from the app (an optional peer dependency); an environment error says how to install it. */
function protovalidate(typeName: string): Protovalidate {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)("@bufbuild/protovalidate") as Protovalidate;
  } catch (cause) {
    throw new LogwireError(ErrorCode.Environment, `${typeName} asks for validation ((logwire.v1.log).validate = true), and @bufbuild/protovalidate cannot be loaded`, {
      path: typeName,
      fix: "npm install @bufbuild/protovalidate (an optional peer dependency of logwire), or remove `validate: true` from the type's (logwire.v1.log) option",
      cause,
    });
  }
  return loaded;
}

/**
 * The validator of one log type. The rules are compiled here, once, so that a
 * rule that cannot compile (a CEL expression with a type error, a rule on the
 * wrong field kind) fails when the emitter is created, as `invalid_option`
 * naming the type, not on every record.
 */
export function createRecordValidator(schema: DescMessage): RecordValidator {
  const pv = protovalidate(schema.typeName);
  const validator = pv.createValidator();
  // Validating an empty record compiles every rule of the type; only a
  // compilation error is the schema's fault (a CEL runtime error on empty
  // input is the record's, reported per record).
  const compile = validator.validate(schema, create(schema) as never);
  if (compile.kind === "error" && compile.error instanceof pv.CompilationError) {
    throw new LogwireError(ErrorCode.InvalidOption, `the buf.validate rules of ${schema.typeName} cannot be used: ${compile.error.message}`, {
      path: schema.typeName,
      fix: "fix the rule in the .proto (buf lint reports protovalidate rule errors with the protovalidate lint plugin) and run buf generate",
      cause: compile.error,
    });
  }
  return (message) => {
    const result = validator.validate(schema, message as never);
    if (result.kind === "valid") return [];
    if (result.kind === "error") {
      // A rule failed to evaluate on this record (a CEL runtime error): the record cannot be shown valid.
      return [{ path: "", ruleId: "", rule: "", message: `a rule could not be evaluated: ${result.error.message}`, forKey: false }];
    }
    return result.violations.map((v) => ({
      path: pathToString(v.field),
      ruleId: v.ruleId,
      rule: pathToString(v.rule),
      message: v.message,
      forKey: v.forKey,
    }));
  };
}

/** The rule violations as one line, for `logwire.error.message`. */
export function violationSummary(violations: readonly RuleViolation[]): string {
  const first = violations[0];
  if (first === undefined) return "no violation";
  const where = first.path === "" ? "" : `${first.path}: `;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : "";
  return `${where}${first.message} [${first.ruleId}]${more}`;
}
