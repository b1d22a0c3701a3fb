import { after, before } from "node:test";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";

/**
 * The real OpenTelemetry SDK for the tests of the suite (or file) it is called
 * in: a BasicTracerProvider and the AsyncLocalStorage context manager
 * registered globally before its tests, and removed after them, as an app's
 * SDK setup would register them.
 */
export function useOtelSdk(): void {
  const provider = new BasicTracerProvider();
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  after(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });
}
