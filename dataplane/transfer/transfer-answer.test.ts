import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import type { WireRecord } from '../dns/message-reader';
import { TransferError } from './errors';
import { TransferAnswer, type AnswerContext } from './transfer-answer';

// The three forms of an IXFR answer (RFC 1995 §4), the AXFR framing (RFC 5936 §2.2), and each
// malformed transfer refused with its code.

const zone = Name.fromText('ans.test.');
const soa = (serial: number): string => `@ 300 SOA ns hm ${serial} 3600 600 86400 300`;

function records(...lines: string[]): WireRecord[] {
  return readZoneFile(lines.join('\n') + '\n', { origin: zone, source: 'test' });
}

const axfr: AnswerContext = { zone, primary: '192.0.2.1:53', operation: 'AXFR' };
const ixfr: AnswerContext = { zone, primary: '192.0.2.1:53', operation: 'IXFR', haveSerial: 1 };

function refused(context: AnswerContext, messages: WireRecord[][], code: string, detail?: RegExp): void {
  const answer = new TransferAnswer(context);
  assert.throws(
    () => messages.forEach((m) => answer.addMessage(m)),
    (e: unknown) => {
      assert.ok(e instanceof TransferError, String(e));
      assert.equal(e.code, code, e.message);
      if (detail) assert.match(e.message, detail);
      return true;
    },
  );
}

describe('TransferAnswer', () => {
  it('reads an AXFR over several messages and stops at the closing SOA', () => {
    const answer = new TransferAnswer(axfr);
    assert.equal(answer.addMessage(records(soa(5), '@ 300 NS ns')), false);
    assert.equal(answer.addMessage(records('ns 300 A 192.0.2.1')), false);
    assert.equal(answer.addMessage(records('www 300 A 192.0.2.2', soa(5))), true);
    const content = answer.content();
    assert.equal(content.kind, 'axfr');
    if (content.kind === 'axfr') {
      assert.equal(content.serial, 5);
      assert.equal(content.records.length, 4, 'SOA once, and the three other records');
    }
  });

  it('reads an incremental IXFR answer into its difference sequences', () => {
    const answer = new TransferAnswer(ixfr);
    const done = answer.addMessage(
      records(soa(3), soa(1), 'www 300 A 192.0.2.2', soa(2), 'www 300 A 192.0.2.3', soa(2), soa(3), 'new 300 A 192.0.2.4', soa(3)),
    );
    assert.ok(done);
    const content = answer.content();
    assert.equal(content.kind, 'ixfr');
    if (content.kind === 'ixfr') {
      assert.deepEqual(content.differences.map((d) => [d.fromSerial, d.toSerial, d.removed.length, d.added.length]), [[1, 2, 2, 2], [2, 3, 1, 2]]);
    }
  });

  it('reads an AXFR-style answer to an IXFR (RFC 1995 §4)', () => {
    const answer = new TransferAnswer(ixfr);
    assert.ok(answer.addMessage(records(soa(3), '@ 300 NS ns', soa(3))));
    assert.equal(answer.content().kind, 'axfr');
  });

  it('reads a single SOA no newer than ours as up to date', () => {
    const answer = new TransferAnswer({ ...ixfr, haveSerial: 7 });
    assert.ok(answer.addMessage(records(soa(7))));
    assert.deepEqual(answer.content(), { kind: 'up-to-date', serial: 7 });
  });

  it('refuses a single newer SOA as an unusable IXFR answer', () => refused(ixfr, [records(soa(9))], 'bad-ixfr'));
  it('refuses a first record that is not the SOA', () => refused(axfr, [records('@ 300 NS ns', soa(1))], 'not-soa-first'));
  it('refuses an empty first message', () => refused(axfr, [[]], 'no-soa'));
  it('refuses another SOA inside an AXFR', () => refused(axfr, [records(soa(5), '@ 300 NS ns', soa(4))], 'unexpected-soa', /message 1/));
  it('refuses records after the closing SOA', () => refused(axfr, [records(soa(5), soa(5), 'x 300 A 192.0.2.1')], 'unexpected-soa'));
  it('refuses a record out of the zone', () => refused(axfr, [records(soa(5)), records('www.other.test. 300 A 192.0.2.1')], 'out-of-zone', /message 2: out-of-zone: www\.other\.test\./));
  it('refuses a difference sequence that does not continue the one before', () =>
    refused(ixfr, [records(soa(3), soa(1), soa(2), soa(5), soa(3))], 'bad-ixfr', /starts at serial 5 where the previous one ended at 2/));
});
