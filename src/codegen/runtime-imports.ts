import type { GeneratedFile, ImportSymbol } from "@bufbuild/protoplugin";
import { isRuntimeSymbol, symbols } from "../runtime/codegenv1/symbols.ts";

/**
 * Imports a runtime symbol into a generated file: from `runtime` (the
 * `runtime=` option, `logwire/codegenv1` by default), type-only when the
 * table says it is a type. The only way the plugin imports from the
 * runtime, so generated code never needs a name `logwire/codegenv1` does not
 * export.
 */
export function importRuntime(f: GeneratedFile, runtime: string, name: string): ImportSymbol {
  if (!isRuntimeSymbol(name)) {
    throw new Error(`protoc-gen-logwire: "${name}" is not a runtime symbol: add it to src/runtime/codegenv1/symbols.ts and export it from src/runtime/codegenv1/index.ts`);
  }
  return f.import(name, runtime, symbols[name].typeOnly);
}
