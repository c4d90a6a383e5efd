import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nsdVersion, startDnsfleet, startNsd, type RunningPeer } from '../../testkit/peers';
import { stopAll, tempDir } from '../../testkit/processes';
import { flagsOf, query, type Reply } from '../../testkit/dns-client';
import { cacheReplayMismatches, comparable, lineDiff, readCorpus, sameButId } from './compare';

/**
 * Differential test of DNSSEC-aware answers (RFC 4035 §3.1, RFC 5155 §7.2) for a pre-signed zone.
 * `signed/zone.db` (delegations with and without DS, wildcards, empty non-terminals, CNAME and
 * DNAME chains, RRSIGs of one owner with different TTLs) is signed here with ldns-signzone three
 * times: NSEC; NSEC3 without salt and 0 iterations; NSEC3 with opt-out, a salt and 5 iterations.
 * NSD (from Debian) and `dnsfleet serve` load the same signed file, and every query of
 * `signed/queries.txt` (with DO unless marked `+nodo`) must get the same rcode, AA and TC, and
 * the same answer and authority sections, RRSIGs, NSEC and NSEC3 records included (as sets of
 * records; names case-insensitively, everything else exactly, TTLs included).
 *
 * Allowed differences:
 * - as in differential.test.ts, NSD adds the apex NS RRset to positive answers, and with DO its
 *   RRSIG; dnsfleet sends minimal responses, so neither is compared there;
 * - in a truncated response (TC set; the corpus asks some questions with a 512-octet EDNS size)
 *   the authority section is not compared, only rcode, flags and the answer section. NSD orders
 *   the NSEC3 records and the SOA of negative answers differently, so a different subset fits;
 *   RFC 2181 §9 has a resolver ignore a truncated response and ask again over TCP, and the same
 *   questions over TCP are in the corpus and compared in full.
 * Where NSD 4.6.1 breaks an RFC, the queries are left out of the corpus and pinned by a test of
 * their own, so the difference stays written down:
 * - RFC 4035 §3.1.3.2: a DNAME whose target does not exist, in an NSEC zone (x.dname): NSD sends
 *   only the NSEC denying the wildcard, not the one covering the substituted name; dnsfleet sends
 *   both.
 *
 * Then delv, a validating resolver, checks positive, wildcard, NODATA and NXDOMAIN answers from
 * dnsfleet and from NSD against a trust anchor made from the zone's KSK with dnssec-dsfromkey.
 */

const ORIGIN = 'signed.test.';
const APEX = ORIGIN.slice(0, -1);
const SOURCE = join(__dirname, '../../../../dataplane/test/differential/signed');

interface Variant {
  readonly name: string;
  readonly args: readonly string[];
  /** Queries left out of the corpus for this variant, each pinned by a test below. */
  readonly pinned: RegExp;
  /** What delv says of a wildcard answer: with opt-out, the NSEC3 covering the next closer name
   * may hide an unsigned delegation (RFC 5155 §6), so BIND's validator calls the answer insecure. */
  readonly wildcardStatus: string;
}

/** Matches no corpus line. */
const NOTHING = /(?!)/;

const VARIANTS: readonly Variant[] = [
  { name: 'NSEC', args: [], pinned: /^x\.dname /, wildcardStatus: '; fully validated' },
  { name: 'NSEC3, no salt, 0 iterations', args: ['-n', '-t', '0'], pinned: NOTHING, wildcardStatus: '; fully validated' },
  { name: 'NSEC3 opt-out, salt, 5 iterations', args: ['-n', '-p', '-t', '5', '-s', 'abcdef'], pinned: NOTHING, wildcardStatus: '; unsigned answer' },
];

/** Runs a signing tool in `cwd`, bounded in time; throws with its output when it fails. */
function tool(cwd: string, command: string, args: readonly string[]): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.error ?? ''}`);
  return r.stdout;
}

interface Keys {
  readonly dir: string;
  /** Base names (`Ksigned.test.+013+NNNNN`), KSK first. */
  readonly ksk: string;
  readonly zsk: string;
}

/** An ECDSA P-256 KSK and ZSK for the zone (RFC 6605), made once per run. */
function makeKeys(dir: string): Keys {
  const ksk = tool(dir, 'ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', APEX]).trim();
  const zsk = tool(dir, 'ldns-keygen', ['-a', 'ECDSAP256SHA256', APEX]).trim();
  return { dir, ksk, zsk };
}

/** The zone signed by ldns-signzone with `args` added, as text. */
function sign(keys: Keys, variant: Variant, file: string): string {
  const out = join(keys.dir, file);
  tool(keys.dir, 'ldns-signzone', [...variant.args, '-o', ORIGIN, '-f', out, join(SOURCE, 'zone.db'), keys.ksk, keys.zsk]);
  return readFileSync(out, 'utf8');
}

function hasRrsig(reply: Reply): boolean {
  return [...(reply.packet.answers ?? []), ...(reply.packet.authorities ?? [])].some((r) => r.type === 'RRSIG');
}

describe('signed zones: differential test against NSD with DO @integration', function () {
  this.timeout(180_000);
  let scratch: { path: string; remove(): void } | undefined;
  const corpus = readCorpus(join(SOURCE, 'queries.txt'), ORIGIN, { dnssecOk: true });
  let keys: Keys;
  let anchor: string;

  before(() => {
    scratch = tempDir('signed');
    keys = makeKeys(scratch.path);
    // delv's `trust-anchors` with the DS of the KSK (SHA-256), from dnssec-dsfromkey.
    const ds = tool(keys.dir, 'dnssec-dsfromkey', ['-2', `${keys.ksk}.key`]).trim().split(/\s+/);
    const [keyTag, algorithm, digestType, digest] = ds.slice(-4);
    anchor = join(keys.dir, 'anchor.conf');
    writeFileSync(anchor, `trust-anchors {\n  "${ORIGIN}" static-ds ${keyTag} ${algorithm} ${digestType} "${digest}";\n};\n`);
  });

  /** delv's first status line (`; fully validated`, `; negative response, fully validated`, ...). */
  function delvStatus(peer: RunningPeer, name: string, type: string): { status: string; output: string } {
    const r = spawnSync('delv', [`@${peer.host}`, '-p', String(peer.port), '-a', anchor, `+root=${APEX}`, name, type], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    const output = `${r.stdout}${r.stderr}`;
    const status = output.split('\n').find((l) => /^; (fully validated|negative response|unsigned answer)/.test(l)) ?? '(no status)';
    return { status, output };
  }

  after(async () => {
    await stopAll();
    scratch?.remove();
  });

  it(`has a corpus of at least 300 queries (${corpus.length})`, () => {
    assert.ok(corpus.length >= 300);
  });

  VARIANTS.forEach((variant, index) => {
    describe(`signed with ${variant.name}`, () => {
      let nsd: RunningPeer;
      let fleet: RunningPeer;
      let zone: { name: string; text: string };

      before(async () => {
        zone = { name: ORIGIN, text: sign(keys, variant, `zone${index}.signed`) };
        nsd = await startNsd([zone]);
        fleet = await startDnsfleet([zone]);
      });
      after(async () => {
        await fleet?.stop();
        await nsd?.stop();
      });

      it('answers every query of the corpus exactly as NSD does', async () => {
        const mismatches: string[] = [];
        for (const c of corpus.filter((k) => !variant.pinned.test(k.line))) {
          const [expected, actual] = await Promise.all([
            query(nsd.host, nsd.port, c.name, c.type, c.options),
            query(fleet.host, fleet.port, c.name, c.type, c.options),
          ]);
          const want = comparable(expected, APEX, { truncatedAuthority: 'ignore' });
          const got = comparable(actual, APEX, { truncatedAuthority: 'ignore' });
          if (want.join('\n') !== got.join('\n')) mismatches.push(`query "${c.line}" (- ${nsdVersion()}, + dnsfleet):\n${lineDiff(want, got)}`);
        }
        assert.equal(mismatches.length, 0, `${mismatches.length} of ${corpus.length} answers differ from NSD:\n${mismatches.join('\n\n')}`);
      });

      it('caches answers with and without DO apart: each asked again is the same, and only DO gets RRSIGs', async () => {
        const fresh = await startDnsfleet([zone]);
        try {
          for (const name of [`www.${ORIGIN}`, `nosuch.${ORIGIN}`, `x.wild.${ORIGIN}`, `x.insecure.${ORIGIN}`]) {
            const withDo = await query(fresh.host, fresh.port, name, 'A', { dnssecOk: true });
            const without = await query(fresh.host, fresh.port, name, 'A');
            const noEdns = await query(fresh.host, fresh.port, name, 'A', { edns: null });
            assert.ok(name.startsWith('x.insecure') || hasRrsig(withDo), `${name}: RRSIGs with DO`);
            assert.ok(!hasRrsig(without) && !hasRrsig(noEdns), `${name}: no RRSIGs without DO`);
            const withDoAgain = await query(fresh.host, fresh.port, name, 'A', { dnssecOk: true });
            const withoutAgain = await query(fresh.host, fresh.port, name, 'A');
            assert.ok(sameButId(withDo.raw, withDoAgain.raw), `${name}: DO answer from the cache`);
            assert.ok(sameButId(without.raw, withoutAgain.raw), `${name}: answer without DO from the cache`);
          }
        } finally {
          await fresh.stop();
        }
      });

      it('answers every UDP query of the corpus from its cache exactly as the first time, in the case asked', async () => {
        // A server of its own, so that the first answer comes from the full responder and the next
        // ones from the cache through the UDP fast path, for DO and non-DO variants alike.
        const fresh = await startDnsfleet([zone]);
        try {
          assert.deepEqual(await cacheReplayMismatches(fresh.host, fresh.port, corpus), []);
        } finally {
          await fresh.stop();
        }
      });

      it('is validated by delv: a positive, a wildcard, a NODATA and an NXDOMAIN answer, as NSD\'s are', () => {
        const cases: [string, string, string][] = [
          [`www.${ORIGIN}`, 'A', '; fully validated'],
          [`short.${ORIGIN}`, 'TXT', '; fully validated'],
          [`x.wild.${ORIGIN}`, 'TXT', variant.wildcardStatus],
          [`web.${ORIGIN}`, 'MX', '; negative response, fully validated'],
          [`x.wild.${ORIGIN}`, 'MX', '; negative response, fully validated'],
          [`c.ent.${ORIGIN}`, 'A', '; negative response, fully validated'],
          [`nosuch.${ORIGIN}`, 'A', '; negative response, fully validated'],
          [`x.b.c.ent.${ORIGIN}`, 'A', '; negative response, fully validated'],
        ];
        for (const [name, type, expected] of cases) {
          const fromFleet = delvStatus(fleet, name, type);
          const fromNsd = delvStatus(nsd, name, type);
          assert.equal(fromFleet.status, expected, `delv ${name} ${type} from dnsfleet:\n${fromFleet.output}`);
          assert.equal(fromNsd.status, expected, `delv ${name} ${type} from ${nsdVersion()}:\n${fromNsd.output}`);
        }
      });

      if (variant.name === 'NSEC') {
        it('proves a DNAME target that does not exist with the NSEC covering it (RFC 4035 §3.1.3.2), where NSD 4.6 does not', async () => {
          const owners = (r: Reply): string[] => (r.packet.authorities ?? []).filter((a) => a.type === 'NSEC').map((a) => a.name.toLowerCase()).sort();
          const [fromNsd, fromFleet] = await Promise.all([
            query(nsd.host, nsd.port, `x.dname.${ORIGIN}`, 'A', { dnssecOk: true }),
            query(fleet.host, fleet.port, `x.dname.${ORIGIN}`, 'A', { dnssecOk: true }),
          ]);
          // x.target sorts between host.target and web; *.target (no wildcard) between short and host.target.
          assert.deepEqual(owners(fromFleet), [`host.target.${APEX}`, `short.${APEX}`]);
          // NSD 4.6.1's answer, pinned so that a newer NSD from Debian shows up here.
          assert.deepEqual(owners(fromNsd), [`short.${APEX}`], `${nsdVersion()} now proves x.target: move x.dname back into the corpus`);
          assert.equal(delvStatus(fleet, `x.dname.${ORIGIN}`, 'A').status, '; fully validated');
        });
      }

      it('keeps an RRset and its RRSIGs together when they do not fit, and sets TC (RFC 4035 §3.1.1)', async () => {
        const small = await query(fleet.host, fleet.port, ORIGIN, 'DNSKEY', { edns: 512, dnssecOk: true });
        const full = await query(fleet.host, fleet.port, ORIGIN, 'DNSKEY', { tcp: true, dnssecOk: true });
        const types = (r: Reply): string[] => (r.packet.answers ?? []).map((a) => a.type).sort();
        assert.deepEqual(types(full), ['DNSKEY', 'DNSKEY', 'RRSIG']);
        // Whatever fits in 512 octets, never a DNSKEY RRset without its RRSIG.
        if (flagsOf(small).tc) assert.ok(types(small).length === 0 || types(small).includes('RRSIG'));
        else assert.deepEqual(types(small), types(full));
      });
    });
  });

});
