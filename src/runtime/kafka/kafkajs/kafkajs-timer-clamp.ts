import { createRequire } from "node:module";
import { kafkajsPatchesOff } from "./kafkajs-patches-off.ts";

/**
 * kafkajs 2.2.4's `RequestQueue.scheduleCheckPendingRequests` calls
 * `setTimeout` with `throttledUntil - Date.now()`, a negative delay when the
 * broker is not throttling and no request is pending. Node has always run a
 * negative delay as 1 ms; since Node 23 it also prints a
 * `TimeoutNegativeWarning` into the app's stderr the first time. This
 * replaces the method with kafkajs's own code and the delay clamped to the
 * 1 ms Node uses anyway: the same schedule, without the warning.
 *
 * Unlike the module patches this one changes the class's prototype, so it
 * works whenever it runs (loadKafkajs in kafkajs-module.ts runs it, once);
 * it is off with the others
 * (`LOGWIRE_KAFKAJS_PATCHES=off`) and for any kafkajs but 2.2.4.
 */
export const REQUEST_QUEUE_MODULE = "kafkajs/src/network/requestQueue";
const PATCHED_VERSION = "2.2.4";
/** kafkajs's `CHECK_PENDING_REQUESTS_INTERVAL` (requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

interface RequestQueue {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

let installed: boolean | undefined;

/** Puts the clamped schedule in place, once; returns whether it is (see timerClampInstalled). */
export function installTimerClamp(): boolean {
  installed ??= install();
  return installed;
}

function install(): boolean {
  if (kafkajsPatchesOff) return false;
  try {
    const require = createRequire(import.meta.url);
    if ((require("kafkajs/package.json") as { version?: string }).version !== PATCHED_VERSION) return false;
    const RequestQueue = require(REQUEST_QUEUE_MODULE) as { prototype: RequestQueue };
    RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue): void {
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
    return true;
  } catch {
    return false;
  }
}

/** Whether the clamped schedule is in place (false: not installed yet, switched off, or another version). */
export function timerClampInstalled(): boolean {
  return installed === true;
}
