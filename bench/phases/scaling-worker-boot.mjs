// Entry of an emitting thread of `npm run bench:scaling` (scaling-point.ts).
// A worker thread does not inherit the loader of the thread that started it,
// so it registers tsx itself before loading the TypeScript module, as
// src/runtime/kafka/worker/transport-worker-boot.mjs does for the producer thread.
import { register } from "tsx/esm/api";

register();
await import("./scaling-worker.ts");
