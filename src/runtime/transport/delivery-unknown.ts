import { ErrorCode, LogwireError, isLogwireError } from "../errors.ts";

/**
 * Whether a failed produce request may have been written by the broker.
 *
 * A transport marks its failure `details.delivery: "unknown"` when bytes of
 * the request were handed to a socket and no answer came for them: a request
 * timeout, or a connection that closed (or that `disconnect()` ended) with the
 * request out. The broker may have written those records, what librdkafka
 * calls "possibly persisted". Any other failure is definite: the request never
 * left (connection refused, not connected) or the broker answered with an error.
 *
 * The mark travels in `details`, so it crosses from the producer thread with
 * the rest of the error (transport-worker-protocol.ts).
 */
export function markDeliveryUnknown(error: LogwireError): LogwireError {
  if (isDeliveryUnknown(error)) return error;
  return new LogwireError(error.code, error.rawMessage, {
    retriable: error.retriable,
    ...(error.path === undefined ? {} : { path: error.path }),
    ...(error.fix === undefined ? {} : { fix: error.fix }),
    details: { ...error.details, delivery: "unknown" },
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
}

/** True for a failure `markDeliveryUnknown` marked. */
export function isDeliveryUnknown(error: unknown): boolean {
  return isLogwireError(error) && error.details?.["delivery"] === "unknown";
}

/**
 * The `delivery_unknown` error of records logwire gave up on after their
 * request may have been written: what their `emitAndWait` callers are
 * rejected with, and what `onError` gets once per topic and request.
 * `cause` is the request's last failure; `deadLetter` is set when the request
 * was the records' dead-letter write.
 */
export function deliveryUnknownError(topic: string, records: number, cause: LogwireError, deadLetter?: { readonly topic: string; readonly error: LogwireError }): LogwireError {
  const what = records === 1 ? "1 record" : `${records} records`;
  const where = deadLetter?.topic ?? topic;
  const request = deadLetter === undefined ? "the request" : `dead-lettered (${deadLetter.error.code}), and the write to ${where}`;
  return new LogwireError(ErrorCode.DeliveryUnknown, `${what} for ${topic}: ${request} reached the broker's socket and got no answer before logwire gave up (${cause.rawMessage}); ${records === 1 ? "it" : "they"} may or may not be in ${where}`, {
    fix: `look for ${records === 1 ? "it" : "them"} in ${where} before sending again; a longer closeTimeoutMs lets close() wait for the broker's answer`,
    details: { topic: where, records, ...(deadLetter === undefined ? {} : { deadLetterOf: deadLetter.error.code }) },
    cause,
  });
}
