import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDnsfleet, zoneManifest, type RunningPeer } from '../../testkit/peers';
import { stopAll, waitFor } from '../../testkit/processes';
import { query } from '../../testkit/dns-client';

/**
 * `dnsfleet serve` as users run it: it reloads a manifest when the file changes, swaps the zone
 * in whole, and keeps the last good version when an edit is broken, saying where the mistake is.
 */

const ORIGIN = 'reload.test.';
const zoneText = (address: string, serial: number): string =>
  `$TTL 300\n@ SOA ns hostmaster ${serial} 3600 600 86400 60\n@ NS ns\nns A 192.0.2.1\nwww A ${address}\n`;

async function www(peer: RunningPeer): Promise<{ address: string | undefined; serial: number | undefined }> {
  const a = await query(peer.host, peer.port, `www.${ORIGIN}`, 'A');
  const soa = await query(peer.host, peer.port, ORIGIN, 'SOA');
  return {
    address: (a.packet.answers?.[0] as { data?: string } | undefined)?.data,
    serial: (soa.packet.answers?.[0] as { data?: { serial: number } } | undefined)?.data?.serial,
  };
}

describe('dnsfleet serve reloads @integration', function () {
  this.timeout(30_000);
  let peer: RunningPeer & { dir: string };

  before(async () => {
    peer = await startDnsfleet([{ name: ORIGIN, text: zoneText('192.0.2.10', 1) }]);
  });
  after(async () => {
    await peer?.stop();
    await stopAll();
  });

  it('answers the new data after the file changes', async () => {
    writeFileSync(join(peer.dir, 'zone0.yaml'), zoneManifest({ name: ORIGIN, text: zoneText('192.0.2.20', 2) }));
    await waitFor('the new address', async () => (await www(peer)).address === '192.0.2.20', 5000);
    assert.equal((await www(peer)).serial, 2);
  });

  it('keeps serving the last good zone when an edit is broken, and logs file, line and field', async () => {
    writeFileSync(join(peer.dir, 'zone0.yaml'), zoneManifest({ name: ORIGIN, text: zoneText('192.0.2.300', 3) }));
    await waitFor('the error in the log', async () => /still serving serial 2/.test(peer.process.output()), 5000);
    assert.match(peer.process.output(), /zone0\.yaml:12: spec\.zoneFile line 5: A: \\"192\.0\.2\.300\\" is not an IPv4 address/);
    assert.deepEqual(await www(peer), { address: '192.0.2.20', serial: 2 });
  });

  it('waits for a file written in two parts 0.6 s apart to settle, and never serves the first part alone', async () => {
    const full = zoneManifest({ name: ORIGIN, text: zoneText('192.0.2.40', 4) });
    const cut = full.indexOf('    www A');
    writeFileSync(join(peer.dir, 'zone0.yaml'), full.slice(0, cut)); // valid YAML: the zone without www
    const seen: Array<{ address: string | undefined; serial: number | undefined }> = [];
    const watching = (async () => {
      for (let i = 0; i < 100 && seen.at(-1)?.address !== '192.0.2.40'; i++) {
        seen.push(await www(peer));
        await sleep(50);
      }
    })();
    await sleep(600);
    appendFileSync(join(peer.dir, 'zone0.yaml'), full.slice(cut));
    await watching;
    assert.deepEqual(seen.at(-1), { address: '192.0.2.40', serial: 4 });
    assert.deepEqual(seen.filter((s) => s.serial === 4 && s.address === undefined), [], 'the truncated zone was served');
  });

  it('stops serving a zone whose manifest is removed from the files (REFUSED)', async () => {
    writeFileSync(join(peer.dir, 'zone0.yaml'), '# emptied\n');
    await waitFor('REFUSED', async () => {
      const reply = await query(peer.host, peer.port, `www.${ORIGIN}`, 'A');
      return (reply.packet as { rcode?: string }).rcode === 'REFUSED';
    }, 5000);
  });
});
