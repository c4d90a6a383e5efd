import { strict as assert } from 'node:assert';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApi } from './app';
import { MemoryTenantStore } from './memory-store.fixtures';
import { checkResponse } from './openapi-check.fixtures';
import { hashToken, TOKEN_SECRET } from './tokens';

/** The HTTP layer over a store in memory: every answer checked against api/openapi.json. */
describe('api HTTP layer (memory store)', () => {
  let store: MemoryTenantStore;
  let server: Server;
  let base: string;

  const call = async (method: string, path: string, token: string | undefined, body?: unknown, raw?: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${base}${path}`, { method, headers, ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const parsed = (await res.json()) as Record<string, unknown>;
    checkResponse(method, path, res.status, parsed);
    return { status: res.status, body: parsed, headers: res.headers };
  };

  beforeEach(async () => {
    store = new MemoryTenantStore();
    store.secrets.set(`api-ns/${TOKEN_SECRET}`, {
      [hashToken('token-a')]: JSON.stringify({ namespace: 'tenant-a', quota: { zones: 1, records: 3 } }),
      [hashToken('token-b')]: JSON.stringify({ namespace: 'tenant-b' }),
      [hashToken('token-slow')]: JSON.stringify({ namespace: 'tenant-b', rateLimit: 2 }),
    });
    server = createApi({ store, namespace: 'api-ns', bodyLimitBytes: 2048, lockout: { maxFailures: 3 } }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('adds a master zone, patches and reads its RRsets, and keeps the quota', async () => {
    const add = await call('POST', '/api/v2/zones', 'token-a', { domain: 'example.com', type: 'master' });
    assert.equal(add.status, 201);
    assert.equal(add.body.status, 'ok');
    assert.equal(add.headers.get('x-ratelimit-limit'), '1500');
    assert.equal(add.headers.get('x-ratelimit-remaining'), '1499');
    const patch = await call('PATCH', '/api/v2/zones/example.com/rrsets', 'token-a', [{ name: 'www.example.com.', type: 'A', ttl: 60, changetype: 'add', records: [{ content: '192.0.2.1' }, { content: '192.0.2.2', disabled: true }] }]);
    assert.equal(patch.status, 200, JSON.stringify(patch.body));
    const rrsets = await call('GET', '/api/v2/zones/example.com/rrsets', 'token-a');
    assert.deepEqual(rrsets.body.data, [{ name: 'www.example.com.', type: 'A', ttl: 60, records: [{ content: '192.0.2.1', disabled: false }, { content: '192.0.2.2', disabled: true }] }]);
    const quota = await call('GET', '/api/v2/quota', 'token-a');
    assert.deepEqual(quota.body, { quotaLimits: { zones: 1, secondaryZones: null, records: 3 }, quotaUsage: { zones: 1, secondaryZones: 0, records: 2 } });
    const writes = store.writes;
    const over = await call('POST', '/api/v2/zones', 'token-a', { domain: 'example.net', type: 'master' });
    assert.deepEqual([over.status, over.body.message], [403, 'quota exceeded: this would make 2 primary zones, the limit is 1 (1 in use); nothing was changed']);
    const tooMany = await call('PATCH', '/api/v2/zones/example.com/rrsets', 'token-a', [{ name: 'mail.example.com.', type: 'A', changetype: 'add', records: [{ content: '192.0.2.3' }, { content: '192.0.2.4' }] }]);
    assert.deepEqual([tooMany.status, tooMany.body.message], [403, 'quota exceeded: this would make 4 records, the limit is 3 (2 in use); nothing was changed']);
    assert.equal(store.writes, writes);
  });

  it('keeps tenants apart: another tenant\'s zone is not found and cannot be changed', async () => {
    await call('POST', '/api/v2/zones', 'token-a', { domain: 'example.com', type: 'master' });
    const get = await call('GET', '/api/v2/zones/example.com', 'token-b');
    assert.deepEqual([get.status, get.body], [404, { status: 'failed', message: 'zone example.com not found' }]);
    const del = await call('DELETE', '/api/v2/zones/example.com', 'token-b');
    assert.equal(del.status, 404);
    assert.equal((await call('GET', '/api/v2/zones', 'token-b')).body.total, 0);
    assert.equal((await call('GET', '/api/v2/zones/example.com', 'token-a')).status, 200);
  });

  it('answers 401 without a valid token and 429 after 3 failures from the address (lockout of this test)', async () => {
    const none = await call('GET', '/api/v2/zones', undefined);
    assert.deepEqual([none.status, none.body.message], [401, 'unauthorized: send the header "Authorization: Bearer <token>"']);
    const wrong = await call('GET', '/api/v2/zones', 'nope');
    assert.deepEqual([wrong.status, wrong.body.message], [401, 'unauthorized: the token is not valid']);
    assert.equal((await call('GET', '/api/v2/zones', 'nope')).status, 401);
    const locked = await call('GET', '/api/v2/zones', 'token-a');
    assert.equal(locked.status, 429);
    assert.match(String(locked.body.message), /^too many failed authentications from this address: refused until /);
    assert.ok(Number(locked.headers.get('retry-after')) > 500);
  });

  it('limits a token\'s rate with the X-RateLimit headers', async () => {
    assert.equal((await call('GET', '/api/v2/zones', 'token-slow')).headers.get('x-ratelimit-remaining'), '1');
    assert.equal((await call('GET', '/api/v2/zones', 'token-slow')).headers.get('x-ratelimit-remaining'), '0');
    const refused = await call('GET', '/api/v2/zones', 'token-slow');
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('x-ratelimit-limit'), '2');
    assert.ok(Number(refused.headers.get('x-ratelimit-reset')) > Date.now() / 1000);
  });

  it('refuses bad input with a precise message and changes nothing', async () => {
    await call('POST', '/api/v2/zones', 'token-b', { domain: 'example.org', type: 'master' });
    const writes = store.writes;
    const cases: Array<[string, string, unknown, number, string | RegExp, string?]> = [
      ['POST', '/api/v2/zones', { domain: 'bad domain.com', type: 'master' }, 400, /^invalid zone name "bad domain.com"/],
      ['GET', '/api/v2/zones/bad_zone!', undefined, 400, /^invalid zone name "bad_zone!"/],
      ['PATCH', '/api/v2/zones/example.org/rrsets', [{ name: 'www.example.org.', type: 'A', changetype: 'upsert', records: [{ content: '192.0.2.1' }] }], 400, 'change 1 (www.example.org. A): unknown changetype "upsert": expected add, update or delete'],
      ['PATCH', '/api/v2/zones/example.org/rrsets', [{ name: 'www.example.org.', type: 'CNAME', changetype: 'add', records: [{ content: 'a.example.net.' }, { content: 'b.example.net.' }] }], 422, /^the zone example.org would be refused: .*CNAME/],
      ['PATCH', '/api/v2/zones/example.org/rrsets', undefined, 413, 'the request body is larger than 2048 bytes', JSON.stringify([{ name: 'www.example.org.', type: 'TXT', changetype: 'add', records: [{ content: `"${'x'.repeat(3000)}"` }] }])],
      ['PATCH', '/api/v2/zones/example.org/rrsets', undefined, 400, /^the request body is not valid JSON/, '[{"name": '],
    ];
    for (const [method, path, body, status, message, raw] of cases) {
      const res = await call(method, path, 'token-b', body, raw);
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
      if (typeof message === 'string') assert.equal(res.body.message, message);
      else assert.match(String(res.body.message), message);
    }
    assert.equal(store.writes, writes);
  });
});
