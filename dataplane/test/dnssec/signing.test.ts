import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Name } from '../../dns/name';
import { RRType } from '../../dns/constants';
import { readZoneFile } from '../../dns/zonefile/reader';
import { rdataToText } from '../../dns/rdata/registry';
import { tempDir } from '../../testkit/processes';
import { Algorithm, DigestType, KSK_FLAGS, ZSK_FLAGS, algorithmName, dnskeyRdata, dsFields, dsRdataText, generateKey, keyTag, keyTagOfRdata, parseDnskeyRdata, type SigningKey } from '../../dnssec/keys';
import { signZone } from '../../dnssec/signzone';
import { verifyZone } from '../../dnssec/signzone.fixtures';
import { DENIALS, zoneOf, zoneText } from './signing.fixtures';

/**
 * Keys and signatures of dataplane/dnssec/ against the real tools (Debian's ldnsutils and
 * bind9-utils):
 * - keys made by dnssec-keygen and ldns-keygen: our key tag and DS of their DNSKEY equal theirs
 *   (the tag in the file name, dnssec-dsfromkey, ldns-key2ds), and dnssec-dsfromkey and
 *   ldns-key2ds compute the same DS as ours from our DNSKEYs, for the five algorithms;
 * - the differential test zone (delegations with and without DS, glue, wildcards, empty
 *   non-terminals) signed here for each algorithm, KSK + ZSK and CSK, is accepted by
 *   ldns-verify-zone and by dnssec-verify, with each denial chain of dataplane/dnssec/: NSEC
 *   (nsec.ts), NSEC3 with RFC 9276's parameters and NSEC3 with opt-out (nsec3.ts).
 */

const ALGORITHMS = [Algorithm.RSASHA256, Algorithm.RSASHA512, Algorithm.ECDSAP256SHA256, Algorithm.ECDSAP384SHA384, Algorithm.ED25519] as const;
const ZONE_FILE = join(__dirname, '../../../../dataplane/test/differential/signed/zone.db');

function run(cmd: string, args: readonly string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** The DS rdata text of a line `owner TTL IN DS tag alg type HEX` (hex upper case, no spaces). */
function dsOfLine(line: string): string {
  const m = /\sDS\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-fA-F\s]+)$/.exec(line.trim());
  assert.ok(m, `not a DS line: ${line}`);
  return `${m[1]} ${m[2]} ${m[3]} ${m[4]!.replace(/\s/g, '').toUpperCase()}`;
}

function dnskeyOfFile(path: string, origin: Name): Uint8Array {
  const records = readZoneFile(readFileSync(path, 'utf8'), { origin, source: path, defaultTtl: 3600 }).filter((r) => r.type === RRType.DNSKEY);
  assert.equal(records.length, 1, `one DNSKEY in ${path}`);
  return records[0]!.rdata;
}

describe('dnssec keys and signatures against ldns and BIND @integration', function () {
  this.timeout(120_000);
  const origin = Name.fromText('signed.test.');
  let dir: { path: string; remove(): void };
  before(() => {
    dir = tempDir('dnssec-signing');
  });
  after(() => dir.remove());

  for (const algorithm of ALGORITHMS) {
    const name = algorithmName(algorithm);

    it(`${name}: dnssec-keygen's and ldns-keygen's keys have our key tag and DS`, () => {
      const sub = join(dir.path, `keygen-${algorithm}`);
      run('mkdir', ['-p', sub]);
      const rsa = algorithm === Algorithm.RSASHA256 || algorithm === Algorithm.RSASHA512 ? ['-b', '2048'] : [];
      const bindBase = run('dnssec-keygen', ['-q', '-K', sub, '-a', name, '-f', 'KSK', ...rsa, 'signed.test'], sub).trim();
      const ldnsBase = run('ldns-keygen', ['-a', name, '-k', ...rsa, 'signed.test'], sub).trim();
      for (const base of [bindBase, ldnsBase]) {
        const keyFile = join(sub, `${base}.key`);
        const dnskey = dnskeyOfFile(keyFile, origin);
        // K<zone>+<alg>+<tag>: both tools put the key tag in the file name.
        assert.equal(keyTagOfRdata(dnskey), Number(/\+(\d+)$/.exec(base)![1]), base);
        assert.equal(parseDnskeyRdata(dnskey).algorithm, algorithm);
        for (const digestType of [DigestType.SHA256, DigestType.SHA384]) {
          const theirs = dsOfLine(run('dnssec-dsfromkey', ['-a', digestType === DigestType.SHA256 ? 'SHA-256' : 'SHA-384', keyFile]).trim());
          assert.equal(dsRdataText(dsFields(origin, dnskey, digestType)), theirs, `${base} digest ${digestType}`);
        }
        const ldnsDs = run('ldns-key2ds', ['-n', '-2', keyFile]).trim();
        assert.equal(dsRdataText(dsFields(origin, dnskey, DigestType.SHA256)), dsOfLine(ldnsDs), `${base} ldns-key2ds`);
      }
    });

    it(`${name}: the DS of our keys, computed by dnssec-dsfromkey and ldns-key2ds`, () => {
      const key = generateKey(algorithm, { flags: KSK_FLAGS });
      const keyFile = join(dir.path, `ours-${algorithm}.key`);
      writeFileSync(keyFile, `signed.test. 3600 IN DNSKEY ${rdataToText(RRType.DNSKEY, dnskeyRdata(key))}\n`);
      const bind = dsOfLine(run('dnssec-dsfromkey', ['-2', '-f', keyFile, 'signed.test']).trim());
      const ldns = dsOfLine(run('ldns-key2ds', ['-n', '-2', keyFile]).trim());
      const ours = dsRdataText(dsFields(origin, dnskeyRdata(key), DigestType.SHA256));
      assert.equal(ours, bind);
      assert.equal(ours, ldns);
      assert.equal(Number(ours.split(' ')[0]), keyTag(key));
    });

    for (const layout of ['KSK + ZSK', 'CSK'] as const) for (const [denialName, denial] of Object.entries(DENIALS)) {
      it(`${name} ${layout} ${denialName}: the signed test zone passes ldns-verify-zone and dnssec-verify`, () => {
        const now = Math.floor(Date.now() / 1000);
        const ksk: SigningKey = generateKey(algorithm, { flags: KSK_FLAGS });
        const keys =
          layout === 'CSK'
            ? [{ key: ksk, role: 'CSK' as const, cds: true }]
            : [
                { key: ksk, role: 'KSK' as const, cds: true },
                { key: generateKey(algorithm, { flags: ZSK_FLAGS }), role: 'ZSK' as const },
              ];
        const signed = signZone(zoneOf(readFileSync(ZONE_FILE, 'utf8'), origin), keys, { now, validity: 7 * 86400, jitter: 3600, dnskeyTtl: 3600, denial });
        assert.deepEqual(verifyZone(signed, now).problems, []);
        const file = join(dir.path, `signed-${algorithm}-${layout === 'CSK' ? 'csk' : 'kz'}-${denialName.replace(/ /g, '-')}.db`);
        writeFileSync(file, zoneText(signed));
        const ldns = run('ldns-verify-zone', ['-V', '3', file]);
        assert.match(ldns, /Zone is verified and complete/);
        // dnssec-verify wants a non-SEP key over the zone data unless told (-z) to ignore the SEP
        // flag, which a CSK layout needs: one SEP key signs everything (RFC 6781 §3.1.1).
        const bind = run('dnssec-verify', ['-o', 'signed.test', ...(layout === 'CSK' ? ['-z'] : []), file]);
        assert.match(bind, /Zone fully signed/);
        assert.match(bind, new RegExp(`Algorithm: ${name}: KSKs: 1 active`));
      });
    }
  }

});
