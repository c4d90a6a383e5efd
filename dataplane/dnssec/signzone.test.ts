import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { RRType, typeToString } from '../dns/constants';
import { readZoneFile } from '../dns/zonefile/reader';
import { rdataToText } from '../dns/rdata/registry';
import { ZoneUpdate } from '../zone/zone-update';
import { dnssecOf } from '../zone/dnssec';
import type { RRset, Zone, ZoneNode } from '../zone/zone';
import { Algorithm, KSK_FLAGS, ZSK_FLAGS, generateKey, dnskeyRdata, keyTag, algorithmName, type SigningKey } from './keys';
import { RRsetSigner, parseRrsig, signedData, verifyRrsig, rrsigLabels } from './rrsig';
import { canonicalRdata, canonicalRRsetRdata } from './canonical';
import { assembleSignedZone, planResign, planSigning, resignChanged, resignDue, signJobs, signZone, type ZoneKey } from './signzone';
import { verifyZone } from './signzone.fixtures';
import { nsecRRsets } from './nsec';
import { zoneOf as zoneFromText } from '../testkit/zone-text';

type Nist = typeof import('@noble/curves/nist.js', { with: { 'resolution-mode': 'import' } });
type Ed = typeof import('@noble/curves/ed25519.js', { with: { 'resolution-mode': 'import' } });

const n = (text: string): Name => Name.fromText(text);

function zoneOf(text: string, origin = 'example.'): Zone {
  return zoneFromText(text, n(origin), 'test');
}

const ZONE = `
$ORIGIN example.
$TTL 3600
@        SOA   ns1 hostmaster 1 7200 3600 1209600 300
@        NS    ns1
@        NS    NS2.Example.
@        MX    10 Mail.Example.
ns1      A     192.0.2.1
ns2      A     192.0.2.2
mail     A     192.0.2.3
www      CNAME Mail
*.wild   TXT   "wildcard"
a.b.c    TXT   "deep"
sub      NS    ns.sub
sub      DS    12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
ns.sub   A     192.0.2.53
deleg    NS    ns.elsewhere.test.
`;

const NOW = 1_800_000_000;
const OPTIONS = { now: NOW, validity: 14 * 86400, dnskeyTtl: 3600 };

const ALGORITHMS = [Algorithm.RSASHA256, Algorithm.RSASHA512, Algorithm.ECDSAP256SHA256, Algorithm.ECDSAP384SHA384, Algorithm.ED25519] as const;

/** Keys generated once per algorithm (RSA generation takes a moment). */
const keyCache = new Map<string, SigningKey>();
function keyOf(algorithm: Algorithm, flags: number, which = 0): SigningKey {
  const id = `${algorithm}/${flags}/${which}`;
  let key = keyCache.get(id);
  if (!key) keyCache.set(id, (key = generateKey(algorithm, { flags, rsaBits: 1024 })));
  return key;
}

function signatures(zone: Zone, owner: string): Array<ReturnType<typeof parseRrsig>> {
  return (zone.node(n(owner))?.rrsets.get(RRType.RRSIG)?.rdata ?? []).map(parseRrsig);
}

function covered(zone: Zone, owner: string): string[] {
  return [...new Set(signatures(zone, owner).map((s) => typeToString(s.typeCovered)))].sort();
}

describe('dnssec signing', () => {
  let nist: Nist;
  let ed: Ed;
  before(async () => {
    // ESM-only packages: loaded with import() from this CommonJS test.
    nist = await import('@noble/curves/nist.js');
    ed = await import('@noble/curves/ed25519.js');
  });

  describe('RRSIG', () => {
    const origin = n('example.');
    const rrset: RRset = { owner: n('WWW.Example.'), type: RRType.MX, ttl: 300, rdata: [mx(20, 'B.example.'), mx(10, 'a.EXAMPLE.')] };

    for (const algorithm of ALGORITHMS) {
      it(`${algorithmName(algorithm)}: signs and verifies, also with the records in another order and case`, () => {
        const key = keyOf(algorithm, ZSK_FLAGS);
        const rdata = new RRsetSigner(key, origin).sign(rrset, { inception: NOW - 3600, expiration: NOW + 86400 });
        const sig = parseRrsig(rdata);
        assert.equal(sig.keyTag, keyTag(key));
        assert.equal(sig.labels, 2);
        assert.equal(sig.originalTtl, 300);
        assert.equal(sig.signer.toString(), 'example.');
        assert.equal(verifyRrsig(rrset, rdata, dnskeyRdata(key), { now: NOW, zone: origin }), undefined);
        // RFC 4034 §6.2, §6.3: the same RRset in another order and case verifies.
        const other: RRset = { owner: n('www.EXAMPLE.'), type: RRType.MX, ttl: 300, rdata: [mx(10, 'A.example.'), mx(20, 'b.example.')] };
        assert.equal(verifyRrsig(other, rdata, dnskeyRdata(key), { now: NOW }), undefined);
        // A changed record, TTL kept in the RRSIG: the signature fails.
        const changed: RRset = { ...rrset, rdata: [mx(10, 'a.example.'), mx(30, 'b.example.')] };
        assert.equal(verifyRrsig(changed, rdata, dnskeyRdata(key), { now: NOW }), 'signature');
        // Another key does not verify it.
        assert.equal(verifyRrsig(rrset, rdata, dnskeyRdata(keyOf(algorithm, ZSK_FLAGS, 1)), { now: NOW }), 'key tag');
      });
    }

    it('the signature encodings: ECDSA r | s of the curve size (RFC 6605 §4), Ed25519 64 octets, RSA the modulus size', () => {
      const lengths: Array<[Algorithm, number]> = [
        [Algorithm.ECDSAP256SHA256, 64],
        [Algorithm.ECDSAP384SHA384, 96],
        [Algorithm.ED25519, 64],
        [Algorithm.RSASHA256, 128],
        [Algorithm.RSASHA512, 128],
      ];
      for (const [algorithm, length] of lengths) {
        const rdata = new RRsetSigner(keyOf(algorithm, ZSK_FLAGS), origin).sign(rrset, { inception: NOW, expiration: NOW + 1 });
        assert.equal(parseRrsig(rdata).signature.length, length, algorithmName(algorithm));
      }
    });

    it('@noble/curves verifies our P-256, P-384 and Ed25519 signatures (an independent implementation)', () => {
      for (const algorithm of [Algorithm.ECDSAP256SHA256, Algorithm.ECDSAP384SHA384, Algorithm.ED25519]) {
        for (let i = 0; i < 20; i++) {
          const key = keyOf(algorithm, ZSK_FLAGS, i % 3);
          const set: RRset = { owner: n(`h${i}.example.`), type: RRType.TXT, ttl: 60 + i, rdata: [txt(`record ${i}`), txt(`other ${i}`)] };
          const signer = new RRsetSigner(key, origin);
          const job = signer.prepare(set, { inception: NOW, expiration: NOW + 1000 });
          const sig = parseRrsig(signer.sign(set, { inception: NOW, expiration: NOW + 1000 })).signature;
          const pub = key.publicKey;
          let ok: boolean;
          if (algorithm === Algorithm.ED25519) ok = ed.ed25519.verify(sig, job.data, pub);
          else {
            const curve = algorithm === Algorithm.ECDSAP256SHA256 ? nist.p256 : nist.p384;
            const sec1 = new Uint8Array([4, ...pub]);
            ok = curve.verify(sig, job.data, sec1, { lowS: false });
            // And a flipped bit of the data fails with it too, so the check is not vacuous.
            const bad = job.data.slice();
            bad[bad.length - 1] ^= 1;
            assert.equal(curve.verify(sig, bad, sec1, { lowS: false }), false);
          }
          assert.equal(ok, true, `${algorithmName(algorithm)} signature ${i}`);
        }
      }
    });

    it('a wildcard RRset: labels leave out the `*`, and an expanded answer verifies (RFC 4035 §5.3.2)', () => {
      const key = keyOf(Algorithm.ED25519, ZSK_FLAGS);
      const wild: RRset = { owner: n('*.w.example.'), type: RRType.TXT, ttl: 60, rdata: [txt('x')] };
      assert.equal(rrsigLabels(wild.owner), 2);
      const rdata = new RRsetSigner(key, origin).sign(wild, { inception: NOW, expiration: NOW + 60 });
      assert.equal(parseRrsig(rdata).labels, 2);
      const expanded: RRset = { ...wild, owner: n('a.b.w.example.') };
      assert.equal(verifyRrsig(expanded, rdata, dnskeyRdata(key)), undefined);
      assert.equal(verifyRrsig({ ...wild, owner: n('a.b.v.example.') }, rdata, dnskeyRdata(key)), 'signature');
    });

    it('times are 32-bit serial numbers (RFC 4034 §3.1.5): a period across 2^32 is valid inside it', () => {
      const key = keyOf(Algorithm.ED25519, ZSK_FLAGS);
      const wrap = 2 ** 32;
      const rdata = new RRsetSigner(key, origin).sign(rrset, { inception: wrap - 100, expiration: wrap + 100 });
      const s = parseRrsig(rdata);
      assert.equal(s.inception, wrap - 100);
      assert.equal(s.expiration, 100);
      assert.equal(verifyRrsig(rrset, rdata, dnskeyRdata(key), { now: wrap + 50 }), undefined);
      assert.equal(verifyRrsig(rrset, rdata, dnskeyRdata(key), { now: wrap - 50 }), undefined);
      assert.equal(verifyRrsig(rrset, rdata, dnskeyRdata(key), { now: wrap + 101 }), 'expired');
      assert.equal(verifyRrsig(rrset, rdata, dnskeyRdata(key), { now: wrap - 101 }), 'not yet valid');
    });

    it('canonical rdata lower-cases the names of RFC 4034 §6.2 types, not NSEC (RFC 6840 §5.1) nor text', () => {
      const lower = (type: number, text: string): string => rdataToText(type, canonicalRdata(type, zoneRdata(type, text)));
      assert.equal(lower(RRType.SOA, 'NS1.Example. Host.Example. 1 2 3 4 5'), 'ns1.example. host.example. 1 2 3 4 5');
      assert.equal(lower(RRType.SRV, '0 5 443 Target.Example.'), '0 5 443 target.example.');
      assert.equal(lower(RRType.NAPTR, '100 10 "S" "SIP+D2U" "" _Sip._Udp.Example.'), '100 10 "S" "SIP+D2U" "" _sip._udp.example.');
      assert.equal(lower(RRType.RP, 'Mbox.Example. Txt.Example.'), 'mbox.example. txt.example.');
      assert.equal(lower(RRType.TXT, '"ABC"'), '"ABC"');
      assert.equal(lower(RRType.NSEC, 'Next.Example. A'), 'Next.Example. A');
      // Duplicates after case folding are one record (RFC 4034 §6.3).
      assert.equal(canonicalRRsetRdata({ type: RRType.NS, rdata: [zoneRdata(RRType.NS, 'A.example.'), zoneRdata(RRType.NS, 'a.example.')] }).length, 1);
    });

    it('the signed data starts with the RRSIG header and holds each record with the original TTL', () => {
      const header = new Uint8Array(18 + 9);
      const data = signedData(header, n('A.example.'), RRType.A, 77, 2, [new Uint8Array([192, 0, 2, 1])]);
      // header | owner (lower case) | type | class | TTL | rdlength | rdata
      assert.equal(data.length, header.length + 11 + 2 + 2 + 4 + 2 + 4);
      assert.deepEqual([...data.subarray(27, 38)], [1, 0x61, 7, ...'example'.split('').map((c) => c.charCodeAt(0)), 0]);
      assert.deepEqual([...data.subarray(38, 48)], [0, 1, 0, 1, 0, 0, 0, 77, 0, 4]);
    });
  });

  describe('signZone', () => {
    for (const algorithm of ALGORITHMS) {
      it(`${algorithmName(algorithm)} KSK + ZSK: what is signed and by whom (RFC 4035 §2.2, RFC 6781 §3.1)`, () => {
        const ksk = keyOf(algorithm, KSK_FLAGS);
        const zsk = keyOf(algorithm, ZSK_FLAGS);
        const keys: ZoneKey[] = [
          { key: ksk, role: 'KSK' },
          { key: zsk, role: 'ZSK' },
        ];
        const signed = signZone(zoneOf(ZONE), keys, OPTIONS);
        assert.deepEqual(covered(signed, 'example.'), ['DNSKEY', 'MX', 'NS', 'SOA']);
        for (const s of signatures(signed, 'example.')) assert.equal(s.keyTag, s.typeCovered === RRType.DNSKEY ? keyTag(ksk) : keyTag(zsk));
        // The delegation: DS signed, NS not; glue not signed; a delegation without DS has nothing.
        assert.deepEqual(covered(signed, 'sub.example.'), ['DS']);
        assert.deepEqual(covered(signed, 'ns.sub.example.'), []);
        assert.deepEqual(covered(signed, 'deleg.example.'), []);
        assert.deepEqual(covered(signed, '*.wild.example.'), ['TXT']);
        assert.equal(signatures(signed, '*.wild.example.')[0]!.labels, 2);
        // Empty non-terminals hold nothing.
        assert.deepEqual(covered(signed, 'b.c.example.'), []);
        assert.deepEqual(covered(signed, 'www.example.'), ['CNAME']);
        assert.equal(rdataToText(RRType.DNSKEY, signed.apex.rrsets.get(RRType.DNSKEY)!.rdata[0]!).split(' ')[0], '257');
        assert.deepEqual(verifyZone(signed, NOW), { verified: 11, problems: [] });
        // The answer code sees a signed zone, with the RRSIGs of each RRset at their RRset's TTL.
        const sec = dnssecOf(signed)!;
        assert.equal(sec.signatures(signed.apex, RRType.DNSKEY)!.ttl, 3600);
      });
    }

    it('a CSK signs everything; CDS and CDNSKEY for it, signed by it (RFC 7344 §4.1)', () => {
      const csk = keyOf(Algorithm.ECDSAP256SHA256, KSK_FLAGS);
      const signed = signZone(zoneOf(ZONE), [{ key: csk, role: 'CSK', cds: true }], { ...OPTIONS, cdsDigestTypes: [2, 4] });
      assert.deepEqual(covered(signed, 'example.'), ['CDNSKEY', 'CDS', 'DNSKEY', 'MX', 'NS', 'SOA']);
      assert.equal(signed.apex.rrsets.get(RRType.CDS)!.rdata.length, 2);
      assert.equal(rdataToText(RRType.CDNSKEY, signed.apex.rrsets.get(RRType.CDNSKEY)!.rdata[0]!), rdataToText(RRType.DNSKEY, dnskeyRdata(csk)));
      assert.deepEqual(verifyZone(signed, NOW).problems, []);
    });

    it('the CDS/CDNSKEY delete form (RFC 8078 §4) when unsigning', () => {
      const csk = keyOf(Algorithm.ED25519, KSK_FLAGS);
      const signed = signZone(zoneOf(ZONE), [{ key: csk, role: 'CSK' }], { ...OPTIONS, cdsDelete: true });
      assert.equal(rdataToText(RRType.CDS, signed.apex.rrsets.get(RRType.CDS)!.rdata[0]!), '0 0 0 00');
      assert.equal(rdataToText(RRType.CDNSKEY, signed.apex.rrsets.get(RRType.CDNSKEY)!.rdata[0]!), '0 3 0 AA==');
      assert.deepEqual(verifyZone(signed, NOW).problems, []);
    });

    it('a pre-published ZSK is in the DNSKEY RRset and signs nothing (RFC 7583 §3.2.1)', () => {
      const ksk = keyOf(Algorithm.ECDSAP256SHA256, KSK_FLAGS);
      const zsk = keyOf(Algorithm.ECDSAP256SHA256, ZSK_FLAGS);
      const next = keyOf(Algorithm.ECDSAP256SHA256, ZSK_FLAGS, 1);
      const signed = signZone(zoneOf(ZONE), [{ key: ksk, role: 'KSK' }, { key: zsk, role: 'ZSK' }, { key: next, role: 'ZSK', active: false }], OPTIONS);
      assert.equal(signed.apex.rrsets.get(RRType.DNSKEY)!.rdata.length, 3);
      const tags = new Set([...signed.nodes.values()].flatMap((node) => signaturesOfNode(node).map((s) => s.keyTag)));
      assert.deepEqual([...tags].sort(), [keyTag(ksk), keyTag(zsk)].sort());
    });

    it('refuses keys without a KSK/CSK or without a ZSK/CSK', () => {
      assert.throws(() => signZone(zoneOf(ZONE), [{ key: keyOf(Algorithm.ED25519, ZSK_FLAGS), role: 'ZSK' }], OPTIONS), /no active KSK or CSK/);
      assert.throws(() => signZone(zoneOf(ZONE), [{ key: keyOf(Algorithm.ED25519, KSK_FLAGS), role: 'KSK' }], OPTIONS), /no active ZSK or CSK/);
    });

    it('signs the denial records the denial step gives (here a test NSEC chain)', () => {
      const csk = keyOf(Algorithm.ECDSAP256SHA256, KSK_FLAGS);
      const signed = signZone(zoneOf(ZONE), [{ key: csk, role: 'CSK' }], { ...OPTIONS, denial: nsecRRsets });
      assert.deepEqual(covered(signed, 'example.'), ['DNSKEY', 'MX', 'NS', 'NSEC', 'SOA']);
      assert.deepEqual(covered(signed, 'sub.example.'), ['DS', 'NSEC']);
      assert.deepEqual(covered(signed, 'deleg.example.'), ['NSEC']);
      assert.match(rdataToText(RRType.NSEC, signed.apex.rrsets.get(RRType.NSEC)!.rdata[0]!), /DNSKEY/);
      assert.deepEqual(verifyZone(signed, NOW).problems, []);
    });

    it('expirations spread by jitter, inception set back (RFC 6781 §4.4.2)', () => {
      const csk = keyOf(Algorithm.ED25519, KSK_FLAGS);
      const signed = signZone(zoneOf(ZONE), [{ key: csk, role: 'CSK' }], { ...OPTIONS, jitter: 86400, inceptionOffset: 600 });
      const all = [...signed.nodes.values()].flatMap(signaturesOfNode);
      assert.ok(new Set(all.map((s) => s.expiration)).size > 1);
      for (const s of all) {
        assert.equal(s.inception, NOW - 600);
        assert.ok(s.expiration <= NOW + OPTIONS.validity && s.expiration >= NOW + OPTIONS.validity - 86400);
      }
    });
  });

  describe('re-signing', () => {
    const ksk = () => keyOf(Algorithm.ECDSAP256SHA256, KSK_FLAGS);
    const zsk = () => keyOf(Algorithm.ECDSAP256SHA256, ZSK_FLAGS);
    const keys = (): ZoneKey[] => [
      { key: ksk(), role: 'KSK' },
      { key: zsk(), role: 'ZSK' },
    ];

    it('resignDue keeps fresh signatures and renews those due within refresh', () => {
      const signed = signZone(zoneOf(ZONE), keys(), OPTIONS);
      const soon = resignDue(signed, keys(), { ...OPTIONS, now: NOW + 86400, refresh: 3 * 86400 });
      // 13 days left: nothing is due.
      assert.deepEqual(allSigs(soon), allSigs(signed));
      const late = resignDue(signed, keys(), { ...OPTIONS, now: NOW + 12 * 86400, refresh: 3 * 86400 });
      const lateSigs = [...late.nodes.values()].flatMap(signaturesOfNode);
      for (const s of lateSigs) assert.equal(s.expiration, NOW + 12 * 86400 + OPTIONS.validity);
      assert.deepEqual(verifyZone(late, NOW + 12 * 86400).problems, []);
    });

    it('a new ZSK: its signatures replace the old ones; the KSK signatures over an unchanged DNSKEY RRset stay', () => {
      const signed = signZone(zoneOf(ZONE), keys(), OPTIONS);
      const next = keyOf(Algorithm.ECDSAP256SHA256, ZSK_FLAGS, 2);
      const rolled = resignDue(signed, [{ key: ksk(), role: 'KSK' }, { key: zsk(), role: 'ZSK' }, { key: next, role: 'ZSK', active: false }], OPTIONS);
      // The pre-published key signs nothing: the ZSK's signatures stay.
      assert.deepEqual(sigsOf(rolled, 'mail.example.', RRType.A), sigsOf(signed, 'mail.example.', RRType.A));
      // The DNSKEY RRset changed (a key was added): signed again.
      assert.notDeepEqual(sigsOf(rolled, 'example.', RRType.DNSKEY), sigsOf(signed, 'example.', RRType.DNSKEY));
      assert.throws(() => resignDue(rolled, [{ key: ksk(), role: 'KSK' }], OPTIONS), /no active ZSK/);
      const swapped = resignDue(rolled, [{ key: ksk(), role: 'KSK' }, { key: zsk(), role: 'ZSK', active: false }, { key: next, role: 'ZSK' }], OPTIONS);
      assert.deepEqual(sigsOf(swapped, 'example.', RRType.DNSKEY), sigsOf(rolled, 'example.', RRType.DNSKEY));
      for (const s of signatures(swapped, 'mail.example.')) assert.equal(s.keyTag, keyTag(next));
      assert.deepEqual(verifyZone(swapped, NOW).problems, []);
    });

    it('resignChanged: a one-record change re-signs that name and the SOA, shares every other name', () => {
      const unsigned = zoneOf(ZONE);
      const signed = signZone(unsigned, keys(), OPTIONS);
      const update = new ZoneUpdate(unsigned);
      const soa = unsigned.soa;
      const newSoa = zoneRdata(RRType.SOA, 'ns1.example. hostmaster.example. 2 7200 3600 1209600 300');
      update.remove({ owner: soa.owner, type: RRType.SOA, ttl: soa.ttl, rdata: soa.rdata[0]! }).add({ owner: soa.owner, type: RRType.SOA, ttl: soa.ttl, rdata: newSoa });
      update.add({ owner: n('new.deep.example.'), type: RRType.A, ttl: 60, rdata: new Uint8Array([192, 0, 2, 9]) });
      update.remove({ owner: n('mail.example.'), type: RRType.A, ttl: 3600, rdata: new Uint8Array([192, 0, 2, 3]) });
      update.add({ owner: n('mail.example.'), type: RRType.A, ttl: 3600, rdata: new Uint8Array([192, 0, 2, 4]) });
      const next = update.commit().zone;
      const plan = planResign(signed, next, [n('new.deep.example.'), n('mail.example.')], keys(), { ...OPTIONS, now: NOW + 60 })!;
      // SOA, new.deep A, mail A: three ZSK signatures; the apex's NS, MX and DNSKEY signatures are kept.
      assert.equal(plan.jobs.length, 3);
      assert.equal(plan.reused, 3);
      const resigned = assembleSignedZone(plan, signJobs(plan));
      assert.equal(resigned.serial, 2);
      assert.equal(resigned.node(n('ns1.example.')), signed.node(n('ns1.example.')), 'an untouched name is the same node');
      assert.deepEqual(covered(resigned, 'new.deep.example.'), ['A']);
      assert.ok(resigned.node(n('deep.example.'))!.isEmptyNonTerminal);
      assert.deepEqual(verifyZone(resigned, NOW + 60).problems, []);
      // The same zone signed from scratch holds the same RRsets.
      const full = signZone(next, keys(), { ...OPTIONS, now: NOW + 60 });
      assert.deepEqual(rrsetSummary(resigned), rrsetSummary(full));
      assert.equal(resigned.recordCount, full.recordCount);
    });

    it('resignChanged falls back to a whole-zone pass when a zone cut appears', () => {
      const unsigned = zoneOf(ZONE);
      const signed = signZone(unsigned, keys(), OPTIONS);
      const update = new ZoneUpdate(unsigned);
      update.add({ owner: n('a.b.c.example.'), type: RRType.NS, ttl: 60, rdata: n('ns.other.test.').toWire() });
      const next = update.commit().zone;
      assert.equal(planResign(signed, next, [n('a.b.c.example.')], keys(), OPTIONS), undefined);
      assert.throws(() => planResign(signed, next, [n('other.test.')], keys(), OPTIONS), /outside zone example\./);
      const resigned = resignChanged(signed, next, [n('a.b.c.example.')], keys(), OPTIONS);
      assert.deepEqual(covered(resigned, 'a.b.c.example.'), []);
      assert.deepEqual(verifyZone(resigned, NOW).problems, []);
    });

    it('planSigning then assembleSignedZone equals signZone (the worker-thread path)', () => {
      const plan = planSigning(zoneOf(ZONE), keys(), OPTIONS);
      const zone = assembleSignedZone(plan, signJobs(plan));
      assert.deepEqual(verifyZone(zone, NOW).problems, []);
      assert.throws(() => assembleSignedZone(plan, []), /0 signatures for/);
    });
  });
});

function signaturesOfNode(node: ZoneNode): Array<ReturnType<typeof parseRrsig>> {
  return (node.rrsets.get(RRType.RRSIG)?.rdata ?? []).map(parseRrsig);
}

function sigsOf(zone: Zone, owner: string, type: number): string[] {
  return (zone.node(n(owner))?.rrsets.get(RRType.RRSIG)?.rdata ?? []).filter((r) => parseRrsig(r).typeCovered === type).map((r) => Buffer.from(r).toString('hex'));
}

function allSigs(zone: Zone): string[] {
  return [...zone.nodes.values()].flatMap((node) => (node.rrsets.get(RRType.RRSIG)?.rdata ?? []).map((r) => Buffer.from(r).toString('hex'))).sort();
}

/** Each RRset but RRSIGs as text, and the types the RRSIGs cover, by owner: to compare two signed versions. */
function rrsetSummary(zone: Zone): string[] {
  const out: string[] = [];
  for (const node of zone.nodes.values()) {
    for (const rrset of node.rrsets.values()) {
      if (rrset.type === RRType.RRSIG) out.push(`${node.name} RRSIG ${rrset.rdata.map((r) => parseRrsig(r).typeCovered).sort().join(',')}`);
      else out.push(`${node.name} ${rrset.ttl} ${typeToString(rrset.type)} ${rrset.rdata.map((r) => rdataToText(rrset.type, r)).sort().join(' | ')}`);
    }
  }
  return out.sort();
}

function mx(pref: number, host: string): Uint8Array {
  const name = n(host).toWire();
  return new Uint8Array([pref >> 8, pref & 0xff, ...name]);
}

function txt(s: string): Uint8Array {
  return new Uint8Array([s.length, ...Buffer.from(s, 'latin1')]);
}

function zoneRdata(type: number, text: string): Uint8Array {
  const records = readZoneFile(`x.example. 60 IN ${typeToString(type)} ${text}`, { origin: n('example.'), source: 'test' });
  return records[0]!.rdata;
}
