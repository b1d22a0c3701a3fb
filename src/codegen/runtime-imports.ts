import type { GeneratedFile, ImportSymbol } from "@bufbuild/protoplugin";
import { isRuntimeSymbol, symbols } from "../runtime/codegenv1/symbols.ts";
import type { RuntimeSymbol } from "../runtime/codegenv1/symbols.ts";

/**
 * Imports a runtime symbol into a generated file: from `runtime` (the
 * `runtime=` option, `logwire/codegenv1` by default), type-only when the
 * table says it is a type. With the other function below, the only ways the
 * plugin imports from the runtime, so generated code never needs a name
 * `logwire/codegenv1` does not export.
 */
export function importRuntime(f: GeneratedFile, runtime: string, name: string): ImportSymbol {
  const symbol = tableSymbol(name);
  return f.import(symbol, runtime, symbols[symbol].typeOnly);
}

/**
 * Imports a runtime symbol into a file generated inside the runtime itself
 * (src/codegen/bootstrap/): from the source file the table names, as a path
 * from the repository root that protoplugin makes relative to the file
 * (`./src/runtime/encode/int64-writer.js` from `src/runtime/check/` is
 * `../encode/int64-writer.js`, given the `import_extension`). The runtime
 * cannot import `logwire/codegenv1`: that subpath re-exports these files.
 */
export function importRuntimeSource(f: GeneratedFile, name: string): ImportSymbol {
  const symbol = tableSymbol(name);
  const { from, typeOnly } = symbols[symbol];
  return f.import(symbol, `./src/runtime/${from.replace(/\.ts$/, ".js")}`, typeOnly);
}

function tableSymbol(name: string): RuntimeSymbol {
  if (!isRuntimeSymbol(name)) {
    throw new Error(`protoc-gen-logwire: "${name}" is not a runtime symbol: add it to src/runtime/codegenv1/symbols.ts and export it from src/runtime/codegenv1/index.ts`);
  }
  return name;
}
