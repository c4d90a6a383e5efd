import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Name } from './name';
import { RRType } from './constants';
import { MessageWriter } from './message-writer';
import { MessageFormatError, readMessage } from './message-reader';
import { readZoneFile } from './zonefile/reader';

// The message reader: whole messages with compressed names, read back into the records that
// were written; and whatever arrives, records or a MessageFormatError, never a crash or a hang.

const origin = Name.fromText('read.test.');
const records = readZoneFile(
  `$ORIGIN read.test.
@ 300 SOA ns.read.test. hostmaster.read.test. 2026112401 3600 600 86400 300
@ 300 NS ns
@ 300 MX 10 mail
ns 300 A 192.0.2.1
mail 300 AAAA 2001:db8::25
www 300 CNAME ns
_sip._tcp 300 SRV 0 5 5060 ns
txt 300 TXT "hello" "world"
x 300 TYPE65280 \\# 3 010203
sig 300 RRSIG A 13 3 300 20261201000000 20261101000000 12345 read.test. AAAA
`,
  { origin, source: 'fixture' },
);

function message(flags = 0x8400): Uint8Array {
  const w = new MessageWriter(0x1234, flags, 65535);
  w.writeQuestion(origin, RRType.AXFR);
  for (const r of records) assert.ok(w.writeRecord(1, r.owner, r.type, r.ttl, r.rdata));
  w.writeRecord(2, origin, RRType.NS, 300, records[1]!.rdata);
  return w.finish();
}

function expectFormatError(msg: Uint8Array, check: (e: MessageFormatError) => void): void {
  assert.throws(
    () => readMessage(msg, { source: 'test' }),
    (e: unknown) => {
      assert.ok(e instanceof MessageFormatError, `expected MessageFormatError, got ${String(e)}`);
      check(e);
      return true;
    },
  );
}

describe('readMessage', () => {
  it('reads header, question and every section, names decompressed', () => {
    const msg = readMessage(message());
    assert.equal(msg.id, 0x1234);
    assert.ok(msg.isResponse && msg.authoritative && !msg.truncated);
    assert.equal(msg.rcode, 0);
    assert.deepEqual(msg.questions.map((q) => [q.name.toString(), q.type, q.class]), [['read.test.', RRType.AXFR, 1]]);
    assert.equal(msg.answer.length, records.length);
    msg.answer.forEach((got, i) => {
      const want = records[i]!;
      assert.equal(got.owner.key, want.owner.key);
      assert.equal(got.type, want.type);
      assert.equal(got.ttl, want.ttl);
      assert.deepEqual(got.rdata, want.rdata, `rdata of ${want.owner} ${want.type}`);
    });
    assert.equal(msg.authority.length, 1);
    assert.equal(msg.additional.length, 0);
  });

  it('actually met compression pointers in owners and rdata', () => {
    const wire = message();
    let pointers = 0;
    for (let i = 12; i < wire.length - 1; i++) if ((wire[i]! & 0xc0) === 0xc0 && wire[i + 1]! === 12) pointers++;
    assert.ok(pointers > 5, `only ${pointers} pointers to the question name`);
  });

  it('names the section, record and offset of a truncated record', () => {
    const wire = message();
    expectFormatError(wire.subarray(0, wire.length - 3), (e) => {
      assert.equal(e.section, 'authority');
      assert.equal(e.index, 0);
      assert.match(e.message, /^test: authority record 0 at offset \d+: truncated/);
    });
  });

  it('refuses a compression pointer to itself (a loop)', () => {
    // Header with one answer record whose owner is a pointer to itself.
    const loop = Uint8Array.from([0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]);
    expectFormatError(loop, (e) => {
      assert.equal(e.section, 'answer');
      assert.equal(e.offset, 12);
      assert.match(e.detail, /does not point backwards/);
    });
  });

  it('reports bad rdata with the record it belongs to', () => {
    // An A record with 3 octets of rdata.
    const bad = Uint8Array.from([0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
    expectFormatError(bad, (e) => {
      assert.equal(e.section, 'answer');
      assert.equal(e.index, 0);
      assert.match(e.detail, /^\.: A: /);
    });
  });

  it('refuses octets after the last record', () => {
    const wire = message();
    expectFormatError(Uint8Array.from([...wire, 0]), (e) => assert.match(e.detail, /1 octets after the last record/));
  });
});

describe('readMessage properties', () => {
  const valid = message();

  function readOrFormatError(bytes: Uint8Array): void {
    try {
      readMessage(bytes);
    } catch (e) {
      if (!(e instanceof MessageFormatError)) throw e;
    }
  }

  it('never throws anything but MessageFormatError on mutated messages', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.option(fc.nat()), (flips, cut) => {
        const out = Uint8Array.from(valid);
        for (const [at, value] of flips) out[at % out.length] = value;
        readOrFormatError(cut === null ? out : out.subarray(0, cut % (out.length + 1)));
      }),
      { numRuns: 5000 },
    );
  });

  it('never throws anything but MessageFormatError on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => readOrFormatError(bytes)), { numRuns: 5000 });
  });

  it('reads every record of a random header over valid records the same way', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), (id, flags) => {
        const w = new MessageWriter(id, flags, 65535);
        for (const r of records) w.writeRecord(3, r.owner, r.type, r.ttl, r.rdata);
        const msg = readMessage(w.finish());
        assert.equal(msg.id, id);
        assert.equal(msg.additional.length, records.length);
      }),
      { numRuns: 300 },
    );
  });
});
