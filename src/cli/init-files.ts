import { ErrorCode, LogwireError } from "../runtime/errors.ts";

/** What `logwire init` writes, after the app's defaults and the flags are settled. */
export interface InitSettings {
  /** Output directory of both plugins, relative to the app, `/`-separated. */
  readonly out: string;
  /** `ts`: TypeScript sources; `js`: JavaScript with `.d.ts` files. */
  readonly target: "ts" | "js";
  /** Module system of JavaScript output; TypeScript output always uses import/export. */
  readonly module: "esm" | "commonjs";
  /** Proto package of the starter schema, e.g. `myapp.v1`. */
  readonly protoPackage: string;
}

export interface InitFile {
  /** Relative to the app, `/`-separated. */
  readonly path: string;
  readonly content: string;
}

/** Where the logwire package ships `logwire/v1/options.proto`; a buf module of the app's workspace. */
export const LOGWIRE_PROTO_MODULE = "node_modules/logwire/proto";

/** The starter schema's file name and message; the descriptor is `<message>Log`. */
const STARTER_FILE = "app_log";
const STARTER_MESSAGE = "AppEvent";

const VERSION = /^v\d+(?:(?:alpha|beta)\d*)?$/;
const LOWER_SNAKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/**
 * Checks a `--package` value: buf's STANDARD lint wants lower_snake_case
 * parts and a version as the last one (`myapp.v1`).
 */
export function checkProtoPackage(value: string): string {
  const parts = value.split(".");
  if (parts.length < 2 || !VERSION.test(parts[parts.length - 1]!) || !parts.slice(0, -1).every((p) => LOWER_SNAKE.test(p))) {
    throw new LogwireError(ErrorCode.InvalidOption, `"${value}" is not a proto package buf's STANDARD lint accepts`, {
      path: "--package",
      fix: "pass lower_snake_case parts ending in a version, e.g. --package myapp.v1 or --package acme.billing.v1",
    });
  }
  return value;
}

/**
 * `<name>.v1` from a package.json name: the scope dropped, lowercased, runs of
 * other characters turned into one `_`. `app.v1` when nothing usable is left,
 * or for `logwire`, whose package `logwire.v1` holds the options.
 */
export function protoPackageFromName(name: unknown): string {
  const bare = typeof name === "string" ? name.replace(/^@[^/]*\//, "") : "";
  const part = bare.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  return LOWER_SNAKE.test(part) && part !== "logwire" ? `${part}.v1` : "app.v1";
}

/** Import path of the starter schema, e.g. `myapp/v1/app_log.proto`. */
export function starterProtoPath(settings: InitSettings): string {
  return `${settings.protoPackage.split(".").join("/")}/${STARTER_FILE}.proto`;
}

/** buf.yaml, buf.gen.yaml and the starter schema, in the order they are reported. */
export function initFiles(settings: InitSettings): InitFile[] {
  return [
    { path: "buf.yaml", content: bufYaml() },
    { path: "buf.gen.yaml", content: bufGenYaml(settings) },
    { path: `proto/${starterProtoPath(settings)}`, content: starterProto(settings) },
  ];
}

function bufYaml(): string {
  return `# Written by \`logwire init\`.
version: v2
modules:
  # Your log schemas.
  - path: proto
  # logwire/v1/options.proto, shipped in the logwire package: schemas import
  # it from here, with no network and no Buf Schema Registry.
  - path: ${LOGWIRE_PROTO_MODULE}
lint:
  use:
    - STANDARD
  # logwire's options are not your schemas; their changes come with logwire.
  ignore:
    - ${LOGWIRE_PROTO_MODULE}
breaking:
  # WIRE is the category \`logwire check --against\` runs: it accepts what the
  # schema registry accepts (field renames) and requires reserved numbers
  # for deleted fields and enum values.
  use:
    - WIRE
  ignore:
    - ${LOGWIRE_PROTO_MODULE}
`;
}

function pluginOpt(settings: InitSettings): string {
  const opt = [settings.target === "ts" ? "target=ts" : "target=js+dts", "import_extension=js"];
  if (settings.module === "commonjs") {
    opt.push("js_import_style=legacy_commonjs");
  }
  return opt.join(",");
}

function optComments(settings: InitSettings): string[] {
  const lines = [
    settings.target === "ts"
      ? "# target=ts: TypeScript sources, compiled with the rest of the app."
      : "# target=js+dts: JavaScript with .d.ts type declarations, runnable as is.",
    "# import_extension=js: relative imports end in .js, as Node's ESM and",
    "# TypeScript's node16/nodenext and bundler resolution expect.",
  ];
  if (settings.module === "commonjs") {
    lines.push("# js_import_style=legacy_commonjs: require() and exports in .js output, for a", "# package without \"type\": \"module\" (TypeScript output keeps import/export).");
  }
  return lines;
}

function bufGenYaml(settings: InitSettings): string {
  const opt = pluginOpt(settings);
  return `# Written by \`logwire init\`. \`npx buf generate\` runs both plugins from
# node_modules/.bin, so nothing is installed globally.
${optComments(settings).join("\n")}
version: v2
inputs:
  - directory: proto
plugins:
  # protobuf-es: message types and schemas (<file>_pb.${settings.target}). include_imports
  # also writes logwire/v1/options_pb.${settings.target}, which the schemas import.
  - local: node_modules/.bin/protoc-gen-es
    out: ${settings.out}
    opt: ${opt}
    include_imports: true
  # logwire: one LogDescriptor per (logwire.v1.log) message (<file>_logwire.${settings.target}),
  # for pipeline.emitter(). strategy: all hands the plugin every file at once,
  # which it needs to reject two log messages that resolve to one subject.
  - local: node_modules/.bin/protoc-gen-logwire
    out: ${settings.out}
    opt: ${opt}
    strategy: all
`;
}

function starterProto(settings: InitSettings): string {
  const topicPrefix = settings.protoPackage.split(".").slice(0, -1).join(".");
  return `syntax = "proto3";

// A starter log schema written by \`logwire init\`. Change it to fit your app,
// then run \`npx buf generate\`: ${STARTER_FILE}_pb.* holds the message type and
// ${STARTER_FILE}_logwire.* the ${STARTER_MESSAGE}Log descriptor that pipeline.emitter() takes.
package ${settings.protoPackage};

import "google/protobuf/timestamp.proto";
import "logwire/v1/options.proto";

// buf's STANDARD lint wants enum values prefixed with the enum's name and a
// zero value named *_UNSPECIFIED, which is what an unset field reads as.
enum Level {
  LEVEL_UNSPECIFIED = 0;
  LEVEL_DEBUG = 1;
  LEVEL_INFO = 2;
  LEVEL_WARN = 3;
  LEVEL_ERROR = 4;
}

// One thing that happened in the app. The log option makes the message a log
// record: records go to this Kafka topic, and the schema is registered under
// the subject "<topic>-value". Field numbers are what goes on the wire: never
// reuse one. To remove a field, reserve its number and name
// (reserved 5; reserved "user_email";); \`logwire check\` enforces that.
message ${STARTER_MESSAGE} {
  option (logwire.v1.log) = {topic: "${topicPrefix}.app-logs"};

  // When it happened. Unset, the record carries no time; Kafka's record
  // timestamp still says when it was sent.
  google.protobuf.Timestamp time = 1;
  Level level = 2;
  string message = 3;
  // The partition key: records with the same request id go to one partition,
  // so a request's events stay in order.
  string request_id = 4 [(logwire.v1.field).key = true];
  // Personal data: replaced by "sha256:" and 16 hex digits of its hash before
  // the record is encoded, so the address never leaves the process but equal
  // values can still be matched. REDACTION_MASK would replace it with "***".
  string user_email = 5 [(logwire.v1.field).redact = REDACTION_HASH];
  // Anything else worth searching for.
  map<string, string> attributes = 6;
}
`;
}

/**
 * The lines that emit one record, for the app's module system, with imports
 * relative to the app's root. Fits the dev stack's default endpoints.
 */
export function usageSnippet(settings: InitSettings): string[] {
  const base = `${settings.out.startsWith(".") ? "" : "./"}${settings.out}/${starterProtoPath(settings).replace(/\.proto$/, "")}`;
  const logwire = `${base}_logwire.js`;
  const pb = `${base}_pb.js`;
  const options = `{ brokers: ["127.0.0.1:19092"], registry: { url: "http://127.0.0.1:18081/apis/ccompat/v7" } }`;
  const record = `{ level: Level.INFO, message: "signed in", requestId: "r-1", userEmail: "ada@example.com" }`;
  const imports =
    settings.module === "commonjs" && settings.target === "js"
      ? [`const { createPipeline } = require("logwire");`, `const { ${STARTER_MESSAGE}Log } = require("${logwire}");`, `const { Level } = require("${pb}");`]
      : [`import { createPipeline } from "logwire";`, `import { ${STARTER_MESSAGE}Log } from "${logwire}";`, `import { Level } from "${pb}";`];
  if (settings.module === "commonjs") {
    // No top-level await in CommonJS.
    return [
      ...imports,
      `createPipeline(${options}).then(async (logs) => {`,
      `  logs.emitter(${STARTER_MESSAGE}Log).emit(${record});`,
      `  await logs.close(); // flushes: nothing emitted is lost`,
      `});`,
    ];
  }
  return [
    ...imports,
    `const logs = await createPipeline(${options});`,
    `logs.emitter(${STARTER_MESSAGE}Log).emit(${record});`,
    `await logs.close(); // flushes: nothing emitted is lost`,
  ];
}
