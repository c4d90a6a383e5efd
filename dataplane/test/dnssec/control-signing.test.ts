import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Name } from '../../dns/name';
import { signingPolicy } from '../../manifest/dnssec-policy';
import { driveSigning, emptyRecord } from '../../dnssec/zone-signing';
import { sealOrder, type SigningOrder } from '../../dnssec/signing-order';
import { RedisZoneStore } from '../../store/redis-store';
import type { SignedZoneEntry } from '../../store/zone-store';
import { runCloud, type RunningCloud } from '../../cloud/run-cloud';
import { runControl, type RunningControl } from '../../control/run-control';
import { memoryLogger } from '../../testkit/memory-logger';
import { startPrimary, type Primary } from '../../testkit/primaries';
import { freePort, run, start, stopAll, tempDir, waitFor, type Started } from '../../testkit/processes';
import { query } from '../../testkit/dns-client';
import { zoneOf } from '../../testkit/zone-text';
import { ALGORITHMS, DELV_CASES, delvVerdict, delvZoneData, dsOfDnskeys, subDsOf, writeDsAnchor } from './delv.fixtures';

/**
 * Signing in the control server (ADR 0015), end to end: a real Redis, the control server and one
 * pod of each of two clouds, as a cluster runs them; the test plays the operator, making signing
 * orders with `driveSigning` and sealing them with `sealOrder` under the key-encryption key.
 *
 * - A primary zone handed over with `putSigned` is served signed by both clouds, and BIND's
 *   `delv`, whose only trust anchor is the DS (dnssec-dsfromkey) of the KSK the clouds serve,
 *   fully validates a positive answer, NXDOMAIN and NODATA from each (RFC 4035 §5).
 * - A change of the unsigned zone is signed and served with a higher serial, the clouds taking
 *   the difference of the signed versions ahead of the snapshot; an AXFR of the signed zone from
 *   the control server passes ldns-verify-zone.
 * - Signatures near expiry are refreshed with a new serial, with no change in the store.
 * - An order sealed under another key-encryption key is reported naming the zone; the last good
 *   signed version keeps serving. A control server without the key says so, and keeps it too.
 * - A restart of the control server keeps the signed serial monotonic (RFC 1982).
 * - A signed secondary zone transferred from a BIND primary validates from both clouds, follows
 *   the primary's changes by IXFR, and the primary's serial is reported beside ours.
 *
 * Zone data holds documentation addresses (RFC 5737); all traffic is to 127.0.0.1.
 */

const log = memoryLogger();
const OWNER = 'Zone/default/signed-test';
const ORIGIN = 'signed.test.';
const SECONDARY = 'signed-secondary.test.';
const SECONDARY_OWNER = 'SecondaryZone/default/signed-secondary';

const primaryText = (serial: number, www: string): string => `$TTL 300
@        SOA   ns1 hostmaster ${serial} 3600 600 1209600 300
@        NS    ns1
ns1      A     192.0.2.53
www      A     ${www}
mail     MX    10 mx
mx       A     192.0.2.25
`;

// 200 more names: BIND answers an IXFR larger than the zone with the whole zone (max-ixfr-ratio).
const secondaryText = (serial: number, www: string): string => `$ORIGIN ${SECONDARY}
$TTL 300
@        SOA   ns1 hostmaster ${serial} 7200 900 1209600 300
@        NS    ns1
ns1      A     192.0.2.1
www      A     ${www}
` + Array.from({ length: 200 }, (_, i) => `h${i} A 192.0.2.${i}\n`).join('');

/** An order as the operator makes it: the first step of the zone's key lifecycle (KSK + ZSK, NSEC3). */
function orderFor(origin: string, text: string): SigningOrder {
  const policy = signingPolicy({ algorithm: 'ECDSAP256SHA256', denial: { type: 'NSEC3' } })!;
  const zone = zoneOf(text, Name.fromText(origin));
  const { order } = driveSigning(emptyRecord(), { now: Math.floor(Date.now() / 1000), origin: Name.fromText(origin), policy, zone });
  assert.ok(order, 'driveSigning gives an order to sign');
  return order;
}

interface Plane {
  redis: Started;
  redisUrl: string;
  writer: RedisZoneStore;
  control: RunningControl;
  controlPort: number;
  clouds: RunningCloud[];
}

async function startControl(redisUrl: string, port: number, kek: Uint8Array | undefined): Promise<RunningControl> {
  return runControl({
    pod: 'control-0',
    store: new RedisZoneStore(redisUrl),
    listen: [{ host: '127.0.0.1', port }],
    http: { host: '127.0.0.1', port: 0 },
    log,
    transferAcl: ['127.0.0.1/32'],
    ...(kek ? { kek } : {}),
  });
}

/** SOA serial each cloud answers for `origin` (undefined: no answer). */
async function servedSerials(plane: Plane, origin: string): Promise<Array<number | undefined>> {
  return Promise.all(
    plane.clouds.map(async (c) => {
      const reply = await query('127.0.0.1', c.dns.bound[0]!.port, origin, 'SOA', { timeoutMs: 500 }).catch(() => undefined);
      return (reply?.packet.answers?.find((a) => a.type === 'SOA') as { data?: { serial?: number } } | undefined)?.data?.serial;
    }),
  );
}

/** A delv trust-anchors file with the DS (SHA-256) of each KSK the server answers, made by dnssec-dsfromkey. */
async function anchorsFrom(port: number, origin: string, dir: string): Promise<string> {
  const dnskey = await run('dig', ['@127.0.0.1', '-p', String(port), origin, 'DNSKEY', '+noall', '+answer', '+norec'], { timeoutMs: 10_000 });
  assert.match(dnskey.stdout, /DNSKEY\s+257 3 13/, dnskey.stdout);
  const keyFile = join(dir, `${origin}dnskey`);
  writeFileSync(keyFile, dnskey.stdout);
  const ds = await run('dnssec-dsfromkey', ['-2', '-f', keyFile, origin], { timeoutMs: 10_000 });
  assert.equal(ds.code, 0, ds.stderr);
  const lines = ds.stdout.trim().split('\n');
  const anchors = lines.map((l) => {
    const [, , , tag, alg, type, ...hex] = l.trim().split(/\s+/);
    return `  "${origin}" static-ds ${tag} ${alg} ${type} "${hex.join('')}";`;
  });
  const file = join(dir, `${origin}anchors.conf`);
  writeFileSync(file, `trust-anchors {\n${anchors.join('\n')}\n};\n`);
  return file;
}

async function delv(port: number, anchors: string, origin: string, name: string, type: string): Promise<string> {
  const r = await run('delv', ['-4', '@127.0.0.1', '-p', String(port), '-a', anchors, `+root=${origin}`, `${name}.${origin}`, type], { timeoutMs: 20_000 });
  return `${r.stdout}${r.stderr}`;
}

/** delv fully validates from every cloud: the positive answer, NXDOMAIN and NODATA. */
async function assertValidates(plane: Plane, origin: string, dir: string, www: string): Promise<void> {
  for (const cloud of plane.clouds) {
    const port = cloud.dns.bound[0]!.port;
    const anchors = await anchorsFrom(port, origin, dir);
    const positive = await delv(port, anchors, origin, 'www', 'A');
    assert.match(positive, /^; fully validated$/m, positive);
    assert.match(positive, new RegExp(`^www\\.${origin.replace(/\./g, '\\.')}\\s+\\d+\\s+IN\\s+A\\s+${www.replace(/\./g, '\\.')}$`, 'm'), positive);
    for (const [name, type, verdict] of [['nothere', 'A', 'nxdomain'], ['www', 'TXT', 'nxrrset']] as const) {
      const out = await delv(port, anchors, origin, name, type);
      assert.match(out, /^; negative response, fully validated$/m, out);
      assert.equal(/resolution failed: (.*)$/m.exec(out)?.[1], `ncache ${verdict}`, out);
    }
  }
}

describe('zones signed by the control server, served by two clouds @integration', function () {
  this.timeout(180_000);
  const kek = randomBytes(32);
  const order = orderFor(ORIGIN, primaryText(1, '192.0.2.10'));
  let plane: Plane;
  let dir: { path: string; remove(): void };
  let primary: Primary | undefined;

  const putPrimary = (serial: number, www: string, key: Uint8Array = kek, o: SigningOrder = order): Promise<void> => {
    const entry: SignedZoneEntry = { origin: ORIGIN, owner: OWNER, order: sealOrder(o, key, ORIGIN), unsigned: { serial, text: primaryText(serial, www), clouds: 'all' } };
    return plane.writer.putSigned(entry);
  };

  before(async () => {
    dir = tempDir('control-signing');
    const port = await freePort();
    const redis = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    await waitFor('redis', async () => /Ready to accept connections/.test(redis.output()));
    const redisUrl = `redis://127.0.0.1:${port}`;
    const controlPort = await freePort();
    const control = await startControl(redisUrl, controlPort, kek);
    const clouds: RunningCloud[] = [];
    for (const cloud of ['cloud-a', 'cloud-b']) clouds.push(await runCloud({ cloud, pod: `${cloud}-0`, store: new RedisZoneStore(redisUrl), listen: [{ host: '127.0.0.1', port: 0 }], http: { host: '127.0.0.1', port: 0 }, log }));
    plane = { redis, redisUrl, writer: new RedisZoneStore(redisUrl), control, controlPort, clouds };
  });
  after(async () => {
    await plane?.control.stop();
    for (const c of plane?.clouds ?? []) await c.stop();
    await plane?.writer.close();
    await primary?.stop();
    await stopAll();
    dir?.remove();
  });

  it('a primary zone put with putSigned is served signed by both clouds, and delv fully validates it from each', async () => {
    await putPrimary(2026120701, '192.0.2.10');
    await waitFor('both clouds serve the signed zone', async () => (await servedSerials(plane, ORIGIN)).every((s) => s === 2026120701), 10_000);
    await assertValidates(plane, ORIGIN, dir.path, '192.0.2.10');
    const report = await plane.writer.signingReport(ORIGIN);
    assert.equal(report?.problem, '');
    assert.equal(report?.signedSerial, 2026120701, 'the first signed serial is the unsigned one');
    assert.equal(report?.unsignedSerial, 2026120701);
    assert.ok(report!.expiresAt! > Date.now() + 86_400_000, 'signatures valid for days (policy validity 336h less jitter)');
    assert.equal((await plane.writer.getZone(ORIGIN))?.owner, OWNER, 'written under the entry\'s owner');
  });

  it('/metrics gives the first signature expiry of the signed zones, for the alert that fires when re-signing stops', async () => {
    const text = await (await fetch(`http://127.0.0.1:${plane.control.httpPort}/metrics`)).text();
    const expiry = Number(/^dnsfleet_signatures_expiry_timestamp_seconds (\S+)$/m.exec(text)?.[1]);
    const reports = plane.control.signing.reports().flatMap((r) => (r.expiresAt === undefined ? [] : [r.expiresAt]));
    assert.equal(expiry, Math.min(...reports) / 1000);
    assert.ok(expiry * 1000 > Date.now() + 86_400_000, 'days ahead');
    assert.match(text, /^dnsfleet_signed_zones\{state="ok"\} [1-9]/m);
  });

  describe('five algorithms × NSEC and NSEC3, each case of the delv zone, from both clouds', () => {
    const zones = ALGORITHMS.flatMap(([algorithm, name]) => (['NSEC', 'NSEC3'] as const).map((denial) => ({ origin: `a${algorithm}-${denial.toLowerCase()}.clouds.test.`, algorithm, name, denial, subDs: subDsOf(algorithm) })));

    before(async () => {
      // Ordered as the operator would order them, all at once: the control server signs each.
      for (const z of zones) {
        const text = delvZoneData(z.subDs);
        const policy = signingPolicy({ algorithm: z.name, denial: { type: z.denial } })!;
        const { order } = driveSigning(emptyRecord(), { now: Math.floor(Date.now() / 1000), origin: Name.fromText(z.origin), policy, zone: zoneOf(text, Name.fromText(z.origin)) });
        await plane.writer.putSigned({ origin: z.origin, owner: `Zone/default/${z.origin.split('.')[0]}`, order: sealOrder(order!, kek, z.origin), unsigned: { serial: 2026120701, text, clouds: 'all' } });
      }
      for (const z of zones) await waitFor(`both clouds serve ${z.origin} signed`, async () => (await servedSerials(plane, z.origin)).every((s) => s === 2026120701), 60_000);
    });

    for (const z of zones) {
      it(`${z.name} ${z.denial}: delv fully validates positive, NXDOMAIN, NODATA, wildcard, CNAME chain, ENT and referral DS from each cloud`, async () => {
        // The clouds run in this process: every tool runs asynchronously, or they could not answer.
        for (const [i, cloud] of plane.clouds.entries()) {
          const name = ['cloud-a', 'cloud-b'][i]!;
          const port = cloud.dns.bound[0]!.port;
          const dnskeys = await run('dig', ['+noall', '+answer', '+nocookie', '@127.0.0.1', '-p', String(port), z.origin, 'DNSKEY'], { timeoutMs: 10_000 });
          const ds = dsOfDnskeys(dnskeys.stdout, z.origin, dir.path);
          assert.equal(ds.length, 1, `one KSK: ${ds.join(', ')}`);
          assert.equal(ds[0]!.split(' ')[1], String(z.algorithm), ds[0]);
          const anchors = writeDsAnchor(join(dir.path, `${z.origin}${name}.anchors`), z.origin, ds[0]!);
          const failures: string[] = [];
          for (const c of DELV_CASES) {
            const out = await delv(port, anchors, z.origin, c.name, c.type);
            const verdict = delvVerdict(out, c, z.origin, z.subDs);
            if (verdict) failures.push(`${name}: ${c.what} (${c.name} ${c.type}): ${verdict}\n${out}`);
          }
          assert.deepEqual(failures, []);
        }
      });
    }
  });

  it('a change of the unsigned zone is signed with a higher serial, and validates', async () => {
    await putPrimary(2026120702, '192.0.2.11');
    await waitFor('both clouds serve the change', async () => (await servedSerials(plane, ORIGIN)).every((s) => s === 2026120702), 10_000);
    // The report follows the snapshot the clouds load.
    await waitFor('the change reported', async () => (await plane.writer.signingReport(ORIGIN))?.signedSerial === 2026120702, 5_000);
    await assertValidates(plane, ORIGIN, dir.path, '192.0.2.11');
    // The clouds took it as a difference of the signed versions, ahead of the snapshot.
    const stream = await plane.writer.changesSince(0, 0);
    assert.ok(stream.changes.some((c) => c.kind === 'diff' && c.origin === ORIGIN && c.fromSerial === 2026120701 && c.serial === 2026120702), 'a diff entry 2026120701→2026120702');
    assert.ok(!log.lines.some((l) => l.msg === 'zone difference not applied; waiting for the snapshot'), 'the clouds applied it');
    // The same unsigned serial with the order sealed anew (a new IV): the same order, nothing to sign.
    const before = (await plane.writer.signingReport(ORIGIN))!.signedAt;
    await putPrimary(2026120702, '192.0.2.11');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await plane.writer.signingReport(ORIGIN))!.signedAt, before, 'a re-sealed order is not signed again');
  });

  it('an AXFR of the signed zone from the control server passes ldns-verify-zone', async () => {
    const axfr = await run('dig', ['@127.0.0.1', '-p', String(plane.controlPort), ORIGIN, 'AXFR', '+nocmd', '+nostats', '+nocomments'], { timeoutMs: 10_000 });
    assert.match(axfr.stdout, /RRSIG/, axfr.stdout);
    // dig repeats the SOA at the end of an AXFR (RFC 5936 §2.2): the file has it once.
    const lines = axfr.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';'));
    const file = join(dir.path, 'axfr.db');
    writeFileSync(file, lines.slice(0, -1).join('\n') + '\n');
    const verified = await run('ldns-verify-zone', [file], { timeoutMs: 30_000 });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout + verified.stderr, /Zone is verified and complete/);
  });

  it('refreshes signatures near expiry with a new serial, with no change in the store', async () => {
    // Validity 40 s, refresh 32 s: due 8 s after signing (RFC 6781 §4.4.2).
    const short: SigningOrder = { ...order, parameters: { ...order.parameters, validity: 40, refresh: 32, jitter: 0 } };
    await putPrimary(2026120702, '192.0.2.11', kek, short);
    await waitFor('signed with the short validity', async () => (await servedSerials(plane, ORIGIN)).every((s) => s === 2026120703) && (await plane.writer.signingReport(ORIGIN))?.signedSerial === 2026120703, 10_000);
    const first = (await plane.writer.signingReport(ORIGIN))!;
    await waitFor('refreshed by the timer', async () => (await servedSerials(plane, ORIGIN)).every((s) => s === 2026120704) && (await plane.writer.signingReport(ORIGIN))?.signedSerial === 2026120704, 20_000);
    const refreshed = (await plane.writer.signingReport(ORIGIN))!;
    assert.equal(refreshed.unsignedSerial, 2026120702, 'the unsigned zone did not change');
    assert.ok(refreshed.expiresAt! > first.expiresAt!, 'later expiry');
    // Back to the policy's validity before the next tests.
    await putPrimary(2026120702, '192.0.2.11');
    await waitFor('signed with the policy again', async () => ((await plane.writer.signingReport(ORIGIN))?.expiresAt ?? 0) > Date.now() + 86_400_000, 10_000);
  });

  it('an order sealed under another key-encryption key is reported naming the zone; the last good version keeps serving', async () => {
    const served = (await servedSerials(plane, ORIGIN))[0]!;
    await putPrimary(2026120710, '192.0.2.99', randomBytes(32));
    await waitFor('the problem reported', async () => /key-encryption key/.test((await plane.writer.signingReport(ORIGIN))?.problem ?? ''), 10_000);
    const report = (await plane.writer.signingReport(ORIGIN))!;
    assert.match(report.problem, new RegExp(`zone ${ORIGIN.replace(/\./g, '\\.')}: its signing order does not open`));
    assert.ok(!/PRIVATE|v1:/.test(report.problem), 'no key material in the problem');
    assert.equal(report.signedSerial, served, 'the last good figures kept');
    assert.deepEqual(await servedSerials(plane, ORIGIN), [served, served]);
    await assertValidates(plane, ORIGIN, dir.path, '192.0.2.11');
  });

  it('a restart keeps the serial monotonic; without the key it says so and the last version serves', async () => {
    const served = (await servedSerials(plane, ORIGIN))[0]!;
    // The operator fixes the order (sealed under the fleet's key); this control server has no key.
    await plane.control.stop();
    plane.control = await startControl(plane.redisUrl, plane.controlPort, undefined);
    await putPrimary(2026120705, '192.0.2.12');
    await waitFor('no key reported', async () => /no key-encryption key/.test((await plane.writer.signingReport(ORIGIN))?.problem ?? ''), 10_000);
    assert.deepEqual(await servedSerials(plane, ORIGIN), [served, served]);
    await plane.control.stop();
    plane.control = await startControl(plane.redisUrl, plane.controlPort, kek);
    // Unsigned 2026120705 is not newer than the serial served: ours goes on from the store's.
    await waitFor('signed again after the restart', async () => (await servedSerials(plane, ORIGIN)).every((s) => s === served + 1), 10_000);
    const report = (await plane.writer.signingReport(ORIGIN))!;
    assert.equal(report.problem, '');
    assert.equal(report.signedSerial, served + 1);
    assert.equal(report.unsignedSerial, 2026120705);
    await assertValidates(plane, ORIGIN, dir.path, '192.0.2.12');
    assert.ok(log.lines.some((l) => l.msg === 'zone signed' && l.fields?.serial === served + 1));
  });

  it('a signed secondary zone from a BIND primary validates from both clouds, follows IXFR, and reports the primary serial', async () => {
    primary = await startPrimary('bind', SECONDARY, secondaryText(100, '192.0.2.30'), { notify: { address: '127.0.0.1', port: plane.controlPort } });
    await plane.writer.putSigned({ origin: SECONDARY, owner: SECONDARY_OWNER, order: sealOrder(orderFor(SECONDARY, secondaryText(100, '192.0.2.30')), kek, SECONDARY) });
    await plane.writer.putSecondary({ origin: SECONDARY, owner: SECONDARY_OWNER, primaries: [{ address: primary.address, port: primary.port }], clouds: 'all', refresh: { minimumRefresh: 86_400 } });
    await waitFor('both clouds serve it signed', async () => (await servedSerials(plane, SECONDARY)).every((s) => s === 100) && (await plane.writer.signingReport(SECONDARY))?.signedSerial === 100, 20_000);
    await assertValidates(plane, SECONDARY, dir.path, '192.0.2.30');
    assert.equal((await plane.writer.secondaryState(SECONDARY))?.serial, 100, 'the primary serial tracked');
    assert.equal((await plane.writer.signingReport(SECONDARY))?.unsignedSerial, 100);

    await primary.update(secondaryText(101, '192.0.2.31'), 101);
    await waitFor('the change signed and served', async () => (await servedSerials(plane, SECONDARY)).every((s) => s === 101), 20_000);
    await assertValidates(plane, SECONDARY, dir.path, '192.0.2.31');
    assert.ok(log.lines.some((l) => l.msg === 'secondary zone transferred' && l.fields?.zone === SECONDARY && l.fields?.serial === 101 && l.fields?.kind === 'ixfr' && l.fields?.signed === true), 'by IXFR from the unsigned copy');
    await waitFor('primary serial 101 reported', async () => (await plane.writer.secondaryState(SECONDARY))?.serial === 101 && (await plane.writer.signingReport(SECONDARY))?.unsignedSerial === 101, 10_000);
    // The customer secondaries' view: the control server transfers the signed version.
    const axfr = await run('dig', ['@127.0.0.1', '-p', String(plane.controlPort), SECONDARY, 'AXFR', '+nocmd', '+nostats', '+nocomments'], { timeoutMs: 10_000 });
    assert.match(axfr.stdout, /\sRRSIG\s+SOA\s/, axfr.stdout);
  });
});
