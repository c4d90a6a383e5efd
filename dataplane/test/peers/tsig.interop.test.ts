import { strict as assert } from 'node:assert';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { parseQuery, Flag } from '../../dns/message';
import { MessageWriter } from '../../dns/message-writer';
import { Name } from '../../dns/name';
import { RRType } from '../../dns/constants';
import {
  TsigError,
  TsigResponseSigner,
  TsigResponseVerifier,
  parseTsigKey,
  signErrorResponse,
  signRequest,
  signResponse,
  verifyRequest,
  type TsigAlgorithm,
  type TsigKey,
} from '../../dns/tsig';
import { toBase64 } from '../../dns/rdata/text';
import { startNamed, type RunningPeer } from '../../testkit/peers';
import { freePort, run, stopAll } from '../../testkit/processes';
import { buildQuery, exchangeTcpMany, exchangeUdp } from '../../testkit/dns-client';

/** A key in BIND's `-y algorithm:name:secret` form, as dig and kdig take it. */
function tsigKeyToBindText(key: TsigKey): string {
  return `${key.algorithm}:${key.name}:${toBase64(key.secret)}`;
}

/**
 * TSIG against implementations we did not write:
 *  - dig and kdig sign queries with `-y`; a small server here checks them with verifyRequest and
 *    answers with signResponse (or the error answer of signErrorResponse), and the tools must
 *    accept the answer's signature; dig also takes a signed AXFR whose middle messages are
 *    unsigned (RFC 8945 §5.3.1);
 *  - BIND's named serves a zone of 3,000 records to a TSIG key: our signed AXFR request is
 *    answered in several messages, each checked by TsigResponseVerifier; a wrong secret, an
 *    unknown key and a skewed clock come back as BIND's BADSIG, BADKEY and BADTIME.
 */

const now = (): number => Math.floor(Date.now() / 1000);
const randomSecret = (seed: number, size: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (seed * 131 + i * 29 + 7) & 0xff);
const keyOf = (algorithm: TsigAlgorithm, name = 'transfer-key.', seed = 1): TsigKey => ({ name, algorithm, secret: randomSecret(seed, 32) });

const ZONE = 'tsig.test.';

/** The small server: answers A queries for anything with 192.0.2.1 and AXFR in five messages. */
class SigningServer {
  readonly seen: string[] = [];
  /** Seconds added to our clock, to provoke BADTIME. */
  skew = 0;
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  port = 0;

  constructor(private readonly keys: readonly TsigKey[]) {}

  async start(): Promise<void> {
    this.port = await freePort();
    const udp = (this.udp = dgram.createSocket('udp4'));
    udp.on('message', (msg, rinfo) => {
      for (const out of this.answer(new Uint8Array(msg))) udp.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => udp.bind(this.port, '127.0.0.1', resolve));
    this.tcp = net.createServer((socket) => {
      let pending = Buffer.alloc(0);
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          const msg = new Uint8Array(pending.subarray(2, 2 + pending.readUInt16BE(0)));
          pending = pending.subarray(2 + msg.length);
          for (const out of this.answer(msg)) {
            const framed = Buffer.alloc(out.length + 2);
            framed.writeUInt16BE(out.length, 0);
            framed.set(out, 2);
            socket.write(framed);
          }
        }
      });
    });
    await new Promise<void>((resolve) => this.tcp!.listen(this.port, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.udp?.close();
    await new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
  }

  private answer(wire: Uint8Array): Uint8Array[] {
    const t = now() + this.skew;
    let request;
    try {
      request = verifyRequest(wire, this.keys, t);
    } catch (err) {
      if (!(err instanceof TsigError)) throw err;
      this.seen.push(err.problem);
      return [signErrorResponse(this.bare(wire), err, t)];
    }
    if (!request) {
      this.seen.push('unsigned');
      return [];
    }
    this.seen.push(`ok ${request.key.name} ${request.key.algorithm}`);
    const parsed = parseQuery(request.message);
    assert.ok(parsed.ok);
    const q = parsed.query;
    if (q.qtype === RRType.AXFR) {
      const signer = new TsigResponseSigner(request.key, request.mac);
      const messages = axfrMessages(request.message);
      // Signed, unsigned, unsigned, signed, signed: §5.3.1 allows the two in the middle.
      return messages.map((m, i) => (i === 1 || i === 2 ? signer.passUnsigned(m) : signer.sign(m, t)));
    }
    const w = new MessageWriter(q.id, Flag.AA | (q.flags & Flag.RD), 512);
    w.copyQuestion(request.message, q.questionEnd, q.qnameKey);
    w.writeRecord(1, Name.fromWireString(q.qnameCased), RRType.A, 300, Uint8Array.of(192, 0, 2, 1));
    return [signResponse(w.finish(), request.key, request.mac, t).wire];
  }

  /** An empty answer to `wire` with its question: what an error answer starts from. */
  private bare(wire: Uint8Array): Uint8Array {
    const parsed = parseQuery(wire);
    assert.ok(parsed.ok);
    const w = new MessageWriter(parsed.query.id, 0, 512);
    w.copyQuestion(wire, parsed.query.questionEnd, parsed.query.qnameKey);
    return w.finish();
  }
}

const soaRdata = (): Uint8Array => {
  const names = [...Name.fromText(`ns1.${ZONE}`).toWire(), ...Name.fromText(`admin.${ZONE}`).toWire()];
  const numbers = new Uint8Array(20);
  const view = new DataView(numbers.buffer);
  [2026112401, 3600, 600, 86400, 300].forEach((n, i) => view.setUint32(i * 4, n));
  return Uint8Array.from([...names, ...numbers]);
};

/** AXFR of a zone of SOA + 200 A records in five messages: SOA first and last (RFC 5936 §2.2). */
function axfrMessages(query: Uint8Array): Uint8Array[] {
  const parsed = parseQuery(query);
  assert.ok(parsed.ok);
  const q = parsed.query;
  const origin = Name.fromText(ZONE);
  const out: Uint8Array[] = [];
  for (let m = 0; m < 5; m++) {
    const w = new MessageWriter(q.id, Flag.AA, 16383);
    if (m === 0) {
      w.copyQuestion(query, q.questionEnd, q.qnameKey);
      w.writeRecord(1, origin, RRType.SOA, 3600, soaRdata());
    }
    if (m < 4) for (let i = 0; i < 50; i++) w.writeRecord(1, Name.fromText(`h${m * 50 + i}`, origin), RRType.A, 3600, Uint8Array.of(192, 0, 2, i + 1));
    else w.writeRecord(1, origin, RRType.SOA, 3600, soaRdata());
    out.push(w.finish());
  }
  return out;
}

/**
 * What the tools print when our MAC is wrong, seen by corrupting one octet of it: dig ";; Couldn't
 * verify signature: tsig verify failure" and ";; WARNING -- Some TSIG could not be validated",
 * kdig ";; WARNING: reply verification for ... (failed to verify TSIG)". Altering an unsigned
 * middle message of an AXFR makes dig fail the next signed one the same way.
 */
const TSIG_FAILURE = /Couldn't verify signature|tsig verify failure|could not be validated|failed to verify TSIG|WARNING.*TSIG/i;

describe('TSIG interop: dig and kdig against verifyRequest/signResponse @integration', function () {
  this.timeout(60_000);
  const algorithms: TsigAlgorithm[] = ['hmac-sha256', 'hmac-sha512', 'hmac-sha384', 'hmac-sha224', 'hmac-sha1', 'hmac-md5'];
  const keys = algorithms.map((a, i) => keyOf(a, `${a}-key.`, i + 1));
  const server = new SigningServer(keys);

  before(async () => {
    await server.start();
  });
  after(async () => {
    await server.stop();
    await stopAll();
  });
  beforeEach(() => {
    server.seen.length = 0;
    server.skew = 0;
  });

  const dig = (key: TsigKey | string, ...args: string[]) =>
    run('dig', [`@127.0.0.1`, '-p', String(server.port), '+norec', '+time=2', '+tries=1', '-y', typeof key === 'string' ? key : tsigKeyToBindText(key), ...args]);
  const kdig = (key: TsigKey, ...args: string[]) =>
    run('kdig', [`@127.0.0.1`, '-p', String(server.port), '+norec', '+time=2', '+retry=0', '-y', tsigKeyToBindText(key), ...args]);

  for (const key of keys) {
    it(`dig -y ${key.algorithm} over UDP: the query verifies and dig accepts the signed answer`, async () => {
      const out = await dig(key, `www.${ZONE}`, 'A');
      assert.deepEqual(server.seen, [`ok ${key.name} ${key.algorithm}`]);
      assert.match(out.stdout, /status: NOERROR/);
      assert.match(out.stdout, /www\.tsig\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.1/);
      assert.match(out.stdout, new RegExp(`TSIG PSEUDOSECTION:\\n${key.name.replace(/\./g, '\\.')}\\s+0\\s+ANY\\s+TSIG\\s+${key.algorithm === 'hmac-md5' ? 'hmac-md5\\.sig-alg\\.reg\\.int' : key.algorithm}\\.\\s.*NOERROR`, 'i'));
      assert.doesNotMatch(out.stdout + out.stderr, TSIG_FAILURE);
    });
  }

  it('dig -y hmac-sha512 +tcp', async () => {
    const out = await dig(keys[1]!, `www.${ZONE}`, 'A', '+tcp');
    assert.deepEqual(server.seen, ['ok hmac-sha512-key. hmac-sha512']);
    assert.match(out.stdout, /status: NOERROR/);
    assert.doesNotMatch(out.stdout + out.stderr, TSIG_FAILURE);
  });

  for (const key of [keys[0]!, keys[1]!]) {
    for (const transport of ['+notcp', '+tcp']) {
      it(`kdig -y ${key.algorithm} ${transport}`, async () => {
        const out = await kdig(key, `www.${ZONE}`, 'A', transport);
        assert.deepEqual(server.seen, [`ok ${key.name} ${key.algorithm}`]);
        assert.match(out.stdout, /status: NOERROR/);
        assert.match(out.stdout, /TSIG PSEUDOSECTION:/);
        assert.doesNotMatch(out.stdout + out.stderr, TSIG_FAILURE);
      });
    }
  }

  it('dig AXFR: every message verifies, the two unsigned ones in the middle included (§5.3.1)', async () => {
    const out = await dig(keys[0]!, ZONE, 'AXFR');
    assert.deepEqual(server.seen, ['ok hmac-sha256-key. hmac-sha256']);
    assert.doesNotMatch(out.stdout + out.stderr, TSIG_FAILURE);
    assert.match(out.stdout, /XFR size: 202 records \(messages 5,/);
  });

  it('a wrong secret: we answer BADSIG unsigned, dig reports NOTAUTH and BADSIG', async () => {
    const wrong = { ...keys[0]!, secret: randomSecret(99, 32) };
    const out = await dig(wrong, `www.${ZONE}`, 'A');
    assert.deepEqual(server.seen, ['BADSIG']);
    assert.match(out.stdout, /status: NOTAUTH/);
    assert.match(out.stdout, /TSIG\s+hmac-sha256\.\s+\d+\s+300\s+0\s+\d+\s+BADSIG\s+0/);
  });

  it('an unknown key: we answer BADKEY unsigned', async () => {
    const out = await dig(keyOf('hmac-sha256', 'nobody.'), `www.${ZONE}`, 'A');
    assert.deepEqual(server.seen, ['BADKEY']);
    assert.match(out.stdout, /status: NOTAUTH/);
    assert.match(out.stdout, /BADKEY/);
  });

  it('a clock 1000 s off: we answer BADTIME signed, and dig verifies that signature', async () => {
    server.skew = 1000;
    const out = await dig(keys[0]!, `www.${ZONE}`, 'A');
    assert.deepEqual(server.seen, ['BADTIME']);
    assert.match(out.stdout, /status: NOTAUTH/);
    // dig checks the MAC first: a good MAC with BADTIME reads "clocks are unsynchronized", a bad
    // one "tsig verify failure" (checked by hand by corrupting one octet of our MAC).
    assert.match(out.stdout + out.stderr, /Couldn't verify signature: clocks are unsynchronized/);
    assert.doesNotMatch(out.stdout + out.stderr, /tsig verify failure/);
    const tsigLine = /TSIG\s+hmac-sha256\.\s+(\d+)\s+300\s+32\s+\S+\s+\d+\s+BADTIME\s+6\s+(\S+)/.exec(out.stdout);
    assert.ok(tsigLine, out.stdout);
    // §5.2.3: Time Signed echoes the request; Other Data is our (skewed) clock.
    assert.ok(Math.abs(Number(tsigLine[1]) - now()) < 5);
    const other = Buffer.from(tsigLine[2]!, 'base64');
    assert.ok(Math.abs(other.readUIntBE(0, 6) - (now() + 1000)) < 5);
  });
});

/** The end of an AXFR: the second SOA, or an error RCODE (RFC 5936 §2.2). */
function axfrEnd(): (m: Uint8Array) => boolean {
  let soas = 0;
  return (m) => {
    const p = dnsPacket.decode(Buffer.from(m));
    if ((m[3]! & 0x0f) !== 0) return true;
    soas += (p.answers ?? []).filter((a) => a.type === 'SOA').length;
    return soas >= 2;
  };
}

describe('TSIG interop: AXFR from BIND named verified by TsigResponseVerifier @integration', function () {
  this.timeout(60_000);
  const sha256 = parseTsigKey({ name: 'transfer-key.', algorithm: 'hmac-sha256', secret: 'cNoU7vUFVd3TEvBiyrpLvXlOK23X/pDThEUWaGIcNsg=' }, 'test');
  const sha512 = parseTsigKey({ name: 'Big-Key', algorithm: 'HMAC-SHA512.', secret: 'm0zRQwi3OrvT8jyNR5j2W4Z6vLMbxbgZuYVYb3wwUK5O3QdYQ4fRGkGcH7mSu5jUbnoXGJS8d3B8f6NRSpz0dQ==' }, 'test');
  let named: RunningPeer;
  let records = 0;

  before(async () => {
    const lines = [`$TTL 3600`, `@ IN SOA ns1 admin 2026112401 3600 600 86400 300`, `@ IN NS ns1`, `ns1 IN A 192.0.2.1`];
    for (let i = 0; lines.length - 1 < 3000; i++) {
      lines.push(`host-${i} IN A 198.51.100.${i % 250}`);
      lines.push(`host-${i} IN TXT "filler text so that the zone needs several transfer messages ${i}"`);
    }
    records = lines.length - 1;
    named = await startNamed([{ name: ZONE, text: lines.join('\n') + '\n' }], {
      keys: [sha256, sha512].map((k) => ({ name: k.name, algorithm: k.algorithm, secret: Buffer.from(k.secret).toString('base64') })),
      allowTransfer: `key "${sha256.name}"; key "${sha512.name}";`,
    });
  });
  after(async () => {
    await named?.stop();
    await stopAll();
  });

  async function axfr(key: TsigKey, verifyKey: TsigKey = key, timeSigned = now()): Promise<{ messages: number; records: number }> {
    const signed = signRequest(buildQuery(ZONE, 'AXFR', { edns: null }), key, timeSigned);
    const raw = await exchangeTcpMany(named.host, named.port, [signed.wire], axfrEnd(), 10_000);
    const verifier = new TsigResponseVerifier(verifyKey, signed.mac);
    let records = 0;
    for (const m of raw) {
      const plain = verifier.verify(m);
      records += dnsPacket.decode(Buffer.from(plain)).answers?.length ?? 0;
    }
    verifier.done();
    return { messages: raw.length, records };
  }

  for (const which of ['hmac-sha256', 'hmac-sha512'] as const) {
    it(`verifies every message of a 3,000-record AXFR signed with ${which}`, async () => {
      const key = which === 'hmac-sha256' ? sha256 : sha512;
      const got = await axfr(key);
      assert.ok(got.messages >= 3, `expected several messages, got ${got.messages}`);
      assert.equal(got.records, records + 1, 'every record, the SOA twice');
    });
  }

  it('verifies a signed SOA answer over UDP', async () => {
    const signed = signRequest(buildQuery(ZONE, 'SOA', { edns: 1232 }), sha256, now());
    const reply = await exchangeUdp(named.host, named.port, signed.wire);
    const verifier = new TsigResponseVerifier(sha256, signed.mac);
    const plain = verifier.verify(new Uint8Array(reply));
    verifier.done();
    assert.equal(dnsPacket.decode(Buffer.from(plain)).answers?.[0]?.type, 'SOA');
  });

  it('fails with BADSIG when a message of the transfer is altered', async () => {
    const signed = signRequest(buildQuery(ZONE, 'AXFR', { edns: null }), sha256, now());
    const raw = await exchangeTcpMany(named.host, named.port, [signed.wire], axfrEnd(), 10_000);
    const verifier = new TsigResponseVerifier(sha256, signed.mac);
    verifier.verify(raw[0]!);
    const altered = raw[1]!.slice();
    altered[100] ^= 0x01;
    assert.throws(() => verifier.verify(altered), (err: unknown) => err instanceof TsigError && err.problem === 'BADSIG' && !err.fromPeer);
  });

  it("surfaces BIND's BADSIG (NOTAUTH) for a wrong secret as a TsigError", async () => {
    const wrong = { ...sha256, secret: randomSecret(5, 32) };
    await assert.rejects(axfr(wrong), (err: unknown) => err instanceof TsigError && err.problem === 'BADSIG' && err.fromPeer && err.error === 16);
  });

  it("surfaces BIND's BADKEY for a key it does not know", async () => {
    await assert.rejects(axfr(keyOf('hmac-sha256', 'unknown-key.')), (err: unknown) => err instanceof TsigError && err.problem === 'BADKEY' && err.fromPeer);
  });

  it("surfaces BIND's signed BADTIME, with BIND's clock, for a request signed 1000 s in the past", async () => {
    // Our clock is the one in the request, so the verifier is given that time too.
    const t = now() - 1000;
    const signed = signRequest(buildQuery(ZONE, 'SOA', { edns: 1232 }), sha256, t);
    const reply = await exchangeUdp(named.host, named.port, signed.wire);
    const verifier = new TsigResponseVerifier(sha256, signed.mac);
    assert.throws(
      () => verifier.verify(new Uint8Array(reply), t),
      (err: unknown) => err instanceof TsigError && err.problem === 'BADTIME' && err.fromPeer && Math.abs((err.context.peerTime ?? 0) - now()) < 5,
    );
  });
});
