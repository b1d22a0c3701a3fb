/**
 * Every change logwire makes to kafkajs 2.2.4 internals, in one place. Each
 * patch puts a replacement module into the CommonJS cache under kafkajs's
 * own path, so it must be evaluated before kafkajs loads: import this file
 * first wherever kafkajs is imported. Each patch checks the kafkajs version
 * it was written against and otherwise leaves kafkajs as it is.
 * `LOGWIRE_KAFKAJS_PATCHES=off` turns them all off (kafkajs-patches-off.ts).
 */
import "./kafkajs-patches-off.ts";
import "./kafkajs-partition-grouping.ts";
import "./kafkajs-produce-request.ts";
import "./kafkajs-timer-clamp.ts";
