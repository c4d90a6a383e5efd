import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RRType } from '../dns/constants';
import { Name } from '../dns/name';
import { signingPolicy } from '../manifest/dnssec-policy';
import { memoryLogger } from '../testkit/memory-logger';
import { zoneOf } from '../testkit/zone-text';
import type { ParentDsResult } from '../transfer/parent-ds';
import { SigningPool } from '../signing/signing-pool';
import type { ZoneSigningConfig } from './catalog';
import { ServeSigning } from './signing';
import { StateDir } from './state-dir';

// ServeSigning in one process, without a server: what serve does with a zone's policy, its state
// directory and the parent's DS answers, on a clock the test moves.

const zone = (origin: string, serial = 1) =>
  zoneOf(`@ 60 IN SOA ns1 hostmaster ${serial} 3600 600 86400 60\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\nwww 60 IN A 192.0.2.2\n`, Name.fromText(origin));
const FAST = signingPolicy({ algorithm: 'ED25519', dnskeyTTL: 1, propagationDelay: '1s', parentPropagationDelay: '1s', parentDSTTL: 1 })!;
const PARENT = signingPolicy({ algorithm: 'ED25519', dnskeyTTL: 1, propagationDelay: '1s', parentPropagationDelay: '1s', parentDSTTL: 1, dsConfirmation: { mode: 'Parent', checkInterval: '10s', parentNameservers: [{ address: '127.0.0.1', port: 5399 }] } })!;
const withPolicy = (name: string, policy = FAST): ZoneSigningConfig => ({ policyName: name, policy, annotations: {} });

describe('ServeSigning', () => {
  let dir: string;
  let now = 1_800_000_000;
  const pool = new SigningPool({ threads: 1 });
  const log = memoryLogger();
  let changes = 0;
  let parentAnswers: ParentDsResult[] = [];
  let signing: ServeSigning;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsfleet-signing-'));
    log.lines.length = 0;
    changes = 0;
    parentAnswers = [];
    signing = new ServeSigning({
      stateDir: dir,
      log,
      pool,
      clock: () => now,
      onChange: () => void changes++,
      parentDs: async () => parentAnswers.shift() ?? { confirmed: false, tags: [], answers: [], errors: [] },
    });
  });
  afterEach(async () => {
    await signing.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  after(() => pool.close());

  const dnskeysOf = (origin: string): number => signing.signedZone(Name.fromText(origin))?.apex.rrsets.get(RRType.DNSKEY)?.rdata.length ?? 0;
  const stateOf = (origin: string) => new StateDir(dir).read(origin)!;

  it('signs a zone that names a policy; a zone without one is served as it is and gets no directory', async () => {
    await signing.update([{ zone: zone('signed.test.'), config: withPolicy('fast') }, { zone: zone('plain.test.') }]);
    assert.equal(dnskeysOf('signed.test.'), 2);
    assert.equal(signing.signedZone(Name.fromText('plain.test.')), undefined);
    assert.ok(!existsSync(join(dir, 'plain.test')));
    assert.equal(changes, 1);
    assert.equal(stateOf('signed.test.').record.state.phase, 'signing');
  });

  it('does not sign an unchanged zone again on a reload (same serial and records), and does for a new serial', async () => {
    await signing.update([{ zone: zone('signed.test.'), config: withPolicy('fast') }]);
    const first = signing.signedZone(Name.fromText('signed.test.'))!;
    await signing.update([{ zone: zone('signed.test.'), config: withPolicy('fast') }]);
    assert.equal(signing.signedZone(Name.fromText('signed.test.')), first);
    await signing.update([{ zone: zone('signed.test.', 2), config: withPolicy('fast') }]);
    assert.equal(signing.signedZone(Name.fromText('signed.test.'))!.serial, 2);
  });

  it('holds a zone whose policy the files do not define: signed with the same keys, the lifecycle not moved', async () => {
    // Mode Parent: the zone asks to be woken in 10 s, long past when it is held.
    await signing.update([{ zone: zone('signed.test.'), config: withPolicy('p', PARENT) }]);
    const before = stateOf('signed.test.');
    now += 3600;
    await signing.update([{ zone: zone('signed.test.', 2), config: { policyName: 'p', annotations: {} } }]);
    assert.equal(dnskeysOf('signed.test.'), 2);
    assert.equal(signing.signedZone(Name.fromText('signed.test.'))!.serial, 2, 'the new content is signed');
    assert.deepEqual(stateOf('signed.test.').record, before.record);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(log.lines.filter((l) => l.level === 'warn' && l.msg.startsWith('signing held')).length, 1, 'held once, no wake-up loop');
  });

  it('a state directory that cannot be used fails that zone only, logged; the others are signed', async () => {
    writeFileSync(join(dir, 'broken.test'), 'a file where the zone directory goes');
    await signing.update([{ zone: zone('broken.test.'), config: withPolicy('fast') }, { zone: zone('good.test.'), config: withPolicy('fast') }]);
    assert.equal(signing.signedZone(Name.fromText('broken.test.')), undefined, 'not signed with keys that are not saved');
    assert.equal(dnskeysOf('good.test.'), 2);
    const error = log.lines.find((l) => l.level === 'error');
    assert.equal(error?.fields?.zone, 'broken.test.');
    assert.match(String(error?.fields?.error), /broken\.test\/state\.json: cannot (read|write)/);
  });

  it('re-signs before any signature gets within refresh of its expiry, in batches: the jitter spreads expirations over 12 h, re-signs come at least an hour apart', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `h${i} 60 IN A 192.0.2.${i % 250}`).join('\n');
    const big = zoneOf(`@ 60 IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ 60 IN NS ns1\nns1 60 IN A 192.0.2.1\n${names}\n`, Name.fromText('big.test.'));
    const policy = signingPolicy({ algorithm: 'ED25519' })!; // validity 336h, refresh 120h, jitter 12h
    const subjects = [{ zone: big, config: withPolicy('default', policy) }];
    await signing.update(subjects);
    const expirations = (): number[] => {
      const out: number[] = [];
      for (const node of signing.signedZone(Name.fromText('big.test.'))!.nodes.values()) for (const r of node.rrsets.get(RRType.RRSIG)?.rdata ?? []) out.push(new DataView(r.buffer, r.byteOffset).getUint32(8));
      return out;
    };
    const first = expirations();
    assert.ok(Math.max(...first) - Math.min(...first) > 6 * 3600, 'expirations spread by the jitter');
    const start = now;
    const resigns: number[] = [];
    // Through the 12 h of expirations (moved 336h - 120h - 12h on), a minute at a time.
    for (now = Math.min(...first) - 120 * 3600 - 60; now < Math.max(...first) - 120 * 3600 + 3600; now += 60) {
      await signing.update(subjects);
      await new Promise((resolve) => setTimeout(resolve, 2));
      await signing.update(subjects);
      if (log.lines.some((l) => l.msg === 're-signed' && !resigns.includes(l.fields?.serial as number))) {
        resigns.push(...log.lines.filter((l) => l.msg === 're-signed').map((l) => l.fields?.serial as number).filter((s) => !resigns.includes(s)));
      }
      assert.ok(Math.min(...expirations()) - now >= 120 * 3600 - 60, `at ${now - start} s a signature is within refresh of its expiry`);
    }
    assert.ok(resigns.length >= 1, 'it re-signed');
    assert.ok(resigns.length <= 13, `${resigns.length} re-signs in 12 h`);
  });

  it('mode Parent: servers that disagree confirm nothing; all agreeing confirm the DS; the DS TTL the parent gives is waited for', async () => {
    await signing.update([{ zone: zone('kid.test.'), config: withPolicy('p', PARENT) }]);
    const ksk = stateOf('kid.test.').record.state.keys.find((k) => k.role === 'KSK')!.tag;
    parentAnswers = [
      { confirmed: false, tags: [], answers: [{ server: '127.0.0.1:5399', tags: [ksk] }, { server: '127.0.0.2:53', tags: [] }], errors: [] },
      { confirmed: true, tags: [ksk], ttl: 7200, answers: [{ server: '127.0.0.1:5399', tags: [ksk], ttl: 7200 }], errors: [] },
    ];
    now += 60;
    await signing.update([{ zone: zone('kid.test.', 2), config: withPolicy('p', PARENT) }]);
    assert.equal(stateOf('kid.test.').record.state.keys.find((k) => k.tag === ksk)!.dsSeen, undefined, 'not confirmed by one of two');
    now += 60;
    await signing.update([{ zone: zone('kid.test.', 3), config: withPolicy('p', PARENT) }]);
    assert.equal(stateOf('kid.test.').record.state.keys.find((k) => k.tag === ksk)!.dsSeen, now);
    assert.equal(stateOf('kid.test.').record.state.policy?.parentDSTTL, 7200, 'the TTL the parent returns, larger than parentDSTTL');
    assert.deepEqual(stateOf('kid.test.').parentNameservers, [{ address: '127.0.0.1', port: 5399 }]);
    const asked = log.lines.filter((l) => l.msg === 'DS at the parent');
    assert.deepEqual(asked.map((l) => l.fields?.confirmed), [false, true]);
    assert.equal(asked[0]!.fields?.answers, `127.0.0.1:5399=${ksk} 127.0.0.2:53=none`);
  });
});
