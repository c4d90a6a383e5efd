import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { Algorithm, KSK_FLAGS, generateKey, keyTag } from '../dnssec/keys';
import { nsecRRsets } from '../dnssec/nsec';
import { nsec3RRsets } from '../dnssec/nsec3';
import type { DenialParameters, SigningOrder } from '../dnssec/signing-order';
import { signOptionsOf, zoneKeysOf } from '../dnssec/signing-order';
import { signZone } from '../dnssec/signzone';
import { verifyZone } from '../dnssec/signzone.fixtures';
import { changed, lines, toggleLines, zoneOf } from '../dnssec/denial.fixtures';
import { zoneOf as zoneFromText, zoneText } from '../testkit/zone-text';
import { serialCompare } from '../zone/serial';
import { withSerial, type RRset, type Zone } from '../zone/zone';
import { SigningPool } from './signing-pool';
import { ZoneSigner, changedNames, type SignedVersion } from './zone-signer';

// The incremental ZoneSigner against the reference: every version it signs from the last one
// (only the change planned and signed, the denial chain updated in place) holds exactly the
// records a from-scratch signZone of the same version holds, its denial chain is the full
// build's, and every signature verifies.

const T0 = 1_800_000_000;
const KEY = generateKey(Algorithm.ED25519, { flags: KSK_FLAGS });
const BASE = '@ 3600 SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.80\n';
const NAMES = ['a', 'b.a', 'c.b.a', 'd', 'x.d', 'y.x.d', '*.d', 'e.f.g', 'h.f.g', 'ns1', 'www'];
const RECORDS = ['A 192.0.2.1', 'TXT "t"', 'NS ns.elsewhere.', 'DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'AAAA 2001:db8::1'];

function orderOf(denial: DenialParameters, extra: Partial<SigningOrder['parameters']> = {}): SigningOrder {
  return {
    parameters: { validity: 10 * 86400, refresh: 2 * 86400, jitter: 0, dnskeyTtl: 600, denial, cdsDigestTypes: [2], ...extra },
    cdsDelete: false,
    keys: [{ id: 'k1', tag: keyTag(KEY), algorithm: KEY.algorithm, role: 'CSK', flags: KEY.flags, published: true, signsKeys: true, signsZone: true, cds: true, privateKey: KEY.privateKeyPem }],
  };
}

const DENIALS: ReadonlyArray<[string, DenialParameters]> = [
  ['NSEC', { type: 'NSEC' }],
  ['NSEC3', { type: 'NSEC3', iterations: 0, salt: '', optOut: false }],
  ['NSEC3 opt-out', { type: 'NSEC3', iterations: 1, salt: 'abcd', optOut: true }],
];

/** The records of a signed zone other than its signatures, as text lines. */
function unsignedLines(zone: Zone): string[] {
  return lines([...zone.rrsets()].filter((r) => r.type !== RRType.RRSIG)).sort();
}

function denialLines(zone: Zone): string[] {
  return lines([...zone.rrsets()].filter((r) => r.type === RRType.NSEC || r.type === RRType.NSEC3 || r.type === RRType.NSEC3PARAM)).sort();
}

/** Checks `version` of `unsigned` against a from-scratch signing of the same version at `now`. */
function assertLikeScratch(version: SignedVersion, unsigned: Zone, order: SigningOrder, now: number, what: string): void {
  const scratch = signZone(withSerial(unsigned, version.serial), zoneKeysOf(order), signOptionsOf(order, now));
  assert.deepEqual(unsignedLines(version.zone), unsignedLines(scratch), `${what}: the same RRsets as a from-scratch signing`);
  const d = order.parameters.denial;
  const chain: RRset[] = d.type === 'NSEC' ? nsecRRsets(scratch) : (({ nsec3, nsec3param }) => [...nsec3, nsec3param])(nsec3RRsets(scratch, { iterations: d.iterations, salt: Buffer.from(d.salt, 'hex'), optOut: d.optOut }));
  assert.deepEqual(denialLines(version.zone), lines(chain).sort(), `${what}: the denial chain of a full build`);
  const { problems } = verifyZone(version.zone, now);
  assert.deepEqual(problems, [], `${what}: every signature verifies`);
  assert.equal(version.zone.recordCount, [...version.zone.rrsets()].reduce((n, r) => n + r.rdata.length, 0), `${what}: record count`);
  assert.equal(version.zone.nodes.size, [...version.zone.nodes.values()].length, `${what}: node count`);
}

describe('ZoneSigner: incremental signing equals signing from scratch', function () {
  this.timeout(120_000);
  const pool = new SigningPool({ threads: 1, inThreadBelow: 1_000_000 });
  after(() => pool.close());

  for (const [label, denial] of DENIALS) {
    it(`${label}: adds, deletes, empty non-terminals, delegations, across versions (property)`, async () => {
      const order = orderOf(denial);
      let signedSteps = 0;
      let sizeChanges = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ picks: fc.array(fc.tuple(fc.nat(NAMES.length - 1), fc.nat(RECORDS.length - 1)), { minLength: 1, maxLength: 4 }), reparse: fc.boolean(), hint: fc.boolean() }), { minLength: 1, maxLength: 8 }),
          async (steps) => {
            let now = T0;
            const signer = new ZoneSigner({ pool, clock: () => now });
            let zone = zoneOf('example.', BASE);
            const present = new Set(['ns1 3600 A 192.0.2.53', 'www 3600 A 192.0.2.80']);
            let last = await signer.sign(zone, order);
            assert.equal(last.mode, 'full');
            assertLikeScratch(last, zone, order, now, 'first version');
            for (const [i, step] of steps.entries()) {
              now += 60;
              const change = toggleLines(present, step.picks, NAMES, RECORDS);
              let next: ReturnType<typeof changed>;
              try {
                next = changed(zone, change);
              } catch {
                continue; // a change the zone checks refuse (CNAME-like clashes, NS at a wildcard): not a version
              }
              // Half the versions come from text, sharing nothing with the last: compared node by node (or by hint).
              const unsigned = step.reparse ? zoneFromText(zoneText(next.zone), zone.origin) : next.zone;
              const version = await signer.sign(unsigned, order, step.hint ? { changed: next.names } : {});
              assert.equal(version.mode, 'incremental', `step ${i}`);
              assert.ok(serialCompare(version.serial, last.serial) > 0, `step ${i}: the serial moves on`);
              assert.ok(version.refreshAt > now, `step ${i}: no refresh due yet`);
              signedSteps++;
              if (version.zone.nodes.size !== zone.nodes.size) sizeChanges++;
              assertLikeScratch(version, unsigned, order, now, `step ${i} ${JSON.stringify(change)}`);
              last = version;
              zone = unsigned;
            }
          },
        ),
        { numRuns: 25 },
      );
      assert.ok(signedSteps > 50 && sizeChanges > 10, `the property signed ${signedSteps} versions, ${sizeChanges} with names coming or going`);
    });
  }

  it('a new order signs the whole zone; a refresh is due at expiry less refresh, and signs it whole again', async () => {
    let now = T0;
    const signer = new ZoneSigner({ pool, clock: () => now });
    const order = orderOf({ type: 'NSEC3', iterations: 0, salt: '', optOut: false });
    let zone = zoneOf('refresh.test.', BASE);
    const first = await signer.sign(zone, order);
    assert.equal(first.expiresAt, T0 + 10 * 86400);
    assert.equal(first.refreshAt, T0 + 8 * 86400);
    assert.equal(signer.nextRefreshAt(), first.refreshAt);
    assert.deepEqual(signer.due(first.refreshAt - 1), []);
    assert.deepEqual(signer.due(first.refreshAt), [zone.origin.key]);

    now = T0 + 86400;
    zone = changed(zone, ['new 3600 A 192.0.2.9']).zone;
    const second = await signer.sign(zone, order);
    assert.equal(second.mode, 'incremental');
    assert.equal(second.expiresAt, first.expiresAt, 'the older signatures still expire first');
    assertLikeScratch(second, zone, order, now, 'change');

    now = second.refreshAt;
    const refreshed = await signer.resign(zone.origin.key);
    assert.equal(refreshed.mode, 'full');
    assert.equal(refreshed.expiresAt, T0 + 86400 + 10 * 86400, 'the signatures of the first version made again, those of the change a day later kept (still fresh)');
    assert.ok(refreshed.signatures! > 0 && refreshed.signatures! < [...refreshed.zone.rrsets()].filter((r) => r.type === RRType.RRSIG).reduce((n, r) => n + r.rdata.length, 0));
    assert.ok(refreshed.refreshAt > now);
    assert.ok(serialCompare(refreshed.serial, second.serial) > 0);
    assertLikeScratch(refreshed, zone, order, now, 'refresh');

    now += 60;
    const nsec = orderOf({ type: 'NSEC' });
    const reordered = await signer.sign(zone, nsec);
    assert.equal(reordered.mode, 'full', 'a new order (NSEC instead of NSEC3) signs the whole zone');
    assertLikeScratch(reordered, zone, nsec, now, 'new order');
    assert.equal(reordered.zone.apex.rrsets.get(RRType.NSEC3PARAM), undefined);
    const after = await signer.sign(changed(zone, ['-new 3600 A 192.0.2.9']).zone, nsec);
    assert.equal(after.mode, 'incremental', 'and the next change from there is incremental again');
  });

  it('keeps the serial newer than the one served before a restart, and the unsigned serial beside it', async () => {
    const signer = new ZoneSigner({ pool, clock: () => T0 });
    const order = orderOf({ type: 'NSEC' });
    const zone = zoneOf('serial.test.', BASE);
    const v1 = await signer.sign(zone, order, { lastSerial: 41 });
    assert.equal(v1.serial, 42);
    assert.equal(v1.unsignedSerial, 1);
    const v2 = await signer.sign(zone, order);
    assert.equal(v2.serial, 43);
    assert.equal(v2.zone.serial, 43);
    const bumped = zoneFromText(zoneText(zone).replace(/(SOA\s+\S+\s+\S+\s+)1 /, '$1100 '), zone.origin);
    assert.equal(bumped.serial, 100);
    const v3 = await signer.sign(bumped, order);
    assert.equal(v3.serial, 100, 'the unsigned serial when it is newer');
  });

  it('signs concurrent versions of one zone one after the other', async () => {
    const signer = new ZoneSigner({ pool, clock: () => T0 });
    const order = orderOf({ type: 'NSEC3', iterations: 0, salt: '', optOut: false });
    const z1 = zoneOf('queue.test.', BASE);
    const z2 = changed(z1, ['q 3600 A 192.0.2.7']).zone;
    const z3 = changed(z2, ['r.q 3600 A 192.0.2.8']).zone;
    const [a, b, c] = await Promise.all([signer.sign(z1, order), signer.sign(z2, order), signer.sign(z3, order)]);
    assert.deepEqual([a.mode, b.mode, c.mode], ['full', 'incremental', 'incremental']);
    assert.ok(serialCompare(b.serial, a.serial) > 0 && serialCompare(c.serial, b.serial) > 0);
    assertLikeScratch(c, z3, order, T0, 'last of three');
  });

  it('finds changed names from the layers, the hint, or node by node alike', () => {
    const z1 = zoneOf('diff.test.', BASE);
    const { zone: z2, names } = changed(z1, ['n.m.k 3600 A 192.0.2.1', '-www 3600 A 192.0.2.80', 'www 3600 A 192.0.2.81']);
    const text = zoneFromText(zoneText(z2), z1.origin);
    const sorted = (ns: Name[]): string[] => ns.map((n) => n.toString()).sort();
    const want = ['@', 'k', 'm.k', 'n.m.k', 'www'].map((n) => Name.fromText(n === '@' ? 'diff.test.' : `${n}.diff.test.`).toString()).sort();
    assert.deepEqual(sorted(changedNames(z1, z2)).filter((n) => n !== 'diff.test.'), want.filter((n) => n !== 'diff.test.'));
    assert.deepEqual(sorted(changedNames(z1, text, names)).filter((n) => n !== 'diff.test.'), want.filter((n) => n !== 'diff.test.'));
    assert.deepEqual(sorted(changedNames(z1, text)).filter((n) => n !== 'diff.test.'), want.filter((n) => n !== 'diff.test.'));
  });
});
