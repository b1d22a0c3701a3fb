import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import ts from "typescript";

/** One import or re-export of a module, as written. */
export interface ModuleImport {
  readonly specifier: string;
  /** `import type` / `export type ... from`: erased from JavaScript, loads nothing. */
  readonly typeOnly: boolean;
  /** The names imported or re-exported (`*` for a namespace or `export *`), each with its own `type` flag folded in. */
  readonly names: readonly { readonly name: string; readonly typeOnly: boolean }[];
}

/** The static imports, re-exports and dynamic `import("...")` calls of a TypeScript source text. */
export function importsOf(fileName: string, text: string): ModuleImport[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: ModuleImport[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = clause?.isTypeOnly ?? false;
      const names: { name: string; typeOnly: boolean }[] = [];
      if (clause?.name !== undefined) names.push({ name: "default", typeOnly });
      const bindings = clause?.namedBindings;
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.push({ name: "*", typeOnly });
      if (bindings !== undefined && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          names.push({ name: (element.propertyName ?? element.name).text, typeOnly: typeOnly || element.isTypeOnly });
        }
      }
      out.push({ specifier: node.moduleSpecifier.text, typeOnly, names });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly = node.isTypeOnly;
      const clause = node.exportClause;
      const names =
        clause !== undefined && ts.isNamedExports(clause)
          ? clause.elements.map((element) => ({ name: element.name.text, typeOnly: typeOnly || element.isTypeOnly }))
          : [{ name: "*", typeOnly }];
      out.push({ specifier: node.moduleSpecifier.text, typeOnly, names });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      out.push({ specifier: arg !== undefined && ts.isStringLiteral(arg) ? arg.text : "<computed>", typeOnly: false, names: [{ name: "*", typeOnly: false }] });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/**
 * The bare specifiers (packages and `node:` builtins) that loading `entry`
 * loads, with the file that imports each: follows relative imports and the
 * bare specifiers `follow` maps to a file, and skips type-only imports,
 * which are erased. A `.js` import is read as the `.ts` file next to it, as
 * TypeScript resolves it.
 */
export function bareImportsReached(entry: string, follow: (specifier: string) => string | undefined = () => undefined): Map<string, string> {
  const bare = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { specifier, typeOnly } of importsOf(file, readFileSync(file, "utf8"))) {
      // `import { type A } from "x"` keeps `import {} from "x"` under verbatimModuleSyntax: it loads x.
      if (typeOnly) continue;
      const target = specifier.startsWith(".") ? resolve(dirname(file), specifier.replace(/\.js$/, ".ts")) : follow(specifier);
      if (target !== undefined) {
        queue.push(target);
      } else if (!bare.has(specifier)) {
        bare.set(specifier, file);
      }
    }
  }
  return bare;
}
