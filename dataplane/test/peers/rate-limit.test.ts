import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDnsfleet, type RunningPeer } from '../../testkit/peers';
import { freePort, run, start, stopAll, tempDir, waitFor } from '../../testkit/processes';
import { buildQuery } from '../../testkit/dns-client';
import { udpFlood } from '../../testkit/udp-flood';
import { probeFor, startTrickler, summarize } from '../../testkit/tcp-abuse';

// Response rate limiting and the TCP limits under attack, on `dnsfleet serve` as users run it (a
// process of its own), with real clients: dig, and unbound as the resolver behind a spoofed
// flood. Issue 15: "a flood from loopback shows the limit and the slip ratio holding while a TCP
// client and an unlimited source are still served; 1,000 idle connections and a slowloris client
// do not stop a normal client from being answered".

const ZONE = {
  name: 'rrl.test.',
  // TTL 0 on www: unbound caches nothing, so every question it is asked reaches the server.
  text: '$TTL 300\n@ SOA ns hm 1 3600 600 86400 60\n@ NS ns\nns A 127.0.0.1\nwww 0 A 192.0.2.80\n',
};

const RATE = 100;
const SLIP = 2;

/** `dig` from `source` over UDP or TCP; the address it got, or why not. */
async function dig(server: RunningPeer, source: string, tcp: boolean): Promise<string> {
  const args = ['-b', source, '-p', String(server.port), `@${server.host}`, 'www.rrl.test', 'A', '+short', '+tries=1', '+time=1', '+ignore', tcp ? '+tcp' : '+notcp'];
  const { stdout, code } = await run('dig', args, { timeoutMs: 5000 });
  return code === 0 ? stdout.trim() || 'no answer' : `dig exited ${code}`;
}

/** `dig` every `everyMs` for `durationMs`: how many of its tries got the address. */
async function digFor(server: RunningPeer, source: string, tcp: boolean, everyMs: number, durationMs: number): Promise<{ tries: number; answered: number; wrong: string[] }> {
  const t0 = performance.now();
  const results: string[] = [];
  while (performance.now() - t0 < durationMs) {
    results.push(await dig(server, source, tcp));
    await sleep(everyMs);
  }
  const wrong = results.filter((r) => r !== '192.0.2.80');
  return { tries: results.length, answered: results.length - wrong.length, wrong };
}

describe('Response rate limiting and TCP limits under attack: dnsfleet serve @integration', function () {
  this.timeout(120_000);
  after(() => stopAll());

  describe(`a UDP flood from 127.0.0.1 with --rrl-rate ${RATE} --rrl-slip ${SLIP}`, () => {
    let server: RunningPeer;
    before(async () => {
      server = await startDnsfleet([ZONE], ['--no-watch', '--rrl-rate', String(RATE), '--rrl-slip', String(SLIP)]);
    });
    after(() => server?.stop());

    it('holds the flood to the rate and slips every second limited answer, while TCP, another network and a resolver behind the flood are served', async () => {
      // unbound, asking from 127.0.0.1 too: the flood's network, so its questions share the
      // flood's bucket and are slipped or dropped like the flood's.
      const dir = tempDir('rrl-unbound');
      const resolverPort = await freePort('127.0.0.53');
      const conf = join(dir.path, 'unbound.conf');
      writeFileSync(conf, unboundConfig(dir.path, resolverPort, server.port));
      const unbound = start('unbound', ['-d', '-c', conf]);
      await waitFor('unbound answering', async () => (await run('dig', ['-p', String(resolverPort), '@127.0.0.53', 'ns.rrl.test', '+short', '+tries=1', '+time=3'], { timeoutMs: 5000 })).stdout.includes('127.0.0.1'), 15_000);

      const seconds = 6;
      const flood = udpFlood({ host: server.host, port: server.port, source: '127.0.0.1', query: buildQuery('www.rrl.test', 'A'), count: 5000 * seconds, perSecond: 5000 });
      const clients = Promise.all([
        digFor(server, '127.0.0.1', true, 250, (seconds - 1) * 1000),
        digFor(server, '127.0.1.1', false, 250, (seconds - 1) * 1000),
        (async () => {
          const results: string[] = [];
          const t0 = performance.now();
          while (performance.now() - t0 < (seconds - 1) * 1000) {
            const { stdout } = await run('dig', ['-p', String(resolverPort), '@127.0.0.53', 'www.rrl.test', '+short', '+tries=1', '+time=3'], { timeoutMs: 5000 });
            results.push(stdout.trim());
            await sleep(250);
          }
          return { tries: results.length, answered: results.filter((r) => r === '192.0.2.80').length };
        })(),
      ]);
      const [counts, [tcp, otherNetwork, resolver]] = await Promise.all([flood, clients]);
      await unbound.stop();
      dir.remove();
      const limited = counts.sent - counts.answered;
      const report = JSON.stringify({ flood: counts, tcp, otherNetwork, resolver });
      console.log(`      rrl: ${report}`);

      // The limit: a bucket of RATE to start with, then RATE a second (the resolver's questions share it).
      assert.ok(counts.answered <= RATE * (counts.seconds + 1) + 5, `answered at most the rate: ${report}`);
      assert.ok(counts.answered >= RATE * counts.seconds * 0.5, `answered at the rate, not far below: ${report}`);
      // The slip ratio: one limited answer in SLIP sent truncated, the rest dropped.
      const ratio = counts.slipped / limited;
      assert.ok(Math.abs(ratio - 1 / SLIP) < 0.03, `slip ratio ${ratio.toFixed(3)}: ${report}`);
      assert.equal(counts.other, 0, report);
      // TCP from the flooded address is never limited; another /24 has buckets of its own.
      assert.ok(tcp.tries >= 10 && tcp.answered === tcp.tries, `dig +tcp from 127.0.0.1 answered every time: ${report}`);
      assert.ok(otherNetwork.tries >= 10 && otherNetwork.answered === otherNetwork.tries, `dig from 127.0.1.1 answered every time: ${report}`);
      // A real resolver in the flooded network: a slipped answer sends it to TCP, a dropped one to
      // its retry; its users get the address.
      assert.ok(resolver.tries >= 5 && resolver.answered >= resolver.tries - 1, `unbound answered its users: ${report}`);

      // One log line for the interval, naming the network (the server logs it when it stops).
      await server.stop();
      const line = server.process.output().split('\n').find((l) => l.includes('responses rate-limited'));
      assert.ok(line, 'a rate-limited report in the log');
      const logged = JSON.parse(line) as { slipped: number; dropped: number; networks: string };
      assert.ok(logged.networks.startsWith('127.0.0.0/24'), line);
      assert.ok(logged.slipped >= counts.slipped && logged.dropped >= limited - counts.slipped - 5, line);
    });
  });

  describe('1,000 idle TCP connections and a slow-loris client, default TCP limits', () => {
    let server: RunningPeer;
    before(async () => {
      server = await startDnsfleet([ZONE], ['--no-watch']);
    });
    after(() => server?.stop());

    it('never keep a normal client from being answered, over TCP or UDP', async () => {
      // Idle: connected, never a byte (the first octet would come after an hour); reopened a
      // second after the server closes one. Slow loris: one octet a second, never a whole query.
      const idle = await startTrickler({ host: server.host, port: server.port, connections: 1000, everyMs: 3_600_000, reconnectMs: 1000, source: '127.0.0.3' });
      const loris = await startTrickler({ host: server.host, port: server.port, connections: 100, everyMs: 1000, reconnectMs: 1000, source: '127.0.0.4' });
      let results;
      let udp;
      let counts;
      try {
        const probe = { host: server.host, port: server.port, zone: 'rrl.test.', everyMs: 200, durationMs: 14_000, timeoutMs: 1000, source: '127.0.0.2' };
        [results, udp] = await Promise.all([probeFor(probe), digFor(server, '127.0.0.2', false, 250, 14_000)]);
      } finally {
        counts = { idle: await idle.stop(), loris: await loris.stop() };
      }
      const tcp = summarize(results);
      const report = JSON.stringify({ attackers: counts, tcp, udp });
      console.log(`      tcp: ${report}`);
      // The attack was there: the idle connections filled the server's 1,000 and were shed or timed out.
      assert.ok(counts.idle.opened >= 1000 && counts.idle.closedByServer >= 500, report);
      assert.ok(counts.loris.closedByServer >= 100, report);
      assert.ok(tcp.probes >= 50 && tcp.answered === tcp.probes, `every new TCP client answered: ${report}`);
      assert.ok(tcp.maxMs! < 1000, report);
      assert.ok(udp.answered === udp.tries, `every UDP query answered: ${report}`);
    });
  });
});

function unboundConfig(dir: string, port: number, serverPort: number): string {
  const server = [
    'interface: 127.0.0.53',
    `port: ${port}`,
    'outgoing-interface: 127.0.0.1',
    'do-ip6: no',
    'do-daemonize: no',
    'username: ""',
    'chroot: ""',
    `directory: "${dir}"`,
    `pidfile: "${dir}/unbound.pid"`,
    'use-syslog: no',
    'logfile: ""',
    'verbosity: 1',
    'do-not-query-localhost: no',
    'num-threads: 1',
    'module-config: "iterator"',
    'access-control: 127.0.0.0/8 allow',
    // unbound answers the RFC 6761 name test. itself unless told not to.
    'local-zone: "test." nodefault',
  ];
  return `server:\n${server.map((l) => `  ${l}\n`).join('')}remote-control:\n  control-enable: no\nstub-zone:\n  name: "rrl.test."\n  stub-addr: 127.0.0.1@${serverPort}\n`;
}
