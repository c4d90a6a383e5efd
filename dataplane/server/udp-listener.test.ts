import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { udpPortFree } from '../testkit/processes';
import { sourcePrefix } from '../nameserver/rate-limit';
import { loadBatchedUdp, openUdpListener, type DatagramHandler, type UdpIo, type UdpListener } from './udp-listener';

// Both kinds of UDP I/O on real loopback sockets, with a handler that makes the answers easy to
// check: the answer to a datagram is the datagram with its first byte inverted, or a given size.

/** Sends every datagram from one client socket and collects answers until `expected` came or time ran out. */
async function exchange(host: string, port: number, datagrams: readonly Buffer[], expected: number, waitMs = 3000): Promise<Buffer[]> {
  const client = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const answers: Buffer[] = [];
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, waitMs);
    client.on('message', (m) => {
      answers.push(m);
      if (answers.length === expected) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  client.bind(0, host);
  await once(client, 'listening');
  // The answers to a burst arrive in bursts too: room for them (the kernel may cap it, net.core.rmem_max).
  client.setRecvBufferSize(4 * 1024 * 1024);
  for (const d of datagrams) client.send(d, port, host);
  await done;
  client.close();
  return answers;
}

const invertFirst: DatagramHandler = (msg, out, outAt) => {
  out.set(msg, outAt);
  out[outAt] = ~msg[0]! & 0xff;
  return msg.length;
};

describe('UDP listeners', function () {
  this.timeout(20_000);

  it('has the batched kind built (npm run build compiles dataplane/server/native/udp-batch.c)', () => {
    const addon = loadBatchedUdp();
    assert.ok('module' in addon, 'problem' in addon ? addon.problem : '');
    assert.equal(addon.module.batchSize, 64);
  });

  for (const io of ['batched', 'dgram'] as const satisfies readonly UdpIo[]) {
    describe(io, () => {
      const errors: unknown[] = [];
      const open = (handler: DatagramHandler, host = '127.0.0.1', port = 0): Promise<UdpListener> =>
        openUdpListener({ host, port }, handler, { io, onHandlerError: (e) => errors.push(e), onSocketError: (e) => errors.push(e) });

      it('answers each of 1,000 datagrams sent in bursts larger than a batch, to its sender', async () => {
        const listener = await open(invertFirst);
        try {
          assert.equal(listener.io, io);
          const datagrams = Array.from({ length: 1000 }, (_, i) => Buffer.from([i & 0xff, i >> 8, ...Buffer.from(`query ${i}`)]));
          // In bursts of 200 (three batches and more each): a client's default receive buffer
          // holds about 250 small datagrams.
          const answers: Buffer[] = [];
          for (let i = 0; i < datagrams.length; i += 200) answers.push(...(await exchange('127.0.0.1', listener.port, datagrams.slice(i, i + 200), 200)));
          assert.equal(answers.length, 1000);
          const seen = new Set(answers.map((a) => `${~a[0]! & 0xff}/${a[1]}/${a.subarray(2).toString()}`));
          for (let i = 0; i < 1000; i++) assert.ok(seen.has(`${i & 0xff}/${i >> 8}/query ${i}`), `answer to datagram ${i}`);
          const c = listener.counters();
          assert.deepEqual([c.received, c.answered, c.sendFailures, c.handlerErrors], [1000, 1000, 0, 0]);
        } finally {
          await listener.close();
        }
      });

      it('sends nothing for -1, keeps serving after a handler throws, and counts it', async () => {
        const before = errors.length;
        const listener = await open((msg, out, outAt, source) => {
          if (msg[0] === 1) return -1;
          if (msg[0] === 2) throw new Error('handler failed');
          return invertFirst(msg, out, outAt, source);
        });
        try {
          const answers = await exchange('127.0.0.1', listener.port, [Buffer.from([1]), Buffer.from([2]), Buffer.from([3])], 1, 500);
          assert.deepEqual(answers.map((a) => [...a]), [[0xfc]]);
          // A later one is answered too.
          assert.equal((await exchange('127.0.0.1', listener.port, [Buffer.from([4])], 1)).length, 1);
          assert.equal(listener.counters().handlerErrors, 1);
          assert.equal((errors[before] as Error).message, 'handler failed');
        } finally {
          await listener.close();
        }
      });

      it('tells the handler the source address, on IPv4 and IPv6', async () => {
        for (const host of ['127.0.0.1', '::1']) {
          const listener = await open((_msg, out, outAt, source) => {
            const text = Buffer.from(source.address());
            out.set(text, outAt);
            return text.length;
          }, host);
          try {
            const [answer] = await exchange(host, listener.port, [Buffer.from('who am i')], 1);
            assert.equal(answer?.toString(), host);
          } finally {
            await listener.close();
          }
        }
      });

      it('tells the handler the hash of the source network, as sourcePrefix computes it, for the prefix lengths given', async () => {
        for (const host of ['127.0.0.1', '::1']) {
          for (const lengths of [undefined, { ipv4: 20, ipv6: 128 }]) {
            const listener = await openUdpListener({ host, port: 0 }, (_msg, out, outAt, source) => {
              const text = Buffer.from(String(source.prefix()));
              out.set(text, outAt);
              return text.length;
            }, { io, onHandlerError: () => {}, onSocketError: () => {}, ...(lengths ? { prefixLengths: lengths } : {}) });
            try {
              const [answer] = await exchange(host, listener.port, [Buffer.from('which network')], 1);
              const expected = sourcePrefix(host, lengths?.ipv4 ?? 24, lengths?.ipv6 ?? 56);
              assert.notEqual(expected, 0);
              assert.equal(answer?.toString(), String(expected), `${host} ${JSON.stringify(lengths)}`);
            } finally {
              await listener.close();
            }
          }
        }
      });

      it('sends an answer of 60,000 bytes and an empty one', async () => {
        const listener = await open((msg, out, outAt) => {
          if (msg[0] === 0) return 0;
          out.fill(7, outAt, outAt + 60_000);
          return 60_000;
        });
        try {
          const answers = await exchange('127.0.0.1', listener.port, [Buffer.from([1]), Buffer.from([0])], 2);
          assert.deepEqual(answers.map((a) => a.length).sort((a, b) => a - b), [0, 60_000]);
          assert.ok(answers.find((a) => a.length > 0)!.every((b) => b === 7));
        } finally {
          await listener.close();
        }
      });

      it('closes once however often close() is called, also from inside the handler, and sends nothing after', async () => {
        let listener: UdpListener | undefined;
        let handled = 0;
        listener = await open((msg, out, outAt, source) => {
          handled++;
          if (msg[0] === 0xee) void listener!.close();
          return invertFirst(msg, out, outAt, source);
        });
        const port = listener.port;
        const answers = await exchange('127.0.0.1', port, [Buffer.from([0xee])], 1, 300);
        assert.equal(handled, 1);
        assert.equal(answers.length, 0, 'no answer from a socket closed while answering');
        await listener.close();
        await listener.close();
        // The port is free, and nothing answers on the old socket.
        const again = await open(invertFirst, '127.0.0.1', port);
        try {
          assert.equal((await exchange('127.0.0.1', port, [Buffer.from([1])], 1)).length, 1);
          assert.equal(handled, 1);
        } finally {
          await again.close();
        }
      });

      it('frees its port on close and reports a port in use as EADDRINUSE', async () => {
        const first = await open(invertFirst);
        await assert.rejects(open(invertFirst, '127.0.0.1', first.port), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
        await first.close();
        const again = await open(invertFirst, '127.0.0.1', first.port);
        try {
          assert.equal((await exchange('127.0.0.1', again.port, [Buffer.from([9])], 1)).length, 1);
        } finally {
          await again.close();
        }
      });
    });
  }

  it('closes a batched socket left open by a Worker that is terminated, without taking the process down', async () => {
    // The addon must close its poll handle before the Worker's environment unloads it.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { openUdpListener } = require(${JSON.stringify(join(__dirname, 'udp-listener.js'))});
       openUdpListener({ host: '127.0.0.1', port: 0 }, () => -1, { io: 'batched', onHandlerError() {}, onSocketError() {} })
         .then((l) => parentPort.postMessage(l.port));`,
      { eval: true },
    );
    const [port] = (await once(worker, 'message')) as [number];
    await worker.terminate();
    assert.ok(await udpPortFree(port));
  });

  it('refuses a host that is not an IP address (batched)', async () => {
    await assert.rejects(
      openUdpListener({ host: 'localhost', port: 0 }, invertFirst, { io: 'batched', onHandlerError: () => undefined, onSocketError: () => undefined }),
      (err: NodeJS.ErrnoException) => err.code === 'EINVAL' && /not an IP address: localhost/.test(err.message),
    );
  });
});
