import type { Metric, Registry } from 'prom-client';

/**
 * A series whose values are read from counts kept elsewhere when `/metrics` is scraped. prom-client's
 * own Counter and Histogram can only be added to one observation at a time; the DNS server keeps
 * its counts in typed arrays (nameserver/query-metrics.ts) and hands the totals over here, so a
 * histogram of millions of answers costs nothing between scrapes.
 */

export interface RawValue {
  readonly value: number;
  readonly labels?: Readonly<Record<string, string | number>>;
  /** For a histogram's `_bucket`, `_sum` and `_count` lines. */
  readonly metricName?: string;
}

export interface RawMetricOptions {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly values: () => RawValue[];
}

export function registerRaw(registry: Registry, options: RawMetricOptions): void {
  const metric = {
    name: options.name,
    help: options.help,
    type: options.type,
    aggregator: 'sum',
    get: async () => ({ name: options.name, help: options.help, type: options.type, aggregator: 'sum', values: options.values() }),
  };
  // The registry reads only name, help, type and get() (prom-client 15, lib/registry.js); its
  // type admits only its own classes, which cannot be handed totals.
  registry.registerMetric(metric as unknown as Metric);
}

/** The `_bucket`, `_sum` and `_count` lines of a histogram kept as counts per bucket (the last for +Inf). */
export function histogramValues(name: string, bounds: readonly number[], perBucket: ArrayLike<number>, sum: number, labels: Readonly<Record<string, string>>): RawValue[] {
  const values: RawValue[] = [];
  let cumulative = 0;
  bounds.forEach((le, i) => {
    cumulative += perBucket[i]!;
    values.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
  });
  cumulative += perBucket[bounds.length]!;
  values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
  values.push({ metricName: `${name}_sum`, labels, value: sum });
  values.push({ metricName: `${name}_count`, labels, value: cumulative });
  return values;
}
