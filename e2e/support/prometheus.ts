import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, start, waitFor, type Started } from '../../dataplane/testkit/processes';

/**
 * A real Prometheus for the chart's test, built from its Go module (e2e/control-plane/build.sh
 * prometheus; Debian's package leaves Kubernetes discovery out): it discovers the pods
 * of a namespace through the test cluster's API server (`kubernetes_sd_configs`, role pod) and
 * scrapes those that carry the `prometheus.io/scrape` annotations, the way a plain Prometheus
 * installation finds dnsfleet; it loads rule files and evaluates them. The test reads what it
 * found through its HTTP API.
 */

export interface PrometheusOptions {
  /** The prometheus binary. */
  readonly binary: string;
  /** A kubeconfig of the test cluster that may list and watch pods. */
  readonly kubeconfig: string;
  readonly namespace: string;
  readonly ruleFiles: readonly string[];
  /** Where its configuration and TSDB go. */
  readonly dir: string;
}

export interface ActiveTarget {
  readonly labels: Record<string, string>;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
}

export interface RuleState {
  readonly name: string;
  readonly query: string;
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError?: string;
  readonly type: 'alerting' | 'recording';
}

export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface RunningPrometheus {
  readonly url: string;
  /** An instant query: the result vector, or the error Prometheus gave (a parse error names the place). */
  query(expr: string): Promise<{ ok: true; result: VectorSample[] } | { ok: false; error: string }>;
  targets(): Promise<ActiveTarget[]>;
  rules(): Promise<RuleState[]>;
  output(): string;
  stop(): Promise<void>;
}

/** The scrape interval: short, so a test sees rates within seconds. */
const SCRAPE_SECONDS = 2;

export async function startPrometheus(o: PrometheusOptions): Promise<RunningPrometheus> {
  const config = {
    global: { scrape_interval: `${SCRAPE_SECONDS}s`, evaluation_interval: `${SCRAPE_SECONDS}s`, scrape_timeout: `${SCRAPE_SECONDS}s` },
    rule_files: [...o.ruleFiles],
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        kubernetes_sd_configs: [{ role: 'pod', kubeconfig_file: o.kubeconfig, namespaces: { names: [o.namespace] } }],
        // The conventional annotation-driven pod scrape (as in Prometheus's own example config).
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
          { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Running', action: 'keep' },
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__' },
          { source_labels: ['__meta_kubernetes_pod_ip', '__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '(.+);(.+)', replacement: '$1:$2', target_label: '__address__' },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
          { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_component'], target_label: 'component' },
        ],
      },
    ],
  };
  const file = join(o.dir, 'prometheus.yml');
  writeFileSync(file, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server: Started = start(o.binary, [`--config.file=${file}`, `--storage.tsdb.path=${join(o.dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn']);
  const api = async <T>(path: string, init?: RequestInit): Promise<{ status: string; data: T; error?: string }> => (await fetch(`${url}${path}`, init)).json() as Promise<{ status: string; data: T; error?: string }>;
  await waitFor(`prometheus ready on ${url}`, async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, 30_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${server.output()}`);
  });
  return {
    url,
    query: async (expr) => {
      const body = await api<{ resultType: string; result: VectorSample[] }>('/api/v1/query', { method: 'POST', body: new URLSearchParams({ query: expr }) });
      return body.status === 'success' ? { ok: true, result: body.data.result } : { ok: false, error: body.error ?? body.status };
    },
    targets: async () => (await api<{ activeTargets: ActiveTarget[] }>('/api/v1/targets?state=active')).data.activeTargets,
    rules: async () => (await api<{ groups: Array<{ rules: RuleState[] }> }>('/api/v1/rules')).data.groups.flatMap((g) => g.rules),
    output: () => server.output(),
    stop: () => server.stop(),
  };
}
