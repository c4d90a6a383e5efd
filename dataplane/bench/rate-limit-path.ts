/**
 * What response rate limiting costs the UDP fast path when nobody is limited (issue 15), without
 * sockets, dnsperf or the other processes that make `npm run bench` noisy on a shared machine:
 * `Responder.answerDatagram` over the bench's query mix (10,000 names; 70% hits, 15% NXDOMAIN,
 * 15% NODATA; all from the cache after the first pass), with and without a ResponseRateLimiter
 * at a rate nobody reaches, in alternating rounds. Every datagram comes from one of 256 client
 * networks. Prints nanoseconds per query of each and their ratio (median of rounds).
 *
 *   npm run build && node dist/dataplane/bench/rate-limit-path.js [--rounds 7] [--queries 2000000]
 */
import { parseArgs } from 'node:util';
import { Name } from '../dns/name';
import { ZoneSet } from '../zone/zone-set';
import { Responder, type DatagramPeer } from '../nameserver/respond';
import { ResponseRateLimiter, sourcePrefix } from '../nameserver/rate-limit';
import { zoneOf } from '../testkit/zone-text';
import { buildQuery } from '../testkit/dns-client';
import { benchZone, queryMix } from './dnsperf';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, queries: { type: 'string', default: '2000000' } } });
  const rounds = Number(values.rounds);
  const count = Number(values.queries);
  const zones = new ZoneSet([zoneOf(benchZone(10_000), Name.fromText('bench.test.'))]);
  const queries = queryMix(10_000, 50_000).trim().split('\n').map((line) => {
    const [name, type] = line.split(' ');
    return Uint8Array.from(buildQuery(name!, type!));
  });
  let batchTime = Date.now();
  const peers: DatagramPeer[] = Array.from({ length: 256 }, (_, i) => {
    const address = `10.${i}.0.1`;
    const prefix = sourcePrefix(address, 24, 56);
    return { address: () => address, prefix: () => prefix, receivedAt: () => batchTime };
  });
  const out = new Uint8Array(65_536 + 1024);
  const plain = new Responder(zones);
  const limited = new Responder(zones, { rateLimit: new ResponseRateLimiter({ responsesPerSecond: 10_000_000 }) });
  const run = (r: Responder): number => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      // The clock read once per batch of 64 datagrams, as the batched UDP listener does.
      if ((i & 63) === 0) batchTime = Date.now();
      r.answerDatagram(queries[i % queries.length]!, out, 0, peers[i & 255]!);
    }
    return Number(process.hrtime.bigint() - t0) / count;
  };
  // Warm: fill both caches and let the JIT settle.
  run(plain);
  run(limited);
  const ratios: number[] = [];
  const ns: { plain: number[]; limited: number[] } = { plain: [], limited: [] };
  for (let k = 1; k <= rounds; k++) {
    const a = k % 2 === 0 ? run(plain) : NaN;
    const b = run(limited);
    const c = k % 2 === 1 ? run(plain) : a;
    ns.plain.push(c);
    ns.limited.push(b);
    ratios.push(b / c);
    console.log(`  round ${k}: without RRL ${c.toFixed(1)} ns/query, with RRL (nobody limited) ${b.toFixed(1)} ns/query`);
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const limitedCounts = limited.rateLimit!.counts.reduce((x, y) => x + y, 0);
  console.log(`RESULT answerDatagram with RRL on (nobody limited)/off = ${median(ratios).toFixed(3)}x time per query (median of ${rounds} rounds: ${median(ns.limited).toFixed(1)} vs ${median(ns.plain).toFixed(1)} ns); responses limited: ${limitedCounts}`);
}

runBench(module, main);
