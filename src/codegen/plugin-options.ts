import { codegenModule } from "../runtime/codegenv1/symbols.ts";

/** Options of protoc-gen-logwire, beyond protoplugin's standard ones (`target`, `import_extension`, ...). */
export interface LogwirePluginOptions {
  /**
   * Module specifier generated code imports logwire's types and helpers
   * from. The default is "logwire/codegenv1", the package's subpath for
   * generated code.
   */
  readonly runtime: string;
}

/** Parses `runtime=<specifier>`. Unknown keys throw, so protoplugin reports `invalid option "<key>"`. */
export function parseLogwireOptions(raw: { key: string; value: string }[]): LogwirePluginOptions {
  let runtime = codegenModule;
  for (const { key, value } of raw) {
    switch (key) {
      case "runtime":
        if (value === "") {
          throw new Error(`please provide a module specifier, e.g. runtime=${codegenModule}`);
        }
        runtime = value;
        break;
      default:
        throw new Error();
    }
  }
  return { runtime };
}
