// Entry of the producer thread when logwire runs from its TypeScript sources
// (its own tests, bench and demo, under tsx). A worker thread does not inherit
// the loader of the thread that started it, so it registers tsx itself before
// loading the worker's module. The published package has no such step: it
// starts dist/runtime/transport-worker.js on plain node (worker-entry.ts).
import { register } from "tsx/esm/api";

register();
await import("./transport-worker.ts");
