import { strict as assert } from 'node:assert';
import { startControlPlane, type ControlPlane } from './support/control-plane';
import { installCrds } from './support/fleet';
import { stopAll } from '../dataplane/testkit/processes';
import { runApi, type RunningApi } from '../api/run';
import { checkResponse } from '../api/openapi-check.fixtures';
import { hashToken, TOKEN_SECRET } from '../api/tokens';
import type { Logger } from '../dataplane/log/log';

/**
 * The REST API (`dnsfleet api`, issue #16) against a real kube-apiserver, driven with plain HTTP:
 * - a master zone added and its RRsets patched are a Zone that kubectl shows, disabled records in
 *   the annotation and not in spec.rrsets;
 * - a slave zone with masters is a SecondaryZone; PUT changes its primaries;
 * - tenant B gets 404 for tenant A's zone and cannot change or delete it;
 * - quota exceeded: 403, nothing created;
 * - bad input (zone name, changetype, RRset the zone model refuses, oversized body): a 4xx with
 *   a precise message, and the objects unchanged;
 * - X-RateLimit headers and 429 with X-RateLimit-Reset; 401, then the 429 lockout of the address;
 * - phase 2: sign/unsign/keyrollover/dsupdate and ScaiDNS's /dnssec write spec.dnssecPolicy, a
 *   DNSSECPolicy and the annotations the operator acts on; messages derived from the status and
 *   their acknowledgements kept on the Zone; retrieve and IONOS's /secondaryzones; the
 *   problematic-zones report. The operator does not run here: the status it would write is set
 *   with a status patch (`kubectl patch --subresource=status`), and the test checks what the API
 *   wrote for it to act on;
 * - every response checked against api/openapi.json.
 */

const silent: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('REST API against a real API server @integration', function () {
  this.timeout(300_000);
  let cp: ControlPlane;
  let api: RunningApi;
  let base: string;

  const call = async (method: string, path: string, token: string | undefined, body?: unknown, raw?: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${base}${path}`, { method, headers, ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const parsed = (await res.json()) as Record<string, unknown>;
    checkResponse(method, path, res.status, parsed);
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const kubectlJson = async (args: string[]): Promise<Record<string, any>> => {
    const out = await cp.kubectl([...args, '-o', 'json']);
    assert.equal(out.code, 0, out.stderr);
    return JSON.parse(out.stdout) as Record<string, any>;
  };
  const count = async (kind: string, namespace: string): Promise<number> => ((await kubectlJson(['get', kind, '-n', namespace])).items as unknown[]).length;

  /** Writes the status the operator would (it does not run in this test). */
  const operatorWrites = async (kind: string, name: string, namespace: string, status: unknown): Promise<void> => {
    const out = await cp.kubectl(['patch', kind, name, '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    assert.equal(out.code, 0, out.stderr);
  };

  before(async () => {
    cp = await startControlPlane();
    await installCrds(cp);
    for (const ns of ['dnsfleet-system', 'tenant-a', 'tenant-b']) {
      const out = await cp.kubectl(['create', 'namespace', ns]);
      assert.equal(out.code, 0, out.stderr);
    }
    // Only hashes in the Secret (docs/rest-api.md); tenant B has a quota of one zone and a slow rate token.
    const secret = await cp.kubectl([
      'create', 'secret', 'generic', TOKEN_SECRET, '-n', 'dnsfleet-system',
      `--from-literal=${hashToken('token-a')}={"namespace":"tenant-a","quota":{"records":4}}`,
      `--from-literal=${hashToken('token-b')}={"namespace":"tenant-b","quota":{"zones":1,"secondaryZones":1}}`,
      `--from-literal=${hashToken('token-slow')}={"namespace":"tenant-b","rateLimit":3}`,
    ]);
    assert.equal(secret.code, 0, secret.stderr);
    api = await runApi({ listen: { host: '127.0.0.1', port: 0 }, kubeconfig: cp.kubeconfig, namespace: 'dnsfleet-system', tokenRefreshMs: 0, bodyLimitBytes: 64 * 1024, log: silent });
    base = `http://127.0.0.1:${api.address.port}`;
  });
  after(async () => {
    await api?.stop();
    await cp?.stop();
    await stopAll();
  });

  it('adds a master zone and its RRsets: a Zone kubectl shows, disabled records kept but not served', async () => {
    const add = await call('POST', '/api/v2/zones', 'token-a', { domain: 'example.com', type: 'master' });
    assert.deepEqual([add.status, add.body], [201, { status: 'ok', message: 'Zone example.com successfully added (Zone tenant-a/example.com)' }]);
    const patch = await call('PATCH', '/api/v2/zones/example.com/rrsets', 'token-a', [
      { name: 'example.com.', type: 'NS', ttl: 3600, changetype: 'add', records: [{ content: 'ns1.example.net.' }] },
      { name: 'www.example.com.', type: 'A', ttl: 300, changetype: 'add', records: [{ content: '192.0.2.1' }, { content: '192.0.2.2', disabled: true }] },
    ]);
    assert.deepEqual([patch.status, patch.body.status], [200, 'ok']);
    const zone = await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a']);
    assert.deepEqual(zone.spec, { zoneName: 'example.com', rrsets: [{ name: '@', type: 'NS', ttl: 3600, records: ['ns1.example.net.'] }, { name: 'www', type: 'A', ttl: 300, records: ['192.0.2.1'] }] });
    assert.deepEqual(JSON.parse(zone.metadata.annotations['dnsfleet.io/disabled-records'] as string), [{ name: 'www.example.com.', type: 'A', ttl: 300, content: '192.0.2.2' }]);
    const rrsets = await call('GET', '/api/v2/zones/example.com/rrsets', 'token-a');
    assert.deepEqual(rrsets.body.data, [
      { name: 'example.com.', type: 'NS', ttl: 3600, records: [{ content: 'ns1.example.net.', disabled: false }] },
      { name: 'www.example.com.', type: 'A', ttl: 300, records: [{ content: '192.0.2.1', disabled: false }, { content: '192.0.2.2', disabled: true }] },
    ]);
    // Enabling the record again: update replaces the RRset; the annotation goes.
    await call('PATCH', '/api/v2/zones/example.com/rrsets', 'token-a', [{ name: 'www.example.com.', type: 'A', changetype: 'update', records: [{ content: '192.0.2.1' }, { content: '192.0.2.2' }] }]);
    const after = await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a']);
    assert.deepEqual(after.spec.rrsets[1], { name: 'www', type: 'A', ttl: 300, records: ['192.0.2.1', '192.0.2.2'] });
    assert.equal(after.metadata.annotations?.['dnsfleet.io/disabled-records'], undefined);
    const got = await call('GET', '/api/v2/zones/example.com', 'token-a');
    assert.deepEqual([got.body.domain, got.body.type, got.body.id], ['example.com', 'MASTER', 'example.com']);
  });

  it('adds a slave zone with masters as a SecondaryZone, and PUT changes its masters', async () => {
    const add = await call('POST', '/api/v2/zones', 'token-b', { domain: 'example.org', type: 'slave', masters: ['192.0.2.53', '[2001:db8::53]:5353'] });
    assert.equal(add.status, 201, JSON.stringify(add.body));
    const sz = await kubectlJson(['get', 'szone', 'example.org', '-n', 'tenant-b']);
    assert.deepEqual(sz.spec.primaries, [{ address: '192.0.2.53', port: 53 }, { address: '2001:db8::53', port: 5353 }]);
    const put = await call('PUT', '/api/v2/zones/example.org', 'token-b', { masters: ['192.0.2.54'] });
    assert.deepEqual([put.status, put.body.status], [200, 'ok']);
    assert.deepEqual((await kubectlJson(['get', 'szone', 'example.org', '-n', 'tenant-b'])).spec.primaries, [{ address: '192.0.2.54', port: 53 }]);
    const list = await call('GET', '/api/v2/zones', 'token-b');
    assert.deepEqual([list.body.total, (list.body.data as Array<{ domain: string; type: string; masters: string[] }>).map((z) => [z.domain, z.type, z.masters])], [1, [['example.org', 'SLAVE', ['192.0.2.54']]]]);
    const rrsets = await call('GET', '/api/v2/zones/example.org/rrsets', 'token-b');
    assert.deepEqual([rrsets.status, rrsets.body.message], [400, 'zone example.org is a slave zone: its records come from its masters by zone transfer and are not kept or changed here']);
  });

  it('keeps tenants apart: B gets 404 for A\'s zone and cannot change or delete it', async () => {
    const before = await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a']);
    for (const [method, path, body] of [
      ['GET', '/api/v2/zones/example.com', undefined],
      ['GET', '/api/v2/zones/example.com/rrsets', undefined],
      ['PATCH', '/api/v2/zones/example.com/rrsets', [{ name: 'evil.example.com.', type: 'A', changetype: 'add', records: [{ content: '192.0.2.66' }] }]],
      ['PUT', '/api/v2/zones/example.com', { masters: ['192.0.2.66'] }],
      ['DELETE', '/api/v2/zones/example.com', undefined],
    ] as const) {
      const res = await call(method, path, 'token-b', body);
      assert.deepEqual([res.status, res.body], [404, { status: 'failed', message: 'zone example.com not found' }], `${method} ${path}`);
    }
    const list = await call('GET', '/api/v2/zones', 'token-b');
    assert.ok(!(list.body.data as Array<{ domain: string }>).some((z) => z.domain === 'example.com'));
    const after = await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a']);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('refuses what exceeds the quota with 403 and creates nothing', async () => {
    const quota = await call('GET', '/api/v2/quota', 'token-b');
    assert.deepEqual(quota.body, { quotaLimits: { zones: 1, secondaryZones: 1, records: null }, quotaUsage: { zones: 0, secondaryZones: 1, records: 0 } });
    const slave = await call('POST', '/api/v2/zones', 'token-b', { domain: 'example.net', type: 'slave', masters: ['192.0.2.1'] });
    assert.deepEqual([slave.status, slave.body.message], [403, 'quota exceeded: this would make 2 secondary zones, the limit is 1 (1 in use); nothing was changed']);
    assert.equal(await count('szone', 'tenant-b'), 1);
    // Tenant A: 4 records, 3 in use.
    const records = await call('PATCH', '/api/v2/zones/example.com/rrsets', 'token-a', [{ name: 'mail.example.com.', type: 'A', changetype: 'add', records: [{ content: '192.0.2.25' }, { content: '192.0.2.26' }] }]);
    assert.deepEqual([records.status, records.body.message], [403, 'quota exceeded: this would make 5 records, the limit is 4 (3 in use); nothing was changed']);
    assert.equal((await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a'])).spec.rrsets.length, 2);
  });

  it('refuses bad input with a 4xx and a precise message, and changes nothing', async () => {
    const before = await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a']);
    const zonesBefore = await count('zone', 'tenant-a');
    const cases: Array<[string, string, unknown, number, string | RegExp, string?]> = [
      ['POST', '/api/v2/zones', { domain: 'exa mple.com', type: 'master' }, 400, 'invalid zone name "exa mple.com": only letters, digits, "-" and "_" in labels of 1 to 63 characters, separated by single dots'],
      ['POST', '/api/v2/zones', { domain: 'com', type: 'master' }, 400, 'invalid zone name "com": a zone name needs at least two labels'],
      ['POST', '/api/v2/zones', { domain: 'example.com', type: 'master' }, 409, 'zone example.com exists already'],
      ['POST', '/api/v2/zones', { domain: 'example.info', type: 'slave', masters: ['ns1.example.net'] }, 400, 'masters[0]: "ns1.example.net" is not an IPv4 or IPv6 address (with an optional :port)'],
      ['PATCH', '/api/v2/zones/example.com/rrsets', [{ name: 'www.example.com.', type: 'A', changetype: 'replace', records: [{ content: '192.0.2.9' }] }], 400, 'change 1 (www.example.com. A): unknown changetype "replace": expected add, update or delete'],
      ['PATCH', '/api/v2/zones/example.com/rrsets', [{ name: 'www.example.com.', type: 'CNAME', changetype: 'add', records: [{ content: 'example.net.' }] }], 422, /^the zone example.com would be refused: .*www\.example\.com\..*CNAME.*; nothing was changed$/],
      ['PATCH', '/api/v2/zones/example.com/rrsets', [{ name: 'ftp.example.com.', type: 'A', changetype: 'add', records: [{ content: '192.0.2.300' }] }], 422, /^the zone example.com would be refused: RRset ftp.example.com. A record "192.0.2.300": /],
      ['PATCH', '/api/v2/zones/example.com/rrsets', [{ name: 'www.example.com.', type: 'A', changetype: 'add', records: [{ content: '192.0.2.9' }] }], 409, 'RRset www.example.com. A exists already: use changetype "update" to replace it; nothing was changed'],
      ['PATCH', '/api/v2/zones/example.com/rrsets', [{ name: 'www.example.org.', type: 'A', changetype: 'add', records: [{ content: '192.0.2.9' }] }], 400, 'change 1: name "www.example.org." is not in the zone example.com.'],
      ['PATCH', '/api/v2/zones/example.com/rrsets', undefined, 413, 'the request body is larger than 65536 bytes', JSON.stringify([{ name: 'big.example.com.', type: 'TXT', changetype: 'add', records: Array.from({ length: 1000 }, (_, i) => ({ content: `"${i}${'x'.repeat(100)}"` })) }])],
      ['GET', '/api/v2/zones/not..valid', undefined, 400, 'invalid zone name "not..valid": empty label'],
      ['GET', '/api/v2/zones?page_size=5000', undefined, 400, 'page_size must be between 1 and 1000, got 5000'],
    ];
    for (const [method, path, body, status, message, raw] of cases) {
      const res = await call(method, path, 'token-a', body, raw);
      assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.status, 'failed');
      if (typeof message === 'string') assert.equal(res.body.message, message);
      else assert.match(String(res.body.message), message);
    }
    const after = await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a']);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(await count('zone', 'tenant-a'), zonesBefore);
    assert.equal(await count('szone', 'tenant-a'), 0);
  });

  it('runs the DNSSEC workflow: sign, DSUPDATE message, ack, dsupdate, keyrollover, unsign (RcodeZero)', async () => {
    const DS = 'example.com. 86400 IN DS 17016 15 2 589E8ACB590469EF45300E1342DE17F2FEA8FF13545346AF75AB0E9CF0C623C9';
    const sign = await call('POST', '/api/v2/zones/example.com/sign', 'token-a');
    assert.equal(sign.status, 200, JSON.stringify(sign.body));
    assert.equal((await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a'])).spec.dnssecPolicy, 'api-ecdsap256sha256');
    assert.deepEqual((await kubectlJson(['get', 'dnssecpolicy', 'api-ecdsap256sha256', '-n', 'tenant-a'])).spec.algorithm, 'ECDSAP256SHA256');
    // The operator has made the keys and waits for the DS (simulated: a status patch).
    await operatorWrites('zone', 'example.com', 'tenant-a', {
      dnssec: { state: 'pending_ds', dsRecords: [DS], keys: [{ keyTag: 17016, algorithm: 'ED25519', role: 'KSK', state: 'active', ds: 'submitted', created: '2026-12-07T00:00:00Z' }] },
      conditions: [{ type: 'DNSSEC', status: 'False', reason: 'PendingDS', message: 'waiting for the DS', lastTransitionTime: '2026-12-07T00:00:00Z' }],
    });
    const message = await call('GET', '/api/v2/messages', 'token-a');
    assert.deepEqual([message.status, message.body.type, message.body.ds_records], [200, 'DSUPDATE', [DS]]);
    assert.equal((await call('GET', '/api/v2/messages', 'token-b')).status, 404);
    const ack = await call('DELETE', `/api/v2/messages/${String(message.body.id)}`, 'token-a');
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    // A restart of the API keeps the acknowledgement: it is on the Zone.
    const acked = await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a']);
    assert.deepEqual(JSON.parse(acked.metadata.annotations['dnsfleet.io/api-acknowledged-messages'] as string), [message.body.id]);
    assert.equal((await call('GET', '/api/v2/messages', 'token-a')).status, 404);
    const dsupdate = await call('POST', '/api/v2/zones/example.com/dsupdate', 'token-a');
    assert.deepEqual(dsupdate.body, { status: 'ok', message: 'Zone example.com: 1 DS record confirmed at the parent' });
    assert.equal((await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a'])).metadata.annotations['dnsfleet.io/ds-published'], DS);
    await operatorWrites('zone', 'example.com', 'tenant-a', { dnssec: { state: 'active', keys: [{ keyTag: 17016, algorithm: 'ED25519', role: 'KSK', state: 'active', ds: 'seen', created: '2026-12-07T00:00:00Z' }] } });
    assert.equal((await call('GET', '/api/v2/messages', 'token-a')).body.type, 'DSSEEN');
    assert.equal((await call('POST', '/api/v2/zones/example.com/keyrollover', 'token-a')).status, 200);
    assert.match(String((await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a'])).metadata.annotations['dnsfleet.io/rotate-ksk']), /^2\d{3}-/);
    const unsign = await call('POST', '/api/v2/zones/example.com/unsign', 'token-a');
    assert.equal(unsign.status, 200, JSON.stringify(unsign.body));
    assert.equal((await kubectlJson(['get', 'zone', 'example.com', '-n', 'tenant-a'])).spec.dnssecPolicy, undefined);
    assert.equal((await call('POST', '/api/v2/zones/example.com/unsign', 'token-a')).status, 409);
  });

  it('ScaiDNS /api/v1/domains/{domain}/dnssec: enable, state, confirm-ds-published checked against the KSK, disable', async () => {
    await call('POST', '/api/v2/zones', 'token-a', { domain: 'scai.example', type: 'master' });
    const unsupported = await call('POST', '/api/v1/domains/scai.example/dnssec/enable', 'token-a', { algorithm: 3 });
    assert.deepEqual([unsupported.status, unsupported.body.message], [400, 'algorithm 3 is not supported: use 8 (RSASHA256), 10 (RSASHA512), 13 (ECDSAP256SHA256), 14 (ECDSAP384SHA384), 15 (ED25519)']);
    assert.equal((await call('POST', '/api/v1/domains/scai.example/dnssec/enable', 'token-a', { algorithm: 15 })).status, 200);
    assert.equal((await kubectlJson(['get', 'zone', 'scai.example', '-n', 'tenant-a'])).spec.dnssecPolicy, 'api-ed25519');
    assert.equal((await call('POST', '/api/v1/domains/scai.example/dnssec/enable', 'token-a', {})).status, 409);
    const DS = 'scai.example. 3600 IN DS 4242 15 2 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF';
    await operatorWrites('zone', 'scai.example', 'tenant-a', { dnssec: { state: 'pending_ds', dsRecords: [DS], keys: [{ keyTag: 4242, algorithm: 'ED25519', role: 'CSK', state: 'active', ds: 'submitted', created: '2026-12-07T00:00:00Z' }] } });
    const state = await call('GET', '/api/v1/domains/scai.example/dnssec', 'token-a');
    assert.deepEqual([state.body.status, state.body.algorithm, state.body.ds_records], ['pending_ds', 15, [{ key_tag: 4242, algorithm: 15, digest_type: 2, digest: '00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF' }]]);
    const before = (await kubectlJson(['get', 'zone', 'scai.example', '-n', 'tenant-a'])).metadata.resourceVersion as string;
    const wrong = await call('POST', '/api/v1/domains/scai.example/dnssec/confirm-ds-published', 'token-a', { ds_records: [{ key_tag: 4243, algorithm: 15, digest_type: 2, digest: '00' }] });
    assert.deepEqual([wrong.status, wrong.body.message], [400, 'the DS records do not match the zone\'s current KSK: ds_records[0]: key tag 4243 is not 4242 (the DS wanted is for key tag 4242)']);
    assert.equal((await kubectlJson(['get', 'zone', 'scai.example', '-n', 'tenant-a'])).metadata.resourceVersion, before);
    const ok = await call('POST', '/api/v1/domains/scai.example/dnssec/confirm-ds-published', 'token-a', { ds_records: [{ key_tag: 4242, algorithm: 15, digest_type: 2, digest: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff' }] });
    assert.deepEqual(ok.body, { domain_id: 'scai.example', action: 'confirm-ds-published', message: 'DS publication confirmed' });
    assert.equal((await kubectlJson(['get', 'zone', 'scai.example', '-n', 'tenant-a'])).metadata.annotations['dnsfleet.io/ds-published'], 'scai.example. IN DS 4242 15 2 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF');
    assert.equal((await call('POST', '/api/v1/domains/scai.example/dnssec/sync', 'token-a')).status, 501);
    assert.equal((await call('POST', '/api/v1/domains/scai.example/dnssec/disable', 'token-a')).status, 200);
    assert.equal((await kubectlJson(['get', 'zone', 'scai.example', '-n', 'tenant-a'])).spec.dnssecPolicy, undefined);
    await call('DELETE', '/api/v2/zones/scai.example', 'token-a');
  });

  it('retrieve and IONOS /secondaryzones: a new dnsfleet.io/retrieve, the transfer status per primary', async () => {
    const put = await call('PUT', '/api/v2/zones/example.org/retrieve', 'token-b');
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const first = (await kubectlJson(['get', 'szone', 'example.org', '-n', 'tenant-b'])).metadata.annotations['dnsfleet.io/retrieve'] as string;
    assert.match(first, /^\d+$/);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal((await call('PUT', '/api/v2/secondaryzones/example.org/axfr', 'token-b')).status, 202);
    assert.notEqual((await kubectlJson(['get', 'szone', 'example.org', '-n', 'tenant-b'])).metadata.annotations['dnsfleet.io/retrieve'], first);
    assert.equal((await call('PUT', '/api/v2/zones/example.com/retrieve', 'token-a')).status, 400);
    // The control server's report, as the operator writes it (simulated).
    await operatorWrites('szone', 'example.org', 'tenant-b', {
      primaries: [{ address: '192.0.2.54', port: 53, status: 'FAILED', errorMessage: 'REFUSED', lastAttempt: '2026-12-07T00:00:00Z' }],
      conditions: [{ type: 'Ready', status: 'False', reason: 'TransferFailed', message: 'no transfer yet: 192.0.2.54: REFUSED', lastTransitionTime: '2026-12-07T00:00:00Z' }],
    });
    const axfr = await call('GET', '/api/v2/secondaryzones/example.org/axfr', 'token-b');
    assert.deepEqual(axfr.body, { type: 'collection', items: [{ primaryIp: '192.0.2.54', status: 'FAILED', errorMessage: 'REFUSED' }] });
    const list = await call('GET', '/api/v2/secondaryzones', 'token-b');
    assert.deepEqual((list.body.items as Array<{ id: string; metadata: { state: string } }>).map((z) => [z.id, z.metadata.state]), [['example.org', 'FAILED']]);
    assert.equal((await call('GET', '/api/v2/secondaryzones/example.org', 'token-a')).status, 404);
    const report = await call('GET', '/api/v2/reports/problematiczones', 'token-b');
    assert.deepEqual(report.body.data, [{ domain: 'example.org', type: 'SLAVE', id: 'example.org', ready: 'False', reason: 'TransferFailed', message: 'no transfer yet: 192.0.2.54: REFUSED', since: '2026-12-07T00:00:00Z' }]);
  });

  it('deletes a zone: the object goes', async () => {
    await call('POST', '/api/v2/zones', 'token-a', { domain: 'gone.example', type: 'master' });
    const del = await call('DELETE', '/api/v2/zones/gone.example', 'token-a');
    assert.deepEqual([del.status, del.body], [200, { status: 'ok', message: 'Zone gone.example successfully deleted' }]);
    const get = await cp.kubectl(['get', 'zone', 'gone.example', '-n', 'tenant-a']);
    assert.match(get.stderr, /NotFound/);
  });

  it('reports the rate limit in every response and refuses past it with X-RateLimit-Reset', async () => {
    const first = await call('GET', '/api/v2/quota', 'token-slow');
    assert.deepEqual([first.headers.get('x-ratelimit-limit'), first.headers.get('x-ratelimit-remaining')], ['3', '2']);
    await call('GET', '/api/v2/quota', 'token-slow');
    await call('GET', '/api/v2/quota', 'token-slow');
    const refused = await call('GET', '/api/v2/quota', 'token-slow');
    assert.deepEqual([refused.status, refused.body.message, refused.headers.get('x-ratelimit-remaining')], [429, 'rate limit exceeded: 3 requests per minute for this token', '0']);
    const reset = Number(refused.headers.get('x-ratelimit-reset'));
    assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61, `X-RateLimit-Reset ${reset}`);
    // Another token of the same tenant is not held back.
    assert.equal((await call('GET', '/api/v2/quota', 'token-b')).status, 200);
  });

  // Last: it locks this test's address out.
  it('answers 401 without a valid token, and 429 for 10 minutes after 10 failures from the address', async () => {
    const none = await call('GET', '/api/v2/zones', undefined);
    assert.deepEqual([none.status, none.body], [401, { status: 'failed', message: 'unauthorized: send the header "Authorization: Bearer <token>"' }]);
    for (let i = 0; i < 9; i++) assert.equal((await call('GET', '/api/v2/zones', `wrong-${i}`)).status, 401);
    const locked = await call('GET', '/api/v2/zones', 'token-a');
    assert.equal(locked.status, 429);
    assert.match(String(locked.body.message), /^too many failed authentications from this address: refused until /);
    const retry = Number(locked.headers.get('retry-after'));
    assert.ok(retry > 590 && retry <= 600, `Retry-After ${retry}`);
  });
});
