import { strict as assert } from 'node:assert';
import type { NameserverCloud } from '../crds/v1alpha1/nameservercloud';
import { buildCloudDeployment, type PodSettings } from '../operator/cloud/cloud-objects';
import { buildControlDeployment } from '../operator/control/control-objects';
import type { OwnedObject } from '../operator/kube/owned-object';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { stopAll } from '../dataplane/testkit/processes';

/**
 * The pods the operator asks for pass the restricted Pod Security Standard, as the API server's
 * PodSecurity admission judges it (not as we read the standard): in a namespace labelled
 * `pod-security.kubernetes.io/enforce=restricted`, each Deployment's pod template, created as a
 * Pod with `--dry-run=server`, is admitted; the same template made non-compliant in one way at a
 * time is refused, naming the check it fails. PodSecurity enforces on Pods only (a Deployment is
 * only warned about), so the Deployments themselves are applied with `warn=restricted` and must
 * draw no warning. Port 53 inside a pod (ADR 0016) stays possible within the standard: the
 * `net.ipv4.ip_unprivileged_port_start` sysctl is admitted.
 */

const NAMESPACE = 'restricted-pods';
const settings: PodSettings = { image: 'docker.io/library/dnsfleet:dev', redisUrl: 'redis://redis.dnsfleet-system:6379' };
const cloud: NameserverCloud = {
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'NameserverCloud',
  metadata: { name: 'cloud-a', namespace: NAMESPACE, uid: '00000000-0000-4000-8000-000000000001' },
  spec: { nameservers: ['ns1.example.net.'], resources: { limits: { memory: '512Mi' } }, placement: { nodeSelector: { 'kubernetes.io/os': 'linux' } } },
};

type PodSpec = { securityContext: Record<string, unknown>; containers: Array<{ name: string; securityContext: Record<string, unknown> }>; volumes: Array<Record<string, unknown>> };

/** The operator's Deployments, as it builds them (the owner reference is dropped: there is no NameserverCloud here to own them). */
function operatorDeployments(): OwnedObject[] {
  const control = buildControlDeployment({ namespace: NAMESPACE, pods: settings, allowTransfer: ['10.0.0.0/8'] });
  return [buildCloudDeployment(cloud, settings), control].map((d) => ({ ...d, metadata: { ...d.metadata, ownerReferences: [] } }));
}

function podSpecOf(deployment: OwnedObject): PodSpec {
  return structuredClone((deployment.spec.template as { spec: PodSpec }).spec);
}

function podOf(name: string, spec: PodSpec): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NAMESPACE }, spec });
}

/** One way at a time to leave the restricted standard, and the check the API server names. */
const NON_COMPLIANT: ReadonlyArray<{ what: string; check: string; change: (spec: PodSpec) => void }> = [
  { what: 'privilege escalation allowed', check: 'allowPrivilegeEscalation != false', change: (s) => { delete s.containers[0]!.securityContext.allowPrivilegeEscalation; } },
  { what: 'capabilities not dropped', check: 'unrestricted capabilities', change: (s) => { delete s.containers[0]!.securityContext.capabilities; } },
  { what: 'a capability beyond NET_BIND_SERVICE', check: 'unrestricted capabilities', change: (s) => { s.containers[0]!.securityContext.capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] }; } },
  { what: 'root allowed', check: 'runAsNonRoot != true', change: (s) => { delete s.securityContext.runAsNonRoot; } },
  { what: 'uid 0', check: 'runAsUser=0', change: (s) => { s.securityContext.runAsUser = 0; } },
  { what: 'no seccomp profile', check: 'seccompProfile', change: (s) => { delete s.securityContext.seccompProfile; } },
  { what: 'a hostPath volume for the snapshot', check: 'restricted volume types', change: (s) => { s.volumes = [{ name: 'state', hostPath: { path: '/var/lib/dnsfleet' } }]; } },
  { what: 'an unsafe sysctl', check: 'forbidden sysctls', change: (s) => { s.securityContext.sysctls = [{ name: 'net.core.somaxconn', value: '4096' }]; } },
];

describe('pod templates under the restricted Pod Security Standard @integration', function () {
  this.timeout(300_000);
  let cp: ControlPlane;

  const dryRunPod = (name: string, spec: PodSpec) => cp.kubectl(['create', '--dry-run=server', '-f', '-'], podOf(name, spec));

  before(async () => {
    cp = await startControlPlane();
    const ns = await cp.kubectl(['create', 'namespace', NAMESPACE]);
    assert.equal(ns.code, 0, ns.stderr);
    const label = await cp.kubectl(['label', 'namespace', NAMESPACE, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
    assert.equal(label.code, 0, label.stderr);
    // No controller-manager here makes the namespace's default ServiceAccount, which pods need to be admitted.
    const sa = await cp.kubectl(['create', 'serviceaccount', 'default', '-n', NAMESPACE]);
    assert.equal(sa.code, 0, sa.stderr);
  });
  after(async () => {
    await cp?.stop();
    await stopAll();
  });

  it('admits the pods of a cloud and of the control server as the operator templates them', async () => {
    for (const d of operatorDeployments()) {
      const created = await dryRunPod(`${d.metadata.name}-pod`, podSpecOf(d));
      assert.equal(created.code, 0, `${d.metadata.name}: ${created.stderr}`);
      assert.match(created.stdout, /created \(server dry run\)/);
      assert.doesNotMatch(created.stderr, /PodSecurity/, created.stderr);
    }
  });

  it('applies the Deployments themselves without a PodSecurity warning', async () => {
    for (const d of operatorDeployments()) {
      const applied = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(d));
      assert.equal(applied.code, 0, applied.stderr);
      assert.doesNotMatch(applied.stderr, /would violate PodSecurity/, `${d.metadata.name}: ${applied.stderr}`);
    }
  });

  it('warns about a non-compliant Deployment (the warn label is read) and refuses its pod', async () => {
    const d = operatorDeployments()[0]!;
    const spec = podSpecOf(d);
    delete spec.containers[0]!.securityContext.allowPrivilegeEscalation;
    const broken = { ...d, spec: { ...d.spec, template: { ...(d.spec.template as object), spec } } };
    const applied = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(broken));
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stderr, /would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
  });

  for (const { what, check, change } of NON_COMPLIANT) {
    it(`refuses the cloud's pod with ${what} (${check})`, async () => {
      const spec = podSpecOf(operatorDeployments()[0]!);
      change(spec);
      const created = await dryRunPod('non-compliant', spec);
      assert.notEqual(created.code, 0, `admitted: ${created.stdout}`);
      assert.match(created.stderr, /violates PodSecurity "restricted:latest"/, created.stderr);
      assert.ok(created.stderr.includes(check), `expected "${check}" in: ${created.stderr}`);
    });
  }

  it('admits port 53 inside the pod by the unprivileged-port sysctl (ADR 0016), and by NET_BIND_SERVICE', async () => {
    const withSysctl = podSpecOf(operatorDeployments()[0]!);
    withSysctl.securityContext.sysctls = [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '53' }];
    const sysctl = await dryRunPod('port-53-sysctl', withSysctl);
    assert.equal(sysctl.code, 0, sysctl.stderr);
    // The alternative ADR 0016 turns down: the standard allows it, the image would need a file capability.
    const withCapability = podSpecOf(operatorDeployments()[0]!);
    withCapability.containers[0]!.securityContext.capabilities = { drop: ['ALL'], add: ['NET_BIND_SERVICE'] };
    const capability = await dryRunPod('port-53-capability', withCapability);
    assert.equal(capability.code, 0, capability.stderr);
  });
});
