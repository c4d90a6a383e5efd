import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ResponseCache } from './response-cache';

// The cache against a plain Map as the model: what was stored last for a question (name compared
// without case, type, class, EDNS variant) is found, until the cache starts over when full.

/** A query message: header, then the question (name from labels, QTYPE, QCLASS). */
function queryMessage(labels: readonly string[], qtype: number, id = 0x1234, rd = true): { msg: Uint8Array; nameEnd: number; questionEnd: number } {
  const bytes = [id >> 8, id & 0xff, rd ? 1 : 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const label of labels) bytes.push(label.length, ...Buffer.from(label, 'latin1'));
  bytes.push(0);
  const nameEnd = bytes.length;
  bytes.push(qtype >> 8, qtype & 0xff, 0, 1);
  return { msg: Uint8Array.from(bytes), nameEnd, questionEnd: bytes.length };
}

/** A response as the responder would cache it: the question echoed, then `extra` answer bytes. */
function responseFor(q: { msg: Uint8Array; questionEnd: number }, extra: number, fill: number): Uint8Array {
  const out = new Uint8Array(q.questionEnd + extra).fill(fill);
  out.set(q.msg.subarray(0, q.questionEnd));
  out[2] = 0x84; // QR, AA; RD clear in the template
  return out;
}

function lookup(cache: ResponseCache, q: { msg: Uint8Array; nameEnd: number; questionEnd: number }, variant: number): Uint8Array | undefined {
  const at = cache.find(q.msg, q.nameEnd, q.questionEnd, variant);
  if (at < 0) return undefined;
  return cache.copyTo(at, q.msg, q.nameEnd, new Uint8Array(cache.length(at)));
}

const modelKey = (labels: readonly string[], qtype: number, variant: number): string => `${labels.join('.').toLowerCase()}/${qtype}/${variant}`;

describe('ResponseCache', () => {
  it('finds a stored response for the same question in any case, with the query ID, RD and case', () => {
    const cache = new ResponseCache();
    const stored = queryMessage(['www', 'example', 'com'], 1);
    cache.store(stored.msg, stored.nameEnd, stored.questionEnd, 0, responseFor(stored, 16, 7));
    const asked = queryMessage(['WwW', 'Example', 'COM'], 1, 0xbeef, false);
    const found = lookup(cache, asked, 0)!;
    assert.ok(found);
    assert.deepEqual([found[0], found[1], found[2]! & 1], [0xbe, 0xef, 0]);
    assert.deepEqual(found.subarray(12, asked.nameEnd), asked.msg.subarray(12, asked.nameEnd));
    assert.deepEqual(found.subarray(asked.questionEnd), new Uint8Array(16).fill(7));
    assert.equal(lookup(cache, asked, 1), undefined, 'another EDNS variant');
    assert.equal(lookup(cache, queryMessage(['www', 'example', 'com'], 28), 0), undefined, 'another type');
    assert.equal(lookup(cache, queryMessage(['www', 'example', 'co'], 1), 0), undefined, 'another name');
  });

  it('keeps names up to 255 octets and responses up to 65,535 octets', () => {
    const cache = new ResponseCache();
    const labels = [...Array.from({ length: 3 }, (_, i) => String(i).repeat(63)), 'x'.repeat(61)];
    const q = queryMessage(labels, 16);
    assert.equal(q.nameEnd - 12, 255);
    const big = responseFor(q, 65535 - q.questionEnd, 9);
    cache.store(q.msg, q.nameEnd, q.questionEnd, 3, big);
    const found = lookup(cache, q, 3)!;
    assert.equal(found.length, 65535);
    assert.deepEqual(found.subarray(q.questionEnd), big.subarray(q.questionEnd));
  });

  it('starts over when full, by entries or by bytes', () => {
    const byEntries = new ResponseCache(10);
    const byBytes = new ResponseCache(1000, 2000);
    for (let i = 0; i < 25; i++) {
      const q = queryMessage([`n${i}`, 'test'], 1);
      byEntries.store(q.msg, q.nameEnd, q.questionEnd, 0, responseFor(q, 100, i));
      byBytes.store(q.msg, q.nameEnd, q.questionEnd, 0, responseFor(q, 100, i));
      assert.ok(byEntries.size <= 10 && byBytes.size <= 2000 / 100);
      assert.ok(lookup(byEntries, q, 0) && lookup(byBytes, q, 0), 'the newest entry is always there');
    }
    const tooBig = queryMessage(['huge', 'test'], 1);
    byBytes.store(tooBig.msg, tooBig.nameEnd, tooBig.questionEnd, 0, responseFor(tooBig, 3000, 1));
    assert.equal(lookup(byBytes, tooBig, 0), undefined, 'an entry larger than the whole cache is not kept');
    byBytes.clear();
    assert.equal(byBytes.size, 0);
  });

  it('finds every entry after its tables grew many times', () => {
    const cache = new ResponseCache();
    const n = 20_000; // slot table 1,024 -> 65,536; slab 64 KiB -> 4 MiB
    for (let i = 0; i < n; i++) {
      const q = queryMessage([`host${i}`, 'test'], 1 + (i % 3));
      cache.store(q.msg, q.nameEnd, q.questionEnd, i % 2, responseFor(q, 150, i & 0xff));
    }
    assert.equal(cache.size, n);
    for (let i = 0; i < n; i++) {
      const q = queryMessage([`HOST${i}`, 'test'], 1 + (i % 3));
      const found = lookup(cache, q, i % 2);
      assert.ok(found, `host${i}`);
      assert.deepEqual(found.subarray(q.questionEnd), new Uint8Array(150).fill(i & 0xff));
      assert.equal(lookup(cache, q, 1 - (i % 2)), undefined);
    }
  });

  it('behaves as a map from folded question to the last response stored, across growth', () => {
    const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,12}$/);
    const op = fc.record({
      labels: fc.array(fc.constantFrom('a', 'A', 'b', 'B', 'mail', 'MAIL', 'x-1'), { minLength: 1, maxLength: 3 }).chain((short) =>
        fc.oneof(fc.constant(short), fc.array(label, { minLength: 1, maxLength: 4 })),
      ),
      qtype: fc.constantFrom(1, 28, 15, 16),
      variant: fc.constantFrom(0, 1, 3),
      store: fc.boolean(),
      extra: fc.integer({ min: 0, max: 300 }),
      fill: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
        const cache = new ResponseCache(100_000, 4 * 1024 * 1024);
        const model = new Map<string, Uint8Array>();
        for (const o of ops) {
          const q = queryMessage(o.labels, o.qtype);
          const key = modelKey(o.labels, o.qtype, o.variant);
          if (o.store) {
            const response = responseFor(q, o.extra, o.fill);
            cache.store(q.msg, q.nameEnd, q.questionEnd, o.variant, response);
            model.set(key, response);
          }
          const found = lookup(cache, q, o.variant);
          const expected = model.get(key);
          assert.equal(found === undefined, expected === undefined, key);
          if (expected && found) assert.deepEqual(found.subarray(q.questionEnd), expected.subarray(q.questionEnd), key);
        }
        assert.equal(cache.size, model.size);
      }),
      { numRuns: 30 },
    );
  });
});
