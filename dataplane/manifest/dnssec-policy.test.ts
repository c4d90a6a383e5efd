import assert from 'node:assert/strict';
import { lifecycleTimings, signingPolicy } from './dnssec-policy';

describe('lifecycleTimings: a DNSSECPolicy spec in seconds and numbers', () => {
  it('fills in the defaults of the API type for spec: {}', () => {
    assert.deepEqual(lifecycleTimings({}), {
      algorithm: 13,
      strategy: 'KSK+ZSK',
      zskLifetime: 720 * 3600,
      dnskeyTTL: 3600,
      propagationDelay: 300,
      parentPropagationDelay: 3600,
      parentDSTTL: 86400,
      publishCds: true,
      digestTypes: [2],
    });
  });

  it('maps the five algorithms, CSK lifetimes, SHA-384 and the CDS switch', () => {
    const numbers = (['RSASHA256', 'RSASHA512', 'ECDSAP256SHA256', 'ECDSAP384SHA384', 'ED25519'] as const).map((algorithm) => lifecycleTimings({ algorithm })!.algorithm);
    assert.deepEqual(numbers, [8, 10, 13, 14, 15]);
    const csk = lifecycleTimings({ keys: { strategy: 'CSK', cskLifetime: '8760h' }, dsDigestTypes: ['SHA-256', 'SHA-384'], publishCDS: false, parentDSTTL: 600 })!;
    assert.deepEqual([csk.strategy, csk.cskLifetime, csk.zskLifetime, csk.digestTypes, csk.publishCds, csk.parentDSTTL], ['CSK', 8760 * 3600, undefined, [2, 4], false, 600]);
  });

  it('gives nothing for a malformed duration', () => {
    assert.equal(lifecycleTimings({ propagationDelay: '5 minutes' }), undefined);
  });
});

describe('signingPolicy: DS confirmation', () => {
  it('is Manual without parent nameservers by default', () => {
    assert.deepEqual(signingPolicy({})!.dsConfirmation, { mode: 'Manual', checkInterval: 3600 });
  });

  it('carries the parent nameservers of mode Parent, port 53 when left out', () => {
    const policy = signingPolicy({ dsConfirmation: { mode: 'Parent', checkInterval: '10m', parentNameservers: [{ address: '127.0.0.1', port: 5353 }, { address: '::1' }] } })!;
    assert.deepEqual(policy.dsConfirmation, {
      mode: 'Parent',
      checkInterval: 600,
      parentNameservers: [
        { address: '127.0.0.1', port: 5353 },
        { address: '::1', port: 53 },
      ],
    });
  });
});
