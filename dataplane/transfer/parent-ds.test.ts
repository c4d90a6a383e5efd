import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { freePort } from '../testkit/processes';
import { startFakePrimary, type FakePrimary } from '../testkit/fake-primary';
import { startPrimary, type Primary } from '../testkit/primaries';
import { ParentDsError, queryParentDs } from './parent-ds';

// The DS query client of mode Parent against real parent nameservers on loopback: NSD and Knot
// each serving the parent zone `parent.test.` with delegations that have DS records or not.
// Checked: the key tags and the TTL of the DS RRset; confirmed only when every server answers
// and all agree; NODATA and NXDOMAIN are "no DS"; a truncated UDP answer is asked again over
// TCP; a server that is down, silent, or not a server of the parent is an error naming it.

const digest = (octets: number): string => randomBytes(octets).toString('hex').toUpperCase();

/** The parent zone, with `signed.parent.test.` carrying DS records of `tags` (TTL 7200). */
function parentZone(tags: readonly number[]): string {
  const many = Array.from({ length: 20 }, (_, i) => `big 600 IN DS ${1000 + i} 13 4 ${digest(48)}`);
  return [
    '$ORIGIN parent.test.',
    '@ 3600 IN SOA ns.parent.test. hostmaster.parent.test. 1 3600 600 86400 300',
    '@ 3600 IN NS ns.parent.test.',
    'ns 3600 IN A 127.0.0.1',
    'signed 3600 IN NS ns.elsewhere.example.',
    ...tags.map((t) => `signed 7200 IN DS ${t} 13 2 ${digest(32)}`),
    'unsigned 3600 IN NS ns.elsewhere.example.',
    // 20 SHA-384 DS records: more than 512 octets, so the UDP answer is truncated.
    'big 3600 IN NS ns.elsewhere.example.',
    ...many,
    '',
  ].join('\n');
}

describe('queryParentDs @integration', function () {
  this.timeout(60_000);
  let nsd: Primary;
  let knot: Primary;
  let other: Primary;
  let silent: FakePrimary;

  before(async () => {
    [nsd, knot, other, silent] = await Promise.all([
      startPrimary('nsd', 'parent.test.', parentZone([12345, 23456])),
      startPrimary('knot', 'parent.test.', parentZone([12345, 23456])),
      startPrimary('nsd', 'parent.test.', parentZone([12345])),
      startFakePrimary(() => undefined),
    ]);
  });
  after(async () => {
    await Promise.all([nsd?.stop(), knot?.stop(), other?.stop(), silent?.stop()]);
  });

  it('returns the key tags and the TTL of the DS RRset when every server returns the same', async () => {
    const result = await queryParentDs('signed.parent.test.', [nsd, knot]);
    assert.deepEqual(result.errors, []);
    assert.equal(result.confirmed, true);
    assert.deepEqual(result.tags, [12345, 23456]);
    assert.equal(result.ttl, 7200);
    assert.deepEqual(
      result.answers.map((a) => a.server),
      [`127.0.0.1:${nsd.port}`, `127.0.0.1:${knot.port}`],
    );
  });

  it('is not confirmed when the servers disagree, and names what they share', async () => {
    const result = await queryParentDs('signed.parent.test.', [nsd, other, knot]);
    assert.equal(result.confirmed, false);
    assert.deepEqual(result.tags, [12345]);
    assert.deepEqual(
      result.answers.map((a) => a.tags),
      [[12345, 23456], [12345], [12345, 23456]],
    );
  });

  it('takes NODATA and NXDOMAIN as no DS, confirmed', async () => {
    for (const zone of ['unsigned.parent.test.', 'absent.parent.test.']) {
      const result = await queryParentDs(zone, [nsd, knot]);
      assert.deepEqual(result.errors, [], zone);
      assert.equal(result.confirmed, true, zone);
      assert.deepEqual(result.tags, [], zone);
      assert.equal(result.ttl, undefined, zone);
    }
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const result = await queryParentDs('big.parent.test.', [nsd, knot]);
    assert.deepEqual(result.errors, []);
    assert.equal(result.confirmed, true);
    assert.deepEqual(result.tags, Array.from({ length: 20 }, (_, i) => 1000 + i));
  });

  it('is not confirmed when a server is down, silent or not a server of the parent, and each error names it', async () => {
    const down = { address: '127.0.0.1', port: await freePort() };
    const result = await queryParentDs('signed.parent.test.', [nsd, down, silent], { timeoutMs: 500 });
    assert.equal(result.confirmed, false);
    assert.deepEqual(result.answers.map((a) => a.server), [`127.0.0.1:${nsd.port}`]);
    assert.ok(result.errors.every((e) => e instanceof ParentDsError));
    assert.deepEqual(
      result.errors.map((e) => [e.code, e.server]),
      [
        ['connection-refused', `127.0.0.1:${down.port}`],
        ['timeout', `127.0.0.1:${silent.port}`],
      ],
    );
    assert.match(result.errors[1]!.message, new RegExp(`^DS signed\\.parent\\.test\\. from 127\\.0\\.0\\.1:${silent.port}: timeout`));

    // NSD refuses a zone it does not serve.
    const refused = await queryParentDs('signed.elsewhere.test.', [nsd]);
    assert.equal(refused.confirmed, false);
    assert.equal(refused.errors[0]!.code, 'rcode');
    assert.match(refused.errors[0]!.message, /REFUSED/);
  });

  it('is never confirmed without servers', async () => {
    const result = await queryParentDs('signed.parent.test.', []);
    assert.equal(result.confirmed, false);
  });
});
