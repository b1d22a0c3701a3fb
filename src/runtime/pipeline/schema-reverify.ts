import { ErrorCode, LogwireError } from "../errors.ts";
import type { LogType } from "../buffer/log-type.ts";
import type { RegistrySignal, SchemaResolver } from "../registry/schema-registration.ts";

export interface SchemaReverifyOptions {
  readonly resolver: SchemaResolver;
  /** Every log type; those with a cached id (schema and header set, not failed) are re-verified. */
  readonly types: () => Iterable<LogType>;
  /**
   * Resolves a type again, as when it was first emitted: retries while the
   * registry is unreachable, dead-letters on a refusal, drops when close()
   * gives up, and sets the type's schema and header on success.
   */
  readonly reresolve: (t: LogType) => Promise<void>;
  readonly report: (error: LogwireError) => void;
  /** A held type has its header back: its records can be sent. */
  readonly released: () => void;
  /** True once close() timed out. */
  readonly givingUp: () => boolean;
  /** True once close() was called: the probing stops (held types are still verified, so they can flush). */
  readonly closed: () => boolean;
}

/** Longest wait between two probes of a registry that does not answer. */
const PROBE_MAX_BACKOFF_MS = 5000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Re-verifies cached schema ids when the registry may have lost its state
 * (restarted with empty storage, restored from a backup), so a type never
 * keeps framing its records with an id that names nothing, or names another
 * schema, once the pipeline has a sign of it (see SchemaResolverOptions.onSuspect):
 *
 * - While the registry is unreachable, types with a cached id keep sending
 *   with it, as before the outage: nothing can be verified, and most outages
 *   lose nothing. The registry is probed (a verification of one such type,
 *   backing off to 5 s) until it answers, or until close().
 * - When it answers, every type with a cached id is held at once, before the
 *   answered call's caller goes on: its header is taken away, so its records
 *   wait in the buffer (the record route skips a type without a header). Each is
 *   verified: the same header back when its id still names the local schema;
 *   otherwise it is resolved again like a new type (registered, references
 *   first) and framed with the id that brings.
 * - A verification that gets no answer gives the type its cached id back; the
 *   registry is probed again and the type held again once it answers.
 *
 * Records already framed (in a request being sent or retried, or in the
 * disk spool) keep the id they were framed with.
 */
export function createSchemaReverify(options: SchemaReverifyOptions) {
  const { resolver } = options;
  /** Held types, with the header each had. */
  const held = new Map<LogType, Uint8Array>();
  /** Bumped at each answer that holds the types: a verification begun before it is repeated. */
  let generation = 0;
  let verifying = false;
  let probing = false;

  const hasCachedId = (t: LogType): boolean => t.schema !== undefined && t.failure === undefined && t.header !== undefined;

  function release(t: LogType, header: Uint8Array): void {
    held.delete(t);
    t.header = header;
    options.released();
  }

  async function verifyOne(t: LogType, header: Uint8Array): Promise<void> {
    const gen = generation;
    const stale = t.schema!;
    let verdict;
    try {
      verdict = await resolver.verify(t.descriptor, stale);
    } catch (caught) {
      // No answer (the registry is probed again), or a refusal such as 401: keep the cached id.
      const error = LogwireError.from(caught);
      if (!error.retriable) options.report(error);
      release(t, header);
      return;
    }
    if (verdict === "same") {
      if (gen === generation) release(t, header);
      return;
    }
    held.delete(t);
    t.schema = undefined;
    // Not awaited: a registration that waits for the registry must not hold the other types' verification.
    void options.reresolve(t).then(() => {
      if (t.schema === undefined || t.schema.id === stale.id) return;
      const gone = verdict === "gone";
      options.report(
        new LogwireError(gone ? ErrorCode.SchemaNotFound : ErrorCode.SchemaMismatch, `schema id ${stale.id} of ${t.descriptor.typeName} (subject "${stale.subject}") ${gone ? "is no longer in the registry" : "now names another schema"}: registered again as id ${t.schema.id}; its records waited meanwhile`, {
          retriable: true,
          fix: "nothing to do for records from now on; records sent earlier with the old id cannot be decoded with this registry: keep the registry's storage across restarts",
          details: { subject: stale.subject, staleId: stale.id, id: t.schema.id, localFingerprint: stale.fingerprint },
        }),
      );
    });
  }

  function startVerifying(): void {
    if (verifying) return;
    verifying = true;
    void (async () => {
      try {
        while (held.size > 0 && !options.givingUp()) {
          await Promise.all([...held].map(([t, header]) => verifyOne(t, header)));
        }
      } finally {
        verifying = false;
      }
      if (held.size > 0 && !options.givingUp()) startVerifying();
    })();
  }

  function probe(): void {
    if (probing) return;
    probing = true;
    void (async () => {
      try {
        for (let attempt = 0; resolver.unreachable && !options.closed(); attempt++) {
          await sleep(Math.min(PROBE_MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 6)));
          const t = [...options.types()].find(hasCachedId);
          // Nothing cached: the types still resolving end the outage with their own calls.
          if (t === undefined) return;
          // Its answer, if any, ends the outage and holds every type (signal "answered").
          await resolver.verify(t.descriptor, t.schema!).catch(() => undefined);
        }
      } finally {
        probing = false;
      }
    })();
  }

  return {
    /** The resolver's signs (SchemaResolverOptions.onSuspect). */
    signal(kind: RegistrySignal): void {
      if (kind === "unreachable") {
        probe();
        return;
      }
      generation++;
      for (const t of options.types()) {
        if (hasCachedId(t) && !held.has(t)) {
          held.set(t, t.header!);
          t.header = undefined;
        }
      }
      startVerifying();
    },
  };
}
