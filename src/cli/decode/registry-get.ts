import { ErrorCode, LogwireError } from "../../runtime/errors.ts";
import { registryFetch } from "../../runtime/registry/registry-fetch.ts";

/**
 * GET against a Confluent-compatible API, as the schema decoder reads it:
 * the parsed JSON body, `undefined` for HTTP 404, and a
 * `registry_unavailable` LogwireError for no answer, another HTTP error
 * (retriable when 5xx) or a body that is not JSON.
 */
export function createRegistryGet(base: string, timeoutMs: number): (path: string) => Promise<unknown | undefined> {
  return async function getJson(path: string): Promise<unknown | undefined> {
    let response: Response;
    let text: string;
    try {
      response = await registryFetch(`${base}${path}`, {}, { timeoutMs });
      text = await response.text();
    } catch (cause) {
      throw new LogwireError(ErrorCode.RegistryUnavailable, `registry at ${base} did not answer GET ${path}: ${(cause as Error).message}`, {
        retriable: true,
        fix: "start the registry (npx logwire dev up) or pass the right --registry URL",
        cause,
      });
    }
    if (response.status === 404) {
      return undefined;
    }
    if (!response.ok) {
      throw new LogwireError(ErrorCode.RegistryUnavailable, `registry at ${base} answered GET ${path} with HTTP ${response.status}: ${text}`, {
        retriable: response.status >= 500,
        fix: "check the registry's logs",
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new LogwireError(ErrorCode.RegistryUnavailable, `registry at ${base} answered GET ${path} with a body that is not JSON: ${text.slice(0, 200)}`, {
        retriable: false,
        fix: "check that the registry URL ends in the Confluent API root, e.g. /apis/ccompat/v7",
        cause,
      });
    }
  };
}
