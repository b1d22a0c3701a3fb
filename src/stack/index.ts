// The local development stack (Kafka + schema registry). Used by the CLI and
// the test runner; nothing in src/runtime imports it.
export { createStack } from "./stack.ts";
export type { ComponentState, ComponentStatus, Stack, UpOptions } from "./stack.ts";
export { resolveStackConfig, stackEndpoints, STACK_HOST, PORT_ENV } from "./stack-config.ts";
export type { StackConfig } from "./stack-config.ts";
export type { ComponentName } from "./stack-component.ts";
export { createProgress } from "./progress.ts";
export type { Progress } from "./progress.ts";
export { describeKafkaVersion, describeRegistryVersion } from "./server-versions.ts";
