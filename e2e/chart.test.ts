import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, parseAllDocuments } from 'yaml';
import { CLUSTER_IMAGES, startCluster, type Cluster } from './support/cluster';
import Redis from 'ioredis';
import { clusterIpOf, DNSFLEET_IMAGE, imageArchive, isPodReady, kubectlOk, peerAddressOf, readSecretKey } from './support/cluster-fleet';
import { startPrometheus, type RunningPrometheus } from './support/prometheus';
import { dashboardExpressions, dashboardJson } from '../charts/dashboard';
import { startPrimary, type Primary } from '../dataplane/testkit/primaries';
import { query } from '../dataplane/testkit/dns-client';
import { askA, keepAsking } from './support/keep-asking';
import { run, stopAll, tempDir, waitFor } from '../dataplane/testkit/processes';
import { hashToken, TOKEN_SECRET } from '../api/tokens';

/**
 * Issue 13's chart (charts/dnsfleet): linted and rendered with the default values and with every
 * option (e2e/chart/all-options.yaml); bad values refused naming the field; every rendered object
 * accepted by the API server of the one-node cluster; then `helm install` there with the image
 * built from the Dockerfile and a Redis image made from Debian's redis-server: the operator in two
 * pods as its own ServiceAccount, Redis with a volume, the control server and both clouds come
 * up in a namespace enforcing the restricted Pod Security Standard, a Zone is answered through
 * both clouds' Services, every component's /metrics passes `promtool check metrics` (Debian's
 * prometheus package), a real Prometheus discovers every pod by its annotations through the API
 * server and scrapes it, the alerts evaluate and every series they and the dashboard read is
 * there, `helm upgrade` rolls a cloud with every query answered right, `helm upgrade` with
 * api.enabled runs the REST API as its own ServiceAccount (a zone added through its Service is
 * answered by both clouds; a wrong token gets 401; no Secret but the token Secret readable), and
 * `helm uninstall` leaves nothing but the CRDs. The alerts pass `promtool test rules` (charts/tests/alerts.test.yaml).
 * Helm and Prometheus (with the Kubernetes discovery Debian's package lacks) are built from their
 * Go modules (e2e/control-plane/build.sh helm prometheus).
 */

const ROOT = resolve(__dirname, '../..');
const CHART = join(ROOT, 'charts/dnsfleet');
const ALL_OPTIONS = join(ROOT, 'e2e/chart/all-options.yaml');
const ALERTS = join(CHART, 'files/alerts.yaml');
const ALERT_TESTS = join(ROOT, 'charts/tests/alerts.test.yaml');
const NS = 'dnsfleet-system';
const RELEASE = 'dnsfleet';

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };

/** Helm v4 built from its Go module into the control plane's cache (or the one HELM names). */
/** prometheus-operator's CRDs (PodMonitor, ServiceMonitor, PrometheusRule), from its Go module into the cache. */
const prometheusOperatorCrds = (): string =>
  process.env.PROMETHEUS_OPERATOR_CRDS ?? execFileSync('bash', [join(ROOT, 'e2e/control-plane/prometheus-operator-crds.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();

type AlertGroups = { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };

/** Helm v4 and Prometheus built from their Go modules into the control plane's cache (or the ones HELM and PROMETHEUS name). */
const chartTool = (name: 'helm' | 'prometheus'): string =>
  process.env[name.toUpperCase()] ?? join(execFileSync('bash', [join(ROOT, 'e2e/control-plane/build.sh'), name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim(), name);

describe('the Helm chart (charts/dnsfleet) @integration', function () {
  this.timeout(600_000);
  let helm: string;
  const tmp = tempDir('chart-test');
  const helmRun = (args: readonly string[], kubeconfig?: string) => run(helm, [...args, ...(kubeconfig ? ['--kubeconfig', kubeconfig] : [])], { timeoutMs: 600_000 });
  const render = async (...args: string[]): Promise<Manifest[]> => {
    const out = await helmRun(['template', RELEASE, CHART, '-n', NS, ...args]);
    assert.equal(out.code, 0, out.stderr);
    return parseAllDocuments(out.stdout).map((d) => d.toJS() as Manifest).filter((m) => m !== null);
  };

  before(function () {
    this.timeout(1_800_000);
    helm = chartTool('helm');
  });
  after(() => tmp.remove());

  it('lints with the default values and with every option set', async () => {
    for (const args of [[], ['-f', ALL_OPTIONS], ['--set', 'api.enabled=true']]) {
      const lint = await helmRun(['lint', '--strict', CHART, ...args]);
      assert.equal(lint.code, 0, `helm lint ${args.join(' ')}:\n${lint.stdout}${lint.stderr}`);
    }
  });

  it('renders the operator\'s RBAC from operator/rbac.yaml and restricted pods everywhere', async () => {
    const objects = await render('-f', ALL_OPTIONS);
    const source = parseAllDocuments(readFileSync(join(ROOT, 'operator/rbac.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; rules: unknown[] });
    const rules = (kind: string, name: string) => (objects.find((o) => o.kind === kind && o.metadata.name === name) as unknown as { rules: unknown[] }).rules;
    assert.deepEqual(rules('ClusterRole', 'dnsfleet-operator'), source.find((d) => d.kind === 'ClusterRole')!.rules);
    assert.deepEqual(rules('Role', 'dnsfleet-leader-election'), source.find((d) => d.kind === 'Role')!.rules);
    type PodTemplate = { spec: { securityContext: { runAsNonRoot?: boolean }; containers: Array<{ name: string; securityContext: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[]; add?: string[] } } }> } };
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    assert.deepEqual(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort(), ['Deployment/dnsfleet-api', 'Deployment/dnsfleet-operator', 'StatefulSet/dnsfleet-redis']);
    for (const w of workloads) {
      const pod = (w.spec as { template: PodTemplate }).template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true, w.metadata.name);
      for (const c of pod.containers) assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }, `${w.metadata.name}/${c.name}`);
    }
    // Without a password in any manifest: the URL comes from a Secret (here the user's).
    assert.ok(!objects.some((o) => o.kind === 'Secret'), 'existingSecret: the chart makes no Secret');
    const operator = workloads.find((w) => w.metadata.name === 'dnsfleet-operator')!.spec as { template: { spec: { containers: Array<{ args: string[] }> } } };
    assert.ok(operator.template.spec.containers[0]!.args.includes('--pod-redis-secret=my-redis-secret/url'));
    const clouds = objects.filter((o) => o.kind === 'NameserverCloud');
    assert.deepEqual(clouds.map((c) => c.metadata.name), ['edge-a', 'edge-b']);
    assert.deepEqual((clouds[0]!.spec as { placement: { topologySpreadConstraints: unknown[] } }).placement.topologySpreadConstraints, [
      { labelSelector: { matchLabels: { 'dnsfleet.io/cloud': 'edge-a' } }, maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
    ]);
  });

  it('renders the REST API only with api.enabled: its ServiceAccount bound to api/rbac.yaml\'s rules, a restricted Deployment probed on /openapi.json, its Service', async () => {
    type Labelled = Manifest & { metadata: { labels?: Record<string, string> } };
    const apiObjects = (objects: Manifest[]): Labelled[] => (objects as Labelled[]).filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'api' || o.metadata.name.includes('-api'));
    // Off by default, NetworkPolicies on or not.
    assert.deepEqual(apiObjects(await render('--set', 'networkPolicy.enabled=true')).map((o) => `${o.kind}/${o.metadata.name}`), []);

    const objects = await render('--set', 'api.enabled=true', '--set', 'api.rateLimit=600', '--set', 'api.service.port=80', '--set', 'networkPolicy.enabled=true');
    const api = apiObjects(objects);
    assert.deepEqual(api.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      'ClusterRole/dnsfleet-api', 'ClusterRoleBinding/dnsfleet-api', 'Deployment/dnsfleet-api', 'NetworkPolicy/dnsfleet-api',
      'Role/dnsfleet-api-tokens', 'RoleBinding/dnsfleet-api-tokens', 'Service/dnsfleet-api', 'ServiceAccount/dnsfleet-api',
    ]);
    const get = <T>(kind: string): T => api.find((o) => o.kind === kind) as unknown as T;
    type Rbac = { metadata: { namespace?: string }; rules: unknown[] };
    type Binding = { metadata: { namespace?: string }; roleRef: { kind: string; name: string }; subjects: Array<{ kind: string; name: string; namespace: string }> };
    // The rules are api/rbac.yaml's; the Secret only by name, in the release namespace.
    const source = parseAllDocuments(readFileSync(join(ROOT, 'api/rbac.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; rules: unknown[] });
    assert.deepEqual(get<Rbac>('ClusterRole').rules, source.find((d) => d.kind === 'ClusterRole')!.rules);
    assert.deepEqual(get<Rbac>('Role').rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['dnsfleet-api-tokens'], verbs: ['get'] }]);
    assert.deepEqual(get<Rbac>('Role').rules, source.find((d) => d.kind === 'Role')!.rules);
    assert.equal(get<Rbac>('Role').metadata.namespace, NS);
    const subject = [{ kind: 'ServiceAccount', name: 'dnsfleet-api', namespace: NS }];
    assert.deepEqual([get<Binding>('ClusterRoleBinding').roleRef, get<Binding>('ClusterRoleBinding').subjects], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'dnsfleet-api' }, subject]);
    assert.deepEqual([get<Binding>('RoleBinding').roleRef, get<Binding>('RoleBinding').subjects, get<Binding>('RoleBinding').metadata.namespace], [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'dnsfleet-api-tokens' }, subject, NS]);

    type Probe = { httpGet: { path: string; port: string } };
    type Container = { image: string; command: string[]; args: string[]; ports: Array<{ name: string; containerPort: number }>; readinessProbe: Probe; livenessProbe: Probe; securityContext: unknown };
    type Pod = { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; securityContext: unknown; containers: Container[] } };
    const deployment = get<{ spec: { replicas: number; template: Pod } }>('Deployment').spec;
    const pod = deployment.template.spec;
    assert.equal(deployment.replicas, 1);
    assert.equal(pod.serviceAccountName, 'dnsfleet-api');
    // The operator's pod security: restricted.
    const operatorPod = (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'dnsfleet-operator')!.spec as { template: Pod }).template.spec;
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(pod.securityContext, operatorPod.securityContext);
    assert.equal(pod.containers.length, 1);
    const c = pod.containers[0]!;
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    assert.equal(c.image, operatorPod.containers[0]!.image);
    assert.deepEqual([c.command, c.args], [['dnsfleet'], ['api', `--namespace=${NS}`, '--listen=0.0.0.0:8080', '--rate-limit=600']]);
    assert.deepEqual(c.ports, [{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    // The one path served without a token.
    for (const probe of [c.readinessProbe, c.livenessProbe]) assert.deepEqual(probe.httpGet, { path: '/openapi.json', port: 'http' });

    const service = get<{ spec: { type: string; selector: Record<string, string>; ports: unknown[] } }>('Service').spec;
    assert.equal(service.type, 'ClusterIP');
    assert.deepEqual(service.ports, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    for (const [k, v] of Object.entries(service.selector)) assert.equal(deployment.template.metadata.labels[k], v, `the Service selects the API's pods: ${k}`);
    assert.equal(service.selector['app.kubernetes.io/component'], 'api');
    // No `from`: reachable from anywhere (every call needs a token) unless networkPolicy.apiFrom says.
    assert.deepEqual((get<{ spec: { ingress: unknown[] } }>('NetworkPolicy')).spec.ingress, [{ ports: [{ port: 8080, protocol: 'TCP' }] }]);

    // Every option: two replicas with a PodDisruptionBudget, the NetworkPolicy from the namespaces listed.
    const all = apiObjects(await render('-f', ALL_OPTIONS));
    assert.ok(all.some((o) => o.kind === 'PodDisruptionBudget'), 'a PodDisruptionBudget with two replicas');
    assert.deepEqual((all.find((o) => o.kind === 'NetworkPolicy') as unknown as { spec: { ingress: Array<{ from: unknown[] }> } }).spec.ingress[0]!.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
  });

  it('generates the Redis password once and writes it into no pod template', async () => {
    const objects = await render();
    const secret = objects.find((o) => o.kind === 'Secret') as unknown as { metadata: { name: string }; data: { password: string; url: string } };
    assert.equal(secret.metadata.name, 'dnsfleet-redis');
    const password = Buffer.from(secret.data.password, 'base64').toString();
    assert.match(password, /^[A-Za-z0-9]{32}$/);
    assert.equal(Buffer.from(secret.data.url, 'base64').toString(), `redis://:${password}@dnsfleet-redis.${NS}.svc:6379`);
    const others = JSON.stringify(objects.filter((o) => o.kind !== 'Secret'));
    assert.ok(!others.includes(password));
  });

  it('ships alerts that promtool checks and unit-tests, each with a test, and the dashboard, as PrometheusRule and ConfigMap only when asked', async () => {
    const check = await run('promtool', ['check', 'rules', ALERTS]);
    assert.equal(check.code, 0, `${check.stdout}${check.stderr}`);
    const test = await run('promtool', ['test', 'rules', ALERT_TESTS]);
    assert.equal(test.code, 0, `${test.stdout}${test.stderr}`);
    const alerts = parse(readFileSync(ALERTS, 'utf8')) as AlertGroups;
    const names = alerts.groups.flatMap((g) => g.rules.map((r) => r.alert));
    const tested = new Set((parse(readFileSync(ALERT_TESTS, 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> }).tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    assert.deepEqual(names.filter((n) => !tested.has(n)), [], 'alerts without a promtool case where they fire');

    const objects = await render('-f', ALL_OPTIONS);
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    assert.deepEqual(rule.spec, alerts);
    assert.deepEqual((rule.metadata as { labels?: Record<string, string> }).labels?.release, 'kube-prometheus-stack');
    const dashboard = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-dashboard')) as unknown as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    assert.deepEqual(JSON.parse(dashboard.data['dnsfleet.json']!), dashboardJson());
    assert.equal(dashboard.metadata.labels.grafana_dashboard, '1');
    // The PodMonitor selects what the operator labels its dataplane pods with (operator/cloud/cloud-objects.ts).
    const podMonitor = objects.find((o) => o.kind === 'PodMonitor')!.spec as { selector: { matchExpressions: Array<{ key: string; values: string[] }> }; podMetricsEndpoints: Array<{ port: string }> };
    assert.deepEqual(podMonitor.selector.matchExpressions.map((e) => [e.key, e.values]), [['app.kubernetes.io/name', ['dnsfleet']], ['app.kubernetes.io/component', ['cloud', 'control']]]);
    assert.equal(podMonitor.podMetricsEndpoints[0]!.port, 'http');
    const operatorArgs = (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'dnsfleet-operator')!.spec as { template: { spec: { containers: Array<{ args: string[] }> } } }).template.spec.containers[0]!.args;
    assert.ok(operatorArgs.includes('--pod-metrics-per-zone') && operatorArgs.includes('--pod-scrape-annotations'), operatorArgs.join(' '));
    // None of them with the default values: prometheus-operator's CRDs may not exist.
    assert.deepEqual((await render()).filter((o) => ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'].includes(o.kind) || o.metadata.name.endsWith('-dashboard')), []);
  });

  it('refuses bad values with the field\'s name', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'operator.replicas=0'], /operator\/replicas|operator\.replicas/],
      [['--set', 'operator.replica=2'], /operator.*replica/],
      [['--set', 'control.serviceType=Public'], /control\/serviceType|control\.serviceType/],
      [['--set', 'clouds[0].name=Cloud_A'], /clouds\/0\/name|clouds\[0\]\.name/],
      [['--set', 'clouds[0].spec.replicas=-1'], /clouds\/0\/spec\/replicas|clouds\[0\]\.spec\.replicas/],
      [['--set', 'redis.bundled=false'], /redis\/external|existingSecret/],
      [['--set', 'metrics.podMonitor.interval=5x'], /metrics\/podMonitor\/interval/],
      [['--set', 'metrics.dashbord.enabled=true'], /metrics.*dashbord/],
      [['--set', 'api.replicas=0'], /api\/replicas/],
      [['--set', 'api.servce.port=80'], /api.*servce/],
      [['--set', 'api.service.type=Public'], /api\/service\/type/],
      [['--set', 'api.tokenSecret.name=other'], /api\/tokenSecret\/name/],
    ];
    for (const [args, message] of cases) {
      const out = await helmRun(['template', RELEASE, CHART, '-n', NS, ...args]);
      assert.notEqual(out.code, 0, `${args.join(' ')} was accepted`);
      assert.match(out.stderr, message, `${args.join(' ')}: ${out.stderr}`);
    }
  });

  describe('on the one-node cluster', () => {
    let cluster: Cluster;
    let prometheus: RunningPrometheus | undefined;
    let primary: Primary | undefined;
    const values = join(tmp.path, 'values.yaml');
    const volume = join(tmp.path, 'redis-volume');
    const kubectl = (...args: string[]): Promise<string> => kubectlOk(cluster, ...args);
    const serviceIp = (name: string): Promise<string> => clusterIpOf(cluster, NS, name);
    const testValues = (version: string, api = false): string => `image: { repository: ${DNSFLEET_IMAGE.split(':')[0]}, tag: ${DNSFLEET_IMAGE.split(':')[1]}, pullPolicy: Never }
control: { serviceType: ClusterIP, allowTransfer: [127.0.0.1/32] }
clouds:
  - name: cloud-a
    spec: { replicas: 2, nameservers: [ns1.example.net.], addresses: { ipv4: [10.53.0.1] }, service: { type: ClusterIP }, identity: { version: "${version}" } }
  - name: cloud-b
    spec: { replicas: 1, nameservers: [ns2.example.net.], addresses: { ipv4: [10.53.0.2] }, service: { type: ClusterIP } }
redis:
  image: { repository: ${CLUSTER_IMAGES.redis.split(':')[0]}, tag: "${CLUSTER_IMAGES.redis.split(':')[1]}", pullPolicy: Never }
  persistence: { enabled: true, size: 1Gi, storageClass: dnsfleet-test }
${api ? 'api: { enabled: true }\n' : ''}`;

    before(async function () {
      this.timeout(3_600_000);
      cluster = await startCluster();
      await cluster.importImage(imageArchive());
      // The pods must be admitted where the strictest standard is enforced.
      await kubectl('create', 'namespace', NS);
      await kubectl('label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest');
    });
    after(async () => {
      await prometheus?.stop();
      await primary?.stop();
      await cluster?.stop();
      await stopAll();
    });

    it('every object rendered with the default values and with every option is accepted by the API server (--dry-run=server)', async () => {
      // The CRDs first (Helm installs the chart's crds/ before its templates).
      const crds = await cluster.kubectl(['apply', '-f', join(CHART, 'crds')]);
      assert.equal(crds.code, 0, crds.stderr);
      // prometheus-operator's, for the PodMonitor, ServiceMonitor and PrometheusRule of every option.
      const monitoring = await cluster.kubectl(['apply', '--server-side', '-f', prometheusOperatorCrds()]);
      assert.equal(monitoring.code, 0, monitoring.stderr);
      await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/nameserverclouds.dnsfleet.io', 'crd/podmonitors.monitoring.coreos.com', 'crd/servicemonitors.monitoring.coreos.com', 'crd/prometheusrules.monitoring.coreos.com');
      for (const args of [[], ['-f', ALL_OPTIONS]]) {
        const out = await helmRun(['template', RELEASE, CHART, '-n', NS, ...args]);
        assert.equal(out.code, 0, out.stderr);
        // my-redis-secret does not exist: a Secret reference is not checked at admission.
        const dry = await cluster.kubectl(['apply', '--dry-run=server', '-n', NS, '-f', '-'], out.stdout);
        assert.equal(dry.code, 0, `${args.join(' ') || 'default values'}: ${dry.stderr}`);
        assert.ok(!/Warning/.test(dry.stderr), dry.stderr);
      }
    });

    it('helm install: Redis with its volume, the operator in two pods as its ServiceAccount, the control server and both clouds; a Zone answered through both clouds\' Services', async () => {
      // A volume for Redis: the StorageClass the values name, bound by the controller-manager.
      execFileSync('mkdir', ['-p', volume]);
      chmodSync(volume, 0o777);
      await cluster.kubectl(['apply', '-f', '-'], `apiVersion: v1
kind: PersistentVolume
metadata: { name: dnsfleet-test-redis }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: dnsfleet-test
  persistentVolumeReclaimPolicy: Retain
  hostPath: { path: ${volume}, type: Directory }
`);
      writeFileSync(values, testValues('one'));
      const started = Date.now();
      const install = await helmRun(['install', RELEASE, CHART, '-n', NS, '-f', values, '--wait', '--timeout', '5m'], cluster.kubeconfig);
      assert.equal(install.code, 0, `${install.stderr}\n${cluster.logs(10)}`);
      assert.match(install.stdout, /kubectl wait --for=condition=Ready nameservercloud --all -n dnsfleet-system/, 'NOTES.txt');
      const waited = await cluster.kubectl(['wait', '--for=condition=Ready', 'nameservercloud', '--all', '-n', NS, '--timeout=180s']);
      assert.equal(waited.code, 0, waited.stderr);
      await kubectl('rollout', 'status', 'deployment/dnsfleet-control', '-n', NS, '--timeout=120s');
      console.log(`      helm install to both clouds Ready: ${Date.now() - started} ms`);

      type Pod = { metadata: { name: string }; spec: { serviceAccountName: string } };
      const operators = (JSON.parse(await kubectl('get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/component=operator', '-o', 'json')) as { items: Pod[] }).items;
      assert.equal(operators.length, 2);
      for (const p of operators) assert.equal(p.spec.serviceAccountName, 'dnsfleet-operator');
      const lease = JSON.parse(await kubectl('get', 'lease', 'dnsfleet-operator', '-n', NS, '-o', 'json')) as { spec: { holderIdentity: string } };
      assert.ok(operators.some((p) => p.metadata.name === lease.spec.holderIdentity), `the Lease is held by an operator pod: ${lease.spec.holderIdentity}`);
      assert.equal((await kubectl('get', 'pvc', 'data-dnsfleet-redis-0', '-n', NS, '-o', 'jsonpath={.status.phase}')).trim(), 'Bound');

      await cluster.kubectl(['apply', '-f', '-'], `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: chart-test, namespace: default }
spec:
  zoneName: chart.test
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: [10.53.9.9] }
`);
      const ready = await cluster.kubectl(['wait', '--for=condition=Ready', 'zone/chart-test', '--timeout=60s']);
      assert.equal(ready.code, 0, ready.stderr);
      for (const cloud of ['cloud-a', 'cloud-b']) {
        const ip = await serviceIp(`dnsfleet-${cloud}`);
        await waitFor(`${cloud}'s Service answering`, async () => (await askA(ip, 53, 'www.chart.test.', 300)) === '10.53.9.9', 30_000);
      }
    });

    it('every component\'s /metrics, scraped in its pod, passes promtool check metrics', async () => {
      type Pod = { metadata: { name: string; labels: Record<string, string> }; status: { podIP: string } };
      const all = (JSON.parse(await kubectl('get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/name=dnsfleet', '-o', 'json')) as { items: Pod[] }).items;
      const components = new Set<string>();
      for (const p of all) {
        const component = p.metadata.labels['app.kubernetes.io/component']!;
        if (component === 'redis') continue;
        const port = component === 'operator' ? 8081 : 8080;
        const res = await fetch(`http://${p.status.podIP}:${port}/metrics`);
        assert.equal(res.status, 200, `${p.metadata.name}`);
        const text = await res.text();
        const check = await run('promtool', ['check', 'metrics'], { input: text });
        assert.equal(check.code, 0, `promtool check metrics on ${p.metadata.name}:\n${check.stdout}${check.stderr}`);
        components.add(component);
      }
      assert.deepEqual([...components].sort(), ['cloud', 'control', 'operator']);
    });

    it('a real Prometheus finds every pod by its annotations through the API server, scrapes it, evaluates every alert, and has every series the alerts and the dashboard read', async () => {
      // Something for each series: a signed Zone waiting for its DS, a SecondaryZone from an NSD
      // primary the control server reaches, and queries over UDP and TCP to both clouds.
      const gateway = await peerAddressOf(cluster);
      const secondary = 'secondary.chart.test.';
      primary = await startPrimary('nsd', secondary, `$ORIGIN ${secondary}\n$TTL 300\n@ SOA ns1 hostmaster 1 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A 10.53.9.10\n`, { address: gateway, transferFrom: cluster.podCidr || 'any' });
      await cluster.kubectl(['apply', '-f', '-'], `apiVersion: dnsfleet.io/v1alpha1
kind: DNSSECPolicy
metadata: { name: fast, namespace: default }
spec: { algorithm: ED25519, dnskeyTTL: 60, propagationDelay: 1m, parentPropagationDelay: 1m, parentDSTTL: 60 }
---
apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: signed-chart-test, namespace: default }
spec:
  zoneName: signed.chart.test
  dnssecPolicy: fast
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: [10.53.9.11] }
---
apiVersion: dnsfleet.io/v1alpha1
kind: SecondaryZone
metadata: { name: secondary-chart-test, namespace: default }
spec:
  zoneName: secondary.chart.test
  primaries: [{ address: ${primary.address}, port: ${primary.port} }]
`);
      const transferred = await cluster.kubectl(['wait', '--for=condition=Ready', 'secondaryzone/secondary-chart-test', '--timeout=60s']);
      assert.equal(transferred.code, 0, transferred.stderr);
      await waitFor('the signed Zone waiting for its DS', async () => (await kubectl('get', 'zone', 'signed-chart-test', '-o', 'jsonpath={.status.dnssec.state}')).trim() === 'pending_ds', 60_000);
      for (const cloud of ['cloud-a', 'cloud-b']) {
        const ip = await serviceIp(`dnsfleet-${cloud}`);
        for (let i = 0; i < 10; i++) assert.equal(await askA(ip, 53, 'www.chart.test.', 500), '10.53.9.9');
        assert.equal((await query(ip, 53, 'www.secondary.chart.test', 'A', { tcp: true })).packet.answers?.length, 1);
      }

      const dir = join(tmp.path, 'prometheus');
      execFileSync('mkdir', ['-p', dir]);
      prometheus = await startPrometheus({ binary: chartTool('prometheus'), kubeconfig: cluster.kubeconfig, namespace: NS, ruleFiles: [ALERTS], dir });
      const p = prometheus;
      // Two operator replicas, cloud-a's two pods, cloud-b's one, the control server; not Redis (no annotation).
      let targets: Awaited<ReturnType<RunningPrometheus['targets']>> = [];
      await waitFor('every annotated pod scraped', async () => (targets = await p.targets()).length === 6 && targets.every((t) => t.health === 'up'), 60_000).catch(() =>
        assert.fail(`targets: ${JSON.stringify(targets.map((t) => [t.labels.pod, t.health, t.lastError]))}\n${p.output()}`),
      );
      const components = await p.query('count by (component) (dnsfleet_store_up)');
      assert.ok(components.ok);
      assert.deepEqual(components.result.map((r) => `${r.metric.component}=${r.value[1]}`).sort(), ['cloud=3', 'control=1', 'operator=2']);

      // Every alert loaded and evaluated without an error, against the real series.
      const alerts = parse(readFileSync(ALERTS, 'utf8')) as AlertGroups;
      const alertRules = alerts.groups.flatMap((g) => g.rules);
      let rules: Awaited<ReturnType<RunningPrometheus['rules']>> = [];
      await waitFor('every alert evaluated', async () => (rules = await p.rules()).length === alertRules.length && rules.every((r) => r.health === 'ok'), 30_000).catch(() =>
        assert.fail(`rules: ${JSON.stringify(rules.map((r) => [r.name, r.health, r.lastError]))}`),
      );
      // Every series an alert reads exists: an alert on a name nothing exports would never fire.
      const names = [...new Set(alertRules.flatMap((r) => r.expr.match(/\bdnsfleet_[a-z0-9_]+/g) ?? []))];
      const missing: string[] = [];
      for (const name of names) {
        const found = await p.query(`count({__name__="${name}"})`);
        if (!found.ok || found.result.length === 0) missing.push(name);
      }
      assert.deepEqual(missing, [], 'series the alerts read that no component exports');

      // Every expression of the dashboard parses and returns data (Grafana's variables filled in).
      const empty = new Map<string, string>();
      await waitFor('every dashboard expression returns data', async () => {
        empty.clear();
        for (const expr of dashboardExpressions()) {
          const filled = expr.replaceAll('$cloud', '.*').replaceAll('$__rate_interval', '30s');
          const result = await p.query(filled);
          if (!result.ok) assert.fail(`${filled}: ${result.error}`);
          if (result.result.length === 0) empty.set(filled, 'no data');
        }
        return empty.size === 0;
      }, 60_000).catch(() => assert.fail(`dashboard expressions without data: ${[...empty.keys()].join('\n')}`));

      // What was asked shows: the TCP queries by cloud, the transfer from the primary.
      const tcp = await p.query('sum by (cloud) (dnsfleet_queries_total{transport="tcp",rcode="NOERROR"})');
      assert.ok(tcp.ok);
      assert.deepEqual(tcp.result.map((r) => r.metric.cloud).sort(), ['cloud-a', 'cloud-b']);
      const transfers = await p.query('sum(dnsfleet_transfers_in_total{kind="axfr",result="success"})');
      assert.ok(transfers.ok && Number(transfers.result[0]?.value[1]) >= 1, JSON.stringify(transfers));
    });

    it('with the chart\'s persistence, a deleted Redis pod loses nothing: the same epoch and zones come back, and both clouds answer throughout', async () => {
      const password = await readSecretKey(cluster, NS, 'dnsfleet-redis', 'password');
      type Pod = { metadata: { name: string; uid: string; deletionTimestamp?: string }; status: { podIP?: string; conditions?: Array<{ type: string; status: string }> } };
      const redisPod = async (): Promise<Pod> => JSON.parse(await kubectl('get', 'pod', 'dnsfleet-redis-0', '-n', NS, '-o', 'json')) as Pod;
      /** What the store holds, read from Redis in its pod: the epoch (ADR 0007), the zones and the serial of chart.test. */
      const stored = async (): Promise<{ epoch: string | null; zones: string[]; serial: string | null }> => {
        const redis = new Redis({ host: (await redisPod()).status.podIP!, port: 6379, password, lazyConnect: true, maxRetriesPerRequest: 1 });
        try {
          await redis.connect();
          return { epoch: await redis.get('{dnsfleet}:epoch'), zones: (await redis.smembers('{dnsfleet}:zones')).sort(), serial: await redis.hget('{dnsfleet}:zone:chart.test.', 'serial') };
        } finally {
          redis.disconnect();
        }
      };
      const before = await stored();
      assert.ok(before.epoch && before.zones.includes('chart.test.') && before.serial, JSON.stringify(before));
      const uid = (await redisPod()).metadata.uid;
      const asking = ['cloud-a', 'cloud-b'].map(async (cloud) => keepAsking(await serviceIp(`dnsfleet-${cloud}`), 53, 'www.chart.test.', 50));
      await kubectl('delete', 'pod', 'dnsfleet-redis-0', '-n', NS, '--wait=true', '--timeout=60s');
      await waitFor('the Redis pod back and ready', async () => {
        const pod = await redisPod().catch(() => undefined);
        return pod !== undefined && pod.metadata.uid !== uid && isPodReady(pod);
      }, 120_000);
      // Read at once, before anything could have written the store again: what the volume kept.
      const after = await stored();
      assert.deepEqual(after, before, 'the store as it was (AOF on the volume)');
      // The operator and the pods use the new Redis pod: a new Zone is written and served.
      await cluster.kubectl(['apply', '-f', '-'], `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: after-redis-chart-test, namespace: default }
spec:
  zoneName: after-redis.chart.test
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: [10.53.9.12] }
`);
      for (const cloud of ['cloud-a', 'cloud-b']) {
        const ip = await serviceIp(`dnsfleet-${cloud}`);
        await waitFor(`${cloud} answering the Zone made after the restart`, async () => (await askA(ip, 53, 'www.after-redis.chart.test.', 300)) === '10.53.9.12', 60_000);
      }
      for (const a of asking) {
        const tally = await (await a).stop();
        assert.deepEqual([...tally.keys()], ['10.53.9.9'], `answers while Redis was away: ${JSON.stringify([...tally])}`);
      }
      assert.deepEqual((await stored()).epoch, before.epoch, 'no new epoch: nothing had to be written again');
      await kubectl('delete', 'zone/after-redis-chart-test', '--timeout=60s');
    });

    it('helm upgrade with a changed value rolls the cloud\'s pods while its Service answers every query right', async () => {
      const asking = keepAsking(await serviceIp('dnsfleet-cloud-a'), 53, 'www.chart.test.');
      writeFileSync(values, testValues('two'));
      const upgrade = await helmRun(['upgrade', RELEASE, CHART, '-n', NS, '-f', values, '--wait', '--timeout', '5m'], cluster.kubeconfig);
      assert.equal(upgrade.code, 0, upgrade.stderr);
      await waitFor('the operator applies the new template', async () => {
        const args = JSON.parse(await kubectl('get', 'deployment', 'dnsfleet-cloud-a', '-n', NS, '-o', 'jsonpath={.spec.template.spec.containers[0].args}')) as string[];
        return args[args.indexOf('--version-string') + 1] === 'two';
      }, 60_000);
      await kubectl('rollout', 'status', 'deployment/dnsfleet-cloud-a', '-n', NS, '--timeout=180s');
      await sleep(1000);
      const tally = await asking.stop();
      assert.deepEqual([...tally.keys()], ['10.53.9.9'], `answers through the Service during the upgrade: ${JSON.stringify([...tally])}`);
      console.log(`      ${tally.get('10.53.9.9')} queries to cloud-a's Service during helm upgrade: all answered right`);
    });

    it('helm upgrade with api.enabled: the REST API as its own ServiceAccount adds a zone both clouds answer, refuses a wrong token, and reads no other Secret', async () => {
      const token = randomBytes(32).toString('hex');
      const other = 'chart-test-not-for-the-api';
      const domain = 'api.chart.test';
      try {
        // The chart makes no token (docs/helm.md#the-rest-api): only its hash, in the release namespace.
        await kubectl('create', 'secret', 'generic', TOKEN_SECRET, '-n', NS, `--from-literal=${hashToken(token)}={"namespace":"default"}`);
        await kubectl('create', 'secret', 'generic', other, '-n', NS, '--from-literal=key=value');
        // Version "two" as the previous upgrade left it: only the API's objects change.
        writeFileSync(values, testValues('two', true));
        const upgrade = await helmRun(['upgrade', RELEASE, CHART, '-n', NS, '-f', values, '--wait', '--timeout', '5m'], cluster.kubeconfig);
        assert.equal(upgrade.code, 0, `${upgrade.stderr}\n${cluster.logs(10)}`);
        await kubectl('rollout', 'status', 'deployment/dnsfleet-api', '-n', NS, '--timeout=120s');
        type Pod = { spec: { serviceAccountName: string } };
        const pods = (JSON.parse(await kubectl('get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/component=api', '-o', 'json')) as { items: Pod[] }).items;
        assert.deepEqual(pods.map((p) => p.spec.serviceAccountName), ['dnsfleet-api']);

        const base = `http://${await serviceIp('dnsfleet-api')}:8080`;
        const call = async (method: string, path: string, bearer: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
          const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        };
        // Through the Service once its endpoints are programmed.
        await waitFor('the API answering through its Service', async () => (await fetch(`${base}/openapi.json`)).status === 200, 60_000);

        const list = await call('GET', '/api/v2/zones?page_size=1000', token);
        assert.equal(list.status, 200, JSON.stringify(list.body));
        const listed = (list.body.data as Array<{ id: string; domain: string; type: string }>).map((z) => [z.id, z.domain, z.type]);
        assert.ok(listed.some(([id, d, t]) => id === 'chart-test' && d === 'chart.test' && t === 'MASTER'), `the Zone of the install test: ${JSON.stringify(listed)}`);

        const add = await call('POST', '/api/v2/zones', token, { domain, type: 'master' });
        assert.equal(add.status, 201, JSON.stringify(add.body));
        const patch = await call('PATCH', `/api/v2/zones/${domain}/rrsets`, token, [
          { name: `${domain}.`, type: 'NS', ttl: 3600, changetype: 'add', records: [{ content: 'ns1.example.net.' }] },
          { name: `www.${domain}.`, type: 'A', ttl: 300, changetype: 'add', records: [{ content: '10.53.9.13' }] },
        ]);
        assert.equal(patch.status, 200, JSON.stringify(patch.body));
        const zone = JSON.parse(await kubectl('get', 'zone', domain, '-n', 'default', '-o', 'json')) as { metadata: { labels?: Record<string, string> }; spec: { zoneName: string; rrsets: unknown[] } };
        assert.equal(zone.spec.zoneName, domain);
        assert.equal(zone.metadata.labels?.['dnsfleet.io/created-by'], 'api');
        assert.deepEqual(zone.spec.rrsets, [{ name: '@', type: 'NS', ttl: 3600, records: ['ns1.example.net.'] }, { name: 'www', type: 'A', ttl: 300, records: ['10.53.9.13'] }]);
        const ready = await cluster.kubectl(['wait', '--for=condition=Ready', `zone/${domain}`, '-n', 'default', '--timeout=60s']);
        assert.equal(ready.code, 0, ready.stderr);
        for (const cloud of ['cloud-a', 'cloud-b']) {
          const ip = await serviceIp(`dnsfleet-${cloud}`);
          await waitFor(`${cloud}'s Service answering the zone the API added`, async () => (await askA(ip, 53, `www.${domain}.`, 300)) === '10.53.9.13', 30_000);
        }

        const wrong = await call('GET', '/api/v2/zones', randomBytes(32).toString('hex'));
        assert.deepEqual([wrong.status, wrong.body.status], [401, 'failed']);

        // The API's rights: the token Secret by name and the zone kinds; no other Secret, nothing else.
        const sa = `--as=system:serviceaccount:${NS}:dnsfleet-api`;
        const canI = async (...args: string[]): Promise<string> => (await cluster.kubectl(['auth', 'can-i', ...args, sa])).stdout.trim();
        assert.equal(await canI('get', `secrets/${TOKEN_SECRET}`, '-n', NS), 'yes');
        assert.equal(await canI('get', `secrets/${other}`, '-n', NS), 'no');
        assert.equal(await canI('list', 'secrets', '-n', NS), 'no');
        assert.equal(await canI('get', 'secrets/dnsfleet-redis', '-n', NS), 'no');
        assert.equal(await canI('create', 'zones.dnsfleet.io', '-n', 'default'), 'yes');
        assert.equal(await canI('patch', 'deployments', '-n', NS), 'no');

        // Deleted through the API: the operator removes its finalizer and the zone is no longer served.
        const removed = await call('DELETE', `/api/v2/zones/${domain}`, token);
        assert.equal(removed.status, 200, JSON.stringify(removed.body));
        const gone = await cluster.kubectl(['wait', '--for=delete', `zone/${domain}`, '-n', 'default', '--timeout=60s']);
        assert.equal(gone.code, 0, gone.stderr);
      } finally {
        // Not the release's: helm uninstall would leave them (the next test lists what is left), and the Zone holds the operator's finalizer.
        await cluster.kubectl(['delete', 'zone', domain, '-n', 'default', '--ignore-not-found', '--timeout=60s']);
        await cluster.kubectl(['delete', 'secret', TOKEN_SECRET, other, '-n', NS, '--ignore-not-found']);
      }
    });

    it('the REST API\'s DNSSEC and secondary-zone workflows with the real operator: sign, DSUPDATE, acknowledge, dsupdate, DSSEEN, served signed by both clouds; unsign, DSREMOVED; a secondary zone added through it, transferred and answered by both clouds, its transfer status and retrieve', async () => {
      const token = randomBytes(32).toString('hex');
      const domain = 'signed-api.chart.test';
      const dig = (server: string, name: string, type: string) => run('dig', ['+time=1', '+tries=1', '+nocookie', '+dnssec', '+noall', '+answer', '-p', '53', `@${server}`, name, type], { timeoutMs: 10_000 });
      const clouds = async (): Promise<string[]> => Promise.all(['cloud-a', 'cloud-b'].map((c) => serviceIp(`dnsfleet-${c}`)));
      let apiPrimary: Primary | undefined;
      try {
        await kubectl('create', 'secret', 'generic', TOKEN_SECRET, '-n', NS, `--from-literal=${hashToken(token)}={"namespace":"default"}`);
        // The zone with TTLs of 3 s and the API's default policy with timings of 1 s, made with
        // kubectl (one truth for kubectl and REST users: the API takes both as they are): the DS
        // of a zone served unsigned first is asked for once no unsigned answer can be cached.
        await cluster.kubectl(['apply', '-f', '-'], `apiVersion: dnsfleet.io/v1alpha1
kind: DNSSECPolicy
metadata: { name: api-ecdsap256sha256, namespace: default }
spec: { algorithm: ECDSAP256SHA256, dnskeyTTL: 1, propagationDelay: 1s, parentPropagationDelay: 1s, parentDSTTL: 1 }
---
apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: ${domain}, namespace: default }
spec:
  zoneName: ${domain}
  defaultTTL: 3
  soa: { ttl: 3, minimum: 3 }
  rrsets:
    - { name: "@", type: NS, records: [ns1.example.net.] }
    - { name: www, type: A, records: [10.53.9.14] }
`);
        const base = `http://${await serviceIp('dnsfleet-api')}:8080`;
        const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
          const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        };
        // The API reads its token Secret again within 10 s. Asked after that, and seldom: every
        // refused token counts towards the lockout of this address (10 a minute).
        await sleep(11_000);
        for (let i = 0; (await call('GET', '/api/v2/zones')).status !== 200; i++) {
          assert.ok(i < 3, 'the new token taken by the API');
          await sleep(5000);
        }
        type Message = { id: string; domain: string; type: string; ds_records: string[] };
        const messages = async (): Promise<Message[]> => ((await call('GET', '/api/v2/messages/list')).body.data as Message[]).filter((m) => m.domain === domain);

        const signed = await call('POST', `/api/v2/zones/${domain}/sign`);
        assert.equal(signed.status, 200, JSON.stringify(signed.body));
        let update: Message | undefined;
        await waitFor('a DSUPDATE message from the operator\'s status', async () => (update = (await messages()).find((m) => m.type === 'DSUPDATE')) !== undefined, 120_000);
        assert.match(update!.ds_records[0]!, /\sDS\s+\d+ 13 2 [0-9A-F]{64}$/i);
        for (const ip of await clouds()) {
          await waitFor(`RRSIGs from ${ip}`, async () => /\sRRSIG\s+A\s+13\s/.test((await dig(ip, `www.${domain}`, 'A')).stdout), 120_000);
        }
        const acked = await call('DELETE', `/api/v2/messages/${update!.id}`);
        assert.equal(acked.status, 200, JSON.stringify(acked.body));
        const oldest = await call('GET', '/api/v2/messages');
        assert.ok(oldest.status === 404 || (oldest.body as { id?: string }).id !== update!.id, `acknowledged: ${JSON.stringify(oldest.body)}`);
        const confirmed = await call('POST', `/api/v2/zones/${domain}/dsupdate`);
        assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
        await waitFor('DSSEEN once the operator takes the DS as published', async () => (await messages()).some((m) => m.type === 'DSSEEN'), 240_000);
        const state = JSON.parse(await kubectl('get', 'zone', domain, '-n', 'default', '-o', 'jsonpath={.status.dnssec}')) as { state: string };
        assert.equal(state.state, 'active');

        const unsigned = await call('POST', `/api/v2/zones/${domain}/unsign`);
        assert.equal(unsigned.status, 200, JSON.stringify(unsigned.body));
        await waitFor('unsigning', async () => (await kubectl('get', 'zone', domain, '-n', 'default', '-o', 'jsonpath={.status.dnssec.state}')).trim() === 'unsigning', 120_000);
        const removal = await call('POST', `/api/v2/zones/${domain}/dsupdate`);
        assert.equal(removal.status, 200, JSON.stringify(removal.body));
        await waitFor('DSREMOVED once the operator has unsigned the zone', async () => (await messages()).some((m) => m.type === 'DSREMOVED'), 300_000);
        for (const ip of await clouds()) {
          await waitFor(`no RRSIG from ${ip}`, async () => {
            const out = (await dig(ip, `www.${domain}`, 'A')).stdout;
            return /\sA\s+10\.53\.9\.14$/m.test(out) && !/RRSIG/.test(out);
          }, 120_000);
        }

        // A secondary zone added through the API, from an NSD primary on this machine: the
        // control server transfers it, the clouds answer it, the API tells the transfer status
        // per primary (IONOS) and asks for a transfer (RcodeZero retrieve, IONOS PUT …/axfr).
        const secondaryName = 'secondary-api.chart.test';
        apiPrimary = await startPrimary('nsd', `${secondaryName}.`, `$ORIGIN ${secondaryName}.\n$TTL 300\n@ SOA ns1 hostmaster 7 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A 10.53.9.15\n`, { address: await peerAddressOf(cluster), transferFrom: cluster.podCidr || 'any' });
        const slave = await call('POST', '/api/v2/zones', { domain: secondaryName, type: 'slave', masters: [`${apiPrimary.address}:${apiPrimary.port}`] });
        assert.equal(slave.status, 201, JSON.stringify(slave.body));
        await waitFor('the transfer status OK through the API', async () => JSON.stringify((await call('GET', `/api/v2/secondaryzones/${secondaryName}/axfr`)).body).includes('"status":"OK"'), 120_000);
        for (const ip of await clouds()) await waitFor(`${ip} answering the secondary zone`, async () => (await askA(ip, 53, `www.${secondaryName}.`, 300)) === '10.53.9.15', 60_000);
        const retrieved = await call('PUT', `/api/v2/zones/${secondaryName}/retrieve`);
        assert.equal(retrieved.status, 200, JSON.stringify(retrieved.body));
        const asked = (await kubectl('get', 'szone', secondaryName, '-n', 'default', '-o', 'jsonpath={.metadata.annotations.dnsfleet\\.io/retrieve}')).trim();
        assert.notEqual(asked, '', 'the retrieve annotation the operator acts on');
        const axfr = await call('PUT', `/api/v2/secondaryzones/${secondaryName}/axfr`);
        assert.ok(axfr.status >= 200 && axfr.status < 300, JSON.stringify(axfr.body));
        const removed = await call('DELETE', `/api/v2/zones/${secondaryName}`);
        assert.equal(removed.status, 200, JSON.stringify(removed.body));
      } finally {
        await apiPrimary?.stop();
        await cluster.kubectl(['delete', 'szone', 'secondary-api.chart.test', '-n', 'default', '--ignore-not-found', '--timeout=60s']);
        await cluster.kubectl(['delete', 'zone', domain, '-n', 'default', '--ignore-not-found', '--timeout=60s']);
        await cluster.kubectl(['delete', 'dnssecpolicy', 'api-ecdsap256sha256', '-n', 'default', '--ignore-not-found']);
        await cluster.kubectl(['delete', 'secret', TOKEN_SECRET, '-n', NS, '--ignore-not-found']);
      }
    });

    it('helm uninstall leaves nothing behind but the CRDs', async () => {
      // The Zones hold the operator's finalizer: they go while the operator still runs.
      await kubectl('delete', 'zone/chart-test', 'zone/signed-chart-test', 'secondaryzone/secondary-chart-test', 'dnssecpolicy/fast', '--timeout=60s');
      const uninstall = await helmRun(['uninstall', RELEASE, '-n', NS, '--wait', '--timeout', '5m'], cluster.kubeconfig);
      assert.equal(uninstall.code, 0, uninstall.stderr);
      const left = async (): Promise<string[]> => {
        const kinds = 'deployments,replicasets,statefulsets,pods,services,secrets,configmaps,serviceaccounts,roles,rolebindings,poddisruptionbudgets,persistentvolumeclaims,leases,networkpolicies,nameserverclouds';
        const out = await kubectl('get', kinds, '-n', NS, '-o', 'name');
        // What every namespace has.
        return out.split('\n').filter((l) => l && l !== 'serviceaccount/default' && l !== 'configmap/kube-root-ca.crt');
      };
      let remaining: string[] = [];
      await waitFor('the namespace emptied by Helm and the garbage collector', async () => (remaining = await left()).length === 0, 120_000).catch(() => assert.fail(`left behind: ${remaining.join(', ')}`));
      const cluster_scoped = await kubectl('get', 'clusterroles,clusterrolebindings', '-o', 'name');
      assert.ok(!/dnsfleet/.test(cluster_scoped), cluster_scoped);
      const crds = await kubectl('get', 'crds', '-o', 'name');
      assert.equal(crds.split('\n').filter((l) => l.includes('dnsfleet.io')).length, 4, 'the CRDs stay (Helm\'s convention)');
      // The volume's claim went with the StatefulSet (persistentVolumeClaimRetentionPolicy Delete).
      await waitFor('the Redis volume released', async () => (await kubectl('get', 'pv', 'dnsfleet-test-redis', '-o', 'jsonpath={.status.phase}')).trim() === 'Released', 60_000);
    });
  });
});
