import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { RRType, Rcode } from '../dns/constants';
import { readZoneFile } from '../dns/zonefile/reader';
import { ZoneBuilder } from '../zone/zone-builder';
import type { Zone } from '../zone/zone';
import { answer, startFakePrimary, type AnswerRecord, type FakePrimary, type Script } from '../testkit/fake-primary';
import { querySoa, transferZone, type RequestSigner, type TransferOptions } from './client';
import { TransferError } from './errors';

// The transfer client against a scripted primary on loopback: each way a primary can answer,
// or fail to, gives a zone or the documented TransferError, never half a zone.

const origin = Name.fromText('client.test.');
const soa = (serial: number): string => `@ 300 SOA ns hm ${serial} 3600 600 86400 300`;
const v1Text = [soa(1), '@ 300 NS ns', 'ns 300 A 192.0.2.1', 'www 300 A 192.0.2.10', 'sig 300 TXT "x"'];

function records(...lines: string[]): AnswerRecord[] {
  return readZoneFile(lines.join('\n') + '\n', { origin, source: 'test' });
}

function zoneOf(lines: string[]): Zone {
  const b = new ZoneBuilder(origin);
  for (const r of records(...lines)) b.add(r);
  return b.build();
}

const v1 = zoneOf(v1Text);
let primary: FakePrimary | undefined;

async function serve(script: Script): Promise<FakePrimary> {
  primary = await startFakePrimary(script);
  return primary;
}

afterEach(async () => {
  await primary?.stop();
  primary = undefined;
});

async function rejectsWith(promise: Promise<unknown>, code: string, detail?: RegExp): Promise<TransferError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof TransferError, `expected TransferError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (detail) assert.match(caught.message, detail);
  return caught;
}

const quick: TransferOptions = { timeoutMs: 2000, idleTimeoutMs: 300 };

describe('querySoa', () => {
  it('reads the serial from an authoritative UDP answer', async () => {
    const p = await serve((x) => x.send(answer(x.query, records(soa(42)))));
    assert.equal(await querySoa(p, origin), 42);
    assert.equal(p.queries[0]!.questions[0]!.type, RRType.SOA);
    assert.equal(p.queries[0]!.isResponse, false);
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const p = await serve((x) => x.send(x.transport === 'udp' ? answer(x.query, [], { tc: true }) : answer(x.query, records(soa(43)))));
    assert.equal(await querySoa(p, 'client.test.'), 43);
  });

  for (const [rcode, code] of [[Rcode.REFUSED, 'refused'], [Rcode.NOTAUTH, 'notauth'], [Rcode.SERVFAIL, 'servfail']] as const) {
    it(`reports ${code} for that rcode`, async () => {
      const p = await serve((x) => x.send(answer(x.query, [], { rcode })));
      await rejectsWith(querySoa(p, origin), code, new RegExp(`^SOA client\\.test\\. from 127\\.0\\.0\\.1:${p.port} message 1: ${code}`));
    });
  }

  it('reports an answer without AA as not authoritative', async () => {
    const p = await serve((x) => x.send(answer(x.query, records(soa(1)), { aa: false })));
    await rejectsWith(querySoa(p, origin), 'not-authoritative');
  });

  it('reports an answer without the SOA', async () => {
    const p = await serve((x) => x.send(answer(x.query, records('ns 300 A 192.0.2.1'))));
    await rejectsWith(querySoa(p, origin), 'no-soa', /got ns\.client\.test\. A/);
  });

  it('reports an answer to another question as the wrong zone', async () => {
    const p = await serve((x) => {
      const other = readZoneFile('@ 300 SOA ns hm 1 1 1 1 1\n', { origin: Name.fromText('other.test.'), source: 't' });
      const q = { ...x.query, questions: [{ name: Name.fromText('other.test.'), type: RRType.SOA, class: 1 }] };
      x.send(answer(q, other));
    });
    await rejectsWith(querySoa(p, origin), 'wrong-zone', /for other\.test\. SOA/);
  });

  it('times out when nothing answers', async () => {
    const p = await serve(() => undefined);
    await rejectsWith(querySoa(p, origin, { timeoutMs: 200 }), 'timeout', /no answer within 200 ms/);
  });

  it('ignores an answer with another message ID', async () => {
    const p = await serve((x) => x.send(answer(x.query, records(soa(1)), { id: (x.query.id + 1) & 0xffff })));
    await rejectsWith(querySoa(p, origin, { timeoutMs: 200 }), 'timeout');
  });
});

describe('transferZone', () => {
  it('transfers a zone by AXFR over several messages', async () => {
    const p = await serve((x) => {
      x.send(answer(x.query, records(soa(1), '@ 300 NS ns')));
      x.send(answer(x.query, records('ns 300 A 192.0.2.1', 'www 300 A 192.0.2.10'), { question: false }));
      x.send(answer(x.query, records('sig 300 TXT "x"', soa(1))));
    });
    const result = await transferZone(p, origin, quick);
    assert.equal(p.queries[0]!.questions[0]!.type, RRType.AXFR);
    assert.deepEqual([result.summary.kind, result.summary.serial, result.summary.messages, result.summary.records], ['axfr', 1, 3, 6]);
    assert.equal(result.zone.recordCount, v1.recordCount);
    assert.equal(result.presigned, false);
    assert.ok(result.summary.bytes > 0 && result.summary.durationMs >= 0);
  });

  it('applies an incremental IXFR answer to the version we have', async () => {
    const p = await serve((x) => x.send(answer(x.query, records(soa(2), soa(1), 'www 300 A 192.0.2.10', soa(2), 'www 300 A 192.0.2.20', soa(2)))));
    const result = await transferZone(p, origin, { ...quick, have: { serial: 1, zone: v1 } });
    // RFC 1995 §3: the query carries our SOA in the authority section.
    const q = p.queries[0]!;
    assert.deepEqual([q.questions[0]!.type, q.authority.length, q.authority[0]!.type], [RRType.IXFR, 1, RRType.SOA]);
    assert.equal(result.summary.kind, 'ixfr');
    assert.equal(result.zone.serial, 2);
    assert.deepEqual([...result.zone.node(Name.fromText('www.client.test.'))!.rrsets.get(RRType.A)!.rdata[0]!], [192, 0, 2, 20]);
    assert.equal(v1.serial, 1, 'the version we had is untouched');
  });

  it('reports up to date on a single SOA', async () => {
    const p = await serve((x) => x.send(answer(x.query, records(soa(1)))));
    const result = await transferZone(p, origin, { ...quick, have: { serial: 1, zone: v1 } });
    assert.equal(result.summary.kind, 'up-to-date');
    assert.equal(result.zone, v1);
  });

  it('falls back to AXFR when the primary answers IXFR with NOTIMP', async () => {
    const p = await serve((x) => {
      if (x.query.questions[0]!.type === RRType.IXFR) return x.send(answer(x.query, [], { rcode: Rcode.NOTIMP }));
      x.send(answer(x.query, records(soa(3), ...v1Text.slice(1), soa(3))));
    });
    const result = await transferZone(p, origin, { ...quick, have: { serial: 1, zone: v1 } });
    assert.equal(result.summary.kind, 'axfr');
    assert.match(result.summary.ixfrFallback!, /notimp/);
    assert.equal(p.queries.length, 2);
  });

  it('falls back to AXFR once when the differences do not fit our version', async () => {
    const p = await serve((x) => {
      if (x.query.questions[0]!.type === RRType.IXFR) return x.send(answer(x.query, records(soa(2), soa(1), 'www 300 A 192.0.2.99', soa(2), soa(2))));
      x.send(answer(x.query, records(soa(2), ...v1Text.slice(1), soa(2))));
    });
    const result = await transferZone(p, origin, { ...quick, have: { serial: 1, zone: v1 } });
    assert.equal(result.summary.kind, 'axfr');
    assert.match(result.summary.ixfrFallback!, /bad-ixfr: zone client\.test\.: removes a record that is not in the zone: www\.client\.test\. 300 A 192\.0\.2\.99/);
  });

  it('reports a presigned zone', async () => {
    const p = await serve((x) =>
      x.send(answer(x.query, records(soa(1), '@ 300 NS ns', '@ 300 DNSKEY 257 3 13 AAAA', '@ 300 RRSIG SOA 13 2 300 20261201000000 20261101000000 1 client.test. AAAA', soa(1)))),
    );
    assert.equal((await transferZone(p, origin, quick)).presigned, true);
  });

  it('refuses garbage', async () => {
    const p = await serve((x) => x.send(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])));
    await rejectsWith(transferZone(p, origin, quick), 'malformed', /^AXFR client\.test\. from 127\.0\.0\.1:\d+ message 1: malformed: question 0 at offset 12: name runs past the message$/);
  });

  it('refuses an answer with another message ID', async () => {
    const p = await serve((x) => x.send(answer(x.query, records(soa(1), soa(1)), { id: (x.query.id + 1) & 0xffff })));
    await rejectsWith(transferZone(p, origin, quick), 'bad-header');
  });

  it('refuses a truncated message and a connection closed mid-transfer', async () => {
    const p = await serve((x) => {
      x.send(answer(x.query, records(soa(1), '@ 300 NS ns')));
      const second = answer(x.query, records('ns 300 A 192.0.2.1', soa(1)));
      const framed = Buffer.alloc(2 + second.length);
      framed.writeUInt16BE(second.length);
      framed.set(second, 2);
      x.sendRaw(framed.subarray(0, 20));
      x.close();
    });
    await rejectsWith(transferZone(p, origin, quick), 'connection-closed', /message 2: connection-closed: .* after 1 complete messages, and 18 of the \d+ octets of the next/);
  });

  it('refuses a primary that stalls', async () => {
    const p = await serve((x) => x.send(answer(x.query, records(soa(1), '@ 300 NS ns'))));
    await rejectsWith(transferZone(p, origin, quick), 'idle-timeout', /nothing received for 300 ms after 1 messages/);
  });

  it('refuses a primary that never ends', async () => {
    const p = await serve((x) => {
      x.send(answer(x.query, records(soa(1))));
      const filler = answer(x.query, records(...Array.from({ length: 50 }, (_, i) => `n${i} 300 A 192.0.2.1`)), { question: false });
      const timer = setInterval(() => x.send(filler), 5);
      setTimeout(() => clearInterval(timer), 3000);
    });
    await rejectsWith(transferZone(p, origin, { ...quick, maxTransferBytes: 100_000 }), 'too-large', /more than 100000 octets/);
  });

  it('refuses a transfer that does not start with the SOA', async () => {
    const p = await serve((x) => x.send(answer(x.query, records('@ 300 NS ns', soa(1)))));
    await rejectsWith(transferZone(p, origin, quick), 'not-soa-first');
  });

  it('refuses REFUSED, and does not retry an AXFR', async () => {
    const p = await serve((x) => x.send(answer(x.query, [], { rcode: Rcode.REFUSED })));
    await rejectsWith(transferZone(p, origin, quick), 'refused');
    assert.equal(p.queries.length, 1);
  });

  it('refuses a zone that fails the zone checks', async () => {
    const p = await serve((x) => x.send(answer(x.query, records(soa(1), 'www 300 CNAME ns', 'www 300 A 192.0.2.1', soa(1)))));
    await rejectsWith(transferZone(p, origin, quick), 'zone-check', /CNAME beside other data/);
  });

  it('signs the query and verifies every message through a RequestSigner', async () => {
    const seen: string[] = [];
    const signer: RequestSigner = {
      sign: (query) => {
        seen.push('sign');
        return { wire: query, verifier: { verify: (wire) => (seen.push('verify'), wire), done: () => void seen.push('done') } };
      },
    };
    const p = await serve((x) => {
      x.send(answer(x.query, records(soa(1), '@ 300 NS ns')));
      x.send(answer(x.query, records(soa(1))));
    });
    await transferZone(p, origin, { ...quick, signer });
    assert.deepEqual(seen, ['sign', 'verify', 'verify', 'done']);
  });

  it('reports a message the verifier refuses', async () => {
    const signer: RequestSigner = {
      sign: (query) => ({ wire: query, verifier: { verify: () => { throw new Error('BADSIG'); }, done: () => undefined } }),
    };
    const p = await serve((x) => x.send(answer(x.query, records(soa(1), soa(1)))));
    await rejectsWith(transferZone(p, origin, { ...quick, signer }), 'tsig', /BADSIG/);
  });

  it('reports a primary where nothing listens', async () => {
    const p = await serve(() => undefined);
    await p.stop();
    primary = undefined;
    await rejectsWith(transferZone(p, origin, quick), 'connection-refused');
    await rejectsWith(querySoa(p, origin, { timeoutMs: 1000 }), 'connection-refused');
  });
});
