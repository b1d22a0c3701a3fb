import { createRequire } from "node:module";

// W3C Trace Context for log records: when @opentelemetry/api is installed
// (an optional peer dependency, never required) and a span is active at
// emit(), the record carries the span's `traceparent` (and `tracestate`)
// as Kafka headers, as the OpenTelemetry Collector's Kafka exporter and
// receiver expect, and fields marked `(logwire.v1.field).trace_id` /
// `.span_id` that the caller left empty are filled from the span.
// https://www.w3.org/TR/trace-context/#traceparent-header

/** `trace` pipeline option: "auto" reads the active span when @opentelemetry/api is installed; "off" never does. */
export type TraceMode = "auto" | "off";

/** The active span's context, as a record carries it. */
export interface TraceContext {
  /** `00-<trace-id>-<parent-id>-<flags>`, lower-case hex. */
  readonly traceparent: string;
  /** The vendor list, or undefined when the span has none. */
  readonly tracestate: string | undefined;
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
}

/** Reads the active span's context at emit(); undefined when no valid span is active. */
export type TraceReader = () => TraceContext | undefined;

/** The parts of @opentelemetry/api this module uses (any 1.x has them). */
interface OtelApi {
  readonly trace: { getActiveSpan(): { spanContext(): SpanContextLike } | undefined };
  isSpanContextValid(spanContext: SpanContextLike): boolean;
}

interface SpanContextLike {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  readonly traceState?: { serialize(): string };
}

/**
 * The reader for a pipeline, or undefined when there is nothing to read:
 * `trace: "off"`, or @opentelemetry/api is not installed. The package is
 * resolved once, from logwire's own location (an app's node_modules), and
 * is never imported at module load: without it, emit() pays nothing.
 */
export function createTraceReader(mode: TraceMode, resolveFrom: string = import.meta.url): TraceReader | undefined {
  if (mode === "off") return undefined;
  let api: OtelApi;
  try {
    api = createRequire(resolveFrom)("@opentelemetry/api") as OtelApi;
  } catch {
    return undefined;
  }
  const { trace, isSpanContextValid } = api;
  return () => {
    const span = trace.getActiveSpan();
    if (span === undefined) return undefined;
    const sc = span.spanContext();
    if (!isSpanContextValid(sc)) return undefined;
    const state = sc.traceState?.serialize();
    return {
      traceparent: `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, "0")}`,
      tracestate: state === undefined || state === "" ? undefined : state,
      traceId: sc.traceId,
      spanId: sc.spanId,
    };
  };
}
