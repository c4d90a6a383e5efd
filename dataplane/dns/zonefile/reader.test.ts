import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Name } from '../name';
import { RRClass, RRType, typeToString } from '../constants';
import { rdataToText } from '../rdata/registry';
import { readZoneFile, readZoneRecords, ZoneFileError, type ZoneFileRecord } from './reader';

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

/** The only failure a reader may have is a ZoneFileError: no other exception, no hang. */
function readsOrFailsCleanly(readIt: () => unknown): void {
  try {
    readIt();
  } catch (err) {
    assert.ok(err instanceof ZoneFileError, `unexpected ${(err as Error).name}: ${(err as Error).message}`);
  }
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

  it('gives an SOA without a TTL its MINIMUM, and the records after it too, as BIND does', () => {
    // The outputs of named-checkzone -D (BIND 9.18) for the same files.
    const soa = '@ IN SOA ns1 host 1 3600 600 1209600 1234\n';
    assert.deepEqual(read(`${soa}@ NS ns1\nx 77 A 192.0.2.2\ny A 192.0.2.3\n`).map((r) => r.ttl), [1234, 1234, 77, 1234]);
    assert.deepEqual(read(`${soa}@ NS ns1\n$TTL 60\nns1 A 192.0.2.1\n`).map((r) => r.ttl), [1234, 1234, 60]);
    assert.deepEqual(read(`${soa.replace('@ IN', '@ 100 IN')}ns1 A 192.0.2.1\n`).map((r) => r.ttl), [100, 100]);
    assert.deepEqual(read(`x 77 A 192.0.2.2\n${soa}ns1 A 192.0.2.1\n`).map((r) => r.ttl), [77, 77, 77]);
    // A record before the SOA with no TTL anywhere: BIND rejects the zone; the caller's default applies.
    assert.deepEqual(read(`a A 192.0.2.9\n${soa}b A 192.0.2.1\n`, 3600).map((r) => r.ttl), [3600, 1234, 1234]);
    // initialTtl is a $TTL at the top: it wins over the SOA MINIMUM.
    const withInitial = readZoneFile(`${soa}b A 192.0.2.1\n`, { origin, source: 'test.zone', initialTtl: 42 });
    assert.deepEqual(withInitial.map((r) => r.ttl), [42, 42]);
  });

  describe('$GENERATE (BIND)', () => {
    const owners = (text: string): string[] => read(`$TTL 60\n${text}`).map((r) => `${r.owner.toRelativeString(origin)} ${rdataToText(r.type, r.rdata)}`);

    it('makes one record per number of the range, with the step', () => {
      assert.deepEqual(owners('$GENERATE 1-10/4 $.rev PTR host$.example.com.\n'), ['1.rev host1.example.com.', '5.rev host5.example.com.', '9.rev host9.example.com.']);
    });

    it('applies offset, width and base modifiers, nibbles included', () => {
      assert.deepEqual(owners('$GENERATE 8-8 c${10,3,d} CNAME x${-1,4,x}\n'), ['c018 x0007.example.com.']);
      assert.deepEqual(owners('$GENERATE 250-250 o${0,5,o} CNAME X${0,0,X}\n'), ['o00372 XFA.example.com.']);
      assert.deepEqual(owners('$GENERATE 10-10 ${0,4,n}ip6 PTR n${0,6,N}\n'), ['a.0.ip6 nA.0.0.']);
      assert.deepEqual(owners('$GENERATE 4660-4660 a${0,9,n}b PTR x\n'), ['a4.3.2.1.0b x.example.com.']);
      assert.deepEqual(owners('$GENERATE 255-255 a${0,0,n}b PTR x\n'), ['af.fb x.example.com.']);
    });

    it('keeps $$ and \\$ as a literal $, and reads a quoted rhs as rdata after the replacement', () => {
      assert.deepEqual(owners('$GENERATE 1-1 m$$n PTR x\n'), ['m\\$n x.example.com.']);
      assert.deepEqual(owners('$GENERATE 1-2 t$ TXT "v=$ \\$ dollar"\n'), ['t1 "v=1" "$" "dollar"', 't2 "v=2" "$" "dollar"']);
      assert.deepEqual(owners('$GENERATE 1-1 m$ MX "10 mail$"\n'), ['m1 10 mail1.example.com.']);
    });

    it('places an rdata that leaves a parenthesis open at the $GENERATE line (found by fuzzing)', () => {
      // The fuzzer's input: the rhs "(" escaped as a TokenizeError naming line 1 of the rdata, not the file.
      failsAt(';\n$GENERATE 0-5 3 2 "("', 2, /\$GENERATE: the rdata "\(" after the replacement: parenthesis opened here is never closed/);
      failsAt('$GENERATE 1-2 t$ TXT "a$ ( b"\n', 1, /never closed/);
    });

    it('takes TTL and class in either order', () => {
      const records = read('$TTL 60\n$GENERATE 1-2 w$ IN 77 A 10.2.0.$\n$GENERATE 1-1 v$ 78 IN A 10.3.0.$\n');
      assert.deepEqual(records.map((r) => r.ttl), [77, 77, 78]);
    });
  });

  describe('$INCLUDE', () => {
    const files: Record<string, string> = {
      'a.db': 'a1 A 192.0.2.1\n$ORIGIN sub.example.com.\na2 A 192.0.2.2\n',
      'b.db': '$INCLUDE a.db\nb1 A 192.0.2.3\n',
      'loop1.db': '$INCLUDE loop2.db\n',
      'loop2.db': '$INCLUDE loop1.db\n',
      'bad.db': 'ok A 192.0.2.1\n\nbad A 999.0.0.1\n',
    };
    const include = (name: string): { text: string; source: string } => {
      const text = files[name];
      if (text === undefined) throw new Error('no such file');
      return { text, source: name };
    };
    const withInclude = (text: string): ZoneFileRecord[] => readZoneFile(text, { origin, source: 'main', defaultTtl: 60, include });

    it('reads the file in place, with the given origin, and restores the origin after it (RFC 1035 §5.1)', () => {
      const records = withInclude('x A 192.0.2.9\n$INCLUDE a.db other.example.com.\ny A 192.0.2.8\n');
      assert.deepEqual(records.map((r) => [r.owner.toString(), r.source, r.line, r.includedAt]), [
        ['x.example.com.', undefined, 1, undefined],
        ['a1.other.example.com.', 'a.db', 1, 2],
        ['a2.sub.example.com.', 'a.db', 3, 2],
        ['y.example.com.', undefined, 3, undefined],
      ]);
    });

    it('nests, keeping the line of the outermost $INCLUDE', () => {
      const records = withInclude('$INCLUDE b.db\n');
      assert.deepEqual(records.map((r) => [r.owner.toString(), r.source, r.line, r.includedAt]), [
        ['a1.example.com.', 'a.db', 1, 1],
        ['a2.sub.example.com.', 'a.db', 3, 1],
        ['b1.example.com.', 'b.db', 2, 1],
      ]);
    });

    it('refuses loops, naming the chain', () => {
      assert.throws(() => withInclude('$INCLUDE loop1.db\n'), /^ZoneFileError: main:1: \$INCLUDE loop1\.db: loop1\.db:1: \$INCLUDE loop2\.db: loop2\.db:1: \$INCLUDE loop: main -> loop1\.db -> loop2\.db -> loop1\.db$/);
    });

    it('reports an error inside the file at its own line, behind the $INCLUDE line', () => {
      assert.throws(() => withInclude('x A 192.0.2.9\n$INCLUDE bad.db\n'), /^ZoneFileError: main:2: \$INCLUDE bad\.db: bad\.db:3: A: "999\.0\.0\.1" is not an IPv4 address/);
      assert.throws(() => withInclude('$INCLUDE gone.db\n'), /^ZoneFileError: main:1: \$INCLUDE gone\.db: no such file$/);
    });
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

  it('reads TYPEnnn for known and unknown types, and CLASSnnn', () => {
    const records = read('$TTL 60\na CLASS1 TYPE1 192.0.2.1\nb TYPE1 \\# 4 C0000202\nc TYPE1234 \\# 0\n');
    assert.deepEqual(show(records), ['a.example.com. 60 A 192.0.2.1', 'b.example.com. 60 A 192.0.2.2', 'c.example.com. 60 TYPE1234 \\# 0']);
    assert.deepEqual(records.map((r) => r.class), [RRClass.IN, RRClass.IN, RRClass.IN]);
  });

  it('accepts every BIND TTL unit, on records and in $TTL', () => {
    assert.deepEqual(read('a 1w2d3h4m5s A 192.0.2.1\n$TTL 2H\nb A 192.0.2.2\nc 0 A 192.0.2.3\n').map((r) => r.ttl), [788645, 7200, 0]);
  });

  it('gives an omitted class the zone class, and refuses a second class (RFC 1035 §5.1, §5.2)', () => {
    const chaos = read('$TTL 60\nversion CH TXT "1.0"\nid TXT "ns1"\n');
    assert.deepEqual(chaos.map((r) => r.class), [RRClass.CH, RRClass.CH]);
    failsAt('$TTL 60\na A 192.0.2.1\nb CH TXT "x"\n', 3, /class CH differs from the zone's class IN/);
    const byOption = readZoneFile('$TTL 60\nversion TXT "1.0"\n', { origin, source: 'test.zone', defaultClass: RRClass.CH });
    assert.equal(byOption[0]!.class, RRClass.CH);
  });

  it('resolves @, relative and absolute names in owners and rdata against the current origin', () => {
    const records = read('$TTL 60\n@ MX 10 mail\nmail CNAME @\nx.y CNAME other.net.\n$ORIGIN sub\n@ NS ns\n  NS ns.example.org.\n');
    assert.deepEqual(show(records), [
      'example.com. 60 MX 10 mail.example.com.',
      'mail.example.com. 60 CNAME example.com.',
      'x.y.example.com. 60 CNAME other.net.',
      'sub.example.com. 60 NS ns.sub.example.com.',
      'sub.example.com. 60 NS ns.example.org.',
    ]);
  });

  it('keeps the previous owner, absolute, across an $ORIGIN change', () => {
    const records = read('$TTL 60\nwww A 192.0.2.1\n$ORIGIN other.net.\n  A 192.0.2.2\n');
    assert.deepEqual(records.map((r) => r.owner.toString()), ['www.example.com.', 'www.example.com.']);
  });

  it('numbers each record by the line it starts on', () => {
    const records = read('$TTL 60\n\n; comment\na A 192.0.2.1\nb TXT (\n "x"\n )\n  AAAA ::1\n');
    assert.deepEqual(records.map((r) => r.line), [4, 5, 8]);
  });

  it('reads a file without an origin when names are absolute or follow $ORIGIN', () => {
    const records = readZoneFile('$TTL 60\nexample.net. MX 10 mail.example.net.\n$ORIGIN example.org.\n@ MX 10 mail\n', { source: 'test.zone' });
    assert.deepEqual(show(records), ['example.net. 60 MX 10 mail.example.net.', 'example.org. 60 MX 10 mail.example.org.']);
  });

  it('refuses relative names and @ when there is no origin', () => {
    const noOrigin = (text: string): ZoneFileRecord[] => readZoneFile(text, { source: 'test.zone', defaultTtl: 60 });
    const failsWithoutOrigin = (text: string, line: number, message: RegExp): void =>
      assert.throws(
        () => noOrigin(text),
        (err: unknown) => err instanceof ZoneFileError && err.line === line && err.message.startsWith(`test.zone:${line}: `) && message.test(err.message),
      );
    failsWithoutOrigin('www A 192.0.2.1\n', 1, /owner: relative name without an origin: "www"/);
    failsWithoutOrigin('a.example. A 192.0.2.1\n@ A 192.0.2.1\n', 2, /owner: "@" needs an origin/);
    failsWithoutOrigin('a.example. MX 10 mail\n', 1, /MX: a relative name or "@" needs an origin/);
    failsWithoutOrigin('a.example. CNAME @\n', 1, /CNAME: a relative name or "@" needs an origin/);
    failsWithoutOrigin('$ORIGIN sub\n', 1, /\$ORIGIN: relative name without an origin/);
  });

  it('hands out records before it reaches a later error', () => {
    const records = readZoneRecords('$TTL 60\na A 192.0.2.1\nb A bogus\n', { origin, source: 'test.zone' });
    assert.equal(records.next().value?.owner.toString(), 'a.example.com.');
    assert.throws(() => records.next(), /test\.zone:3: A: /);
  });

  describe('names the source and line of every error', () => {
    const cases: Array<[string, string, number, RegExp]> = [
      ['parenthesis never closed', '$TTL 60\na A 192.0.2.1\nb A (192.0.2.2\n', 3, /parenthesis opened here is never closed/],
      ['closing parenthesis without an opening one', '$TTL 60\na A 192.0.2.1 )\n', 2, /closing parenthesis without an opening one/],
      ['unterminated quoted string', '$TTL 60\n\nb TXT "unterminated\n', 3, /unterminated quoted string/],
      ['unknown type', '$TTL 60\na A 192.0.2.1\nb BOGUS 1\n', 3, /unknown record type "BOGUS": write it as TYPE<number> with the rdata as \\# <length> <hex> \(RFC 3597 §5\)/],
      ['missing type', '$TTL 60\na 60 IN\n', 2, /missing record type/],
      ['quoted string where the type should be', '$TTL 60\na "A" 192.0.2.1\n', 2, /expected a TTL, class or type, got the quoted string "A"/],
      ['TTL above 2^31-1 (RFC 2181 §8)', 'a 2147483648 A 192.0.2.1\n', 1, /TTL: "2147483648" is not a valid TTL/],
      ['TTL with a bad unit', '$TTL 60\na 12x A 192.0.2.1\n', 2, /TTL: "12x" is not a valid TTL/],
      ['two TTLs', '$TTL 60\na 1h 2h A 192.0.2.1\n', 2, /a second TTL "2h"/],
      ['bad $TTL', '$TTL 1y\n', 1, /\$TTL: "1y" is not a valid TTL/],
      ['$TTL without its argument', '$TTL\n', 1, /\$TTL takes one TTL, got 0 arguments/],
      ['no TTL at all', 'a A 192.0.2.1\n', 1, /no TTL: give one on the record or set \$TTL first/],
      ['missing rdata', '$TTL 60\na MX\n', 2, /MX record without rdata/],
      ['bad rdata, wrapped from the rdata layer', '$TTL 60\na MX mail\n', 2, /^test\.zone:2: MX: preference: expected a number from 0 to 65535, got "mail"$/],
      ['rdata left over', '$TTL 60\na A 192.0.2.1 192.0.2.2\n', 2, /^test\.zone:2: A: /],
      ['bad name in rdata', '$TTL 60\na CNAME x..y\n', 2, /^test\.zone:2: CNAME: .*empty label/],
      ['bad owner name', '$TTL 60\nx.. A 192.0.2.1\n', 2, /owner: empty label/],
      ['first record without an owner', '$TTL 60\n a A 192.0.2.1\n', 2, /the first record has no owner name/],
      ['$INCLUDE without an include reader', '$TTL 60\n$INCLUDE other.zone\n', 2, /\$INCLUDE is not available here/],
      ['$GENERATE with a range backwards', '$TTL 60\n$GENERATE 3-1 r$ A 192.0.2.$\n', 2, /\$GENERATE: invalid range "3-1"/],
      ['$GENERATE with too many records', '$TTL 60\n$GENERATE 0-65536 r$ A 10.0.0.1\n', 2, /makes more than 65536 records/],
      ['$GENERATE with a bad modifier', '$TTL 60\n$GENERATE 1-2 r${1,x} A 10.0.0.1\n', 2, /bad modifier/],
      ['$GENERATE making bad rdata', '$TTL 60\n$GENERATE 250-256 r$ A 10.0.0.$\n', 2, /A: "10\.0\.0\.256" is not an IPv4 address/],
      ['$GENERATE without rdata', '$TTL 60\n$GENERATE 1-2 r$ A\n', 2, /\$GENERATE takes a range, an owner/],
      ['unknown directive', '$TTL 60\n$FOO\n', 2, /unknown directive \$FOO/],
      ['$ORIGIN with two names', '$TTL 60\n$ORIGIN a b\n', 2, /\$ORIGIN takes one domain name/],
      ['bad $ORIGIN', '$ORIGIN a..b.\n', 1, /\$ORIGIN: empty label/],
      ['record of another class', '$TTL 60\na A 192.0.2.1\nb CH TXT "x"\n', 3, /class CH differs from the zone's class IN/],
    ];
    for (const [name, text, line, message] of cases) {
      it(`${name} (line ${line})`, () => failsAt(text, line, message));
    }

    it('relative name without an origin (line 2)', () => {
      assert.throws(
        () => readZoneFile('$TTL 60\nwww A 192.0.2.1\n', { source: 'test.zone' }),
        (err: unknown) => err instanceof ZoneFileError && err.line === 2 && err.message === 'test.zone:2: owner: relative name without an origin: "www"',
      );
    });

    it('cuts long input short in messages, its own and those of lower layers', () => {
      const short = (err: unknown): boolean => err instanceof ZoneFileError && err.message.length < 300;
      assert.throws(() => read(`$TTL 60\na ${'X'.repeat(10000)} 1\n`), short);
      assert.throws(() => read(`$TTL 60\n${'x'.repeat(10000)} A 192.0.2.1\n`), short);
      assert.throws(() => read(`$TTL 60\na CNAME ${'x'.repeat(10000)}\n`), short);
    });
  });

  describe('properties', () => {
    it('never crashes or hangs on arbitrary text: records or a ZoneFileError', () => {
      const alphabet = fc.constantFrom(...'abc019 \t\n;()"\\$@.*-_'.split(''), ' A ', ' TXT ', ' MX ', ' IN ', '$TTL ', '$ORIGIN ', ' 3600 ', ' \\# ');
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 200 }).map((a) => a.join('')), (text) => {
          readsOrFailsCleanly(() => read(text, 60));
          readsOrFailsCleanly(() => readZoneFile(text, { source: 'no-origin.zone', defaultTtl: 60 }));
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
          readsOrFailsCleanly(() => read(text));
        }),
        { numRuns: 3000 },
      );
    });
  });
});
