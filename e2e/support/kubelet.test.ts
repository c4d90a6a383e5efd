import { strict as assert } from 'node:assert';
import { expandKubernetesVars } from './kubelet';

describe('expandKubernetesVars (the test kubelet)', () => {
  const env = new Map([['POD_IPS', '127.1.2.3'], ['A', 'x']]);
  it('expands defined $(VAR) references', () => {
    assert.equal(expandKubernetesVars('--listen-ips=$(POD_IPS)', env), '--listen-ips=127.1.2.3');
  });
  it('keeps unknown references and unescapes $$', () => {
    assert.equal(expandKubernetesVars('$(NOPE) $$(A) $(A)', env), '$(NOPE) $(A) x');
  });
});
