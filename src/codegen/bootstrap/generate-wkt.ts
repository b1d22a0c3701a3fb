// `npm run generate:wkt`: writes the runtime's generated files of the
// well-known types (see ./wkt-files.ts); with `--check`, writes nothing and
// exits 1 when one differs from what it would write. A dev script, never
// part of the package.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateWktFiles } from "./wkt-files.ts";

const root = join(import.meta.dirname, "..", "..", "..");
const check = process.argv.includes("--check");
let stale = 0;
for (const [name, content] of generateWktFiles()) {
  const path = join(root, name);
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = undefined;
  }
  if (current === content) {
    process.stdout.write(`${name}: up to date\n`);
  } else if (check) {
    stale++;
    process.stdout.write(`${name}: stale, run npm run generate:wkt\n`);
  } else {
    writeFileSync(path, content);
    process.stdout.write(`${name}: written\n`);
  }
}
if (stale > 0) process.exitCode = 1;
