import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { startNamed, type RunningPeer } from '../../testkit/peers';
import { stopAll } from '../../testkit/processes';
import { querySoa, transferZone } from '../../transfer/client';
import { TransferError } from '../../transfer/errors';
import { tsigSigner } from '../../transfer/tsig-signer';
import { parseTsigKey } from '../../dns/tsig';

/**
 * The transfer client with TSIG against a BIND primary that allows transfers only with its key:
 * a signed SOA query and AXFR succeed (every message verified), an unsigned AXFR is refused, and
 * a wrong secret fails as a TSIG error, never as a zone.
 */

const ORIGIN = 'signed.test.';
const zoneText = (serial: number): string =>
  `$ORIGIN ${ORIGIN}\n$TTL 300\n@ SOA ns1 hostmaster ${serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n` +
  Array.from({ length: 2500 }, (_, i) => `host${i} A 198.51.${Math.floor(i / 250)}.${i % 250}\n`).join('');

describe('transfer client with TSIG against BIND @integration', function () {
  this.timeout(60_000);
  const secret = randomBytes(32).toString('base64');
  const key = parseTsigKey({ name: 'transfer-key', algorithm: 'hmac-sha256', secret });
  let named: RunningPeer;

  before(async () => {
    named = await startNamed([{ name: ORIGIN, text: zoneText(7) }], { keys: [{ name: 'transfer-key', algorithm: 'hmac-sha256', secret }], allowTransfer: 'key "transfer-key";' });
  });
  after(async () => {
    await named?.stop();
    await stopAll();
  });

  it('transfers the zone with a signed AXFR, every message verified', async () => {
    const primary = { address: named.host, port: named.port };
    assert.equal(await querySoa(primary, ORIGIN, { signer: tsigSigner(key) }), 7);
    const result = await transferZone(primary, ORIGIN, { signer: tsigSigner(key), timeoutMs: 20_000 });
    assert.equal(result.summary.serial, 7);
    assert.equal(result.summary.kind, 'axfr');
    assert.ok(result.summary.messages > 1, `${result.summary.messages} messages`);
    assert.equal(result.summary.records, 2500 + 3 + 1);
  });

  it('is refused without the key', async () => {
    await assert.rejects(transferZone({ address: named.host, port: named.port }, ORIGIN, { timeoutMs: 10_000 }), (err: unknown) => err instanceof TransferError && err.code === 'refused');
  });

  it('fails as a TSIG error with a wrong secret, and yields no zone', async () => {
    const wrong = parseTsigKey({ name: 'transfer-key', algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') });
    await assert.rejects(transferZone({ address: named.host, port: named.port }, ORIGIN, { signer: tsigSigner(wrong), timeoutMs: 10_000 }), (err: unknown) => {
      assert.ok(err instanceof TransferError, String(err));
      assert.equal(err.code, 'tsig');
      assert.match(err.message, /TSIG BADSIG reported by the peer/);
      return true;
    });
  });
});
