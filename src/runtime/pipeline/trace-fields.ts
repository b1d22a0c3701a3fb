import { create, type DescMessage } from "@bufbuild/protobuf";
import type { TraceField } from "../registry/log-descriptor.ts";
import type { RecordHeaders } from "../record-headers.ts";
import type { TraceContext } from "./trace-context.ts";

// Fills a record's `(logwire.v1.field).trace_id` / `.span_id` fields from the
// span active at emit(), where the caller left them empty ("" or no bytes).
// A value the caller set is kept: the caller may log for another trace than
// the one its code runs in.

type Obj = Record<string, unknown>;

function isEmpty(value: unknown): boolean {
  return value === undefined || value === "" || (value instanceof Uint8Array && value.length === 0);
}

function idOf(field: TraceField, tc: TraceContext): string | Uint8Array {
  const hex = field.part === "traceId" ? tc.traceId : tc.spanId;
  return field.bytes ? new Uint8Array(Buffer.from(hex, "hex")) : hex;
}

/**
 * Fills the trace fields of the check's copy of a record (record-check.ts:
 * the runtime's own, nested messages included), in place. An unset message on
 * a field's path is created as an empty init object holding only that field.
 */
export function fillTraceFieldsOwned(fields: readonly TraceField[], record: Obj, tc: TraceContext): void {
  for (const field of fields) {
    let target = record;
    const last = field.path.length - 1;
    for (let i = 0; i < last; i++) {
      const name = field.path[i]!;
      let next = target[name] as Obj | undefined;
      if (next === undefined) target[name] = next = {};
      target = next;
    }
    const name = field.path[last]!;
    if (isEmpty(target[name])) target[name] = idOf(field, tc);
  }
}

/**
 * The same for a protobuf-es message the runtime created or cloned (the path
 * for descriptors without a generated encoder): an unset message on a field's
 * path is created with `create`, so the record stays a message.
 */
export function fillTraceFieldsMessage(schema: DescMessage, fields: readonly TraceField[], message: Obj, tc: TraceContext): void {
  fields: for (const field of fields) {
    let target = message;
    let desc: DescMessage = schema;
    const last = field.path.length - 1;
    for (let i = 0; i < last; i++) {
      const name = field.path[i]!;
      const f = desc.fields.find((candidate) => candidate.localName === name);
      if (f === undefined || f.fieldKind !== "message") continue fields;
      desc = f.message;
      let next = target[name] as Obj | undefined;
      if (next === undefined) target[name] = next = create(desc) as unknown as Obj;
      target = next;
    }
    const name = field.path[last]!;
    if (isEmpty(target[name])) target[name] = idOf(field, tc);
  }
}

/** The record's Kafka headers for the span: `traceparent`, and `tracestate` when the span has one. */
export function traceHeaders(tc: TraceContext): RecordHeaders {
  return tc.tracestate === undefined ? { traceparent: tc.traceparent } : { traceparent: tc.traceparent, tracestate: tc.tracestate };
}
