import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiRbacRules, CHART, generatedChartFiles, rbacRules } from './generate';

describe('charts/dnsfleet: the files with one source elsewhere', () => {
  const files = generatedChartFiles();
  for (const [path, content] of files) {
    it(`${path} is what \`npm run chart\` writes (run it after changing crds/, operator/rbac.yaml or api/rbac.yaml)`, () => {
      assert.ok(existsSync(join(CHART, path)), `${path} missing`);
      assert.equal(readFileSync(join(CHART, path), 'utf8'), content);
    });
  }

  it('holds no CRD that crds/ does not make', () => {
    assert.deepEqual(readdirSync(join(CHART, 'crds')).sort(), [...files.keys()].filter((p) => p.startsWith('crds/')).map((p) => p.slice(5)).sort());
  });

  it('carries both roles of operator/rbac.yaml as named templates', () => {
    const text = rbacRules('kind: ClusterRole\nrules:\n  - { apiGroups: [a], resources: [b], verbs: [get] }\n---\nkind: Role\nrules:\n  - { apiGroups: [c], resources: [d], verbs: [list] }\n');
    assert.match(text, /define "dnsfleet.operatorClusterRules" }}\n- apiGroups:\n {4}- a\n/);
    assert.match(text, /define "dnsfleet.leaderElectionRules" }}\n- apiGroups:\n {4}- c\n/);
    assert.throws(() => rbacRules('kind: ClusterRole\nrules: []\n'), /has no Role/);
  });

  it('carries both roles of api/rbac.yaml as named templates, the Secret rule with its resourceNames', () => {
    const text = apiRbacRules('kind: ClusterRole\nrules:\n  - { apiGroups: [a], resources: [b], verbs: [get] }\n---\nkind: Role\nrules:\n  - { apiGroups: [""], resources: [secrets], resourceNames: [t], verbs: [get] }\n');
    assert.match(text, /from api\/rbac.yaml: do not edit/);
    assert.match(text, /define "dnsfleet.apiClusterRules" }}\n- apiGroups:\n {4}- a\n/);
    assert.match(text, /define "dnsfleet.apiTokenSecretRules" }}\n- apiGroups:\n {4}- ""\n {2}resources:\n {4}- secrets\n {2}resourceNames:\n {4}- t\n/);
    assert.throws(() => apiRbacRules('kind: Role\nrules: []\n'), /api\/rbac.yaml has no ClusterRole/);
  });
});
