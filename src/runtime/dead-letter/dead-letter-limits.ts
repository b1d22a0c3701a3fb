/**
 * Bytes kept free below a topic's max.message.bytes for the record batch's
 * own header, as log-types.ts keeps for log topics.
 */
const BATCH_HEADER_ROOM = 512;
/** How long the first dead letter of a topic waits for the topic's limit before the fallback is used. */
const LOOKUP_TIMEOUT_MS = 5000;
/** The fallback is never below this: room for the headers, short diagnostics and some of the value. */
const MIN_FALLBACK_BYTES = 4096;

export interface DeadLetterLimitsOptions {
  /** A topic's `max.message.bytes`, undefined when unknown (the transport's `maxMessageBytes`). */
  readonly lookup: ((topic: string) => Promise<number | undefined>) | undefined;
  /** The pipeline's maxRecordBytes: the bound when a topic's limit cannot be read (but at least 4 KiB). */
  readonly maxRecordBytes: number;
}

/**
 * The size bound of a dead letter for each dead-letter topic: its
 * `max.message.bytes` less room for the batch header, read from the
 * broker once per topic. A topic whose limit cannot be read (not created
 * yet, no DescribeConfigs permission, no answer in 5 s) gets
 * max(maxRecordBytes, 4 KiB).
 */
export function createDeadLetterLimits(options: DeadLetterLimitsOptions) {
  const known = new Map<string, number>();
  /** Callers waiting for a topic's limit, in call order. */
  const waiting = new Map<string, ((maxBytes: number) => void)[]>();
  const fallback = Math.max(options.maxRecordBytes, MIN_FALLBACK_BYTES);

  function read(topic: string, lookup: (topic: string) => Promise<number | undefined>): void {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, LOOKUP_TIMEOUT_MS, undefined);
      timer.unref();
    });
    void Promise.race([lookup(topic).catch(() => undefined), timeout]).then((limit) => {
      clearTimeout(timer);
      const maxBytes = limit !== undefined && limit > BATCH_HEADER_ROOM ? limit - BATCH_HEADER_ROOM : fallback;
      known.set(topic, maxBytes);
      const queue = waiting.get(topic) ?? [];
      waiting.delete(topic);
      for (const then of queue) then(maxBytes);
    });
  }

  return {
    /**
     * Calls `then` with the bound for `topic`: at once when it is known,
     * else once it is read. Calls for one topic are answered in order.
     */
    withBound(topic: string, then: (maxBytes: number) => void): void {
      const maxBytes = known.get(topic);
      if (maxBytes !== undefined) return then(maxBytes);
      const queue = waiting.get(topic);
      if (queue !== undefined) {
        queue.push(then);
        return;
      }
      if (options.lookup === undefined) {
        known.set(topic, fallback);
        return then(fallback);
      }
      waiting.set(topic, [then]);
      read(topic, options.lookup);
    },
  };
}

export type DeadLetterLimits = ReturnType<typeof createDeadLetterLimits>;
