// Entry of the registry front process when logwire runs from its TypeScript
// sources (its own tests and CLI under tsx): registers tsx, then loads the
// entry. The published package starts dist/src/stack/registry-front-main.js
// on plain node instead (registry-front-node.ts).
import { register } from "tsx/esm/api";

register();
await import("./registry-front-main.ts");
