import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisZoneStore } from '../../store/redis-store';
import type { RunningCloud } from '../../cloud/run-cloud';
import { memoryLogger } from '../../testkit/memory-logger';
import { startPrimary, type Primary } from '../../testkit/primaries';
import { run, stopAll, tempDir, waitFor } from '../../testkit/processes';
import { startTestDataplane, type TestDataplane } from '../../testkit/dataplane';

/**
 * A pre-signed secondary zone (issue #4: "detects pre-signed zones and serves them as they are"):
 * signed with ldns-signzone, served by a BIND primary (NSD 4.6's IXFR re-adds unchanged records, so it ends in AXFR), transferred by the control server, and
 * answered by both clouds with its RRSIGs for DO queries, also after a re-signed change.
 */

const ORIGIN = 'presigned.test.';

function tool(cwd: string, command: string, args: readonly string[]): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('a pre-signed secondary zone @integration', function () {
  this.timeout(120_000);
  const dir = tempDir('presigned');
  const log = memoryLogger();
  let dataplane: TestDataplane;
  let clouds: readonly RunningCloud[] = [];
  let primary: Primary;
  let writer: RedisZoneStore;
  let keys: string[] = [];

  const signed = (serial: number, address: string): string => {
    writeFileSync(join(dir.path, 'zone.db'), `$ORIGIN ${ORIGIN}\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A ${address}\n`);
    tool(dir.path, 'ldns-signzone', ['-o', ORIGIN, '-f', join(dir.path, 'zone.signed'), join(dir.path, 'zone.db'), ...keys]);
    return readFileSync(join(dir.path, 'zone.signed'), 'utf8');
  };
  const digDnssec = (c: RunningCloud): Promise<string> => run('dig', ['+dnssec', '+noall', '+answer', '+time=1', '+tries=1', '-p', String(c.dns.bound[0]!.port), '@127.0.0.1', `www.${ORIGIN}`, 'A']).then((r) => r.stdout);

  before(async () => {
    keys = [tool(dir.path, 'ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', ORIGIN]).trim(), tool(dir.path, 'ldns-keygen', ['-a', 'ECDSAP256SHA256', ORIGIN]).trim()];
    dataplane = await startTestDataplane(log);
    ({ clouds, writer } = dataplane);
    primary = await startPrimary('bind', ORIGIN, signed(1, '192.0.2.41'), { notify: { address: '127.0.0.1', port: dataplane.controlPort } });
  });
  after(async () => {
    await dataplane?.stop();
    await primary?.stop();
    await stopAll();
    dir.remove();
  });

  it('is detected as pre-signed and answered with its RRSIGs by both clouds', async () => {
    await writer.putSecondary({ origin: ORIGIN, primaries: [{ address: primary.address, port: primary.port }], clouds: 'all', refresh: { minimumRefresh: 86_400 } });
    await waitFor('both clouds answer with RRSIG', async () => (await Promise.all(clouds.map(digDnssec))).every((out) => /192\.0\.2\.41/.test(out) && /RRSIG\s+A 13 /.test(out)), 15_000);
    assert.equal((await writer.secondaryState(ORIGIN))?.presigned, true);
  });

  // Re-signing renews every signature (ECDSA signatures differ each time), so the primary sends
  // the whole zone (BIND's max-ixfr-ratio); what matters here is that the new signatures are served.
  it('follows a re-signed change; both clouds answer with the new signatures', async () => {
    const before = await digDnssec(clouds[0]!);
    await primary.update(signed(2, '192.0.2.42'), 2);
    await waitFor('both clouds answer the change with RRSIG', async () => (await Promise.all(clouds.map(digDnssec))).every((out) => /192\.0\.2\.42/.test(out) && /RRSIG\s+A 13 /.test(out)), 10_000);
    const sig = (out: string): string | undefined => /RRSIG\s+A 13 .*$/m.exec(out)?.[0];
    assert.notEqual(sig(await digDnssec(clouds[1]!)), sig(before), 'a new signature');
  });
});
