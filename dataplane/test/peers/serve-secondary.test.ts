import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDnsfleet, type RunningPeer } from '../../testkit/peers';
import { startPrimary, type Primary } from '../../testkit/primaries';
import { freePort, run, stopAll, tempDir } from '../../testkit/processes';
import { waitFor } from '../../testkit/processes';

/**
 * `dnsfleet serve` with a SecondaryZone manifest (issue #4's standalone mode): it transfers the
 * zone from a real BIND primary with a TSIG key from a Secret manifest beside it, answers it, and
 * follows the primary's NOTIFYs; a Zone from a file is served beside it.
 */

const ORIGIN = 'standalone-secondary.test.';
const text = (serial: number, address: string): string =>
  `$ORIGIN ${ORIGIN}\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 7200 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\nwww A ${address}\n`;

describe('dnsfleet serve with a SecondaryZone manifest @integration', function () {
  this.timeout(60_000);
  const secret = randomBytes(32).toString('base64');
  const dir = tempDir('serve-secondary');
  let primary: Primary;
  let serve: RunningPeer;

  const dig = async (name: string): Promise<string> => (await run('dig', ['+short', '+time=1', '+tries=1', '-p', String(serve.port), '@127.0.0.1', name, 'A'])).stdout.trim();

  before(async () => {
    const servePort = await freePort();
    primary = await startPrimary('bind', ORIGIN, text(1, '192.0.2.31'), { notify: { address: '127.0.0.1', port: servePort }, tsig: { name: 'standalone-key.', algorithm: 'hmac-sha256', secret } });
    writeFileSync(
      join(dir.path, 'zones.yaml'),
      `apiVersion: v1
kind: Secret
metadata: { name: standalone-key }
stringData: { name: standalone-key., algorithm: hmac-sha256, secret: "${secret}" }
---
apiVersion: dnsfleet.io/v1alpha1
kind: SecondaryZone
metadata: { name: standalone }
spec:
  zoneName: ${ORIGIN}
  primaries: [{ address: ${primary.address}, port: ${primary.port} }]
  tsigKeySecretRef: { name: standalone-key }
  refresh: { minimumRefresh: 86400 }
---
apiVersion: dnsfleet.io/v1alpha1
kind: Zone
metadata: { name: local }
spec:
  zoneName: local.test
  rrsets: [{ name: www, type: A, records: [192.0.2.99] }]
`,
    );
    serve = await startDnsfleet(join(dir.path, 'zones.yaml'), [], { port: servePort, readyZone: 'local.test.' });
  });
  after(async () => {
    await serve?.stop();
    await primary?.stop();
    await stopAll();
    dir.remove();
  });

  it('transfers the secondary zone (TSIG) and serves it beside the file\'s zone', async () => {
    await waitFor('the secondary zone answered', async () => (await dig(`www.${ORIGIN}`)) === '192.0.2.31', 15_000);
    assert.equal(await dig('www.local.test'), '192.0.2.99');
  });

  it('follows the primary\'s NOTIFY', async () => {
    await primary.update(text(2, '192.0.2.32'), 2);
    await waitFor('the change answered', async () => (await dig(`www.${ORIGIN}`)) === '192.0.2.32', 5000);
  });
});
