import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { RRType } from '../dns/constants';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneUpdate } from '../zone/zone-update';
import type { Zone } from '../zone/zone';
import { Algorithm, KSK_FLAGS, ZSK_FLAGS, generateKey } from '../dnssec/keys';
import { parseRrsig } from '../dnssec/rrsig';
import { planSigning, type ZoneKey } from '../dnssec/signzone';
import { verifyZone } from '../dnssec/signzone.fixtures';
import { nsecRRsets } from '../dnssec/nsec';
import { SigningPool, resignChangedParallel, signZoneParallel } from './signing-pool';

const origin = Name.fromText('pool.test.');
const NOW = 1_800_000_000;
const OPTIONS = { now: NOW, validity: 86400 * 10, dnskeyTtl: 600 };

function bigZone(names: number): Zone {
  const b = new ZoneBuilder(origin);
  b.add({ owner: origin, type: RRType.SOA, ttl: 3600, rdata: soa(1) });
  b.add({ owner: origin, type: RRType.NS, ttl: 3600, rdata: Name.fromText('ns.pool.test.').toWire() });
  for (let i = 0; i < names; i++) b.add({ owner: Name.fromText(`h${i}.pool.test.`), type: RRType.A, ttl: 300, rdata: new Uint8Array([10, (i >> 16) & 255, (i >> 8) & 255, i & 255]) });
  return b.build();
}

function soa(serial: number): Uint8Array {
  const tail = [serial >>> 24, (serial >>> 16) & 255, (serial >>> 8) & 255, serial & 255, 0, 0, 14, 16, 0, 0, 3, 132, 0, 18, 117, 0, 0, 0, 1, 44];
  return new Uint8Array([...Name.fromText('ns.pool.test.').toWire(), ...Name.fromText('hostmaster.pool.test.').toWire(), ...tail]);
}

describe('signing pool (worker threads)', function () {
  this.timeout(60_000);
  const pool = new SigningPool({ threads: 2, batch: 256, inThreadBelow: 100 });
  after(() => pool.close());

  for (const algorithm of [Algorithm.ECDSAP256SHA256, Algorithm.ED25519, Algorithm.RSASHA256]) {
    it(`signs a zone of 3,000 names on two threads (algorithm ${algorithm}): every signature verifies`, async () => {
      const keys: ZoneKey[] = [
        { key: generateKey(algorithm, { flags: KSK_FLAGS, rsaBits: 1024 }), role: 'KSK' },
        { key: generateKey(algorithm, { flags: ZSK_FLAGS, rsaBits: 1024 }), role: 'ZSK' },
      ];
      const zone = bigZone(3000);
      const signed = await signZoneParallel(pool, zone, keys, { ...OPTIONS, denial: nsecRRsets });
      const { verified, problems } = verifyZone(signed, NOW);
      assert.deepEqual(problems, []);
      // SOA, NS, DNSKEY, apex NSEC, and A + NSEC at each name.
      assert.equal(verified, 4 + 2 * 3000);
      assert.equal(planSigning(zone, keys, { ...OPTIONS, denial: nsecRRsets }).jobs.length, verified);
    });
  }

  it('re-signs a one-name change in the calling thread and keeps the other signatures', async () => {
    const keys: ZoneKey[] = [{ key: generateKey(Algorithm.ED25519, { flags: KSK_FLAGS }), role: 'CSK' }];
    const zone = bigZone(500);
    const signed = await signZoneParallel(pool, zone, keys, OPTIONS);
    const update = new ZoneUpdate(zone);
    update.remove({ owner: origin, type: RRType.SOA, ttl: 3600, rdata: soa(1) }).add({ owner: origin, type: RRType.SOA, ttl: 3600, rdata: soa(2) });
    update.add({ owner: Name.fromText('new.pool.test.'), type: RRType.A, ttl: 300, rdata: new Uint8Array([192, 0, 2, 1]) });
    const next = update.commit().zone;
    const resigned = await resignChangedParallel(pool, signed, next, [Name.fromText('new.pool.test.')], keys, { ...OPTIONS, now: NOW + 10 });
    assert.deepEqual(verifyZone(resigned, NOW + 10).problems, []);
    assert.equal(resigned.node(Name.fromText('h7.pool.test.')), signed.node(Name.fromText('h7.pool.test.')));
    const soaSig = resigned.apex.rrsets.get(RRType.RRSIG)!.rdata.map(parseRrsig).find((s) => s.typeCovered === RRType.SOA)!;
    assert.equal(soaSig.inception, NOW + 10 - 3600);
  });
});
