import { setTimeout as sleep } from 'node:timers/promises';
import { strict as assert } from 'node:assert';
import { startDnsfleet, type RunningPeer } from '../../testkit/peers';
import { stopAll } from '../../testkit/processes';
import { abuseZone, neverRead, probeFor, probeOnce, rssMiB, serverConnections, startTrickler, summarize } from '../../testkit/tcp-abuse';

// Issue 14's two TCP attacks on `dnsfleet serve` as users run it (a process of its own), over real
// loopback sockets:
// - slow loris: 1,000 connections from one address, each trickling one octet at a time and never
//   completing a query (reopened when closed), while new clients from another address and from
//   the attacker's own address must be answered within 1 s, all the time (RFC 7766 §10);
// - a client that pipelines 30,000 queries for a 5 KB answer and never reads: the server's
//   memory must stay bounded, and another client must still be answered.

const zone = abuseZone();

describe('TCP under attack: dnsfleet serve @integration', function () {
  this.timeout(90_000);
  after(() => stopAll());

  describe('1,000 slow-loris connections from one address', () => {
    let server: RunningPeer;
    // Small deadlines, so that the attack's effect (or its absence) shows within seconds.
    before(async () => {
      server = await startDnsfleet([zone], ['--no-watch', '--tcp-idle-timeout', '3', '--tcp-message-timeout', '1.5', '--tcp-lifetime', '8']);
    });
    after(() => server?.stop());

    it('never keeps a new client out: each, from another address or the same one, is answered within 1 s', async () => {
      const attacker = await startTrickler({ host: server.host, port: server.port, connections: 1000, everyMs: 1000, reconnectMs: 1000 });
      let counts;
      let results;
      try {
        const probe = { host: server.host, port: server.port, zone: zone.name, everyMs: 200, durationMs: 15_000, timeoutMs: 1000 };
        results = await Promise.all([probeFor({ ...probe, source: '127.0.0.2' }), probeFor({ ...probe, source: '127.0.0.1' })]);
      } finally {
        counts = await attacker.stop();
      }
      const [other, same] = results.map(summarize) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>];
      const report = JSON.stringify({ attacker: counts, other, same });
      // The attack was real: the server had to close (almost) every attacking connection, many times over.
      assert.ok(counts.opened >= 2000 && counts.closedByServer >= counts.opened - 1000, report);
      for (const s of [other, same]) {
        assert.ok(s.probes >= 60, report);
        assert.equal(s.answered, s.probes, `every new client answered: ${report}`);
        assert.ok(s.maxMs! < 1000, `within 1 s: ${report}`);
      }
    });
  });

  describe('a client that pipelines 30,000 queries for a 5 KB answer and never reads', () => {
    let server: RunningPeer;
    before(async () => {
      // Replies not taken for 6 s close the connection: long enough to measure it connected.
      server = await startDnsfleet([zone], ['--no-watch', '--tcp-message-timeout', '6']);
    });
    after(() => server?.stop());

    it('leaves the server\'s memory bounded while it stays, and answering others; the server cuts it off', async () => {
      await sleep(1000);
      const pid = server.process.process.pid!;
      const before = rssMiB(pid);
      const reader = await neverRead(server.host, server.port, zone.name, 30_000);
      let peak = before;
      try {
        // 4 s connected, inside the 6 s it is given: memory sampled every 200 ms.
        for (let i = 0; i < 20; i++) {
          await sleep(200);
          peak = Math.max(peak, rssMiB(pid));
        }
        assert.equal(await serverConnections(server.port), 1, 'still connected while measured');
        const other = await probeOnce(server.host, server.port, zone.name, '127.0.0.2', 1000);
        assert.ok(other.ms !== undefined, `another client answered meanwhile: ${other.error}`);
        // Its replies were not taken for 6 s: the server closes it.
        const t0 = performance.now();
        while ((await serverConnections(server.port)) > 0 && performance.now() - t0 < 6000) await sleep(200);
        assert.equal(await serverConnections(server.port), 0, 'closed by the server 6 s after it stopped reading');
      } finally {
        reader.leave();
      }
      await sleep(2000);
      const after = rssMiB(pid);
      const figures = `VmRSS ${before.toFixed(1)} MiB before, ${peak.toFixed(1)} at the peak, ${after.toFixed(1)} after (the unbounded server grew by about 150)`;
      // 30,000 answers of 5.3 KB are 160 MB: holding even a tenth of them would show.
      assert.ok(peak - before < 40, figures);
      assert.ok(after - before < 24, figures);
    });
  });
});
