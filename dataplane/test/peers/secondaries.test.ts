import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDnsfleet, startNamedSecondary, startNsdSecondary, type NamedKey, type RunningPeer } from '../../testkit/peers';
import { freePort, run, stopAll, tempDir, waitFor } from '../../testkit/processes';
import { query, rcodeOf } from '../../testkit/dns-client';

/**
 * Outbound transfers to customer secondaries with `dnsfleet serve`, against real BIND and NSD:
 *  - the secondaries listed in a Zone's `spec.secondaries` transfer it at start;
 *  - an edit of the manifest reloads the zone with a new serial, dnsfleet sends NOTIFY, and
 *    each secondary transfers and answers the new record within seconds;
 *  - the BIND secondary signs with a TSIG key (hmac-sha256) from a Secret manifest: its SOA
 *    queries, its transfers and our NOTIFY to it are signed both ways; a second NSD does the
 *    same with another key (hmac-sha512);
 *  - a BIND secondary with the wrong secret for that key is refused (NOTAUTH, BADSIG), also its
 *    NOTIFY fails, and it keeps serving its old copy;
 *  - clients not on the zone's list, and a keyed secondary asking unsigned, get REFUSED.
 * dnsfleet tells secondaries apart by address and key, and notifies each at its address and port.
 */

const ZONE = 'sec.test.';
const KEY_NAME = 'xfr-key.';
const secret = randomBytes(32).toString('base64');
const NSD_KEY_NAME = 'nsd-key.';
const nsdSecret = randomBytes(64).toString('base64');
const wrongSecret = randomBytes(32).toString('base64');

// named listens only on interface addresses, so both BIND secondaries are on 127.0.0.1 (told
// apart by port for NOTIFY and by key for transfers); NSD binds any loopback address.
const BIND_TSIG = '127.0.0.1';
const BIND_WRONG = '127.0.0.1';
const NSD_PLAIN = '127.0.0.3';
const NSD_TSIG = '127.0.0.6';
const STRANGER = '127.0.0.5';

function manifest(www: string, ports: { bind: number; nsd: number; wrong: number; nsdTsig: number }): string {
  return `apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: sec-test }
spec:
  zoneName: sec.test
  soa: { refresh: 3600, retry: 600 }
  secondaries:
    - { address: ${BIND_TSIG}, port: ${ports.bind}, tsigKeySecretRef: { name: transfer-key } }
    - { address: ${NSD_PLAIN}, port: ${ports.nsd} }
    - { address: ${BIND_WRONG}, port: ${ports.wrong}, tsigKeySecretRef: { name: transfer-key } }
    - { address: ${NSD_TSIG}, port: ${ports.nsdTsig}, tsigKeySecretRef: { name: nsd-key } }
  rrsets:
    - { name: "@", type: NS, records: [ns1] }
    - { name: ns1, type: A, records: [192.0.2.53] }
    - { name: www, type: A, records: [${www}] }
---
apiVersion: v1
kind: Secret
metadata: { name: transfer-key }
stringData:
  name: ${KEY_NAME}
  algorithm: hmac-sha256
  secret: "${secret}"
---
apiVersion: v1
kind: Secret
metadata: { name: nsd-key }
data:
  name: ${Buffer.from(NSD_KEY_NAME).toString('base64')}
  algorithm: ${Buffer.from('hmac-sha512').toString('base64')}
  secret: ${Buffer.from(nsdSecret).toString('base64')}
`;
}

async function wwwOf(peer: { host: string; port: number }): Promise<string | undefined> {
  const reply = await query(peer.host, peer.port, `www.${ZONE}`, 'A', { timeoutMs: 300 });
  return (reply.packet.answers?.[0] as { data?: string } | undefined)?.data;
}

/** The JSON log lines of a process whose `msg` is `msg`. */
function logLines(output: string, msg: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === msg);
}

describe('dnsfleet serve: NOTIFY and transfers to BIND and NSD secondaries @integration', function () {
  this.timeout(90_000);
  const scratch = tempDir('secondaries');
  const file = join(scratch.path, 'zone.yaml');
  let ports: { dnsfleet: number; bind: number; nsd: number; wrong: number; nsdTsig: number };
  let dnsfleet: RunningPeer;
  let bind: RunningPeer;
  let nsd: RunningPeer;
  let wrong: RunningPeer;
  let nsdTsig: RunningPeer;

  before(async () => {
    ports = {
      dnsfleet: await freePort('127.0.0.1'),
      bind: await freePort(BIND_TSIG),
      nsd: await freePort(NSD_PLAIN),
      wrong: await freePort(BIND_WRONG),
      nsdTsig: await freePort(NSD_TSIG),
    };
    writeFileSync(file, manifest('192.0.2.10', ports));
    dnsfleet = await startDnsfleet(file, [], { port: ports.dnsfleet });
    const primary = { host: '127.0.0.1', port: ports.dnsfleet };
    const key: NamedKey = { name: KEY_NAME, algorithm: 'hmac-sha256', secret };
    [bind, nsd, wrong, nsdTsig] = await Promise.all([
      startNamedSecondary({ zone: ZONE, primary, host: BIND_TSIG, port: ports.bind, key }),
      startNsdSecondary({ zone: ZONE, primary, host: NSD_PLAIN, port: ports.nsd }),
      // Its old copy, from before the key changed: serial 1, another address for www.
      startNamedSecondary({
        zone: ZONE,
        primary,
        host: BIND_WRONG,
        port: ports.wrong,
        key: { ...key, secret: wrongSecret },
        // It asks for our SOA every second or two, so its signed requests reach us.
        refreshSeconds: 2,
        initialZone: `$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\nwww A 192.0.2.1\n`,
      }),
      startNsdSecondary({ zone: ZONE, primary, host: NSD_TSIG, port: ports.nsdTsig, key: { name: NSD_KEY_NAME, algorithm: 'hmac-sha512', secret: nsdSecret } }),
    ]);
  });
  after(async () => {
    await Promise.all([dnsfleet?.stop(), bind?.stop(), nsd?.stop(), wrong?.stop(), nsdTsig?.stop()]);
    await stopAll();
    scratch.remove();
  });

  it('the listed secondaries transfer the zone at start, the TSIG ones signed', async () => {
    assert.equal(await wwwOf(bind), '192.0.2.10');
    assert.equal(await wwwOf(nsd), '192.0.2.10');
    assert.equal(await wwwOf(nsdTsig), '192.0.2.10');
    const transfers = logLines(dnsfleet.process.output(), 'zone transfer');
    assert.ok(transfers.some((t) => t.client === BIND_TSIG && t.key === KEY_NAME), JSON.stringify(transfers));
    assert.ok(transfers.some((t) => t.client === NSD_PLAIN && t.key === undefined), JSON.stringify(transfers));
    assert.ok(transfers.some((t) => t.client === NSD_TSIG && t.key === NSD_KEY_NAME), JSON.stringify(transfers));
  });

  it('an edit reloads the zone, NOTIFY goes out, and BIND and both NSDs answer the new record within seconds', async () => {
    const edited = Date.now();
    writeFileSync(file, manifest('192.0.2.20', ports));
    const answered: Record<string, number> = {};
    await Promise.all(
      [['bind (TSIG)', bind], ['nsd', nsd], ['nsd (TSIG)', nsdTsig]].map(async ([name, peer]) => {
        await waitFor(`${name as string} to answer the new record`, async () => (await wwwOf(peer as RunningPeer)) === '192.0.2.20', 10_000);
        answered[name as string] = Date.now();
      }),
    );
    const soa = await query('127.0.0.1', ports.dnsfleet, ZONE, 'SOA');
    const serial = (soa.packet.answers?.[0] as { data: { serial: number } }).data.serial;
    const ofSerial = (): Array<Record<string, unknown>> => logLines(dnsfleet.process.output(), 'notify').filter((n) => n.serial === serial);
    await waitFor('the NOTIFY results of the new serial in the log', async () => ofSerial().length >= 3, 5000);
    const notifies = ofSerial();
    const last = (target: string): Record<string, unknown> => notifies.filter((n) => n.target === target).at(-1)!;
    const targets = [
      ['bind (TSIG)', `${BIND_TSIG}:${ports.bind}`],
      ['nsd', `${NSD_PLAIN}:${ports.nsd}`],
      ['nsd (TSIG)', `${NSD_TSIG}:${ports.nsdTsig}`],
    ] as const;
    for (const [name, target] of targets) {
      const n = last(target);
      const sentAt = Date.parse(String(n.time)) - Number(n.ms);
      console.log(
        `      ${name}: NOTIFY answered in ${String(n.ms)} ms (tries ${String(n.tries)}); new record answered ${answered[name]! - sentAt} ms after the NOTIFY, ${answered[name]! - edited} ms after the edit`,
      );
      assert.ok(answered[name]! - sentAt < 5000);
    }
  });

  it('the secondary with the wrong secret is refused (BADSIG) and keeps its old copy', async () => {
    await waitFor('a refused refresh of the wrong-key secondary', async () => logLines(dnsfleet.process.output(), 'signed request refused').length > 0, 10_000);
    const output = dnsfleet.process.output();
    const refusals = logLines(output, 'signed request refused');
    assert.ok(refusals.length > 0 && refusals.every((l) => /TSIG BADSIG/.test(String(l.error))), JSON.stringify(refusals));
    const failed = logLines(output, 'notify failed').filter((l) => l.target === `${BIND_WRONG}:${ports.wrong}`);
    assert.ok(failed.length > 0 && /BADSIG reported by the peer/.test(String(failed.at(-1)!.error)), JSON.stringify(failed));
    assert.equal(await wwwOf(wrong), '192.0.2.1');
  });

  it('refuses AXFR to an address not on the list, and to the keyed secondary unsigned', async () => {
    const stranger = await query('127.0.0.1', ports.dnsfleet, ZONE, 'AXFR', { tcp: true, edns: null, source: STRANGER });
    assert.equal(rcodeOf(stranger), 'REFUSED');
    // 127.0.0.1 is on the zone's list only with the key.
    const unsigned = await query('127.0.0.1', ports.dnsfleet, ZONE, 'AXFR', { tcp: true, edns: null, source: BIND_TSIG });
    assert.equal(rcodeOf(unsigned), 'REFUSED');
    // The same address with the key: dig verifies every signed message of the transfer.
    const dig = await run('dig', ['-b', BIND_TSIG, '@127.0.0.1', '-p', String(ports.dnsfleet), '+time=2', '+tries=1', '-y', `hmac-sha256:${KEY_NAME}:${secret}`, ZONE, 'AXFR']);
    assert.match(dig.stdout, /www\.sec\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.20/);
    assert.doesNotMatch(dig.stdout, /Couldn't verify|Transfer failed/);
  });
});
