import { strict as assert } from 'node:assert';
import { Name } from '../dataplane/dns/name';
import type { Zone } from '../crds/v1alpha1/zone';
import { BadRequestError, ConflictError, UnprocessableError } from './errors';
import { applyChanges, DISABLED_ANNOTATION, parsePatch, recordCount, toSpec, viewRRsets } from './rrsets';
import { checkZone } from './zone-check';

const origin = Name.fromText('example.com.');
const zone = (spec: Partial<Zone['spec']> = {}, annotations?: Record<string, string>): Zone => ({
  apiVersion: 'dnsfleet.io/v1alpha1',
  kind: 'Zone',
  metadata: { name: 'example.com', namespace: 't', ...(annotations ? { annotations } : {}) },
  spec: { zoneName: 'example.com', ...spec },
});
const badRequest = (message: string) => (e: unknown): boolean => e instanceof BadRequestError && e.message === message;

describe('api RRsets: PATCH with changetype on whole RRsets', () => {
  it('reads changes: absolute names in the zone, types in any case, records with disabled', () => {
    const [c] = parsePatch([{ name: 'WWW.example.com.', type: 'a', ttl: 300, changetype: 'ADD', records: [{ content: ' 192.0.2.1 ' }, { content: '192.0.2.2', disabled: true }] }], origin);
    assert.equal(c!.owner.toString(), 'WWW.example.com.');
    assert.deepEqual([c!.type, c!.ttl, c!.changetype, c!.records], ['A', 300, 'add', [{ content: '192.0.2.1', disabled: false }, { content: '192.0.2.2', disabled: true }]]);
  });

  it('refuses each malformed change with a message that names it', () => {
    const one = (change: Record<string, unknown>): unknown[] => [{ name: 'www.example.com.', type: 'A', changetype: 'add', records: [{ content: '192.0.2.1' }], ...change }];
    assert.throws(() => parsePatch(one({ changetype: 'replace' }), origin), badRequest('change 1 (www.example.com. A): unknown changetype "replace": expected add, update or delete'));
    assert.throws(() => parsePatch(one({ name: 'www' }), origin), badRequest('change 1: name "www" must be absolute, with the trailing dot (e.g. "www.example.com.")'));
    assert.throws(() => parsePatch(one({ name: 'www.example.net.' }), origin), badRequest('change 1: name "www.example.net." is not in the zone example.com.'));
    assert.throws(() => parsePatch(one({ type: 'BOGUS' }), origin), /change 1: unknown record type "BOGUS"/);
    assert.throws(() => parsePatch(one({ type: 'SOA', records: [{ content: 'x' }] }), origin), /change 1 \(www.example.com. SOA\): the SOA record is managed by dnsfleet/);
    assert.throws(() => parsePatch(one({ ttl: -1 }), origin), /ttl must be a whole number of seconds from 0 to 2147483647, got -1/);
    assert.throws(() => parsePatch(one({ records: [] }), origin), /add needs records/);
    assert.throws(() => parsePatch(one({ records: [{ content: '1.2.3.4', enabled: true }] }), origin), /record 1: unknown field "enabled"/);
    assert.throws(() => parsePatch(one({ records: [{ content: '1.2.3.4' }, { content: '1.2.3.4' }] }), origin), /record 2: "1.2.3.4" is listed twice/);
    assert.throws(() => parsePatch([...one({}), ...one({ changetype: 'delete' })], origin), /change 2 \(www.example.com. A\): the same RRset is changed twice in one patch/);
    assert.throws(() => parsePatch({ rrsets: [] }, origin), /must be a JSON array of RRset changes/);
    assert.throws(() => parsePatch([], origin), badRequest('the patch has no changes'));
  });

  it('adds, updates (keeping the TTL) and deletes whole RRsets; add of an existing and delete of a missing RRset refuse the patch', () => {
    const current = viewRRsets(zone({ rrsets: [{ name: 'www', type: 'A', ttl: 60, records: ['192.0.2.1'] }] }));
    const changes = parsePatch(
      [
        { name: 'www.example.com.', type: 'A', changetype: 'update', records: [{ content: '192.0.2.9' }] },
        { name: 'example.com.', type: 'MX', changetype: 'add', records: [{ content: '10 mail.example.com.' }] },
      ],
      origin,
    );
    assert.deepEqual(applyChanges(current, changes, 3600), [
      { name: 'example.com.', type: 'MX', ttl: 3600, records: [{ content: '10 mail.example.com.', disabled: false }] },
      { name: 'www.example.com.', type: 'A', ttl: 60, records: [{ content: '192.0.2.9', disabled: false }] },
    ]);
    assert.deepEqual(applyChanges(current, parsePatch([{ name: 'www.example.com.', type: 'A', changetype: 'delete' }], origin)), []);
    assert.throws(() => applyChanges(current, parsePatch([{ name: 'www.example.com.', type: 'A', changetype: 'add', records: [{ content: '192.0.2.2' }] }], origin)), (e: unknown) => e instanceof ConflictError && /RRset www.example.com. A exists already: use changetype "update"/.test(e.message));
    assert.throws(() => applyChanges(current, parsePatch([{ name: 'ftp.example.com.', type: 'A', changetype: 'delete' }], origin)), (e: unknown) => e instanceof UnprocessableError && e.message === 'there is no RRset ftp.example.com. A to delete; nothing was changed');
  });

  it('keeps disabled records in the annotation, out of spec.rrsets, and shows them merged back', () => {
    const rrsets = applyChanges([], parsePatch([
      { name: 'www.example.com.', type: 'A', ttl: 300, changetype: 'add', records: [{ content: '192.0.2.1' }, { content: '192.0.2.2', disabled: true }] },
      { name: 'old.example.com.', type: 'TXT', ttl: 300, changetype: 'add', records: [{ content: '"gone"', disabled: true }] },
    ], origin));
    const { rrsets: spec, disabled } = toSpec(rrsets, origin);
    assert.deepEqual(spec, [{ name: 'www', type: 'A', ttl: 300, records: ['192.0.2.1'] }]);
    assert.deepEqual(disabled, [
      { name: 'old.example.com.', type: 'TXT', ttl: 300, content: '"gone"' },
      { name: 'www.example.com.', type: 'A', ttl: 300, content: '192.0.2.2' },
    ]);
    const stored = zone({ rrsets: spec }, { [DISABLED_ANNOTATION]: JSON.stringify(disabled) });
    assert.deepEqual(viewRRsets(stored), rrsets);
    assert.equal(recordCount(stored), 3);
  });

  it('shows RRsets written with kubectl (relative names, @, one RRset in several entries, the default TTL)', () => {
    const view = viewRRsets(zone({ defaultTTL: 120, rrsets: [{ name: '@', type: 'NS', records: ['ns1.example.net.'] }, { name: 'www.example.com.', type: 'A', records: ['192.0.2.1'] }, { name: 'www', type: 'A', ttl: 60, records: ['192.0.2.2'] }] }));
    assert.deepEqual(view, [
      { name: 'example.com.', type: 'NS', ttl: 120, records: [{ content: 'ns1.example.net.', disabled: false }] },
      { name: 'www.example.com.', type: 'A', ttl: 120, records: [{ content: '192.0.2.1', disabled: false }, { content: '192.0.2.2', disabled: false }] },
    ]);
  });

  it('checks the result with the zone model and names the RRset it refuses', () => {
    const check = (z: Zone, disabled = toSpec([], origin).disabled): void => checkZone(z, disabled, 1_800_000_000);
    check(zone({ rrsets: [{ name: 'www', type: 'A', records: ['192.0.2.1'] }] }));
    assert.throws(() => check(zone({ rrsets: [{ name: 'www', type: 'A', records: ['300.0.2.1'] }] })), (e: unknown) => e instanceof UnprocessableError && /^the zone example.com would be refused: RRset www.example.com. A record "300.0.2.1": A "300.0.2.1": .*; nothing was changed$/.test(e.message));
    assert.throws(() => check(zone({ rrsets: [{ name: 'www', type: 'A', records: ['192.0.2.1'] }, { name: 'www', type: 'CNAME', records: ['example.net.'] }] })), (e: unknown) => e instanceof UnprocessableError && /CNAME/.test(e.message) && /www.example.com./.test(e.message));
    assert.throws(() => check(zone(), [{ name: 'x.example.com.', type: 'MX', ttl: 1, content: 'not-a-number mail.' }]), /RRset x.example.com. MX record "not-a-number mail." \(disabled\)/);
  });
});
