import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDnsfleet, type RunningPeer } from '../../testkit/peers';
import { startPrimary, type Primary } from '../../testkit/primaries';
import { stopAll, tempDir, waitFor } from '../../testkit/processes';
import { ALGORITHMS, DELV_CASES, delv, delvVerdict, delvZoneData, dsOfServedKsk, subDsOf, writeDsAnchor } from './delv.fixtures';

/**
 * `dnsfleet serve` signing zones itself (dataplane/standalone/signing.ts), started as a process
 * on loopback:
 * - the five algorithms (8, 10, 13, 14, 15) × NSEC and NSEC3, ten zones in one process: delv,
 *   with the DS of the KSK the server serves (made by BIND's dnssec-dsfromkey from the DNSKEY
 *   answer) as its only trust anchor, fully validates a positive answer, NXDOMAIN, NODATA, a
 *   wildcard, a CNAME chain, an empty non-terminal and a signed referral's DS; the AXFR of each
 *   signed zone passes ldns-verify-zone and dnssec-verify; status.json names that same DS;
 * - the lifecycle through the files: state files 0600 in 0700 directories; a wrong DS in
 *   `dnsfleet.io/ds-published` is a warn line with the reason and changes nothing, the right one
 *   makes the zone `active`; a restart serves the same DNSKEYs; a broken policy file is an error
 *   naming file and field and the zone stays signed; taking the policy away unsigns (CDS delete
 *   form, then `none` → disabled, no DNSKEY);
 * - mode Parent: the zone goes `active` once the parent's nameserver (NSD on loopback) serves
 *   its DS.
 *
 * Zone data holds documentation addresses (RFC 5737); all traffic is on 127.0.0.1.
 */

const DENIALS = ['NSEC', 'NSEC3'] as const;

function run(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

function dig(peer: RunningPeer, name: string, type: string, extra: readonly string[] = []): string {
  return run('dig', ['+noall', '+answer', '+nocookie', `@${peer.host}`, '-p', String(peer.port), ...extra, name, type]);
}

function policyManifest(name: string, spec: string): string {
  return `apiVersion: dnsfleet.io/v1alpha1\nkind: DNSSECPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}

function zoneManifest(origin: string, text: string, options: { policy?: string; annotations?: Record<string, string> } = {}): string {
  const annotations = Object.entries(options.annotations ?? {});
  return [
    'apiVersion: dnsfleet.io/v1alpha1',
    'kind: Zone',
    'metadata:',
    `  name: ${origin.replace(/\.$/, '').replace(/\./g, '-')}`,
    ...(annotations.length > 0 ? ['  annotations:', ...annotations.map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)] : []),
    'spec:',
    `  zoneName: ${origin}`,
    ...(options.policy ? [`  dnssecPolicy: ${options.policy}`] : []),
    '  zoneFile: |',
    ...text.split('\n').map((l) => `    ${l}`),
    '',
  ].join('\n');
}

/** Replaces a file as an editor that renames does, so the server never reads half of it. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

interface Status {
  state: string;
  dsRecords: string[];
  keys: Array<{ keyTag: number; role: string; state: string; ds?: string }>;
  serial?: number;
  lastDsCheck?: { ok: boolean; reason: string };
}

function statusOf(stateDir: string, origin: string): Status {
  return JSON.parse(readFileSync(join(stateDir, origin.replace(/\.$/, ''), 'status.json'), 'utf8')) as Status;
}

/** `origin IN DS tag alg type HEX` → `tag alg type HEX`. */
const dsRdata = (record: string): string => record.split(/\s+/).slice(3).join(' ');

describe('dnsfleet serve signs: five algorithms × NSEC and NSEC3, validated by delv, ldns and BIND @integration', function () {
  this.timeout(180_000);
  let dir: { path: string; remove(): void };
  let peer: RunningPeer;
  const zones = ALGORITHMS.flatMap(([number, name]) => DENIALS.map((denial) => ({ origin: `a${number}-${denial.toLowerCase()}.serve.test.`, algorithm: number, policy: `${name.toLowerCase()}-${denial.toLowerCase()}`, spec: `  algorithm: ${name}\n  dnskeyTTL: 300\n  denial: { type: ${denial} }\n`, subDs: subDsOf(number) })));

  before(async () => {
    dir = tempDir('serve-signing');
    const manifests = join(dir.path, 'manifests');
    run('mkdir', ['-p', manifests]);
    writeFileSync(join(manifests, 'policies.yaml'), zones.map((z) => policyManifest(z.policy, z.spec)).join('---\n'));
    writeFileSync(join(manifests, 'zones.yaml'), zones.map((z) => zoneManifest(z.origin, delvZoneData(z.subDs), { policy: z.policy })).join('---\n'));
    peer = await startDnsfleet(manifests, ['--state-dir', join(dir.path, 'state'), '--allow-transfer', '127.0.0.1/32'], { readyZone: zones[0]!.origin, readyTimeoutMs: 60_000 });
  });
  after(async () => {
    await stopAll();
    dir?.remove();
  });

  for (const z of zones) {
    it(`${z.policy}: delv fully validates every case with the served KSK's DS as anchor; ldns-verify-zone and dnssec-verify accept the AXFR`, () => {
      const ds = dsOfServedKsk(peer, z.origin, dir.path);
      assert.equal(ds.length, 1, `one KSK: ${ds.join(', ')}`);
      assert.ok(ds[0]!.startsWith(`${ds[0]!.split(' ')[0]} ${z.algorithm} 2 `), ds[0]);
      // status.json names the same DS, for the parent.
      const status = statusOf(join(dir.path, 'state'), z.origin);
      assert.equal(status.state, 'pending_ds');
      assert.deepEqual(status.dsRecords.map(dsRdata), ds);
      const anchors = writeDsAnchor(join(dir.path, `${z.origin}anchors`), z.origin, ds[0]!);
      const failures = DELV_CASES.flatMap((c) => {
        const out = delv(peer, anchors, z.origin, c.name, c.type);
        const verdict = delvVerdict(out, c, z.origin, z.subDs);
        return verdict ? [`${c.what} (${c.name} ${c.type}): ${verdict}\n${out}`] : [];
      });
      assert.deepEqual(failures, []);

      const axfr = join(dir.path, `${z.origin}axfr`);
      writeFileSync(axfr, dig(peer, z.origin, 'AXFR', ['+onesoa']));
      assert.match(run('ldns-verify-zone', ['-V', '3', axfr]), /Zone is verified and complete/);
      const bind = run('dnssec-verify', ['-o', z.origin, axfr]);
      assert.match(bind, /Zone fully signed/);
      assert.match(bind, new RegExp(`Algorithm: ${ALGORITHMS.find(([n]) => n === z.algorithm)![1]}: KSKs: 1 active, 0 stand-by, 0 revoked\\s+ZSKs: 1 active`));
      if (z.policy.endsWith('nsec3')) assert.match(dig(peer, z.origin, 'NSEC3PARAM'), /NSEC3PARAM\s+1 0 0 -$/m);
    });
  }
});

/** A policy with short waits, so a test walks the whole lifecycle in seconds. */
const FAST = '  algorithm: ECDSAP256SHA256\n  dnskeyTTL: 1\n  propagationDelay: 1s\n  parentPropagationDelay: 1s\n  parentDSTTL: 1\n';
const SHORT_ZONE = `$TTL 1
@    SOA ns1 hostmaster 1 3600 600 86400 1
@    NS  ns1
ns1  A   192.0.2.53
www  A   192.0.2.10
`;

describe('dnsfleet serve signing through the files: DS annotation, restart, broken policy, unsigning @integration', function () {
  this.timeout(120_000);
  const ORIGIN = 'life.serve.test.';
  let dir: { path: string; remove(): void };
  let manifests: string;
  let stateDir: string;
  let peer: RunningPeer;
  const start = async (): Promise<RunningPeer> => startDnsfleet(manifests, ['--state-dir', stateDir], { readyZone: ORIGIN, readyTimeoutMs: 30_000 });
  const output = (): string => peer.process.output();
  const dnskeys = (): string[] => dig(peer, ORIGIN, 'DNSKEY').trim().split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(4).join(' ')).sort();
  const zoneFile = (): string => join(manifests, 'zone.yaml');

  before(async () => {
    dir = tempDir('serve-lifecycle');
    manifests = join(dir.path, 'manifests');
    stateDir = join(dir.path, 'state');
    run('mkdir', ['-p', manifests]);
    writeFileSync(join(manifests, 'policy.yaml'), policyManifest('fast', FAST));
    writeFileSync(zoneFile(), zoneManifest(ORIGIN, SHORT_ZONE, { policy: 'fast' }));
    peer = await start();
  });
  after(async () => {
    await stopAll();
    dir?.remove();
  });

  it('signs at start; the state directory is 0700 and its files 0600; DSUpdate with the DS goes to the log', () => {
    assert.equal(dnskeys().length, 2);
    const status = statusOf(stateDir, ORIGIN);
    assert.equal(status.state, 'pending_ds');
    for (const path of [stateDir, join(stateDir, 'life.serve.test')]) assert.equal(statSync(path).mode & 0o777, 0o700, path);
    for (const file of ['state.json', 'status.json']) assert.equal(statSync(join(stateDir, 'life.serve.test', file)).mode & 0o777, 0o600, file);
    assert.ok(!readFileSync(join(stateDir, 'life.serve.test', 'status.json'), 'utf8').includes('PRIVATE'), 'no private key in status.json');
    const update = output().split('\n').find((l) => l.includes('"msg":"DSUpdate"'));
    assert.ok(update, output());
    assert.equal((JSON.parse(update) as { publish: string }).publish, status.dsRecords.join('; '));
  });

  it('a wrong DS in dnsfleet.io/ds-published: a warn line with the reason, the state unchanged', async () => {
    const right = statusOf(stateDir, ORIGIN).dsRecords[0]!;
    const wrong = right.replace(/[0-9A-F]{8}$/, '00000000');
    replaceFile(zoneFile(), zoneManifest(ORIGIN, SHORT_ZONE, { policy: 'fast', annotations: { 'dnsfleet.io/ds-published': wrong } }));
    await waitFor('a DS check in the log', async () => output().includes('"msg":"DS check"'), 15_000);
    const line = JSON.parse(output().split('\n').find((l) => l.includes('"msg":"DS check"'))!) as { level: string; reason: string; message: string };
    assert.equal(line.level, 'warn');
    assert.equal(line.reason, 'DSWrongDigest');
    assert.match(line.message, /digest differs/);
    await waitFor('the check in status.json', async () => statusOf(stateDir, ORIGIN).lastDsCheck !== undefined, 5_000);
    const status = statusOf(stateDir, ORIGIN);
    assert.equal(status.state, 'pending_ds');
    assert.equal(status.lastDsCheck?.reason, 'DSWrongDigest');
  });

  it('the right DS: active in status.json, DSSeen in the log', async () => {
    const right = statusOf(stateDir, ORIGIN).dsRecords[0]!;
    replaceFile(zoneFile(), zoneManifest(ORIGIN, SHORT_ZONE, { policy: 'fast', annotations: { 'dnsfleet.io/ds-published': right } }));
    await waitFor('state active', async () => statusOf(stateDir, ORIGIN).state === 'active', 15_000);
    await waitFor('DSSeen in the log', async () => /"msg":"DSSeen","zone":"life\.serve\.test\.","tags":"\d+"/.test(output()), 5_000);
    assert.equal(statusOf(stateDir, ORIGIN).lastDsCheck?.ok, true);
  });

  it('rotate-zsk set on a signed zone rolls the ZSK once; the KSK stays', async () => {
    const right = statusOf(stateDir, ORIGIN).dsRecords[0]!;
    const tagsOf = (role: string): number[] => statusOf(stateDir, ORIGIN).keys.filter((k) => k.role === role).map((k) => k.keyTag);
    const [ksk, zsk] = [tagsOf('KSK'), tagsOf('ZSK')];
    replaceFile(zoneFile(), zoneManifest(ORIGIN, SHORT_ZONE, { policy: 'fast', annotations: { 'dnsfleet.io/ds-published': right, 'dnsfleet.io/rotate-zsk': 'one' } }));
    await waitFor('state rotating_zsk', async () => statusOf(stateDir, ORIGIN).state === 'rotating_zsk', 15_000);
    await waitFor('active again with one new ZSK', async () => statusOf(stateDir, ORIGIN).state === 'active' && tagsOf('ZSK').length === 1, 30_000);
    assert.deepEqual(tagsOf('KSK'), ksk);
    assert.notDeepEqual(tagsOf('ZSK'), zsk);
    assert.equal(dnskeys().length, 2);
  });

  it('rotate-ksk rolls the KSK: the new DS in a DSUpdate, confirmed by ds-published, then the old KSK goes', async () => {
    const old = statusOf(stateDir, ORIGIN).keys.find((k) => k.role === 'KSK')!.keyTag;
    const annotate = (ds: string): void =>
      replaceFile(zoneFile(), zoneManifest(ORIGIN, SHORT_ZONE, { policy: 'fast', annotations: { 'dnsfleet.io/ds-published': ds, 'dnsfleet.io/rotate-zsk': 'one', 'dnsfleet.io/rotate-ksk': 'one' } }));
    annotate(statusOf(stateDir, ORIGIN).dsRecords[0]!);
    await waitFor('state rotating_ksk', async () => statusOf(stateDir, ORIGIN).state === 'rotating_ksk', 15_000);
    await waitFor('the new DS asked for', async () => statusOf(stateDir, ORIGIN).dsRecords.some((d) => !d.includes(` DS ${old} `)), 15_000);
    const fresh = statusOf(stateDir, ORIGIN).dsRecords;
    await waitFor('DSUpdate of the new DS in the log', async () => output().includes(`"publish":"${fresh.join('; ')}"`), 5_000);
    annotate(fresh.join('\n'));
    await waitFor('active with the new KSK alone', async () => {
      const st = statusOf(stateDir, ORIGIN);
      return st.state === 'active' && st.keys.filter((k) => k.role === 'KSK').length === 1;
    }, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${JSON.stringify(statusOf(stateDir, ORIGIN), null, 1)}\n${output().split('\n').slice(-12).join('\n')}`);
    });
    assert.notEqual(statusOf(stateDir, ORIGIN).keys.find((k) => k.role === 'KSK')!.keyTag, old);
    assert.deepEqual(statusOf(stateDir, ORIGIN).dsRecords, fresh);
  });

  it('a restart serves the same DNSKEYs from the state directory, still active', async () => {
    const before = dnskeys();
    await peer.stop();
    peer = await start();
    assert.deepEqual(dnskeys(), before);
    assert.equal(statusOf(stateDir, ORIGIN).state, 'active');
    assert.doesNotMatch(output(), /"msg":"DSUpdate"/, 'no new keys, no new DS');
  });

  it('a broken policy file: an error naming file, line and field; the last good policy is kept', async () => {
    const before = dnskeys();
    replaceFile(join(manifests, 'policy.yaml'), policyManifest('fast', FAST.replace('ECDSAP256SHA256', 'RSASHA1')));
    await waitFor('the error in the log', async () => output().includes('RSASHA1'), 15_000);
    assert.match(output(), /policy\.yaml:\d+: spec\.algorithm: must be one of .*\(keeping its previous definition\)/);
    assert.deepEqual(dnskeys(), before, 'still signed with the same keys');
    assert.equal(statusOf(stateDir, ORIGIN).state, 'active');
    replaceFile(join(manifests, 'policy.yaml'), policyManifest('fast', FAST));
  });

  it('taking the policy away unsigns: the CDS delete form, then ds-published none → disabled, no DNSKEY', async () => {
    replaceFile(zoneFile(), zoneManifest(ORIGIN, SHORT_ZONE));
    await waitFor('state unsigning', async () => statusOf(stateDir, ORIGIN).state === 'unsigning', 15_000);
    assert.match(dig(peer, ORIGIN, 'CDS'), /CDS\s+0 0 0 00$/m);
    assert.match(dig(peer, ORIGIN, 'CDNSKEY'), /CDNSKEY\s+0 3 0 AA==$/m);
    assert.equal(dnskeys().length, 2, 'still signed while the DS may be cached');
    replaceFile(zoneFile(), zoneManifest(ORIGIN, SHORT_ZONE, { annotations: { 'dnsfleet.io/ds-published': 'none' } }));
    await waitFor('state disabled', async () => statusOf(stateDir, ORIGIN).state === 'disabled', 30_000);
    await waitFor('no DNSKEY served', async () => dnskeys().length === 0, 10_000);
    await waitFor('DSRemoved in the log', async () => /"msg":"DSRemoved","zone":"life\.serve\.test\."/.test(output()), 5_000);
    assert.equal(dig(peer, ORIGIN, 'RRSIG').trim(), '');
  });
});

describe('dnsfleet serve, DS confirmation mode Parent, against NSD serving the parent @integration', function () {
  this.timeout(120_000);
  const ORIGIN = 'kid.parent.test.';
  // The DS TTL is 1 s: serve waits for the TTL the parent gives its DS when it is larger than
  // parentDSTTL (60 s would make unsigning take a minute).
  const parentText = (ds: readonly string[], serial: number): string => `$ORIGIN parent.test.
@    3600 IN SOA ns hostmaster ${serial} 3600 600 86400 60
@    3600 IN NS ns
ns   3600 IN A 127.0.0.1
kid  60 IN NS ns.kid
ns.kid 60 IN A 192.0.2.53
${ds.map((d) => `kid 1 IN DS ${d}`).join('\n')}
`;
  let dir: { path: string; remove(): void };
  let parent: Primary;
  let peer: RunningPeer;
  let stateDir: string;
  let manifests: string;
  let policyDoc: string;

  before(async () => {
    dir = tempDir('serve-parent');
    stateDir = join(dir.path, 'state');
    parent = await startPrimary('nsd', 'parent.test.', parentText([], 1));
    manifests = join(dir.path, 'manifests');
    run('mkdir', ['-p', manifests]);
    policyDoc = policyManifest('parent', `${FAST}  dsConfirmation:\n    mode: Parent\n    checkInterval: 1s\n    parentNameservers: [{ address: 127.0.0.1, port: ${parent.port} }]\n`);
    writeFileSync(join(manifests, 'all.yaml'), `${policyDoc}---\n${zoneManifest(ORIGIN, SHORT_ZONE, { policy: 'parent' })}`);
    peer = await startDnsfleet(manifests, ['--state-dir', stateDir], { readyZone: ORIGIN, readyTimeoutMs: 30_000 });
  });
  after(async () => {
    await stopAll();
    dir?.remove();
  });

  it('stays pending_ds while the parent has no DS, and goes active once it serves it', async () => {
    await waitFor('a DS query logged', async () => peer.process.output().includes('"msg":"DS at the parent"'), 15_000);
    assert.equal(statusOf(stateDir, ORIGIN).state, 'pending_ds');
    assert.match(peer.process.output(), /"msg":"DS at the parent","zone":"kid\.parent\.test\.","confirmed":true,"answers":"127\.0\.0\.1:\d+=none"/);
    const ds = statusOf(stateDir, ORIGIN).dsRecords.map(dsRdata);
    await parent.update(parentText(ds, 2), 2);
    await waitFor('state active', async () => statusOf(stateDir, ORIGIN).state === 'active', 20_000);
    await waitFor('DSSeen in the log', async () => /"msg":"DSSeen","zone":"kid\.parent\.test\."/.test(peer.process.output()), 5_000);
  });

  it('unsigns once the policy is taken away and the parent no longer serves the DS', async () => {
    replaceFile(join(manifests, 'all.yaml'), `${policyDoc}---\n${zoneManifest(ORIGIN, SHORT_ZONE)}`);
    await waitFor('state unsigning', async () => statusOf(stateDir, ORIGIN).state === 'unsigning', 15_000);
    assert.match(dig(peer, ORIGIN, 'CDS'), /CDS\s+0 0 0 00$/m);
    await parent.update(parentText([], 3), 3);
    await waitFor('state disabled', async () => statusOf(stateDir, ORIGIN).state === 'disabled', 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${JSON.stringify(statusOf(stateDir, ORIGIN))}\n${peer.process.output()}`);
    });
    await waitFor('DSRemoved in the log', async () => /"msg":"DSRemoved","zone":"kid\.parent\.test\."/.test(peer.process.output()), 5_000);
    assert.equal(dig(peer, ORIGIN, 'DNSKEY').trim(), '');
  });
});

describe('dnsfleet serve re-signs before signatures expire, and signs a SecondaryZone it transfers @integration', function () {
  this.timeout(120_000);
  const RESIGN = 'resign.serve.test.';
  const SECONDARY = 'sec.serve.test.';
  const secondaryText = (serial: number, www: string): string => SHORT_ZONE.replace(' 1 3600 600 86400 1', ` ${serial} 3600 600 86400 1`).replace('192.0.2.10', www);
  let dir: { path: string; remove(): void };
  let primary: Primary;
  let peer: RunningPeer;

  before(async () => {
    dir = tempDir('serve-resign');
    primary = await startPrimary('nsd', SECONDARY, `$ORIGIN ${SECONDARY}\n${secondaryText(1, '192.0.2.10')}`);
    const manifests = join(dir.path, 'manifests');
    run('mkdir', ['-p', manifests]);
    // Signatures valid 60 s, renewed when less than 50 s remain: a re-sign every 10 s or so.
    writeFileSync(join(manifests, 'policies.yaml'), `${policyManifest('short', `${FAST}  signatures: { validity: 60s, refresh: 50s, jitter: 1s }\n`)}---\n${policyManifest('fast', FAST)}`);
    writeFileSync(
      join(manifests, 'zones.yaml'),
      `${zoneManifest(RESIGN, SHORT_ZONE, { policy: 'short' })}---\napiVersion: dnsfleet.io/v1alpha1\nkind: SecondaryZone\nmetadata:\n  name: sec\nspec:\n  zoneName: ${SECONDARY}\n  dnssecPolicy: fast\n  primaries: [{ address: 127.0.0.1, port: ${primary.port} }]\n  refresh: { refresh: 1, minimumRefresh: 1 }\n`,
    );
    peer = await startDnsfleet(manifests, ['--state-dir', join(dir.path, 'state'), '--allow-transfer', '127.0.0.1/32'], { readyZone: RESIGN, readyTimeoutMs: 30_000 });
  });
  after(async () => {
    await stopAll();
    dir?.remove();
  });

  const soaSig = (origin: string): { serial: number; expiration: string } => {
    const lines = dig(peer, origin, 'SOA', ['+dnssec']).trim().split('\n');
    const soa = lines.find((l) => /\sSOA\s/.test(l))!.split(/\s+/);
    const sig = lines.find((l) => /\sRRSIG\s+SOA\s/.test(l))?.split(/\s+/);
    return { serial: Number(soa[6]), expiration: sig?.[8] ?? 'none' };
  };

  it('re-signs at the refresh time: a new serial and later signature expirations', async () => {
    const first = soaSig(RESIGN);
    assert.notEqual(first.expiration, 'none');
    await waitFor('a re-signed version', async () => soaSig(RESIGN).serial !== first.serial, 30_000);
    const next = soaSig(RESIGN);
    assert.ok(next.expiration > first.expiration, `${next.expiration} after ${first.expiration}`);
    await waitFor('the re-signed line', async () => /"msg":"re-signed","zone":"resign\.serve\.test\."/.test(peer.process.output()), 5_000);
    await waitFor('status.json with the new serial', async () => statusOf(join(dir.path, 'state'), RESIGN).serial === soaSig(RESIGN).serial, 5_000);
  });

  it('signs the transferred copy of a SecondaryZone, and each new version of it', async () => {
    await waitFor('the secondary zone signed', async () => dig(peer, SECONDARY, 'DNSKEY').includes('DNSKEY'), 20_000);
    const verify = (): string => {
      const file = join(dir.path, `${SECONDARY}axfr`);
      writeFileSync(file, dig(peer, SECONDARY, 'AXFR', ['+onesoa']));
      return run('ldns-verify-zone', ['-V', '3', file]);
    };
    assert.match(verify(), /Zone is verified and complete/);
    await primary.update(`$ORIGIN ${SECONDARY}\n${secondaryText(2, '192.0.2.99')}`, 2);
    await waitFor('the new version signed', async () => /192\.0\.2\.99/.test(dig(peer, `www.${SECONDARY}`, 'A', ['+dnssec'])) && /RRSIG\s+A\s/.test(dig(peer, `www.${SECONDARY}`, 'A', ['+dnssec'])), 30_000);
    assert.match(verify(), /Zone is verified and complete/);
  });
});
