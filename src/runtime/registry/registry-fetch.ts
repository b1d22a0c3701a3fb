/**
 * One Confluent-API request with the retries Confluent's own client makes
 * (`@confluentinc/schemaregistry`'s RestService: a request that gets no
 * answer, and HTTP 408, 429, 500, 502, 503 and 504, are sent again, for every
 * method). Every call logwire makes is idempotent under that API: lookups and
 * compatibility checks write nothing, registering a schema that is already
 * registered answers with its existing id, and config PUTs set a value.
 *
 * A refused connection is not retried: nothing listens there, and `logwire
 * check` must say so at once (exit 2) rather than after a retry budget.
 */

/** Time one registry call may take, unless configured (`registry.requestTimeoutMs`, `check`, `register`). */
export const REGISTRY_TIMEOUT_MS = 10_000;

/** Tries of a registry call in all, as in Confluent's client. */
export const REGISTRY_ATTEMPTS = 3;

/** Waits before try `attempt + 1`: full jitter under `backoffMs`, doubling per try. */
export function registryBackoff(attempt: number, backoffMs = 200): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * backoffMs * 2 ** (attempt - 1)));
}

/** Statuses retried, as in Confluent's client (`retry-helper.ts` `isRetriable`). */
const RETRIED_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export interface RegistryFetchOptions {
  /** Time for one try, answer headers included. */
  readonly timeoutMs: number;
  /** Tries in all. The default value is REGISTRY_ATTEMPTS (3). */
  readonly attempts?: number;
  /** Upper bound of the first backoff (full jitter, doubling per try). The default value is 200 ms. */
  readonly backoffMs?: number;
}

/** True for a failure that means "nothing listens there" rather than "no answer". */
function isRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return cause?.code === "ECONNREFUSED";
}

/**
 * `fetch` with retries. Resolves with the last response (which may be one of
 * the retried statuses, once the tries are spent); rejects with the last
 * network error or timeout.
 */
export async function registryFetch(url: string, init: RequestInit, options: RegistryFetchOptions): Promise<Response> {
  const attempts = options.attempts ?? REGISTRY_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= attempts;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs) });
      if (last || !RETRIED_STATUSES.has(response.status)) {
        return response;
      }
      // Read the body so the connection goes back to the pool.
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      if (last || isRefused(error)) {
        throw error;
      }
    }
    await registryBackoff(attempt, options.backoffMs);
  }
}
