import { REGISTRY_TIMEOUT_MS, registryFetch } from "../../src/runtime/registry/registry-fetch.ts";

/**
 * `fetch` for the tests' own calls to the real registry, with the retries
 * logwire's calls make (src/runtime/registry/registry-fetch.ts): 10 s per try, three
 * tries. A CI run saw Apicurio 3.3.3 log an answer (a 404) that never
 * reached its client; a bare `fetch` would wait for it forever.
 */
export function registryCall(url: string, init: RequestInit = {}): Promise<Response> {
  return registryFetch(url, init, { timeoutMs: REGISTRY_TIMEOUT_MS });
}

/**
 * mappersmith middleware for `@kafkajs/confluent-schema-registry` clients in
 * tests: a 10 s timeout on every request (it sets none by default), so an
 * unanswered call fails the test instead of hanging it.
 */
export const requestTimeout = () => ({
  request: <R extends { enhance(extras: { timeout: number }): R }>(request: R): R => request.enhance({ timeout: 10_000 }),
});
