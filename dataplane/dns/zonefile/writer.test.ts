import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Name } from '../name';
import { RRClass, RRType } from '../constants';
import { readZoneFile, type ZoneFileRecord } from './reader';
import { recordLine, writeZoneFile, writeZoneFileChunks } from './writer';

const origin = Name.fromText('example.com.');

/** Everything a record is, minus the line it was read from; owners with their case. */
function essence(records: readonly ZoneFileRecord[]): Array<[string, number, number, number, string]> {
  return records.map((r) => [r.owner.cased, r.ttl, r.class, r.type, Buffer.from(r.rdata).toString('hex')]);
}

/** read → write → read, checking the second read gives the records of the first. */
function roundTrip(records: readonly ZoneFileRecord[], writeOrigin: Name): string {
  const written = writeZoneFile(records, { origin: writeOrigin });
  // The written text must stand on its own: no origin, TTL or class from the reader's options.
  const again = readZoneFile(written, { source: 'written' });
  assert.deepEqual(essence(again), essence(records), `written text:\n${written}`);
  return written;
}

const REALISTIC_ZONE = `$TTL 3600
@ IN SOA ns1 hostmaster ( 2026112201 7200 900 1209600 300 )
@ NS ns1
@ NS ns2.example.net.
@ 300 MX 10 mail
@ MX 20 mail.example.net.
@ TXT "v=spf1 mx -all"
@ CAA 0 issue "letsencrypt.org"
@ CAA 128 tbs "Unknown"
@ DNSKEY 256 3 5 ( AQPSKmynfzW4kyBv015MUG2DeIQ3 Cbl+BBZH4b/0PY1kxkmvHjcZc8no
  kfzj31GajIQKY+5CptLr3buXA10h WqTkF7H6RfoRqXQeogmMHfpftf6z Mv1LyBUgia7za6ZEzOJBOztyvhjL
  742iU/TpPSEDhm2SNKLijfUppn1U aNvv4w== )
@ CDS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
@ CDNSKEY 0 3 0 AA==
@ NSEC3PARAM 1 0 12 aabbccdd
@ HTTPS 1 . alpn="h3,h2" port=443 ipv4hint=192.0.2.10
ns1 A 192.0.2.1
ns1 AAAA 2001:db8::1
MiXeD.Case A 192.0.2.2
mail A 192.0.2.3
  AAAA 2001:db8::3
www CNAME @
legacy DNAME example.net.
*.wild TXT "wild card" "two" ""
txt TXT "say \\"hi\\"" "back\\\\slash" "semi;colon (paren)" "\\229\\164\\169\\000"
a\\.b\\032c A 192.0.2.4
_sip._tcp SRV 10 60 5060 sip
naptr NAPTR 100 10 "S" "SIP+D2U" "!^.*$!sip:info@example.com!" _sip._udp
host HINFO "PC Intel" "Linux"
host SSHFP 2 1 123456789abcdef67890123456789abcdef67890
_443._tcp.www TLSA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6
_dns.ns1 SVCB 1 ns1 alpn=dot port=853
alias HTTPS 0 cdn.example.net.
child NS ns.child
child DS 60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118
ns.child A 192.0.2.5
host 86400 RRSIG A 5 3 86400 20030322173103 20030220173103 2642 example.com. (
  oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6o
  B9wfuh3DTJXUAfI/M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkG
  J5D6fwFm8nN+6pBzeDQfsS3Ap3o= )
alfa NSEC host ( A MX RRSIG NSEC TYPE1234 )
0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG
rcodezero TYPE65401 \\# 3 010203
empty TYPE999 \\# 0
$ORIGIN 2.0.192.in-addr.arpa.
1 PTR ns1.example.com.
`;

describe('zone file writer', () => {
  it('writes $ORIGIN, then one record per line with every field', () => {
    const records = readZoneFile('$TTL 60\n@ MX 10 mail\nwww 300 AAAA 2001:db8::1\nother.net. TXT "a b"\n', { origin, source: 'test.zone' });
    assert.equal(
      writeZoneFile(records, { origin }),
      '$ORIGIN example.com.\n' +
        '@\t60\tIN\tMX\t10 mail.example.com.\n' +
        'www\t300\tIN\tAAAA\t2001:db8::1\n' +
        'other.net.\t60\tIN\tTXT\t"a b"\n',
    );
  });

  it('writes IN for a record without a class, and other classes by name', () => {
    const owner = Name.fromText('version.bind.');
    const rdata = Uint8Array.from([3, 0x61, 0x62, 0x63]);
    assert.equal(recordLine({ owner, ttl: 0, type: RRType.TXT, rdata }, Name.root), 'version.bind\t0\tIN\tTXT\t"abc"');
    assert.equal(recordLine({ owner, ttl: 0, class: RRClass.CH, type: RRType.TXT, rdata }, owner), '@\t0\tCH\tTXT\t"abc"');
  });

  it('writes unknown types in the RFC 3597 generic form, \\# 0 when empty', () => {
    const owner = Name.fromText('x.example.com.');
    assert.equal(recordLine({ owner, ttl: 1, type: 65401, rdata: Uint8Array.from([1, 2, 3]) }, origin), 'x\t1\tIN\tTYPE65401\t\\# 3 010203');
    assert.equal(recordLine({ owner, ttl: 1, type: 999, rdata: new Uint8Array(0) }, origin), 'x\t1\tIN\tTYPE999\t\\# 0');
  });

  it('writes an empty zone as its $ORIGIN line alone', () => {
    assert.equal(writeZoneFile([], { origin }), '$ORIGIN example.com.\n');
  });

  it('round-trips a realistic zone of many types: read → write → read gives the same records', () => {
    const records = readZoneFile(REALISTIC_ZONE, { origin, source: 'realistic.zone' });
    assert.equal(records.length, 39);
    const written = roundTrip(records, origin);
    // Owners outside the written origin stay absolute; those inside are relative.
    assert.match(written, /^1\.2\.0\.192\.in-addr\.arpa\.\t3600\tIN\tPTR\t/m);
    assert.match(written, /^MiXeD\.Case\t3600\tIN\tA\t192\.0\.2\.2$/m);
    assert.match(written, /^a\\\.b\\ c\t/m);
  });

  it('round-trips under any origin, the root included', () => {
    const records = readZoneFile(REALISTIC_ZONE, { origin, source: 'realistic.zone' });
    roundTrip(records, Name.root);
    roundTrip(records, Name.fromText('sub.example.com.'));
    roundTrip(records, Name.fromText('unrelated.org.'));
  });

  it('round-trips a zone of another class', () => {
    const records = readZoneFile('$TTL 0\nversion.bind. CH TXT "1.0"\nid.server. TXT "ns1"\n', { origin: Name.root, source: 'chaos.zone' });
    assert.deepEqual(records.map((r) => r.class), [RRClass.CH, RRClass.CH]);
    roundTrip(records, Name.root);
  });

  it('round-trips any owner name, TTL and opaque or TXT rdata (property)', () => {
    const label = fc.uint8Array({ minLength: 1, maxLength: 12 }).map((b) => String.fromCharCode(...b));
    const owner = fc.array(label, { minLength: 0, maxLength: 4 }).map((labels) => labels.reduceRight((n, l) => n.prepend(l), origin));
    const opaque = fc.record({ type: fc.integer({ min: 65280, max: 65534 }), rdata: fc.uint8Array({ maxLength: 40 }) });
    const txt = fc.array(fc.uint8Array({ maxLength: 20 }), { minLength: 1, maxLength: 3 }).map((strings) => ({
      type: RRType.TXT as number,
      rdata: Uint8Array.from(strings.flatMap((s) => [s.length, ...s])),
    }));
    const record = fc.record({ owner, ttl: fc.integer({ min: 0, max: 0x7fffffff }), data: fc.oneof(opaque, txt) });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (generated) => {
        const records = generated.map((g, i) => ({ owner: g.owner, ttl: g.ttl, class: RRClass.IN, type: g.data.type, rdata: g.data.rdata, line: i + 2 }));
        roundTrip(records, origin);
      }),
      { numRuns: 500 },
    );
  });

  it('writes in chunks that joined are the same text, the owner of consecutive records once', () => {
    const records = readZoneFile(REALISTIC_ZONE, { origin, source: 'realistic.zone' });
    const whole = writeZoneFile(records, { origin });
    assert.equal(whole, ['$ORIGIN example.com.', ...records.map((r) => recordLine(r, origin))].join('\n') + '\n', 'one line per record');
    for (const size of [1, 50, 1 << 20]) {
      const chunks: string[] = [];
      writeZoneFileChunks(records, { origin }, (c) => chunks.push(c), size);
      assert.equal(chunks.join(''), whole);
      if (size === 1) assert.equal(chunks.length, records.length, 'a chunk per record when each fills it');
    }
  });
});
