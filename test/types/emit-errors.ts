// Type test: every call below is wrong, and tsc must say so. `@ts-expect-error`
// fails the typecheck if the line compiles, so these lines guard the typing of
// generated emitters (tsc runs on test/ in `npm test`).
import { create } from "@bufbuild/protobuf";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { Action, PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { Severity } from "../../proto/example/payments/v1/common_pb.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { RequestPerformanceSchema } from "../../proto/example/payments/v1/performance_pb.ts";
import type { Pipeline } from "logwire";

// Only types matter here; nothing runs.
declare const pipeline: Pipeline;

const audit = pipeline.emitter(PaymentAuditLog);
const perf = pipeline.emitter(RequestPerformanceLog);

// A wrong field name.
// @ts-expect-error paymentID is not a field of PaymentAudit (payment_id is paymentId)
audit.emit({ paymentID: "p-1" });

// A wrong field type.
// @ts-expect-error payment_id is a string
audit.emit({ paymentId: 42 });
// @ts-expect-error amount_minor is an int64 (bigint), not a decimal string
audit.emit({ amount: { amountMinor: 12.99 as unknown as string } });

// A wrong enum.
// @ts-expect-error action takes an Action, not a Severity
audit.emit({ action: Severity.ERROR });
// @ts-expect-error 99 is not a value of Action
audit.emit({ action: 99 });

// One message type on another type's emitter.
// @ts-expect-error a PaymentAudit is not a RequestPerformance
perf.emit(create(PaymentAuditSchema, { paymentId: "p-1", action: Action.CAPTURE }));
// @ts-expect-error a RequestPerformance is not a PaymentAudit
audit.emit(create(RequestPerformanceSchema, { route: "/pay" }));
