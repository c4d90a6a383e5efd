import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Name } from '../name';
import { RRType, typeToString } from '../constants';
import { rdataToText } from '../rdata/registry';
import { readZoneFile, ZoneFileError, type ZoneFileRecord } from './reader';
import { writeZoneFile } from './writer';

const origin = Name.fromText('example.com.');
const read = (text: string, defaultTtl?: number): ZoneFileRecord[] => readZoneFile(text, { origin, source: 'test.zone', defaultTtl });
const show = (records: ZoneFileRecord[]): string[] =>
  records.map((r) => `${r.owner} ${r.ttl} ${typeToString(r.type)} ${rdataToText(r.type, r.rdata)}`);

function failsAt(text: string, line: number, message: RegExp): void {
  assert.throws(
    () => read(text),
    (err: unknown) => err instanceof ZoneFileError && err.line === line && err.message.startsWith(`test.zone:${line}: `) && message.test(err.message),
    `expected an error at line ${line} matching ${message}`,
  );
}

describe('zone file reader (RFC 1035 §5)', () => {
  it('reads a multi-line SOA with comments inside the parentheses', () => {
    const records = read(`$TTL 1h
@ IN SOA ns1 hostmaster ( ; the primary and the mailbox
        2026112201 ; serial
        7200       ; refresh
        900 1209600
        300 )      ; minimum
`);
    assert.deepEqual(show(records), ['example.com. 3600 SOA ns1.example.com. hostmaster.example.com. 2026112201 7200 900 1209600 300']);
    assert.equal(records[0]!.line, 2);
  });

  it('repeats the previous owner for lines that start with a blank', () => {
    const records = read('$TTL 60\nwww A 192.0.2.1\n    AAAA 2001:db8::1\n\tTXT "x"\n');
    assert.deepEqual(records.map((r) => r.owner.toString()), ['www.example.com.', 'www.example.com.', 'www.example.com.']);
  });

  it('takes TTL and class in either order, and TTL units', () => {
    const records = read('a 300 IN A 192.0.2.1\nb IN 1w2d A 192.0.2.2\nc CLASS1 1h30m A 192.0.2.3\n');
    assert.deepEqual(records.map((r) => r.ttl), [300, 777600, 5400]);
  });

  it('uses $TTL, then the last TTL written, then the caller default (RFC 2308 §4)', () => {
    assert.deepEqual(read('a A 192.0.2.1\n', 99).map((r) => r.ttl), [99]);
    assert.deepEqual(read('a 10 A 192.0.2.1\nb A 192.0.2.2\n').map((r) => r.ttl), [10, 10]);
    assert.deepEqual(read('a 10 A 192.0.2.1\n$TTL 20\nb A 192.0.2.2\n').map((r) => r.ttl), [10, 20]);
  });

  it('changes the origin with $ORIGIN, relative to the current one', () => {
    const records = read('$TTL 60\n$ORIGIN sub\nwww A 192.0.2.1\n$ORIGIN other.net.\n@ A 192.0.2.2\n');
    assert.deepEqual(records.map((r) => r.owner.toString()), ['www.sub.example.com.', 'other.net.']);
  });

  it('reads quoted strings with spaces, semicolons, parentheses and escapes', () => {
    const records = read('$TTL 60\nt TXT "a;b (c)" "say \\"hi\\"" "back\\\\slash" "\\065\\066C" unquoted\n');
    assert.equal(rdataToText(RRType.TXT, records[0]!.rdata), '"a;b (c)" "say \\"hi\\"" "back\\\\slash" "ABC" "unquoted"');
  });

  it('reads generic RFC 3597 records, as RcodeZero sends ALIAS', () => {
    const records = read('$TTL 60\nalias TYPE65401 \\# 3 010203\n');
    assert.equal(records[0]!.type, 65401);
    assert.deepEqual([...records[0]!.rdata], [1, 2, 3]);
  });

  it('keeps escaped specials in owner names', () => {
    const records = read('$TTL 60\na\\.b\\;c A 192.0.2.1\n');
    assert.deepEqual(records[0]!.owner.labels().slice(0, 1), ['a.b;c']);
  });

  it('names the line of every error', () => {
    failsAt('$TTL 60\na A 192.0.2.1\nb A (192.0.2.2\n', 3, /parenthesis opened here is never closed/);
    failsAt('$TTL 60\n\nb TXT "unterminated\n', 3, /unterminated quoted string/);
    failsAt('$TTL 60\na A 192.0.2.1\nb BOGUS 1\n', 3, /unknown record type "BOGUS"/);
    failsAt('a 99999999999 A 192.0.2.1\n', 1, /not a valid TTL/);
    failsAt('$TTL 60\na MX\n', 2, /MX record without rdata/);
    failsAt('$TTL 60\na MX mail\n', 2, /MX: preference: expected a number from 0 to 65535, got "mail"/);
    failsAt('$TTL 60\n a A 192.0.2.1\n', 2, /first record has no owner/);
    failsAt('$TTL 60\n$INCLUDE other.zone\n', 2, /\$INCLUDE is not supported/);
    failsAt('$TTL 60\n$FOO\n', 2, /unknown directive \$FOO/);
    failsAt('a A 192.0.2.1\n', 1, /no TTL/);
    failsAt('$TTL 60\nx.. A 192.0.2.1\n', 2, /owner: empty label/);
    failsAt('$TTL 60\na A 192.0.2.1 )\n', 2, /closing parenthesis without an opening one/);
  });

  it('round-trips through the writer', () => {
    const text = `$TTL 3600
@ SOA ns1 hostmaster 1 7200 900 1209600 300
@ NS ns1
@ MX 10 mail
ns1 A 192.0.2.1
ns1 AAAA 2001:db8::1
*.wild TXT "wild card" "two"
_sip._tcp SRV 10 60 5060 sip
caa CAA 0 issue "ca.example"
svc HTTPS 1 . alpn="h3,h2" port=443
ds DS 12345 13 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE2A0CD56C8F0F1B31CE3EBB0A
alias TYPE65401 \\# 2 ABCD
`;
    const first = read(text);
    const written = writeZoneFile(first, { origin });
    const second = readZoneFile(written, { origin: Name.root, source: 'written' });
    assert.deepEqual(show(second), show(first));
  });

  describe('properties', () => {
    it('never crashes or hangs on arbitrary text: records or a ZoneFileError', () => {
      const alphabet = fc.constantFrom(...'abc019 \t\n;()"\\$@.*-_'.split(''), ' A ', ' TXT ', ' MX ', ' IN ', '$TTL ', '$ORIGIN ', ' 3600 ', ' \\# ');
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 200 }).map((a) => a.join('')), (text) => {
          try {
            read(text, 60);
          } catch (err) {
            assert.ok(err instanceof ZoneFileError, `unexpected ${(err as Error).name}: ${(err as Error).message}`);
          }
        }),
        { numRuns: 3000 },
      );
    });

    it('reads mutated valid zones without crashing', () => {
      const base = '$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nt TXT "a b" "c"\nm MX 10 ns\n';
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 })), { maxLength: 5 }), (edits) => {
          let text = base;
          for (const [at, ch] of edits) {
            const i = at % text.length;
            text = text.slice(0, i) + ch + text.slice(i + 1);
          }
          try {
            read(text);
          } catch (err) {
            assert.ok(err instanceof ZoneFileError, `unexpected ${(err as Error).name}: ${(err as Error).message}`);
          }
        }),
        { numRuns: 3000 },
      );
    });
  });
});
