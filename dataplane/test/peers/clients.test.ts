import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDnsfleet, type RunningPeer } from '../../testkit/peers';
import { run, stopAll, tempDir } from '../../testkit/processes';
import { query, rcodeOf } from '../../testkit/dns-client';

/**
 * Real clients from Debian against `dnsfleet serve`: dig and kdig over UDP and TCP, and AXFR
 * whose output, re-read by ldns-read-zone, equals the zone it was loaded from.
 */

const ORIGIN = 'diff.test.';
const ZONE_TEXT = readFileSync(join(__dirname, '../../../../dataplane/test/differential/zone.db'), 'utf8');

/** `ldns-read-zone -z` sorts and canonicalises: lower case, absolute names, one form of rdata. */
async function canonical(zoneText: string): Promise<string[]> {
  const dir = tempDir('ldns');
  try {
    const file = join(dir.path, 'zone');
    writeFileSync(file, zoneText);
    const out = await run('ldns-read-zone', ['-z', file]);
    assert.equal(out.code, 0, `ldns-read-zone failed: ${out.stderr}`);
    return out.stdout
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith(';'))
      .map((l) => l.replace(/\s+/g, ' ').trim())
      .sort();
  } finally {
    dir.remove();
  }
}

/** The records of `dig AXFR` output, checked to start and end with the SOA (RFC 5936 §2.2). */
function transferredRecords(digOutput: string): string {
  const records = digOutput.split('\n').filter((l) => l.trim() && !l.startsWith(';'));
  const isSoa = (l: string | undefined): boolean => /^\S+\s+\d+\s+IN\s+SOA\s/.test(l ?? '');
  assert.ok(records.length >= 2 && isSoa(records[0]) && isSoa(records[records.length - 1]), 'AXFR starts and ends with the SOA');
  assert.equal(records[0], records[records.length - 1], 'the closing SOA is the opening one');
  // The zone file holds the SOA once: drop the closing copy, but keep any other duplicate, which
  // would be a bug.
  return records.slice(0, -1).join('\n');
}

describe('dig and kdig against dnsfleet serve @integration', function () {
  this.timeout(60_000);
  let fleet: RunningPeer;

  before(async () => {
    fleet = await startDnsfleet([{ name: ORIGIN, text: ZONE_TEXT }], ['--allow-transfer', '127.0.0.1/32']);
  });
  after(async () => {
    await fleet?.stop();
    await stopAll();
  });

  const dig = (...args: string[]) => run('dig', [`@${fleet.host}`, '-p', String(fleet.port), '+norec', ...args]);
  const kdig = (...args: string[]) => run('kdig', [`@${fleet.host}`, '-p', String(fleet.port), '+norec', ...args]);

  it('answers dig over UDP with AA and the record', async () => {
    const out = await dig(`web.${ORIGIN}`, 'A');
    assert.match(out.stdout, /status: NOERROR/);
    assert.match(out.stdout, /flags: qr aa;/);
    assert.match(out.stdout, /web\.diff\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.3/);
  });

  it('answers dig +tcp and +dnssec with EDNS echoed (DO bit set in the reply)', async () => {
    const out = await dig(`chain1.${ORIGIN}`, 'A', '+tcp', '+dnssec');
    assert.match(out.stdout, /EDNS: version: 0, flags: do; udp: 1232/);
    assert.match(out.stdout, /chain3\.diff\.test\.\s+3600\s+IN\s+CNAME\s+web\.diff\.test\./);
  });

  it('truncates for dig without EDNS, and dig retries over TCP by itself', async () => {
    const truncated = await dig(`bigset.${ORIGIN}`, 'A', '+noedns', '+ignore');
    assert.match(truncated.stdout, /flags: qr aa tc;/);
    const retried = await dig(`bigset.${ORIGIN}`, 'A', '+noedns');
    assert.equal((retried.stdout.match(/\sIN\s+A\s+192\.0\.2\./g) ?? []).length, 40);
  });

  it('answers kdig +dnssec with the DO bit echoed and the EDNS size of the server', async () => {
    const out = await kdig(`web.${ORIGIN}`, 'A', '+dnssec', '+bufsize=4096');
    assert.match(out.stdout, /Version: 0; flags: do; UDP size: 1232 B/);
    assert.match(out.stdout, /Flags: qr aa;/);
    assert.match(out.stdout, /web\.diff\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.3/);
  });

  it('answers kdig over UDP and TCP, with +bufsize', async () => {
    const udp = await kdig(`mail.${ORIGIN}`, 'A', '+bufsize=4096');
    assert.match(udp.stdout, /status: NOERROR/);
    assert.match(udp.stdout, /mail\.diff\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.2/);
    const tcp = await kdig(`txt.${ORIGIN}`, 'TXT', '+tcp');
    assert.match(tcp.stdout, /"escaped \\"quote\\"" "back\\\\slash" "AB" "semi;colon"/);
  });

  it('gives kdig NXDOMAIN with the SOA and REFUSED outside its zones', async () => {
    const nx = await kdig(`nope.${ORIGIN}`, 'A');
    assert.match(nx.stdout, /status: NXDOMAIN/);
    assert.match(nx.stdout, /AUTHORITY SECTION:\s*\n\s*diff\.test\.\s+300\s+IN\s+SOA/);
    const refused = await kdig('example.com.', 'A');
    assert.match(refused.stdout, /status: REFUSED/);
  });

  it('answers BADVERS to EDNS version 1 (RFC 6891 §6.1.3)', async () => {
    const out = await dig(`web.${ORIGIN}`, 'A', '+edns=1', '+noednsneg');
    assert.match(out.stdout, /status: BADVERS/);
  });

  it('transfers the zone with AXFR, and the transfer re-read by ldns-read-zone equals the zone', async () => {
    const out = await dig(ORIGIN, 'AXFR');
    assert.doesNotMatch(out.stdout, /Transfer failed/);
    const [fromTransfer, fromFile] = await Promise.all([canonical(transferredRecords(out.stdout)), canonical(ZONE_TEXT)]);
    assert.ok(fromFile.length > 80, `the zone has ${fromFile.length} records`);
    assert.deepEqual(fromTransfer, fromFile);
  });

  it('refuses AXFR to a client outside --allow-transfer', async () => {
    const out = await dig(ORIGIN, 'AXFR', '-b', '127.0.0.2');
    assert.match(out.stdout, /Transfer failed/);
    assert.doesNotMatch(out.stdout, /\sIN\s+SOA\s/);
    // dig does not print the rcode of a failed transfer: ask again with our client, from the same
    // address, and from an allowed one for contrast.
    const refused = await query(fleet.host, fleet.port, ORIGIN, 'AXFR', { tcp: true, source: '127.0.0.2' });
    assert.equal(rcodeOf(refused), 'REFUSED');
    assert.equal(refused.packet.answers?.length ?? 0, 0);
    const allowed = await query(fleet.host, fleet.port, ORIGIN, 'AXFR', { tcp: true, source: '127.0.0.1' });
    assert.equal(rcodeOf(allowed), 'NOERROR');
    assert.equal(allowed.packet.answers?.[0]?.type, 'SOA');
  });

  it('answers AXFR over UDP with NOTIMP (RFC 5936 §4.2)', async () => {
    // dig always uses TCP for AXFR, so this one is asked with our test client.
    const reply = await query(fleet.host, fleet.port, ORIGIN, 'AXFR');
    assert.equal((reply.packet as { rcode?: string }).rcode, 'NOTIMP');
  });
});
