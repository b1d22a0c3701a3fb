// Entry of the producer thread (worker-transport.ts). logwire ships its
// TypeScript sources and runs them through tsx, as src/cli/bin.js does; a
// worker thread does not inherit the loader of the thread that started it,
// so it registers tsx itself before loading the worker's module.
import { register } from "tsx/esm/api";

register();
await import("./transport-worker.ts");
