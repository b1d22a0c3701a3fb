import { inspect } from "node:util";

/**
 * Keeping credentials out of everything logwire writes: error messages,
 * `onError` payloads, forwarded kafkajs log lines, metrics and DLQ headers.
 *
 * Secrets are collected once from the options (SASL password, registry
 * basic-auth password, TLS key passphrase) together with the forms they take
 * on the wire that a library might echo: the HTTP `Authorization: Basic`
 * token and the `user:password` pair it encodes.
 */

/** What every secret is replaced with. */
export const SECRET_MASK = "[redacted]";

/** Secrets shorter than this are not scrubbed from text: masking "a" would mangle every message. */
const MIN_SCRUB_LENGTH = 4;

export interface SecretSources {
  readonly sasl?: { readonly username?: unknown; readonly password?: unknown } | undefined;
  readonly registryAuth?: { readonly username?: unknown; readonly password?: unknown } | undefined;
  readonly sslPassphrase?: unknown;
}

/** The strings to scrub, longest first so a secret containing another is replaced whole. */
export function collectSecrets(sources: SecretSources): readonly string[] {
  const out = new Set<string>();
  const add = (s: unknown): void => {
    if (typeof s === "string" && s.length >= MIN_SCRUB_LENGTH) out.add(s);
  };
  add(sources.sasl?.password);
  add(sources.sslPassphrase);
  const auth = sources.registryAuth;
  if (auth !== undefined && typeof auth.password === "string") {
    add(auth.password);
    const pair = `${String(auth.username)}:${auth.password}`;
    add(pair);
    add(Buffer.from(pair).toString("base64"));
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** `text` with every secret replaced by `[redacted]`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(SECRET_MASK);
  }
  return out;
}

/** True when `text` holds any of the secrets. */
export function containsSecret(text: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => text.includes(s));
}

/**
 * An Error standing in for a third-party error that may carry credentials in
 * its fields (mappersmith keeps the request, with its auth, on the error):
 * same name and message, scrubbed, and none of the original's fields.
 */
export function scrubbedCause(error: unknown, secrets: readonly string[]): Error {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  const copy = new Error(scrubSecrets(message, secrets));
  copy.name = name;
  return copy;
}

/** `error` as a cause, or a scrubbed stand-in (scrubbedCause) when anything in it holds a secret. */
export function safeCause(error: unknown, secrets: readonly string[]): unknown {
  return secrets.length > 0 && containsSecret(inspect(error, { depth: 6 }), secrets) ? scrubbedCause(error, secrets) : error;
}

/**
 * A copy of an options object with every password-like field masked, for
 * printing. Matches keys by name at any depth, so new auth options are
 * covered without listing them here.
 */
export function redactOptions<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

const SECRET_KEY = /^(password|passphrase|key|pfx|token|secrets?|authorization|oauthBearerProvider)$/i;

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, seen));
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `<${value.length} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined ? SECRET_MASK : redactValue(v, seen);
  }
  return out;
}

/**
 * Makes `JSON.stringify(obj)` and `util.inspect(obj)` (and so `console.log`)
 * print the redacted view. Both hooks are non-enumerable, so spreading the
 * object does not copy them and its own fields stay usable.
 */
export function withRedactedView<T extends object>(obj: T): T {
  const view = (): unknown => redactOptions({ ...obj });
  Object.defineProperty(obj, "toJSON", { value: view, enumerable: false });
  Object.defineProperty(obj, inspect.custom, {
    value: (_depth: number, opts: object) => inspect(view(), opts),
    enumerable: false,
  });
  return obj;
}
