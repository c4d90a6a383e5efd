import { strict as assert } from 'node:assert';
import { bearerToken, hashToken, TokenTable } from './tokens';

describe('api tokens', () => {
  const entry = (namespace: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ namespace, ...extra });

  it('hashes a token to the SHA-256 hex that keys its Secret entry', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('finds the tenant of a token, with its quota and rate, and no tenant for an unknown token', () => {
    const { table, problems } = TokenTable.fromSecretData({
      [hashToken('token-a')]: entry('tenant-a', { quota: { zones: 2, records: 10 }, rateLimit: 5 }),
      [hashToken('token-b')]: entry('tenant-b'),
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(table.lookup('token-a'), { namespace: 'tenant-a', tokenId: hashToken('token-a').slice(0, 12), quota: { zones: 2, records: 10 }, rateLimit: 5 });
    assert.equal(table.lookup('token-b')?.namespace, 'tenant-b');
    assert.equal(table.lookup('token-c'), undefined);
    assert.equal(table.lookup(''), undefined);
  });

  it('leaves out bad entries, each with why, and keeps the good ones', () => {
    const { table, problems } = TokenTable.fromSecretData({
      'not-a-hash': entry('x'),
      [hashToken('1')]: 'not json',
      [hashToken('2')]: entry('Bad_Namespace'),
      [hashToken('3')]: entry('ok', { quota: { zones: -1 } }),
      [hashToken('4')]: entry('ok', { quota: { domains: 1 } }),
      [hashToken('5')]: entry('ok', { rateLimit: 0 }),
      [hashToken('6')]: entry('good'),
    });
    assert.equal(table.size, 1);
    assert.equal(table.lookup('6')?.namespace, 'good');
    assert.equal(problems.length, 6);
    assert.match(problems.join('\n'), /not a SHA-256/);
    assert.match(problems.join('\n'), /not JSON/);
    assert.match(problems.join('\n'), /"namespace" must be a namespace name/);
    assert.match(problems.join('\n'), /"quota.zones" must be a whole number/);
    assert.match(problems.join('\n'), /"quota.domains": unknown limit/);
    assert.match(problems.join('\n'), /"rateLimit" must be/);
  });

  it('reads the token of an Authorization: Bearer header only', () => {
    assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(bearerToken('bearer  abc'), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer '), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
