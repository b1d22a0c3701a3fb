import type { Registry } from "prom-client";
import { ErrorCode, LogwireError } from "../errors.ts";

/** A prom-client metric as the registry hands it back. */
type RegisteredMetric = NonNullable<ReturnType<Registry["getSingleMetric"]>>;

/**
 * The pipelines that report to one prom-client `Registry` under one metric
 * prefix, and the metrics they share.
 *
 * Several pipelines in one process (two Kafka clusters, say) may pass the
 * same registry. prom-client refuses a second metric of the same name, so
 * each metric is created once per registry and prefix, and every later
 * pipeline reuses it (as @platformatic/kafka's `ensureMetric` does), its
 * series told apart by the `pipeline` label. Gauges read at scrape time walk
 * `live`, so a shared gauge reports every open pipeline and stops reporting
 * one once it is released.
 *
 * Only metrics this copy of logwire created are reused. A metric of the same
 * name that something else registered may have other labels, another type,
 * or a collect() that knows nothing of these pipelines: reusing it would mix
 * series silently, so it is an `invalid_option` naming `metrics.prefix` as
 * the way out. The bookkeeping is per module copy (a WeakMap), so two copies
 * of logwire on one registry need different prefixes, and are told so.
 */
export interface MetricGroup<Source> {
  readonly registry: Registry;
  /** Open pipelines by their `pipeline` label value, in creation order. */
  readonly live: ReadonlyMap<string, Source>;
  /**
   * The metric named `name`: the one this group created before, or a new one
   * from `create`. Check `claim` first: it refuses foreign metrics before
   * anything is created, so a refused pipeline leaves the registry as it was.
   */
  ensure<M extends RegisteredMetric>(name: string, create: () => M): M;
  /**
   * Takes `pipeline` as this pipeline's label value: throws `invalid_option`
   * if an open pipeline on this registry and prefix has it, or if any of
   * `names` is held by a metric this group did not create.
   */
  claim(pipeline: string, source: Source, names: readonly string[]): void;
  /** Frees the label value: the pipeline's gauges stop reporting and its name may be used again. */
  release(pipeline: string, source: Source): void;
}

const groups = new WeakMap<Registry, Map<string, MetricGroup<unknown>>>();

/** The group for `registry` and `prefix`, created on first use. */
export function metricGroup<Source>(registry: Registry, prefix: string): MetricGroup<Source> {
  let byPrefix = groups.get(registry);
  if (byPrefix === undefined) {
    byPrefix = new Map();
    groups.set(registry, byPrefix);
  }
  let group = byPrefix.get(prefix) as MetricGroup<Source> | undefined;
  if (group === undefined) {
    group = createGroup<Source>(registry);
    byPrefix.set(prefix, group as MetricGroup<unknown>);
  }
  return group;
}

function createGroup<Source>(registry: Registry): MetricGroup<Source> {
  const ours = new Map<string, RegisteredMetric>();
  const live = new Map<string, Source>();
  return {
    registry,
    live,
    ensure<M extends RegisteredMetric>(name: string, create: () => M): M {
      const there = registry.getSingleMetric(name);
      const mine = ours.get(name) as M | undefined;
      if (mine !== undefined && there === mine) return mine;
      if (mine !== undefined && there === undefined) {
        // The caller cleared the registry (registry.clear()); put ours back.
        registry.registerMetric(mine);
        return mine;
      }
      if (there !== undefined) throw foreign(name);
      const created = asOption(create);
      ours.set(name, created);
      return created;
    },
    claim(pipeline, source, names) {
      if (live.has(pipeline)) {
        throw new LogwireError(ErrorCode.InvalidOption, `a pipeline named "${pipeline}" already reports to this metrics.registry`, {
          path: "name",
          fix: "give each pipeline that shares a registry its own name (the default is clientId), e.g. name: \"payments-eu\", or close() the other pipeline first",
          details: { pipeline },
        });
      }
      for (const name of names) {
        const there = registry.getSingleMetric(name);
        if (there !== undefined && there !== ours.get(name)) throw foreign(name);
      }
      live.set(pipeline, source);
    },
    release(pipeline, source) {
      if (live.get(pipeline) === source) live.delete(pipeline);
    },
  };
}

function foreign(name: string): LogwireError {
  return new LogwireError(ErrorCode.InvalidOption, `the registry already holds a metric named ${name} that logwire did not register`, {
    path: "metrics.registry",
    fix: "set metrics.prefix (e.g. \"logwire_\") so logwire's metrics get names of their own, or pass a registry without that metric",
    details: { metric: name },
  });
}

/** Runs a prom-client call; whatever prom-client throws becomes an `invalid_option` on `metrics.registry`. */
function asOption<T>(run: () => T): T {
  try {
    return run();
  } catch (caught) {
    const message = caught instanceof Error ? caught.message : String(caught);
    throw new LogwireError(ErrorCode.InvalidOption, `prom-client refused logwire's metrics: ${message}`, {
      path: "metrics.registry",
      fix: "pass a prom-client Registry that holds none of logwire's metric names, or set metrics.prefix so they get names of their own",
      cause: caught,
    });
  }
}
