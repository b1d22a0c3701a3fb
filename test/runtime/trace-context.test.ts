import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { context, createTraceState, trace, TraceFlags } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { createTraceReader } from "../../src/runtime/pipeline/trace-context.ts";
import { useOtelSdk } from "../support/otel-sdk.ts";

// The reader against the real OpenTelemetry SDK: a real tracer provider,
// the AsyncLocalStorage context manager, and the SDK's own W3C propagator
// as the oracle for the traceparent/tracestate text.

useOtelSdk();

describe("trace context at emit()", () => {
  it("inside an active span: the span's traceparent, as the SDK's W3C propagator writes it", () => {
    const read = createTraceReader("auto")!;
    assert.ok(read, "@opentelemetry/api is installed here");
    trace.getTracer("test").startActiveSpan("request", (span) => {
      const carrier: Record<string, string> = {};
      new W3CTraceContextPropagator().inject(context.active(), carrier, { set: (c, k, v) => ((c as Record<string, string>)[k] = v) });
      const got = read();
      assert.ok(got);
      assert.equal(got.traceparent, carrier["traceparent"]);
      assert.equal(got.traceId, span.spanContext().traceId);
      assert.equal(got.spanId, span.spanContext().spanId);
      assert.equal(got.tracestate, undefined);
      span.end();
    });
  });

  it("a span with tracestate: the header carries it", () => {
    const read = createTraceReader("auto")!;
    const remote = trace.setSpanContext(context.active(), {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: createTraceState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
    });
    context.with(remote, () => {
      const got = read();
      assert.deepEqual(got, {
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        tracestate: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "b7ad6b7169203331",
      });
    });
  });

  it("no active span, or an invalid span context: nothing", () => {
    const read = createTraceReader("auto")!;
    assert.equal(read(), undefined);
    const invalid = trace.setSpanContext(context.active(), { traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 });
    context.with(invalid, () => assert.equal(read(), undefined));
  });

  it('trace: "off" reads nothing, even inside a span', () => {
    assert.equal(createTraceReader("off"), undefined);
  });

  it("without @opentelemetry/api installed, there is no reader: emit() pays nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "logwire-no-otel-"));
    try {
      writeFileSync(join(dir, "package.json"), "{}");
      assert.equal(createTraceReader("auto", pathToFileURL(join(dir, "index.js")).href), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
