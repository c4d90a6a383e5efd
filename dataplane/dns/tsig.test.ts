import { strict as assert } from 'node:assert';
import { Name } from './name';
import { Rcode, RRType } from './constants';
import {
  TSIG_ALGORITHMS,
  TsigError,
  TsigKeyError,
  TsigResponseSigner,
  TsigResponseVerifier,
  parseTsigKey,
  signErrorResponse,
  signRequest,
  signResponse,
  verifyRequest,
  type TsigAlgorithm,
  type TsigKey,
  type TsigProblem,
} from './tsig';

/**
 * TSIG (RFC 8945) without sockets: sign and verify round trips for every algorithm, each error a
 * server answers with (§5.2) and how the client reads it (§5.4), multi-message chains (§5.3.1),
 * MAC truncation (§5.2.2.1) and the key Secret parser.
 */

const NOW = 1_760_000_000;
const secret = (seed: number, size = 32): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (seed * 31 + i * 7) & 0xff);
const keyOf = (algorithm: TsigAlgorithm, name = 'transfer-key.', seed = 1): TsigKey => ({ name, algorithm, secret: secret(seed) });
const KEY = keyOf('hmac-sha256');

/** A message: header, one question, `answers` A records whose owner points at the question. */
function message(options: { id?: number; flags?: number; qname?: string; qtype?: number; answers?: number; firstAddress?: number } = {}): Uint8Array {
  const q = Name.fromText(options.qname ?? 'example.com.').toWire();
  const answers = options.answers ?? 0;
  const out = new Uint8Array(12 + q.length + 4 + answers * 16);
  const view = new DataView(out.buffer);
  view.setUint16(0, options.id ?? 0x1234);
  view.setUint16(2, options.flags ?? 0);
  view.setUint16(4, 1);
  view.setUint16(6, answers);
  out.set(q, 12);
  let pos = 12 + q.length;
  view.setUint16(pos, options.qtype ?? RRType.SOA);
  view.setUint16(pos + 2, 1);
  pos += 4;
  for (let i = 0; i < answers; i++) {
    view.setUint16(pos, 0xc00c);
    view.setUint16(pos + 2, RRType.A);
    view.setUint16(pos + 4, 1);
    view.setUint32(pos + 6, 3600);
    view.setUint16(pos + 10, 4);
    view.setUint32(pos + 12, 0xc0000200 + (options.firstAddress ?? 0) + i);
    pos += 16;
  }
  return out;
}

const response = (id = 0x1234, answers = 1, firstAddress = 0): Uint8Array => message({ id, flags: 0x8400, answers, firstAddress });
const arcount = (wire: Uint8Array): number => (wire[10]! << 8) | wire[11]!;

function throwsTsig(fn: () => unknown, problem: TsigProblem, extra: Partial<Pick<TsigError, 'fromPeer' | 'rcode' | 'error'>> = {}): TsigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TsigError, `expected a TsigError, got ${String(err)}`);
    assert.equal(err.problem, problem, err.message);
    for (const [k, v] of Object.entries(extra)) assert.equal(err[k as keyof TsigError], v, `${k} of ${err.message}`);
    return err;
  }
  assert.fail(`expected TsigError ${problem}, nothing was thrown`);
}

/**
 * Offsets in a message signed by us, to forge MACs: the TSIG RR starts at `messageLength`, and
 * its MAC Size field follows owner, type..rdlength, algorithm, time and fudge.
 */
function withMac(signed: Uint8Array, messageLength: number, key: TsigKey, mac: Uint8Array): Uint8Array {
  const owner = Name.fromText(key.name).wireLength;
  const algorithm = key.algorithm === 'hmac-md5' ? 26 : key.algorithm.length + 2;
  const macSizeAt = messageLength + owner + 10 + algorithm + 8;
  const oldSize = (signed[macSizeAt]! << 8) | signed[macSizeAt + 1]!;
  const out = new Uint8Array(signed.length - oldSize + mac.length);
  out.set(signed.subarray(0, macSizeAt), 0);
  out[macSizeAt] = mac.length >> 8;
  out[macSizeAt + 1] = mac.length & 0xff;
  out.set(mac, macSizeAt + 2);
  out.set(signed.subarray(macSizeAt + 2 + oldSize), macSizeAt + 2 + mac.length);
  const rdlengthAt = messageLength + owner + 8;
  const rdlength = ((out[rdlengthAt]! << 8) | out[rdlengthAt + 1]!) - oldSize + mac.length;
  out[rdlengthAt] = rdlength >> 8;
  out[rdlengthAt + 1] = rdlength & 0xff;
  return out;
}

describe('TSIG (RFC 8945)', () => {
  describe('round trips', () => {
    for (const algorithm of TSIG_ALGORITHMS) {
      it(`${algorithm}: signRequest → verifyRequest → signResponse → TsigResponseVerifier`, () => {
        const key = keyOf(algorithm);
        const query = message();
        const signed = signRequest(query, key, NOW);
        assert.equal(arcount(signed.wire), 1, 'the TSIG RR is counted in ARCOUNT');
        assert.deepEqual(signed.wire.subarray(12, query.length), query.subarray(12), 'the message is kept as is before the TSIG RR');

        const request = verifyRequest(signed.wire, [key], NOW + 10);
        assert.ok(request);
        assert.equal(request.key, key);
        assert.deepEqual(request.message, query, 'TSIG RR stripped, ARCOUNT back to 0');
        assert.deepEqual(request.mac, signed.mac);

        const answer = response();
        const reply = signResponse(answer, key, request.mac, NOW + 11);
        const verifier = new TsigResponseVerifier(key, signed.mac);
        assert.deepEqual(verifier.verify(reply.wire, NOW + 12), answer);
        verifier.done();
      });
    }

    it('computes the MAC over canonical names: an upper-case key name on the wire still verifies (§4.3.3)', () => {
      const key = keyOf('hmac-sha256', 'Transfer-Key.');
      const query = message();
      const signed = signRequest(query, key, NOW);
      const owner = Name.fromText('transfer-key.').toWire();
      assert.deepEqual(signed.wire.subarray(query.length, query.length + owner.length), owner, 'the key name is written in canonical form');
      const shouting = signed.wire.slice();
      shouting.set(Name.fromText('TRANSFER-KEY.').toWire(), query.length);
      assert.ok(verifyRequest(shouting, [keyOf('hmac-sha256', 'transfer-key.')], NOW));
    });

    it('keeps the Original ID: a request whose ID a forwarder rewrote still verifies (§4.3.3, §5.5)', () => {
      const signed = signRequest(message({ id: 0x1111 }), KEY, NOW);
      const forwarded = signed.wire.slice();
      forwarded[0] = 0x22;
      forwarded[1] = 0x22;
      const request = verifyRequest(forwarded, [KEY], NOW);
      assert.ok(request);
      assert.equal((request.message[0]! << 8) | request.message[1]!, 0x1111);
    });

    it('returns null for an unsigned request, leaving the policy to the caller', () => {
      assert.equal(verifyRequest(message(), [KEY], NOW), null);
    });

    it('looks keys up in a Map or a function by canonical name', () => {
      const signed = signRequest(message(), KEY, NOW);
      assert.ok(verifyRequest(signed.wire, new Map([['transfer-key.', KEY]]), NOW));
      assert.ok(verifyRequest(signed.wire, (name) => (name === 'transfer-key.' ? KEY : undefined), NOW));
    });
  });

  describe('server: verifyRequest errors and the answers they give (§5.2, §5.3.2)', () => {
    it('BADSIG for a tampered request, answered NOTAUTH with an unsigned TSIG RR the client reads as BADSIG', () => {
      const query = message();
      const signed = signRequest(query, KEY, NOW);
      const tampered = signed.wire.slice();
      tampered[query.length - 3] ^= 0x01; // the QTYPE
      const err = throwsTsig(() => verifyRequest(tampered, [KEY], NOW), 'BADSIG', { rcode: Rcode.NOTAUTH, error: 16, fromPeer: false });
      const answer = signErrorResponse(response(), err, NOW);
      assert.equal(answer[3]! & 0x0f, Rcode.NOTAUTH);
      assert.equal(arcount(answer), 1);
      throwsTsig(() => new TsigResponseVerifier(KEY, signed.mac).verify(answer, NOW), 'BADSIG', { fromPeer: true });
    });

    it('BADSIG for a request signed with another secret under the same name', () => {
      const signed = signRequest(message(), { ...KEY, secret: secret(9) }, NOW);
      throwsTsig(() => verifyRequest(signed.wire, [KEY], NOW), 'BADSIG');
    });

    it('BADKEY for an unknown key name, answered unsigned (the client reads BADKEY from the peer)', () => {
      const other = keyOf('hmac-sha256', 'other-key.');
      const signed = signRequest(message(), other, NOW);
      const err = throwsTsig(() => verifyRequest(signed.wire, [KEY], NOW), 'BADKEY', { rcode: Rcode.NOTAUTH, error: 17 });
      assert.equal(err.context.keyName, 'other-key.');
      const answer = signErrorResponse(response(), err, NOW);
      throwsTsig(() => new TsigResponseVerifier(other, signed.mac).verify(answer, NOW), 'BADKEY', { fromPeer: true });
    });

    it('BADKEY for a known key name with another algorithm', () => {
      const signed = signRequest(message(), keyOf('hmac-sha512'), NOW);
      throwsTsig(() => verifyRequest(signed.wire, [KEY], NOW), 'BADKEY');
    });

    it('BADTIME outside the fudge, not at its edge; the signed answer carries our clock (§5.2.3)', () => {
      const signed = signRequest(message(), KEY, NOW, 300);
      assert.ok(verifyRequest(signed.wire, [KEY], NOW + 300));
      assert.ok(verifyRequest(signed.wire, [KEY], NOW - 300));
      const err = throwsTsig(() => verifyRequest(signed.wire, [KEY], NOW + 301), 'BADTIME', { rcode: Rcode.NOTAUTH, error: 18 });
      const answer = signErrorResponse(response(), err, NOW + 301);
      // The client checks the signature with its own clock, which is the Time Signed echoed back.
      const peer = throwsTsig(() => new TsigResponseVerifier(KEY, signed.mac).verify(answer, NOW), 'BADTIME', { fromPeer: true });
      assert.equal(peer.context.peerTime, NOW + 301);
      assert.equal(peer.context.timeSigned, NOW);
    });

    it('FORMERR for a TSIG RR that is not last, answered without TSIG', () => {
      const signed = signRequest(message(), KEY, NOW);
      // Append an OPT record after the TSIG RR.
      const opt = Uint8Array.of(0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0);
      const misplaced = new Uint8Array(signed.wire.length + opt.length);
      misplaced.set(signed.wire);
      misplaced.set(opt, signed.wire.length);
      misplaced[11] = 2;
      const err = throwsTsig(() => verifyRequest(misplaced, [KEY], NOW), 'FORMERR', { rcode: Rcode.FORMERR, error: 0 });
      const answer = signErrorResponse(response(), err, NOW);
      assert.equal(answer[3]! & 0x0f, Rcode.FORMERR);
      assert.equal(arcount(answer), 0);
    });

    it('FORMERR for two TSIG RRs', () => {
      const once = signRequest(message(), KEY, NOW).wire;
      const twice = signRequest(once, KEY, NOW).wire;
      throwsTsig(() => verifyRequest(twice, [KEY], NOW), 'FORMERR');
    });
  });

  describe('MAC truncation (§5.2.2.1, §5.2.4)', () => {
    const query = message();

    it('accepts an HMAC-SHA256 MAC truncated to 16 octets, and the answer chains from the truncated MAC', () => {
      const signed = signRequest(query, KEY, NOW);
      const truncated = withMac(signed.wire, query.length, KEY, signed.mac.subarray(0, 16));
      const request = verifyRequest(truncated, [KEY], NOW);
      assert.ok(request);
      assert.equal(request.mac.length, 16);
      const reply = signResponse(response(), KEY, request.mac, NOW);
      new TsigResponseVerifier(KEY, request.mac).verify(reply.wire, NOW);
    });

    it('FORMERR below max(10, half the hash) and above the hash length', () => {
      const signed = signRequest(query, KEY, NOW);
      throwsTsig(() => verifyRequest(withMac(signed.wire, query.length, KEY, signed.mac.subarray(0, 15)), [KEY], NOW), 'FORMERR');
      const long = new Uint8Array(33);
      long.set(signed.mac);
      throwsTsig(() => verifyRequest(withMac(signed.wire, query.length, KEY, long), [KEY], NOW), 'FORMERR');
    });

    it('BADSIG when the truncated octets are wrong', () => {
      const signed = signRequest(query, KEY, NOW);
      const wrong = signed.mac.slice(0, 16);
      wrong[15] ^= 1;
      throwsTsig(() => verifyRequest(withMac(signed.wire, query.length, KEY, wrong), [KEY], NOW), 'BADSIG');
    });

    it('BADTRUNC for a truncated HMAC-MD5 MAC, answered signed', () => {
      const md5 = keyOf('hmac-md5');
      const signed = signRequest(query, md5, NOW);
      const truncated = withMac(signed.wire, query.length, md5, signed.mac.subarray(0, 10));
      const err = throwsTsig(() => verifyRequest(truncated, [md5], NOW), 'BADTRUNC', { rcode: Rcode.NOTAUTH, error: 22 });
      const answer = signErrorResponse(response(), err, NOW);
      throwsTsig(() => new TsigResponseVerifier(md5, signed.mac.subarray(0, 10)).verify(answer, NOW), 'BADTRUNC', { fromPeer: true });
    });
  });

  describe('client: TsigResponseVerifier (§5.3.1, §5.4)', () => {
    const request = signRequest(message({ qtype: RRType.AXFR }), KEY, NOW);

    it('fails with UNSIGNED when the answer carries no TSIG RR', () => {
      throwsTsig(() => new TsigResponseVerifier(KEY, request.mac).verify(response(), NOW), 'UNSIGNED');
    });

    it('fails with BADSIG for a tampered answer, and keeps failing after', () => {
      const reply = signResponse(response(), KEY, request.mac, NOW).wire;
      reply[44] ^= 0x01; // the last octet of the A record
      const verifier = new TsigResponseVerifier(KEY, request.mac);
      throwsTsig(() => verifier.verify(reply, NOW), 'BADSIG', { fromPeer: false });
      throwsTsig(() => verifier.verify(signResponse(response(), KEY, request.mac, NOW).wire, NOW), 'BADSIG');
    });

    it('fails with BADSIG for an answer to another request (the request MAC is in the digest)', () => {
      const other = signRequest(message({ qtype: RRType.AXFR, id: 9 }), KEY, NOW + 1);
      const reply = signResponse(response(), KEY, other.mac, NOW).wire;
      throwsTsig(() => new TsigResponseVerifier(KEY, request.mac).verify(reply, NOW), 'BADSIG');
    });

    it('fails with BADKEY for an answer signed with another key', () => {
      const reply = signResponse(response(), keyOf('hmac-sha256', 'other-key.'), request.mac, NOW).wire;
      throwsTsig(() => new TsigResponseVerifier(KEY, request.mac).verify(reply, NOW), 'BADKEY', { fromPeer: false });
    });

    it('fails with BADTIME for an answer signed outside the fudge of our clock', () => {
      const reply = signResponse(response(), KEY, request.mac, NOW, 300).wire;
      throwsTsig(() => new TsigResponseVerifier(KEY, request.mac).verify(reply, NOW + 301), 'BADTIME', { fromPeer: false });
    });

    it('verifies a transfer signed on every message', () => {
      const signer = new TsigResponseSigner(KEY, request.mac);
      const verifier = new TsigResponseVerifier(KEY, request.mac);
      for (let i = 0; i < 5; i++) {
        const m = response(0x1234, 3, i * 3);
        assert.deepEqual(verifier.verify(signer.sign(m, NOW + i), NOW + 5), m);
      }
      verifier.done();
    });

    it('verifies a transfer with unsigned messages in the middle; the MAC chain covers them', () => {
      const messages = [0, 1, 2, 3].map((i) => response(0x1234, 2, i * 2));
      const signer = new TsigResponseSigner(KEY, request.mac);
      const wire = [signer.sign(messages[0]!, NOW), signer.passUnsigned(messages[1]!), signer.passUnsigned(messages[2]!), signer.sign(messages[3]!, NOW)];
      const verifier = new TsigResponseVerifier(KEY, request.mac);
      wire.forEach((w, i) => assert.deepEqual(verifier.verify(w, NOW), messages[i]));
      verifier.done();

      const altered = wire.map((w) => w.slice());
      altered[2]![44] ^= 1;
      const second = new TsigResponseVerifier(KEY, request.mac);
      second.verify(altered[0]!, NOW);
      second.verify(altered[1]!, NOW);
      second.verify(altered[2]!, NOW);
      throwsTsig(() => second.verify(altered[3]!, NOW), 'BADSIG');

      const reordered = new TsigResponseVerifier(KEY, request.mac);
      reordered.verify(wire[0]!, NOW);
      reordered.verify(wire[2]!, NOW);
      reordered.verify(wire[1]!, NOW);
      throwsTsig(() => reordered.verify(wire[3]!, NOW), 'BADSIG');
    });

    it('done() throws when the last message was unsigned, or none came', () => {
      const signer = new TsigResponseSigner(KEY, request.mac);
      const verifier = new TsigResponseVerifier(KEY, request.mac);
      verifier.verify(signer.sign(response(), NOW), NOW);
      verifier.verify(signer.passUnsigned(response()), NOW);
      throwsTsig(() => verifier.done(), 'UNSIGNED');
      throwsTsig(() => new TsigResponseVerifier(KEY, request.mac).done(), 'UNSIGNED');
    });

    it('accepts 99 unsigned messages in a row, not 100', () => {
      const signer = new TsigResponseSigner(KEY, request.mac);
      const verifier = new TsigResponseVerifier(KEY, request.mac);
      verifier.verify(signer.sign(response(), NOW), NOW);
      for (let i = 0; i < 99; i++) verifier.verify(signer.passUnsigned(response()), NOW);
      verifier.verify(signer.sign(response(), NOW), NOW);
      for (let i = 0; i < 99; i++) verifier.verify(response(), NOW);
      throwsTsig(() => verifier.verify(response(), NOW), 'UNSIGNED');
      assert.throws(() => {
        const s = new TsigResponseSigner(KEY, request.mac);
        s.sign(response(), NOW);
        for (let i = 0; i < 100; i++) s.passUnsigned(response());
      }, /at most 99/);
    });

    it('requires the first message to be signed', () => {
      assert.throws(() => new TsigResponseSigner(KEY, request.mac).passUnsigned(response()), /first message/);
    });
  });

  describe('parseTsigKey', () => {
    const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=';

    it('reads the Secret fields into a key with a canonical name', () => {
      const key = parseTsigKey({ name: 'Transfer-Key', algorithm: 'hmac-sha256', secret: SECRET });
      assert.equal(key.name, 'transfer-key.');
      assert.equal(key.algorithm, 'hmac-sha256');
      assert.equal(new TextDecoder().decode(key.secret), 'secret-secret-secret-secret-secr');
    });

    const forms: Array<[string, TsigAlgorithm]> = [
      ['hmac-sha256', 'hmac-sha256'],
      ['hmac-sha512.', 'hmac-sha512'],
      ['HMAC-SHA1', 'hmac-sha1'],
      ['hmac-md5', 'hmac-md5'],
      ['HMAC-MD5.SIG-ALG.REG.INT', 'hmac-md5'],
      ['hmac-md5.sig-alg.reg.int.', 'hmac-md5'],
      ['hmac-sha224', 'hmac-sha224'],
      ['hmac-sha384', 'hmac-sha384'],
    ];
    for (const [text, algorithm] of forms) {
      it(`reads the algorithm "${text}"`, () => {
        assert.equal(parseTsigKey({ name: 'k.', algorithm: text, secret: SECRET }).algorithm, algorithm);
      });
    }

    const bad: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ algorithm: 'hmac-sha256', secret: SECRET }, 'name', /missing/],
      [{ name: ' ', algorithm: 'hmac-sha256', secret: SECRET }, 'name', /empty/],
      [{ name: 'a..b', algorithm: 'hmac-sha256', secret: SECRET }, 'name', /not a domain name/],
      [{ name: '.', algorithm: 'hmac-sha256', secret: SECRET }, 'name', /root/],
      [{ name: 'k.', secret: SECRET }, 'algorithm', /missing/],
      [{ name: 'k.', algorithm: 'hmac-sha256-128', secret: SECRET }, 'algorithm', /is not one of hmac-sha256, /],
      [{ name: 'k.', algorithm: 'hmac-sha256' }, 'secret', /missing/],
      [{ name: 'k.', algorithm: 'hmac-sha256', secret: 42 }, 'secret', /must be a string/],
      [{ name: 'k.', algorithm: 'hmac-sha256', secret: 'not base64!' }, 'secret', /base64/],
    ];
    for (const [fields, field, detail] of bad) {
      it(`refuses ${JSON.stringify(fields)} naming the field ${field}`, () => {
        assert.throws(
          () => parseTsigKey(fields, 'Secret dns/transfer-key'),
          (err: unknown) => err instanceof TsigKeyError && err.field === field && detail.test(err.message) && err.message.startsWith(`Secret dns/transfer-key: ${field}: `),
        );
      });
    }
  });
});
