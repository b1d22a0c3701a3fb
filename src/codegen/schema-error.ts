import type { DescFile, DescMessage } from "@bufbuild/protobuf";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";

/**
 * Errors in a `.proto` file's logwire options.
 *
 * They are `LogwireError`s (code `invalid_option`, path `<file>: <message>`),
 * but the plugin reports them in the fixed format
 * `protoc-gen-logwire: <file>: <message>: <what is wrong>: <how to fix>`:
 * protoplugin prints `protoc-gen-logwire: ` and the thrown error's message,
 * so `toPluginError` builds an `Error` whose message is the rest.
 */
export function schemaError(file: DescFile, message: DescMessage | undefined, what: string, fix: string): LogwireError {
  const path = message === undefined ? file.proto.name : `${file.proto.name}: ${message.typeName}`;
  return new LogwireError(ErrorCode.InvalidOption, what, { path, fix });
}

/** The error protoplugin prints, without the `protoc-gen-logwire: ` prefix. */
export function toPluginError(error: LogwireError): Error {
  return new Error(`${error.path ?? ""}: ${error.rawMessage}: ${error.fix ?? ""}`, { cause: error });
}
