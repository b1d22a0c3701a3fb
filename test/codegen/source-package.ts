import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./plugin-harness.ts";

/**
 * Installs logwire into `nodeModules` as generated code in an application
 * finds it, but resolving to the repo's TypeScript sources: a `logwire`
 * folder whose package.json maps the entries generated code imports to
 * `src/` (a symlink to the repo's). The repo's own package.json points its
 * exports at the built `dist/`, which tests do not build.
 */
export function installSourcePackage(nodeModules: string): void {
  const pkg = join(nodeModules, "logwire");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({
      name: "logwire",
      type: "module",
      exports: { ".": "./src/index.ts", "./codegenv1": "./src/runtime/codegenv1/index.ts" },
    }),
  );
  symlinkSync(join(REPO, "src"), join(pkg, "src"));
}
