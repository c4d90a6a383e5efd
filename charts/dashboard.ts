/**
 * The Grafana dashboard of the chart (charts/dnsfleet/files/dashboard.json, written by `npm run
 * chart`): one row per part of the platform, each panel one or more PromQL expressions over the
 * series of docs/metrics.md. Kept here as a list rather than as Grafana's JSON so that a panel is
 * one line to read and the e2e test can run every expression against a real Prometheus
 * (`dashboardExpressions`).
 *
 * `$cloud` is the dashboard's cloud variable, `$__rate_interval` Grafana's own.
 */

interface Panel {
  readonly title: string;
  /** Legend format ({{label}}) and the expression. */
  readonly targets: ReadonlyArray<readonly [legend: string, expr: string]>;
  readonly unit: string;
  readonly kind?: 'timeseries' | 'stat';
  readonly description?: string;
}

interface Row {
  readonly title: string;
  readonly panels: readonly Panel[];
}

const CLOUD = 'cloud=~"$cloud"';
const RATE = '[$__rate_interval]';

export const DASHBOARD_ROWS: readonly Row[] = [
  {
    title: 'Answers',
    panels: [
      { title: 'Queries by cloud', unit: 'reqps', targets: [['{{cloud}}', `sum by (cloud) (rate(dnsfleet_queries_total{${CLOUD}}${RATE}))`]] },
      { title: 'Answers by RCODE', unit: 'reqps', targets: [['{{rcode}}', `sum by (rcode) (rate(dnsfleet_queries_total{${CLOUD}}${RATE}))`]] },
      { title: 'Queries by QTYPE', unit: 'reqps', targets: [['{{qtype}}', `sum by (qtype) (rate(dnsfleet_queries_total{${CLOUD}}${RATE}))`]] },
      { title: 'Queries by transport', unit: 'reqps', targets: [['{{transport}}', `sum by (transport) (rate(dnsfleet_queries_total{${CLOUD}}${RATE}))`]] },
      {
        title: 'Answer latency',
        unit: 's',
        description: 'From reading a query to its answer handed to the kernel, inside the pod.',
        targets: [
          ['p50 {{cloud}}', `histogram_quantile(0.5, sum by (cloud, le) (rate(dnsfleet_answer_duration_seconds_bucket{${CLOUD}}${RATE})))`],
          ['p99 {{cloud}}', `histogram_quantile(0.99, sum by (cloud, le) (rate(dnsfleet_answer_duration_seconds_bucket{${CLOUD}}${RATE})))`],
        ],
      },
      { title: 'Truncated answers (TC)', unit: 'reqps', targets: [['{{cloud}} {{transport}}', `sum by (cloud, transport) (rate(dnsfleet_truncated_total{${CLOUD}}${RATE}))`]] },
      { title: 'Dropped', unit: 'reqps', targets: [['{{cloud}} {{reason}}', `sum by (cloud, reason) (rate(dnsfleet_dropped_total{${CLOUD}}${RATE}))`]] },
      { title: 'TCP connections open', unit: 'short', targets: [['{{cloud}}', `sum by (cloud) (dnsfleet_tcp_connections{${CLOUD}})`]] },
    ],
  },
  {
    title: 'Zones',
    panels: [
      { title: 'Zones by Ready reason', unit: 'short', kind: 'stat', targets: [['{{reason}}', 'max by (reason) (dnsfleet_zones)']] },
      { title: 'SecondaryZones by Ready reason', unit: 'short', kind: 'stat', targets: [['{{reason}}', 'max by (reason) (dnsfleet_secondary_zones)']] },
      { title: 'Zones behind, by cloud', unit: 'short', description: 'Zones whose newest serial some pod of the cloud does not serve yet.', targets: [['{{cloud}}', 'max by (cloud) (dnsfleet_cloud_zones_behind)']] },
      { title: 'Zones served per pod', unit: 'short', targets: [['{{pod}} ({{source}})', 'dnsfleet_zones_served']] },
      { title: 'Zones a pod keeps an old version of', unit: 'short', targets: [['{{pod}}', 'dnsfleet_zones_rejected']] },
    ],
  },
  {
    title: 'Transfers and NOTIFY',
    panels: [
      { title: 'Transfers from primaries', unit: 'short', targets: [['{{kind}} {{result}}', `sum by (kind, result) (increase(dnsfleet_transfers_in_total${RATE}))`]] },
      { title: 'SOA checks of primaries', unit: 'short', targets: [['{{result}}', `sum by (result) (increase(dnsfleet_soa_checks_total${RATE}))`]] },
      { title: 'Primaries', unit: 'short', kind: 'stat', targets: [['{{state}}', 'max by (state) (dnsfleet_secondary_primaries)']] },
      { title: 'NOTIFYs received', unit: 'short', targets: [['{{verdict}}', `sum by (verdict) (increase(dnsfleet_notifies_received_total${RATE}))`]] },
      { title: 'NOTIFYs sent to customer secondaries', unit: 'short', targets: [['{{result}}', `sum by (result) (increase(dnsfleet_notifies_sent_total${RATE}))`]] },
      { title: 'Transfers out', unit: 'short', targets: [['{{result}}', `sum by (result) (increase(dnsfleet_transfers_out_total${RATE}))`]] },
    ],
  },
  {
    title: 'DNSSEC',
    panels: [
      { title: 'First signature expiry', unit: 's', kind: 'stat', description: 'Re-signing keeps this near the policy\'s validity; when it falls, re-signing has stopped.', targets: [['expires in', 'min(dnsfleet_signatures_expiry_timestamp_seconds) - time()']] },
      { title: 'Signed zones', unit: 'short', kind: 'stat', targets: [['{{state}}', 'max by (state) (dnsfleet_signed_zones)']] },
      { title: 'Zones waiting for their DS', unit: 'short', kind: 'stat', targets: [['pending', 'max(dnsfleet_dnssec_pending_ds_zones)']] },
    ],
  },
  {
    title: 'Store and operator',
    panels: [
      { title: 'Redis reachable', unit: 'short', kind: 'stat', targets: [['{{pod}}', 'min by (pod) (dnsfleet_store_up)']] },
      { title: 'Store rewrite pending', unit: 'short', kind: 'stat', targets: [['{{pod}}', 'max by (pod) (dnsfleet_store_rewrite_pending)']] },
      { title: 'Reconciles', unit: 'ops', targets: [['{{kind}} {{result}}', `sum by (kind, result) (rate(dnsfleet_reconcile_total${RATE}))`]] },
      { title: 'Reconcile duration p99', unit: 's', targets: [['{{kind}}', `histogram_quantile(0.99, sum by (kind, le) (rate(dnsfleet_reconcile_duration_seconds_bucket${RATE})))`]] },
      { title: 'Work queue depth', unit: 'short', targets: [['{{pod}}', 'dnsfleet_workqueue_depth']] },
      { title: 'Leader', unit: 'short', kind: 'stat', targets: [['{{pod}}', 'dnsfleet_leader']] },
    ],
  },
];

/** Every expression of the dashboard, for the tests. */
export function dashboardExpressions(): string[] {
  return DASHBOARD_ROWS.flatMap((r) => r.panels.flatMap((p) => p.targets.map(([, expr]) => expr)));
}

/** Grafana's dashboard JSON (schema version 39): rows of panels, 4 to a line, a datasource and a cloud variable. */
export function dashboardJson(): Record<string, unknown> {
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of DASHBOARD_ROWS) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    row.panels.forEach((p, i) => {
      const x = (i % 4) * 6;
      if (i > 0 && i % 4 === 0) y += 8;
      panels.push({
        id: id++,
        type: p.kind ?? 'timeseries',
        title: p.title,
        ...(p.description ? { description: p.description } : {}),
        datasource,
        gridPos: { h: 8, w: 6, x, y },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: p.kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value' } : { legend: { displayMode: 'list', placement: 'bottom' } },
        targets: p.targets.map(([legend, expr], j) => ({ refId: String.fromCharCode(65 + j), datasource, expr, legendFormat: legend })),
      });
    });
    y += 8;
  }
  return {
    title: 'dnsfleet',
    uid: 'dnsfleet',
    description: 'dnsfleet: answers, zones, transfers, DNSSEC, the store and the operator (docs/metrics.md).',
    tags: ['dns', 'dnsfleet'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-3h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {} },
        { name: 'cloud', label: 'Cloud', type: 'query', datasource, query: 'label_values(dnsfleet_queries_total, cloud)', refresh: 2, includeAll: true, multi: true, allValue: '.*', current: { text: 'All', value: '$__all' } },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}
