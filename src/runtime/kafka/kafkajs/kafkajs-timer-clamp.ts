import type { KafkajsInstance } from "./kafkajs-instance.ts";

/**
 * kafkajs 2.2.4's `RequestQueue.scheduleCheckPendingRequests` calls
 * `setTimeout` with `throttledUntil - Date.now()`, a negative delay when the
 * broker is not throttling and no request is pending. Node has always run a
 * negative delay as 1 ms; since Node 23 it also prints a
 * `TimeoutNegativeWarning` into the app's stderr the first time. This
 * replaces the method with kafkajs's own code and the delay clamped to the
 * 1 ms Node uses anyway: the same schedule, without the warning.
 *
 * Unlike the module patches this one changes a class's prototype: the
 * `RequestQueue` of logwire's own kafkajs instance (kafkajs-instance.ts),
 * never the class of an application's kafkajs.
 */
export const REQUEST_QUEUE_MODULE = "kafkajs/src/network/requestQueue";
/** kafkajs's `CHECK_PENDING_REQUESTS_INTERVAL` (requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

interface RequestQueue {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

let installed = false;

/**
 * Puts the clamped schedule into logwire's kafkajs (kafkajs-patches.ts runs
 * it). Returns why it could not, or undefined when it is in place.
 */
export function installTimerClamp(kafkajs: KafkajsInstance): string | undefined {
  const RequestQueue = kafkajs.require(REQUEST_QUEUE_MODULE) as { prototype?: Partial<RequestQueue> } | undefined;
  const proto = RequestQueue?.prototype;
  if (typeof proto?.scheduleCheckPendingRequests !== "function" || typeof proto.checkPendingRequests !== "function") {
    return `${REQUEST_QUEUE_MODULE} has no RequestQueue with scheduleCheckPendingRequests and checkPendingRequests`;
  }
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue): void {
    let scheduleAt = this.throttledUntil - Date.now();
    if (!this.throttleCheckTimeoutId) {
      if (this.pending.length > 0) {
        scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
      }
      this.throttleCheckTimeoutId = setTimeout(() => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      }, Math.max(1, scheduleAt));
    }
  };
  installed = true;
  return undefined;
}

/** Whether logwire's kafkajs has the clamped schedule (false: not loaded yet, switched off, or it could not apply). */
export function timerClampInstalled(): boolean {
  return installed;
}
