import { strict as assert } from 'node:assert';
import type { NameserverCloud, NameserverCloudSpec } from '../../crds/v1alpha1/nameservercloud';
import { buildCloudDeployment, buildCloudDisruptionBudget, buildCloudService } from './cloud-objects';
import { olderWithSameName } from './cloud-controller';
import { buildControlDeployment, buildControlService } from '../control/control-objects';

const cloud = (spec: Partial<NameserverCloudSpec> = {}, meta: Partial<NameserverCloud['metadata']> = {}): NameserverCloud => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'NameserverCloud',
  metadata: { name: 'cloud-a', namespace: 'dns', uid: 'uid-1', ...meta },
  spec: { nameservers: ['ns1.example.net.'], ...spec },
});
const settings = { image: 'registry.example/dnsfleet:1.0', redisUrl: 'redis://redis.dns:6379' };

type Container = { command: string[]; args: string[]; env: Array<{ name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }>; resources?: unknown; readinessProbe: { httpGet: { path: string; port: string } } };
const podSpecOf = (d: ReturnType<typeof buildCloudDeployment>) => (d.spec.template as { spec: { containers: Container[]; nodeSelector?: unknown; tolerations?: unknown } }).spec;

describe('buildCloudDeployment', () => {
  it('runs `dnsfleet dataplane --role cloud` for the cloud on the pod\'s own addresses', () => {
    const d = buildCloudDeployment(cloud(), settings);
    const c = podSpecOf(d).containers[0]!;
    assert.deepEqual(c.command, ['dnsfleet']);
    assert.deepEqual(c.args, ['dataplane', '--role', 'cloud', '--cloud', 'cloud-a', '--nsid', '$(POD_NAME)', '--listen-ips', '$(POD_IPS)', '--port', '5353', '--http-port', '8080', '--drain-seconds', '5']);
    assert.deepEqual(
      c.env.map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef.fieldPath]),
      [['POD_NAME', 'metadata.name'], ['POD_NAMESPACE', 'metadata.namespace'], ['POD_IPS', 'status.podIPs'], ['DNSFLEET_REDIS_URL', 'redis://redis.dns:6379'], ['DNSFLEET_SNAPSHOT_DIR', '/var/lib/dnsfleet']],
    );
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/readyz', port: 'http' });
  });

  it('reads the Redis URL from a Secret when told to, so a password appears in no pod template', () => {
    const c = podSpecOf(buildCloudDeployment(cloud(), { ...settings, redisUrl: { secretName: 'dnsfleet-redis', key: 'pod-url' } })).containers[0]!;
    assert.deepEqual(c.env.find((e) => e.name === 'DNSFLEET_REDIS_URL'), { name: 'DNSFLEET_REDIS_URL', valueFrom: { secretKeyRef: { name: 'dnsfleet-redis', key: 'pod-url' } } });
    assert.ok(!JSON.stringify(c).includes('redis://'));
  });

  it('passes spec.identity to the pods: NSID is the pod name unless turned off, the version only when set', () => {
    const args = (identity: NameserverCloudSpec['identity']): string[] => podSpecOf(buildCloudDeployment(cloud({ identity }), settings)).containers[0]!.args.slice(5, -8);
    assert.deepEqual(args(undefined), ['--nsid', '$(POD_NAME)']);
    assert.deepEqual(args({ nsid: false, serverId: false }), ['--hide-identity']);
    assert.deepEqual(args({ version: 'dnsfleet 1.0' }), ['--nsid', '$(POD_NAME)', '--version-string', 'dnsfleet 1.0']);
  });

  it('passes spec.rateLimit to the pods as --rrl-* flags, and none when it is not set', () => {
    const args = (rateLimit: NameserverCloudSpec['rateLimit']): string[] => podSpecOf(buildCloudDeployment(cloud({ rateLimit, identity: { nsid: false } }), settings)).containers[0]!.args.slice(5, -8);
    assert.deepEqual(args(undefined), []);
    assert.deepEqual(args({ responsesPerSecond: 20 }), ['--rrl-rate', '20']);
    assert.deepEqual(args({ responsesPerSecond: 20, slip: 0, ipv4PrefixLength: 22, ipv6PrefixLength: 48, exempt: ['198.51.100.0/24', '2001:db8::/32'] }), [
      '--rrl-rate', '20', '--rrl-slip', '0', '--rrl-ipv4-prefix', '22', '--rrl-ipv6-prefix', '48', '--rrl-exempt', '198.51.100.0/24', '--rrl-exempt', '2001:db8::/32',
    ]);
  });

  it('annotates the pods for a Prometheus that scrapes by annotation, and asks for per-zone series, only when told', () => {
    type Template = { metadata: { labels: Record<string, string>; annotations?: Record<string, string> } };
    const control = (pods: typeof settings & { scrapeAnnotations?: boolean; metricsPerZone?: boolean }) => buildControlDeployment({ namespace: 'dns', pods, allowTransfer: [] });
    for (const build of [(s: typeof settings) => buildCloudDeployment(cloud(), s), control]) {
      const plain = build(settings);
      assert.equal((plain.spec.template as Template).metadata.annotations, undefined);
      assert.ok(!podSpecOf(plain).containers[0]!.args.includes('--metrics-per-zone'));
      const told = build({ ...settings, scrapeAnnotations: true, metricsPerZone: true } as typeof settings);
      assert.deepEqual((told.spec.template as Template).metadata.annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
      assert.equal((told.spec.template as Template).metadata.labels['app.kubernetes.io/name'], 'dnsfleet', 'the labels stay');
      assert.ok(podSpecOf(told).containers[0]!.args.includes('--metrics-per-zone'));
    }
  });

  it('gives the pod a volume for its local snapshot and a grace period its stop fits in', () => {
    const spec = podSpecOf(buildCloudDeployment(cloud(), settings)) as unknown as { terminationGracePeriodSeconds: number; volumes: unknown[]; containers: Array<{ volumeMounts: unknown[] }> };
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.deepEqual(spec.volumes, [{ name: 'state', emptyDir: { sizeLimit: '1Gi' } }]);
    assert.deepEqual(spec.containers[0]!.volumeMounts, [{ name: 'state', mountPath: '/var/lib/dnsfleet' }]);
  });

  it('runs the pod as the restricted Pod Security Standard asks, with no capability (ADR 0016)', () => {
    // e2e/pod-security.test.ts has a real API server judge these; here they are pinned for both roles.
    const control = buildControlDeployment({ namespace: 'dns', pods: settings, allowTransfer: [] });
    for (const d of [buildCloudDeployment(cloud(), settings), control]) {
      const spec = podSpecOf(d) as unknown as { securityContext: unknown; containers: Array<{ securityContext: unknown }> };
      assert.deepEqual(spec.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      assert.deepEqual(spec.containers[0]!.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
  });

  it('names, labels and owns it after the cloud, with 2 replicas unless told', () => {
    const d = buildCloudDeployment(cloud(), settings);
    assert.equal(d.metadata.name, 'dnsfleet-cloud-a');
    assert.equal(d.metadata.namespace, 'dns');
    assert.deepEqual(d.metadata.ownerReferences, [{ apiVersion: 'dnsfleet.io/v1alpha1', kind: 'NameserverCloud', name: 'cloud-a', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    assert.equal(d.spec.replicas, 2);
    assert.equal(buildCloudDeployment(cloud({ replicas: 5 }), settings).spec.replicas, 5);
    assert.deepEqual((d.spec.selector as { matchLabels: unknown }).matchLabels, { 'app.kubernetes.io/name': 'dnsfleet', 'app.kubernetes.io/component': 'cloud', 'dnsfleet.io/cloud': 'cloud-a' });
  });

  it('never takes capacity away during a rollout', () => {
    assert.deepEqual(buildCloudDeployment(cloud(), settings).spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  it('carries placement and resources into the pod spec', () => {
    const d = buildCloudDeployment(cloud({ placement: { nodeSelector: { edge: 'true' }, tolerations: [{ key: 'dns', operator: 'Exists' }] }, resources: { limits: { memory: '1Gi' } } }), settings);
    const spec = podSpecOf(d);
    assert.deepEqual(spec.nodeSelector, { edge: 'true' });
    assert.deepEqual(spec.tolerations, [{ key: 'dns', operator: 'Exists' }]);
    assert.deepEqual(spec.containers[0]!.resources, { limits: { memory: '1Gi' } });
  });

  it('refuses a cloud without a uid: an owner reference needs one', () => {
    assert.throws(() => buildCloudDeployment(cloud({}, { uid: undefined }), settings), /has no uid/);
  });
});

describe('buildCloudService', () => {
  it('asks a LoadBalancer for the one anycast address and keeps client addresses', () => {
    const s = buildCloudService(cloud({ addresses: { ipv4: ['198.51.100.53'] }, service: { annotations: { 'metallb.io/address-pool': 'anycast' } } }));
    assert.equal(s.spec.type, 'LoadBalancer');
    assert.equal(s.spec.loadBalancerIP, '198.51.100.53');
    assert.equal(s.spec.externalTrafficPolicy, 'Local');
    assert.deepEqual(s.metadata.annotations, { 'metallb.io/address-pool': 'anycast' });
    assert.deepEqual(s.spec.ports, [
      { name: 'dns-udp', port: 53, targetPort: 'dns-udp', protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, targetPort: 'dns-tcp', protocol: 'TCP' },
    ]);
  });

  it('sets every address as externalIPs on a ClusterIP Service, dual-stack when both families are there', () => {
    const s = buildCloudService(cloud({ addresses: { ipv4: ['198.51.100.53'], ipv6: ['2001:db8::53'] }, service: { type: 'ClusterIP' } }));
    assert.deepEqual(s.spec.externalIPs, ['198.51.100.53', '2001:db8::53']);
    assert.equal(s.spec.ipFamilyPolicy, 'PreferDualStack');
    assert.equal(s.spec.ipFamilies, undefined, 'a single-stack cluster refuses named families');
    assert.equal(s.spec.loadBalancerIP, undefined);
    assert.equal(s.spec.externalTrafficPolicy, undefined, 'only for LoadBalancer and NodePort');
  });

  it('leaves the address to the load balancer\'s annotations when there are several', () => {
    const s = buildCloudService(cloud({ addresses: { ipv4: ['198.51.100.53', '198.51.100.54'] } }));
    assert.equal(s.spec.loadBalancerIP, undefined);
  });
});

describe('buildCloudDisruptionBudget', () => {
  it('lets drains take one pod of the cloud at a time', () => {
    const pdb = buildCloudDisruptionBudget(cloud());
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.deepEqual((pdb.spec.selector as { matchLabels: Record<string, string> }).matchLabels['dnsfleet.io/cloud'], 'cloud-a');
  });
});

describe('olderWithSameName', () => {
  const at = (ns: string, t: string) => cloud({}, { namespace: ns, creationTimestamp: t });
  it('names the clouds elsewhere that had the name first', () => {
    const mine = at('b', '2026-11-24T10:00:00Z');
    assert.deepEqual(olderWithSameName(mine, [mine, at('a', '2026-11-24T09:00:00Z'), at('c', '2026-11-24T11:00:00Z')]), ['a/cloud-a']);
  });
  it('breaks a tie by namespace, so exactly one of two keeps the name', () => {
    const a = at('a', '2026-11-24T10:00:00Z');
    const b = at('b', '2026-11-24T10:00:00Z');
    assert.deepEqual(olderWithSameName(a, [a, b]), []);
    assert.deepEqual(olderWithSameName(b, [a, b]), ['a/cloud-a']);
  });
});

describe('control server objects', () => {
  const s = { namespace: 'dnsfleet-system', pods: settings, allowTransfer: ['192.0.2.0/24', '2001:db8::/32'] };

  it('runs one `dnsfleet dataplane --role control` with the transfer allow-list, replaced not rolled', () => {
    const d = buildControlDeployment(s);
    const c = podSpecOf(d).containers[0]!;
    assert.deepEqual(c.args.slice(0, 7), ['dataplane', '--role', 'control', '--allow-transfer', '192.0.2.0/24', '--allow-transfer', '2001:db8::/32']);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
    assert.deepEqual(d.metadata.ownerReferences, []);
  });

  it('gives the Service the control server\'s addresses', () => {
    const svc = buildControlService({ ...s, addresses: ['198.51.100.10'] });
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.externalIPs, ['198.51.100.10']);
  });
});
