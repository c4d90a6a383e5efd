import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { CLUSTER_IMAGES, startCluster, type Cluster } from './support/cluster';
import { clusterIpOf, DNSFLEET_IMAGE, imageArchive, kubectlOk } from './support/cluster-fleet';
import { askA, keepAsking } from './support/keep-asking';
import { run, stopAll, tempDir, waitFor } from '../dataplane/testkit/processes';

/**
 * Issue 13's chart (charts/dnsfleet): linted and rendered with the default values and with every
 * option (e2e/chart/all-options.yaml); bad values refused naming the field; every rendered object
 * accepted by the API server of the one-node cluster; then `helm install` there with the image
 * built from the Dockerfile and a Redis image made from Debian's redis-server: the operator in two
 * pods as its own ServiceAccount, Redis with a volume, the control server and both clouds come
 * up in a namespace enforcing the restricted Pod Security Standard, a Zone is answered through
 * both clouds' Services, every component's /metrics passes `promtool check metrics` (Debian's
 * prometheus package), `helm upgrade` rolls a cloud with every query answered right, and
 * `helm uninstall` leaves nothing but the CRDs. Helm is built from its Go module (e2e/control-plane/build.sh helm).
 */

const ROOT = resolve(__dirname, '../..');
const CHART = join(ROOT, 'charts/dnsfleet');
const ALL_OPTIONS = join(ROOT, 'e2e/chart/all-options.yaml');
const NS = 'dnsfleet-system';
const RELEASE = 'dnsfleet';

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };

/** Helm v4 built from its Go module into the control plane's cache (or the one HELM names). */
const helmBinary = (): string => process.env.HELM ?? join(execFileSync('bash', [join(ROOT, 'e2e/control-plane/build.sh'), 'helm'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim(), 'helm');

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
    helm = helmBinary();
  });
  after(() => tmp.remove());

  it('lints with the default values and with every option set', async () => {
    for (const args of [[], ['-f', ALL_OPTIONS]]) {
      const lint = await helmRun(['lint', '--strict', CHART, ...args]);
      assert.equal(lint.code, 0, `helm lint ${args.join(' ')}:\n${lint.stdout}${lint.stderr}`);
    }
  });

  it('renders the operator\'s RBAC from operator/rbac.yaml and restricted pods everywhere', async () => {
    const objects = await render('-f', ALL_OPTIONS);
    const source = parseAllDocuments(readFileSync(join(ROOT, 'operator/rbac.yaml'), 'utf8')).map((d) => d.toJS() as { kind: string; rules: unknown[] });
    const rules = (kind: string) => (objects.find((o) => o.kind === kind) as unknown as { rules: unknown[] }).rules;
    assert.deepEqual(rules('ClusterRole'), source.find((d) => d.kind === 'ClusterRole')!.rules);
    assert.deepEqual(rules('Role'), source.find((d) => d.kind === 'Role')!.rules);
    type PodTemplate = { spec: { securityContext: { runAsNonRoot?: boolean }; containers: Array<{ name: string; securityContext: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[]; add?: string[] } } }> } };
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    assert.deepEqual(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort(), ['Deployment/dnsfleet-operator', 'StatefulSet/dnsfleet-redis']);
    for (const w of workloads) {
      const pod = (w.spec as { template: PodTemplate }).template.spec;
      assert.equal(pod.securityContext.runAsNonRoot, true, w.metadata.name);
      for (const c of pod.containers) assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }, `${w.metadata.name}/${c.name}`);
    }
    // Without a password in any manifest: the URL comes from a Secret (here the user's).
    assert.ok(!objects.some((o) => o.kind === 'Secret'), 'existingSecret: the chart makes no Secret');
    const operator = workloads.find((w) => w.kind === 'Deployment')!.spec as { template: { spec: { containers: Array<{ args: string[] }> } } };
    assert.ok(operator.template.spec.containers[0]!.args.includes('--pod-redis-secret=my-redis-secret/url'));
    const clouds = objects.filter((o) => o.kind === 'NameserverCloud');
    assert.deepEqual(clouds.map((c) => c.metadata.name), ['edge-a', 'edge-b']);
    assert.deepEqual((clouds[0]!.spec as { placement: { topologySpreadConstraints: unknown[] } }).placement.topologySpreadConstraints, [
      { labelSelector: { matchLabels: { 'dnsfleet.io/cloud': 'edge-a' } }, maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
    ]);
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

  it('refuses bad values with the field\'s name', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'operator.replicas=0'], /operator\/replicas|operator\.replicas/],
      [['--set', 'operator.replica=2'], /operator.*replica/],
      [['--set', 'control.serviceType=Public'], /control\/serviceType|control\.serviceType/],
      [['--set', 'clouds[0].name=Cloud_A'], /clouds\/0\/name|clouds\[0\]\.name/],
      [['--set', 'clouds[0].spec.replicas=-1'], /clouds\/0\/spec\/replicas|clouds\[0\]\.spec\.replicas/],
      [['--set', 'redis.bundled=false'], /redis\/external|existingSecret/],
    ];
    for (const [args, message] of cases) {
      const out = await helmRun(['template', RELEASE, CHART, '-n', NS, ...args]);
      assert.notEqual(out.code, 0, `${args.join(' ')} was accepted`);
      assert.match(out.stderr, message, `${args.join(' ')}: ${out.stderr}`);
    }
  });

  describe('on the one-node cluster', () => {
    let cluster: Cluster;
    const values = join(tmp.path, 'values.yaml');
    const volume = join(tmp.path, 'redis-volume');
    const kubectl = (...args: string[]): Promise<string> => kubectlOk(cluster, ...args);
    const serviceIp = (name: string): Promise<string> => clusterIpOf(cluster, NS, name);
    const testValues = (version: string): string => `image: { repository: ${DNSFLEET_IMAGE.split(':')[0]}, tag: ${DNSFLEET_IMAGE.split(':')[1]}, pullPolicy: Never }
control: { serviceType: ClusterIP, allowTransfer: [127.0.0.1/32] }
clouds:
  - name: cloud-a
    spec: { replicas: 2, nameservers: [ns1.example.net.], addresses: { ipv4: [10.53.0.1] }, service: { type: ClusterIP }, identity: { version: "${version}" } }
  - name: cloud-b
    spec: { replicas: 1, nameservers: [ns2.example.net.], addresses: { ipv4: [10.53.0.2] }, service: { type: ClusterIP } }
redis:
  image: { repository: ${CLUSTER_IMAGES.redis.split(':')[0]}, tag: "${CLUSTER_IMAGES.redis.split(':')[1]}", pullPolicy: Never }
  persistence: { enabled: true, size: 1Gi, storageClass: dnsfleet-test }
`;

    before(async function () {
      this.timeout(3_600_000);
      cluster = await startCluster();
      await cluster.importImage(imageArchive());
      // The pods must be admitted where the strictest standard is enforced.
      await kubectl('create', 'namespace', NS);
      await kubectl('label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest');
    });
    after(async () => {
      await cluster?.stop();
      await stopAll();
    });

    it('every object rendered with the default values and with every option is accepted by the API server (--dry-run=server)', async () => {
      // The CRDs first (Helm installs the chart's crds/ before its templates).
      const crds = await cluster.kubectl(['apply', '-f', join(CHART, 'crds')]);
      assert.equal(crds.code, 0, crds.stderr);
      await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/nameserverclouds.dnsfleet.io');
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

    it('helm uninstall leaves nothing behind but the CRDs', async () => {
      // A Zone holds the operator's finalizer: it goes while the operator still runs.
      await kubectl('delete', 'zone', 'chart-test', '--timeout=60s');
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
