// Type test: everything here must compile (tsc runs on test/ in `npm test`).
// Its twin, emit-errors.ts, holds the calls that must not.
import { create } from "@bufbuild/protobuf";
import type { MessageShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { LogDescriptor, Pipeline } from "logwire";
import { PaymentAuditLog } from "../../proto/example/payments/v1/audit_logwire.ts";
import { Action, PaymentAuditSchema } from "../../proto/example/payments/v1/audit_pb.ts";
import { PaymentErrorLog } from "../../proto/example/payments/v1/error_logwire.ts";
import { RequestPerformanceLog } from "../../proto/example/payments/v1/performance_logwire.ts";
import { Severity } from "../../proto/example/payments/v1/common_pb.ts";

// Only types matter here; nothing runs.
declare const pipeline: Pipeline;

const audit = pipeline.emitter(PaymentAuditLog);
audit.emit({ paymentId: "p-1", actor: "svc-checkout", action: Action.CAPTURE, amount: { amountMinor: 1299n, currency: "EUR" } });
audit.emit({ occurredAt: timestampFromDate(new Date()), labels: { region: "eu" } });
audit.emit({ method: { case: "card", value: { brand: "visa", last4: "4242" } } });
audit.emit({ method: { case: "wallet", value: "apple-pay" } });
audit.emit({});
audit.emit(create(PaymentAuditSchema, { paymentId: "p-2" }));
void audit.emitAndWait({ paymentId: "p-3" });

const perf = pipeline.emitter(RequestPerformanceLog);
perf.emit({ route: "/pay", statusCode: 200, latency: { seconds: 0n, nanos: 5_000_000 }, bytesIn: 10n, stageMicros: [1, 2, 3] });

const errors = pipeline.emitter(PaymentErrorLog);
errors.emit({ code: "card_declined", severity: Severity.ERROR, attempt: 2, stack: [{ function: "charge", line: 12 }] });

// The descriptor's functions are typed by the message.
const key: ((m: MessageShape<typeof PaymentAuditSchema>) => string) | undefined = PaymentAuditLog.key;
const typed: LogDescriptor<typeof PaymentAuditSchema> = PaymentAuditLog;
export { key, typed };
