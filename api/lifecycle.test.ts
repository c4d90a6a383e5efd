import { strict as assert } from 'node:assert';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createApi } from './app';
import { MemoryTenantStore } from './memory-store.fixtures';
import { checkResponse } from './openapi-check.fixtures';
import { hashToken, TOKEN_SECRET } from './tokens';
import type { Zone, ZoneStatus } from '../crds/v1alpha1/zone';
import type { SecondaryZone, SecondaryZoneStatus } from '../crds/v1alpha1/secondaryzone';

/**
 * Issue #16 phase 2 over a store in memory: DNSSEC actions (RcodeZero and ScaiDNS), messages,
 * retrieve, /secondaryzones, the problematic-zones report. The operator's part is played by
 * `store.setStatus`, which writes the status the operator would; every answer is checked
 * against api/openapi.json.
 */

const DS = 'example.com. 86400 IN DS 17016 15 2 589E8ACB590469EF45300E1342DE17F2FEA8FF13545346AF75AB0E9CF0C623C9';
const DS_JSON = { key_tag: 17016, algorithm: 15, digest_type: 2, digest: '589E8ACB590469EF45300E1342DE17F2FEA8FF13545346AF75AB0E9CF0C623C9' };
const KSK = { keyTag: 17016, algorithm: 'ED25519', role: 'KSK' as const, state: 'active' as const, ds: 'submitted' as const, created: '2026-12-07T00:00:00Z' };
const ZSK = { keyTag: 40211, algorithm: 'ED25519', role: 'ZSK' as const, state: 'active' as const, created: '2026-12-07T00:00:00Z' };

describe('api DNSSEC, messages, retrieve, secondary zones and reports (memory store)', () => {
  let store: MemoryTenantStore;
  let server: Server;
  let base: string;
  let clock = 0;

  const call = async (method: string, path: string, body?: unknown, token = 'token-a'): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const parsed = (await res.json()) as Record<string, unknown>;
    checkResponse(method, path, res.status, parsed);
    return { status: res.status, body: parsed };
  };
  const zone = (name: string): Zone => store.objects.get(`Zone/tenant-a/${name}`) as Zone;
  const szone = (name: string): SecondaryZone => store.objects.get(`SecondaryZone/tenant-a/${name}`) as SecondaryZone;
  const operatorWrites = (name: string, status: ZoneStatus): void => store.setStatus('Zone', 'tenant-a', name, status);

  beforeEach(async () => {
    clock = Date.parse('2026-12-07T12:00:00Z');
    store = new MemoryTenantStore();
    store.secrets.set(`api-ns/${TOKEN_SECRET}`, { [hashToken('token-a')]: JSON.stringify({ namespace: 'tenant-a' }), [hashToken('token-b')]: JSON.stringify({ namespace: 'tenant-b' }) });
    server = createApi({ store, namespace: 'api-ns', now: () => clock }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    assert.equal((await call('POST', '/api/v2/zones', { domain: 'example.com', type: 'master' })).status, 201);
    assert.equal((await call('POST', '/api/v2/zones', { domain: 'example.org', type: 'slave', masters: ['192.0.2.1', '192.0.2.2:5353'] })).status, 201);
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('RcodeZero workflow: sign, DSUPDATE, ack, dsupdate, DSSEEN, keyrollover, unsign, DSREMOVED', async () => {
    const sign = await call('POST', '/api/v2/zones/example.com/sign');
    assert.equal(sign.status, 200, JSON.stringify(sign.body));
    assert.equal(zone('example.com').spec.dnssecPolicy, 'api-ecdsap256sha256');
    assert.deepEqual(store.objects.get('DNSSECPolicy/tenant-a/api-ecdsap256sha256')?.spec, { algorithm: 'ECDSAP256SHA256' });
    assert.deepEqual((await call('POST', '/api/v2/zones/example.com/sign')).body, { status: 'failed', message: 'zone example.com is signed already (DNSSECPolicy api-ecdsap256sha256)' });
    // Nothing before the operator has written a DS.
    assert.deepEqual((await call('GET', '/api/v2/messages')).body, { status: 'failed', message: 'no unacknowledged message' });
    assert.equal((await call('POST', '/api/v2/zones/example.com/keyrollover')).status, 409);
    operatorWrites('example.com', { dnssec: { state: 'pending_ds', dsRecords: [DS], keys: [KSK, ZSK] }, conditions: [{ type: 'DNSSEC', status: 'False', reason: 'PendingDS', message: '', lastTransitionTime: '2026-12-07T12:01:00Z' }] });
    const message = await call('GET', '/api/v2/messages');
    assert.deepEqual([message.body.type, message.body.domain, message.body.ds_records], ['DSUPDATE', 'example.com', [DS]]);
    assert.equal((await call('GET', '/api/v2/messages/list')).body.total, 1);
    const ack = await call('DELETE', `/api/v2/messages/${String(message.body.id)}`);
    assert.deepEqual(ack.body, { status: 'ok', message: `message ${String(message.body.id)} acknowledged` });
    assert.equal((await call('GET', '/api/v2/messages')).status, 404);
    assert.equal((await call('DELETE', `/api/v2/messages/${String(message.body.id)}`)).status, 404);
    // Kept on the Zone, so a new API process sees it.
    assert.deepEqual(JSON.parse(zone('example.com').metadata.annotations!['dnsfleet.io/api-acknowledged-messages']!), [message.body.id]);

    const ds = await call('POST', '/api/v2/zones/example.com/dsupdate');
    assert.deepEqual(ds.body, { status: 'ok', message: 'Zone example.com: 1 DS record confirmed at the parent' });
    assert.equal(zone('example.com').metadata.annotations!['dnsfleet.io/ds-published'], DS);
    operatorWrites('example.com', { dnssec: { state: 'active', dsRecords: [DS], keys: [{ ...KSK, ds: 'seen' }, ZSK] }, conditions: [{ type: 'DSPublished', status: 'True', reason: 'DSSeen', message: '', lastTransitionTime: '2026-12-07T13:00:00Z' }] });
    assert.deepEqual((await call('GET', '/api/v2/messages')).body.type, 'DSSEEN');
    assert.equal((await call('POST', '/api/v2/zones/example.com/dsupdate')).status, 409);

    const roll = await call('POST', '/api/v2/zones/example.com/keyrollover');
    assert.equal(roll.status, 200);
    assert.equal(zone('example.com').metadata.annotations!['dnsfleet.io/rotate-ksk'], '2026-12-07T12:00:00.000Z');

    const unsign = await call('POST', '/api/v2/zones/example.com/unsign');
    assert.equal(unsign.status, 200);
    assert.equal(zone('example.com').spec.dnssecPolicy, undefined);
    operatorWrites('example.com', { dnssec: { state: 'unsigning' } });
    assert.equal((await call('POST', '/api/v2/zones/example.com/dsupdate')).status, 200);
    assert.equal(zone('example.com').metadata.annotations!['dnsfleet.io/ds-published'], 'none');
    operatorWrites('example.com', {});
    const list = await call('GET', '/api/v2/messages/list');
    assert.deepEqual((list.body.data as Array<{ type: string }>).map((m) => m.type), ['DSREMOVED']);
    assert.equal((await call('POST', '/api/v2/zones/example.com/unsign')).status, 409);
  });

  it('dsupdate is refused when the policy asks the parent itself', async () => {
    await store.create('DNSSECPolicy', { apiVersion: 'dnsfleet.io/v1alpha1', kind: 'DNSSECPolicy', metadata: { name: 'api-ecdsap256sha256', namespace: 'tenant-a' }, spec: { dsConfirmation: { mode: 'Parent', parentNameservers: [{ address: '192.0.2.53' }] } } });
    await call('POST', '/api/v2/zones/example.com/sign');
    operatorWrites('example.com', { dnssec: { state: 'pending_ds', dsRecords: [DS] } });
    const res = await call('POST', '/api/v2/zones/example.com/dsupdate');
    assert.deepEqual([res.status, res.body.message], [409, 'zone example.com: DNSSECPolicy api-ecdsap256sha256 confirms the DS by asking the parent\'s nameservers (dsConfirmation.mode Parent); dsupdate is for mode Manual']);
  });

  it('retrieve and IONOS axfr set a new dnsfleet.io/retrieve; master zones are refused', async () => {
    const res = await call('PUT', '/api/v2/zones/example.org/retrieve');
    assert.deepEqual(res.body, { status: 'ok', message: 'Zone example.org: transfer from the masters requested' });
    assert.equal(szone('example.org').metadata.annotations!['dnsfleet.io/retrieve'], String(clock));
    clock += 1000;
    assert.equal((await call('PUT', '/api/v2/secondaryzones/example.org/axfr')).status, 202);
    assert.equal(szone('example.org').metadata.annotations!['dnsfleet.io/retrieve'], String(clock));
    const master = await call('PUT', '/api/v2/zones/example.com/retrieve');
    assert.deepEqual([master.status, master.body.message], [400, 'zone example.com is a master zone: retrieve transfers a slave zone from its masters']);
    assert.equal((await call('PUT', '/api/v2/zones/example.org/retrieve', undefined, 'token-b')).status, 404);
  });

  it('shows secondary zones and their transfer status in IONOS\'s shape', async () => {
    const status: SecondaryZoneStatus = {
      primaries: [{ address: '192.0.2.1', port: 53, status: 'FAILED', errorMessage: 'REFUSED' }],
      nameservers: [{ cloud: 'eu', nameservers: ['ns1.example.net', 'ns2.example.net'] }, { cloud: 'us', nameservers: ['ns1.example.net'] }],
      conditions: [{ type: 'Ready', status: 'False', reason: 'TransferFailed', message: 'no transfer yet: 192.0.2.1: REFUSED', lastTransitionTime: '2026-12-07T12:00:00Z' }],
    };
    store.setStatus('SecondaryZone', 'tenant-a', 'example.org', status);
    const list = await call('GET', '/api/v2/secondaryzones?limit=1');
    assert.deepEqual(list.body.items, [
      { id: 'example.org', type: 'secondaryzone', href: '/api/v2/secondaryzones/example.org', metadata: { createdDate: '2026-12-07T00:00:00Z', nameservers: ['ns1.example.net', 'ns2.example.net'], state: 'FAILED' }, properties: { description: '', primaryIps: ['192.0.2.1', '192.0.2.2:5353'], zoneName: 'example.org' } },
    ]);
    assert.equal((await call('GET', '/api/v2/secondaryzones/example.org')).body.id, 'example.org');
    const axfr = await call('GET', '/api/v2/secondaryzones/example.org/axfr');
    assert.deepEqual(axfr.body, { type: 'collection', items: [{ primaryIp: '192.0.2.1', status: 'FAILED', errorMessage: 'REFUSED' }, { primaryIp: '192.0.2.2:5353', status: 'UNKNOWN', errorMessage: '' }] });
    assert.equal((await call('GET', '/api/v2/secondaryzones/example.com')).status, 404);
    assert.equal((await call('GET', '/api/v2/secondaryzones?offset=-1')).status, 400);
  });

  it('reports zones whose Ready is not True', async () => {
    operatorWrites('example.com', { conditions: [{ type: 'Ready', status: 'True', reason: 'Serving', message: '', lastTransitionTime: '' }] });
    let report = await call('GET', '/api/v2/reports/problematiczones');
    assert.deepEqual(report.body.data, [{ domain: 'example.org', type: 'SLAVE', id: 'example.org', ready: 'Missing', reason: 'NotReconciled', message: 'the operator has not reported on this zone yet', since: null }]);
    operatorWrites('example.com', { conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidZone', message: 'CNAME beside other data', lastTransitionTime: '2026-12-07T12:00:00Z' }] });
    report = await call('GET', '/api/v2/reports/problematiczones?page_size=1');
    assert.deepEqual([report.body.total, report.body.data], [2, [{ domain: 'example.com', type: 'MASTER', id: 'example.com', ready: 'False', reason: 'InvalidZone', message: 'CNAME beside other data', since: '2026-12-07T12:00:00Z' }]]);
  });

  it('ScaiDNS: enable with an algorithm, state, confirm-ds-published checked against the KSK, rotations, disable, sync 501', async () => {
    const bad = await call('POST', '/api/v1/domains/example.com/dnssec/enable', { algorithm: 5 });
    assert.deepEqual([bad.status, bad.body.message], [400, 'algorithm 5 is not supported: use 8 (RSASHA256), 10 (RSASHA512), 13 (ECDSAP256SHA256), 14 (ECDSAP384SHA384), 15 (ED25519)']);
    const enable = await call('POST', '/api/v1/domains/example.com/dnssec/enable', { algorithm: 15 });
    assert.deepEqual([enable.status, enable.body.action, enable.body.domain_id], [200, 'enable', 'example.com']);
    assert.equal(zone('example.com').spec.dnssecPolicy, 'api-ed25519');
    assert.equal((await call('POST', '/api/v1/domains/example.com/dnssec/enable', {})).status, 409);
    assert.deepEqual((await call('GET', '/api/v1/domains/example.com/dnssec')).body, { enabled: true, status: 'pending_ds', algorithm: 15, ksk: [], zsk: [], ds_records: [] });
    operatorWrites('example.com', { dnssec: { state: 'pending_ds', dsRecords: [DS], keys: [KSK, ZSK] } });
    const state = await call('GET', '/api/v1/domains/example.com/dnssec');
    assert.deepEqual([state.body.status, state.body.ds_records, (state.body.ksk as Array<{ key_tag: number }>)[0]!.key_tag], ['pending_ds', [DS_JSON], 17016]);
    const writes = store.writes;
    const wrong = await call('POST', '/api/v1/domains/example.com/dnssec/confirm-ds-published', { ds_records: [{ ...DS_JSON, digest: 'AABB' }] });
    assert.deepEqual([wrong.status, wrong.body.message], [400, 'the DS records do not match the zone\'s current KSK: ds_records[0]: the digest of DS 17016 15 2 differs (the DS wanted is for key tag 17016)']);
    assert.equal(store.writes, writes);
    const ok = await call('POST', '/api/v1/domains/example.com/dnssec/confirm-ds-published', { ds_records: [{ ...DS_JSON, digest: DS_JSON.digest.toLowerCase() }] });
    assert.deepEqual(ok.body, { domain_id: 'example.com', action: 'confirm-ds-published', message: 'DS publication confirmed' });
    assert.equal(zone('example.com').metadata.annotations!['dnsfleet.io/ds-published'], DS.replace(' 86400', ''));
    operatorWrites('example.com', { dnssec: { state: 'active', dsRecords: [DS], keys: [{ ...KSK, ds: 'seen' }, ZSK] } });
    assert.equal((await call('POST', '/api/v1/domains/example.com/dnssec/confirm-ds-published', { ds_records: [DS_JSON] })).status, 409);
    const ksk = await call('POST', '/api/v1/domains/example.com/dnssec/rotate-ksk');
    assert.deepEqual([ksk.body.action, (ksk.body.old_key as { key_tag: number }).key_tag, ksk.body.new_key], ['rotate-ksk', 17016, null]);
    const zsk = await call('POST', '/api/v1/domains/example.com/dnssec/rotate-zsk');
    assert.deepEqual([zsk.body.action, (zsk.body.old_key as { key_tag: number }).key_tag], ['rotate-zsk', 40211]);
    assert.equal(zone('example.com').metadata.annotations!['dnsfleet.io/rotate-zsk'], '2026-12-07T12:00:00.000Z');
    const sync = await call('POST', '/api/v1/domains/example.com/dnssec/sync');
    assert.equal(sync.status, 501);
    assert.match(String(sync.body.message), /^sync has no counterpart in dnsfleet/);
    assert.equal((await call('POST', '/api/v1/domains/example.com/dnssec/disable')).body.action, 'disable');
    assert.equal((await call('POST', '/api/v1/domains/example.com/dnssec/disable')).status, 409);
    assert.equal((await call('GET', '/api/v1/domains/example.com/dnssec', undefined, 'token-b')).status, 404);
  });
});
