import { strict as assert } from 'node:assert';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { truncateInPlace } from '../dns/message-writer';
import { ZoneBuilder } from '../zone/zone-builder';
import { ZoneSet } from '../zone/zone-set';
import { buildQuery } from '../testkit/dns-client';
import { Responder, type DatagramPeer } from './respond';
import {
  RATE_ACTIONS,
  RateDecision,
  RateLimitConfigError,
  RESPONSE_CLASS_LABELS,
  ResponseClass,
  ResponseRateLimiter,
  nameHash,
  rateLimitConfig,
  sourceNetwork,
  sourcePrefix,
} from './rate-limit';

/** The time of the responses, in milliseconds: the tests move it by hand. */
let time = 1_000_000;
const clock = (): { advance: (ms: number) => void } => ({ advance: (ms) => (time += ms) });

const ADDRESS = { address: (): string => '192.0.2.10' };

/** The decisions for `n` responses in a row, as a string: A answered, S slipped, D dropped. */
function run(limiter: ResponseRateLimiter, n: number, prefix = 1, cls = ResponseClass.Positive, name = 7, address: { address(): string } = ADDRESS): string {
  let out = '';
  for (let i = 0; i < n; i++) out += 'ASD'[limiter.decide(prefix, cls, name, time, address)];
  return out;
}

describe('ResponseRateLimiter', () => {
  it('answers a bucket up to its rate, then slips every slip-th limited response and drops the rest', () => {
    const limiter = new ResponseRateLimiter({ responsesPerSecond: 5, slip: 2 });
    assert.equal(run(limiter, 11), 'AAAAADSDSDS');
    assert.equal(limiter.counts[0 * RESPONSE_CLASS_LABELS.length + ResponseClass.Positive], 3, 'slipped');
    assert.equal(limiter.counts[1 * RESPONSE_CLASS_LABELS.length + ResponseClass.Positive], 3, 'dropped');
  });

  it('refills at the rate, never beyond one second of it', () => {
    const c = clock();
    const limiter = new ResponseRateLimiter({ responsesPerSecond: 10, slip: 0 });
    assert.equal(run(limiter, 12), 'AAAAAAAAAADD');
    c.advance(300); // 3 tokens
    assert.equal(run(limiter, 4), 'AAAD');
    c.advance(60_000); // a minute idle: still one second's worth
    assert.equal(run(limiter, 11), 'AAAAAAAAAAD');
  });

  it('keeps a rate over time: 100/s for 5 s sends about 500 of a steady flood', () => {
    const c = clock();
    const limiter = new ResponseRateLimiter({ responsesPerSecond: 100, slip: 0 });
    let answered = 0;
    for (let ms = 0; ms < 5000; ms++) {
      for (let i = 0; i < 10; i++) if (limiter.decide(1, ResponseClass.Positive, 7, time, ADDRESS) === RateDecision.Answer) answered++;
      c.advance(1);
    }
    // The first second's bucket (100) plus 100 a second after.
    assert.ok(answered >= 590 && answered <= 601, `answered ${answered}`);
  });

  it('slip 1 truncates every limited response; slip 0 drops them all', () => {
    assert.equal(run(new ResponseRateLimiter({ responsesPerSecond: 2, slip: 1 }), 5), 'AASSS');
    assert.equal(run(new ResponseRateLimiter({ responsesPerSecond: 2, slip: 0 }), 5), 'AADDD');
  });

  it('keeps networks, classes and names in buckets of their own', () => {
    const limiter = new ResponseRateLimiter({ responsesPerSecond: 2, slip: 0 });
    assert.equal(run(limiter, 3, 1, ResponseClass.Positive, 7), 'AAD');
    assert.equal(run(limiter, 3, 2, ResponseClass.Positive, 7), 'AAD', 'another network');
    assert.equal(run(limiter, 3, 1, ResponseClass.Nxdomain, 7), 'AAD', 'another class');
    assert.equal(run(limiter, 3, 1, ResponseClass.Positive, 8), 'AAD', 'another name');
  });

  it('never limits an exempt source, and asks for the address only when a response is over the limit', () => {
    const limiter = new ResponseRateLimiter({ responsesPerSecond: 1, exempt: ['198.51.100.0/24'] });
    let asked = 0;
    const exempt = { address: (): string => (asked++, '198.51.100.7') };
    assert.equal(run(limiter, 4, 1, ResponseClass.Positive, 7, exempt), 'AAAA');
    assert.equal(asked, 3);
  });

  it('reports the limited networks once per bucket and period, and starts afresh after each report', () => {
    const limiter = new ResponseRateLimiter({ responsesPerSecond: 1, slip: 2 });
    run(limiter, 5, 1, ResponseClass.Positive, 7, { address: () => '192.0.2.10' });
    run(limiter, 3, 2, ResponseClass.Positive, 7, { address: () => '2001:db8:0:12::1' });
    run(limiter, 3, 2, ResponseClass.Nxdomain, 9, { address: () => '2001:db8:0:12::1' });
    const report = limiter.takeReport();
    assert.equal(report.slipped + report.dropped, 4 + 2 + 2);
    assert.deepEqual(report.sources, [
      { network: '2001:db8::/56', limited: 2 },
      { network: '192.0.2.0/24', limited: 1 },
    ]);
    assert.deepEqual(limiter.takeReport(), { slipped: 0, dropped: 0, sources: [] });
  });

  it('stays within its table when every response comes from another network', () => {
    const limiter = new ResponseRateLimiter({ responsesPerSecond: 1, tableSize: 1024 });
    for (let p = 0; p < 100_000; p++) limiter.decide(p, ResponseClass.Positive, 1, time, ADDRESS);
    assert.equal(limiter.takeReport().sources.length, 0, 'one response per network: nobody limited');
  });

  it('checks its settings and names the one out of range', () => {
    assert.throws(() => rateLimitConfig({ responsesPerSecond: 0 }), (e: unknown) => e instanceof RateLimitConfigError && e.setting === 'responsesPerSecond');
    assert.throws(() => rateLimitConfig({ responsesPerSecond: 5, slip: 11 }), (e: unknown) => e instanceof RateLimitConfigError && e.setting === 'slip');
    assert.throws(() => rateLimitConfig({ responsesPerSecond: 5, ipv4PrefixLength: 33 }), /ipv4PrefixLength 33: expected a whole number from 8 to 32/);
    assert.throws(() => rateLimitConfig({ responsesPerSecond: 5, exempt: ['10.0.0.0/40'] }), (e: unknown) => e instanceof RateLimitConfigError && e.setting === 'exempt');
    assert.deepEqual(rateLimitConfig({ responsesPerSecond: 5 }), { responsesPerSecond: 5, slip: 2, ipv4PrefixLength: 24, ipv6PrefixLength: 56, exempt: [], tableSize: 262_144 });
    assert.equal(RATE_ACTIONS.length, 2);
  });
});

describe('sourcePrefix and sourceNetwork', () => {
  it('puts the hosts of one network together and two networks apart', () => {
    assert.equal(sourcePrefix('192.0.2.1', 24, 56), sourcePrefix('192.0.2.254', 24, 56));
    assert.notEqual(sourcePrefix('192.0.2.1', 24, 56), sourcePrefix('192.0.3.1', 24, 56));
    assert.notEqual(sourcePrefix('192.0.2.1', 32, 56), sourcePrefix('192.0.2.2', 32, 56));
    assert.equal(sourcePrefix('2001:db8:0:1200::1', 24, 56), sourcePrefix('2001:db8:0:12ff:ffff::9', 24, 56));
    assert.notEqual(sourcePrefix('2001:db8:0:1200::1', 24, 56), sourcePrefix('2001:db8:0:1300::1', 24, 56));
    assert.equal(sourcePrefix('::ffff:192.0.2.9', 24, 56), sourcePrefix('192.0.2.1', 24, 56), 'IPv4-mapped is IPv4');
    // Masks inside an octet: /20 puts 192.0.16.0-192.0.31.255 together.
    assert.equal(sourcePrefix('192.0.16.1', 20, 56), sourcePrefix('192.0.31.200', 20, 56));
    assert.notEqual(sourcePrefix('192.0.16.1', 20, 56), sourcePrefix('192.0.32.1', 20, 56));
  });

  it('names a network in its usual notation', () => {
    assert.equal(sourceNetwork('192.0.2.77', 24, 56), '192.0.2.0/24');
    assert.equal(sourceNetwork('192.0.31.200', 20, 56), '192.0.16.0/20');
    assert.equal(sourceNetwork('2001:db8:0:12ab::1', 24, 56), '2001:db8:0:1200::/56');
    assert.equal(sourceNetwork('::1', 24, 128), '::1/128');
  });

  it('hashes names by their folded wire form', () => {
    assert.equal(nameHash(Name.fromText('WWW.Example.').key), nameHash(Name.fromText('www.example.').key));
    assert.notEqual(nameHash(Name.fromText('www.example.').key), nameHash(Name.fromText('ftp.example.').key));
  });
});

describe('truncateInPlace', () => {
  const answer = (edns: boolean): Buffer =>
    dnsPacket.encode({
      id: 7,
      type: 'response',
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED,
      questions: [{ name: 'www.example', type: 'A', class: 'IN' }],
      answers: [{ name: 'www.example', type: 'A', ttl: 60, data: '192.0.2.1' }],
      authorities: [{ name: 'example', type: 'NS', ttl: 60, data: 'ns.example' }],
      additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: dnsPacket.DNSSEC_OK } as dnsPacket.Answer] : [],
    } as dnsPacket.Packet);

  it('keeps the header with TC and the question, and the OPT without options when there was one', () => {
    const buf = new Uint8Array(600);
    const msg = answer(true);
    buf.set(msg, 100);
    const length = truncateInPlace(buf, 100, msg.length);
    const p = dnsPacket.decode(Buffer.from(buf.subarray(100, 100 + length)));
    assert.equal(p.id, 7);
    assert.equal(p.flag_tc, true);
    assert.equal(p.flag_aa, true);
    assert.equal(p.flag_rd, true);
    assert.deepEqual(p.questions, [{ name: 'www.example', type: 'A', class: 'IN' }]);
    assert.equal(p.answers?.length, 0);
    assert.equal(p.authorities?.length, 0);
    const opt = p.additionals?.[0] as unknown as { type: string; udpPayloadSize: number; flags: number };
    assert.equal(opt.type, 'OPT');
    assert.equal(opt.udpPayloadSize, 1232);
    assert.equal(opt.flags & dnsPacket.DNSSEC_OK, dnsPacket.DNSSEC_OK);
  });

  it('has no OPT when the answer had none, and refuses what runs past its end', () => {
    const msg = answer(false);
    const buf = Uint8Array.from(msg);
    const length = truncateInPlace(buf, 0, msg.length);
    const p = dnsPacket.decode(Buffer.from(buf.subarray(0, length)));
    assert.equal(p.additionals?.length, 0);
    assert.equal(p.flag_tc, true);
    assert.equal(truncateInPlace(Uint8Array.from(msg), 0, 20), -1);
  });
});

describe('Responder with response rate limiting', () => {
  const origin = Name.fromText('rrl.test.');
  const zone = (() => {
    const b = new ZoneBuilder(origin);
    const text = '$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nwww A 192.0.2.2\nsub NS ns.elsewhere.\nbig TXT ' + '"' + 'x'.repeat(250) + '" '.repeat(1) + ('"' + 'y'.repeat(250) + '" ').repeat(3) + '\n';
    for (const r of readZoneFile(text, { origin, source: 't' })) b.add(r);
    return new ZoneSet([b.build()]);
  })();
  const peer = (address: string): DatagramPeer => ({ address: () => address, prefix: () => sourcePrefix(address, 24, 56), receivedAt: () => time });
  const out = new Uint8Array(70_000);

  /** A decision per query: A answered (a number or a reply), T truncated (slipped), D dropped. */
  function ask(r: Responder, name: string, type: string, from: string, n: number, edns = true): string {
    let s = '';
    for (let i = 0; i < n; i++) {
      const got = r.answerDatagram(buildQuery(name, type, { edns: edns ? 1232 : null }), out, 0, peer(from));
      if (typeof got === 'number') s += (out[2]! & 0x02) !== 0 && out[7] === 0 ? 'T' : 'A';
      else s += got.kind === 'drop' ? 'D' : 'A';
    }
    return s;
  }

  it('limits one network per name and class, on cache misses and hits alike, and sends slips truncated with the OPT', () => {
    const r = new Responder(zone, { rateLimit: new ResponseRateLimiter({ responsesPerSecond: 3, slip: 2 }) });
    assert.equal(ask(r, 'www.rrl.test', 'A', '192.0.2.10', 8), 'AAADTDTD');
    const slipped = r.answerDatagram(buildQuery('www.rrl.test', 'A', { dnssecOk: true }), out, 0, peer('192.0.2.99'));
    const p = dnsPacket.decode(Buffer.from(out.subarray(0, slipped as number)));
    assert.equal(p.flag_tc, true);
    assert.equal(p.answers?.length, 0);
    assert.equal((p.additionals?.[0] as unknown as { flags: number }).flags & dnsPacket.DNSSEC_OK, dnsPacket.DNSSEC_OK);
    assert.equal(ask(r, 'www.rrl.test', 'A', '192.0.3.10', 4), 'AAAD', 'another /24 has its own bucket');
    assert.equal(ask(r, 'ns.rrl.test', 'A', '192.0.2.10', 4), 'AAAD', 'another name too');
    // TCP is never limited: `respond` is the TCP path.
    for (let i = 0; i < 10; i++) assert.equal(r.respond(buildQuery('www.rrl.test', 'A'), 'tcp').kind, 'response');
  });

  it('puts a random-subdomain flood of one zone in one bucket (NXDOMAIN keyed by the zone)', () => {
    const r = new Responder(zone, { rateLimit: new ResponseRateLimiter({ responsesPerSecond: 5, slip: 0 }) });
    let s = '';
    for (let i = 0; i < 10; i++) s += ask(r, `r${i}x.rrl.test`, 'A', '192.0.2.10', 1);
    assert.equal(s, 'AAAAADDDDD');
    assert.equal(ask(r, 'www.rrl.test', 'A', '192.0.2.10', 1), 'A', 'positive answers are another class');
    assert.equal(ask(r, 'www.rrl.test', 'MX', '192.0.2.10', 1), 'A', 'NODATA of the zone is another class');
    const rl = r.rateLimit!;
    assert.equal(rl.counts[1 * RESPONSE_CLASS_LABELS.length + ResponseClass.Nxdomain], 5);
  });

  it('counts large responses in a class of their own, and error responses (REFUSED) too', () => {
    const r = new Responder(zone, { rateLimit: new ResponseRateLimiter({ responsesPerSecond: 2, slip: 0 }) });
    assert.equal(ask(r, 'big.rrl.test', 'TXT', '192.0.2.10', 3), 'AAD');
    assert.equal(ask(r, 'other.example', 'A', '192.0.2.10', 3), 'AAD');
    const rl = r.rateLimit!;
    assert.equal(rl.counts[1 * RESPONSE_CLASS_LABELS.length + ResponseClass.Large], 1);
    assert.equal(rl.counts[1 * RESPONSE_CLASS_LABELS.length + ResponseClass.Error], 1);
  });

  it('answers exactly as without it while nobody is over the limit', () => {
    const limited = new Responder(zone, { rateLimit: new ResponseRateLimiter({ responsesPerSecond: 1000 }) });
    const plain = new Responder(zone);
    const a = new Uint8Array(70_000);
    for (const [name, type] of [['www.rrl.test', 'A'], ['nope.rrl.test', 'A'], ['x.sub.rrl.test', 'A'], ['big.rrl.test', 'TXT'], ['www.rrl.test', 'A']] as const) {
      const query = buildQuery(name, type);
      const x = limited.answerDatagram(query, out, 0, peer('192.0.2.1'));
      const y = plain.answerDatagram(query, a, 0, peer('192.0.2.1'));
      const bytes = (got: number | import('./respond').Reply, buf: Uint8Array): Buffer => Buffer.from(typeof got === 'number' ? buf.subarray(0, got) : (got as { message: Uint8Array }).message);
      assert.deepEqual(bytes(x, out), bytes(y, a), `${name} ${type}`);
    }
  });
});
