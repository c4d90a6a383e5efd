import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { Name } from '../dns/name';
import { readZoneFile } from '../dns/zonefile/reader';
import { Rcode } from '../dns/constants';
import { signErrorResponse, signResponse, verifyRequest, TsigError, type TsigKey } from '../dns/tsig';
import { ZoneBuilder } from '../zone/zone-builder';
import type { Zone } from '../zone/zone';
import { buildNotify, matchNotifyResponse, NotifySender, sendNotify, NotifyError } from './notify';

/**
 * NOTIFY out against a scripted secondary on loopback: the message (RFC 1996 §3.7), retries with
 * the same ID until an answer (§3.6), giving up, error RCODEs, and TSIG both ways.
 */

function zone(serial = 7): Zone {
  const origin = Name.fromText('n.test.');
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(`$TTL 60\n@ SOA ns hm ${serial} 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n`, { origin, source: 't' })) b.add(r);
  return b.build();
}

const key: TsigKey = { name: 'notify-key.', algorithm: 'hmac-sha256', secret: new Uint8Array(32).fill(7) };
const otherSecret: TsigKey = { ...key, secret: new Uint8Array(32).fill(8) };

interface Secondary {
  port: number;
  received: Buffer[];
  close(): Promise<void>;
}

/** A UDP peer that answers each NOTIFY with `answer(message, index)`, or not at all (null). */
async function secondary(answer: (msg: Buffer, index: number) => Uint8Array | null): Promise<Secondary> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (msg, rinfo) => {
    received.push(msg);
    const reply = answer(msg, received.length - 1);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, received, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** The request turned into its answer: QR set, the same ID and opcode, no records. */
function reply(msg: Uint8Array, rcode: number = Rcode.NOERROR): Uint8Array {
  const out = new Uint8Array(msg.subarray(0, 12));
  out[2] = msg[2]! | 0x80;
  out[3] = (msg[3]! & 0xf0) | rcode;
  out[4] = out[5] = out[6] = out[7] = out[8] = out[9] = out[10] = out[11] = 0;
  return out;
}

const now = (): number => Math.floor(Date.now() / 1000);
const fast = { initialTimeoutMs: 50, tries: 4 };

describe('NOTIFY out', () => {
  it('is opcode NOTIFY with AA, the question <zone> SOA IN and the new SOA as answer (RFC 1996 §3.7)', () => {
    const p = dnsPacket.decode(Buffer.from(buildNotify(zone(42), 4711))) as dnsPacket.DecodedPacket & { opcode?: string };
    assert.equal(p.id, 4711);
    assert.equal(p.opcode, 'NOTIFY');
    assert.equal(p.flag_aa, true);
    assert.equal(p.flag_qr, false);
    assert.deepEqual(p.questions, [{ name: 'n.test', type: 'SOA', class: 'IN' }]);
    assert.equal((p.answers?.[0] as { type: string; data: { serial: number } }).data.serial, 42);
  });

  it('matches an answer by ID, QR and opcode only', () => {
    const msg = buildNotify(zone(), 99);
    assert.equal(matchNotifyResponse(reply(msg), 99), Rcode.NOERROR);
    assert.equal(matchNotifyResponse(reply(msg), 98), null);
    assert.equal(matchNotifyResponse(msg, 99), null); // QR clear: our own query echoed
    const query = reply(msg);
    query[2] = 0x80; // opcode QUERY
    assert.equal(matchNotifyResponse(query, 99), null);
  });

  it('retransmits the same message until the secondary answers (RFC 1996 §3.6)', async () => {
    const s = await secondary((msg, i) => (i < 2 ? null : reply(msg)));
    try {
      const tries = await sendNotify(zone(), { address: '127.0.0.1', port: s.port }, fast);
      assert.equal(tries, 3);
      assert.equal(s.received.length, 3);
      assert.ok(s.received.every((m) => m.equals(s.received[0]!)));
    } finally {
      await s.close();
    }
  });

  it('gives up after the tries, and reports an error RCODE without retrying', async () => {
    const silent = await secondary(() => null);
    const refusing = await secondary((msg) => reply(msg, Rcode.REFUSED));
    try {
      const results = await new NotifySender(fast).notify(zone(), [
        { address: '127.0.0.1', port: silent.port },
        { address: '127.0.0.1', port: refusing.port },
      ]);
      assert.deepEqual(results.map((r) => [r.ok, r.tries, r.error]), [
        [false, 4, 'no answer after 4 tries'],
        [false, 1, 'answered REFUSED'],
      ]);
      assert.ok(results[0]!.ms >= 50 + 100 + 200 + 400 - 20);
    } finally {
      await silent.close();
      await refusing.close();
    }
  });

  it('signs with TSIG and accepts only an answer signed with the same key', async () => {
    const s = await secondary((msg) => {
      const verified = verifyRequest(msg, [key], now());
      assert.ok(verified, 'the NOTIFY is signed');
      return signResponse(reply(verified.message), key, verified.mac, now()).wire;
    });
    const unsigned = await secondary((msg) => reply(msg));
    try {
      const [good, bad] = await new NotifySender(fast).notify(zone(), [
        { address: '127.0.0.1', port: s.port, key },
        { address: '127.0.0.1', port: unsigned.port, key },
      ]);
      assert.deepEqual([good!.ok, good!.tries], [true, 1]);
      assert.equal(bad!.ok, false);
      assert.match(bad!.error!, /TSIG UNSIGNED/);
    } finally {
      await s.close();
      await unsigned.close();
    }
  });

  it('reports the secondary refusing our key (NOTAUTH, BADSIG)', async () => {
    const s = await secondary((msg) => {
      try {
        verifyRequest(msg, [otherSecret], now());
        return reply(msg);
      } catch (err) {
        if (!(err instanceof TsigError)) throw err;
        const stripped = new Uint8Array(msg.subarray(0, 12));
        return signErrorResponse(reply(stripped), err, now());
      }
    });
    try {
      await assert.rejects(sendNotify(zone(), { address: '127.0.0.1', port: s.port, key }, fast), (err: NotifyError) => {
        assert.equal(err.reason, 'tsig');
        assert.match(err.message, /BADSIG reported by the peer/);
        return true;
      });
    } finally {
      await s.close();
    }
  });
});
