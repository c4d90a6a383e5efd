import { strict as assert } from 'node:assert';
import { Name, NameError, canonicalCompare } from './name';

const n = (text: string, origin?: string): Name => Name.fromText(text, origin ? Name.fromText(origin) : undefined);

describe('Name', () => {
  describe('fromText', () => {
    it('parses an absolute name into wire form', () => {
      const name = n('www.Example.com.');
      assert.equal(name.cased, '\x03www\x07Example\x03com\x00');
      assert.equal(name.key, '\x03www\x07example\x03com\x00');
    });

    it('completes a relative name with the origin', () => {
      assert.equal(n('www', 'example.com.').toString(), 'www.example.com.');
      assert.equal(n('a.b', 'example.com.').labelCount(), 4);
    });

    it('reads @ as the origin and . as the root', () => {
      assert.equal(n('@', 'example.com.').toString(), 'example.com.');
      assert.ok(n('.').isRoot());
    });

    it('decodes \\X and \\DDD escapes (RFC 1035 §5.1)', () => {
      const name = n('a\\.b.c\\032d\\065.');
      assert.deepEqual(name.labels(), ['a.b', 'c dA']);
      assert.equal(name.toString(), 'a\\.b.c\\ dA.');
    });

    it('escapes non-printable octets on output', () => {
      assert.equal(n('\\000\\255x.').toString(), '\\000\\255x.');
    });

    const bad: Array<[string, RegExp]> = [
      ['a..b.', /empty label/],
      ['x'.repeat(64) + '.', /label longer than 63/],
      [Array(128).fill('ab').join('.') + '.', /longer than 255/],
      ['a\\', /dangling escape/],
      ['a\\25.', /three digits/],
      ['a\\256.', /above 255/],
      ['www', /without an origin/],
      ['', /empty name/],
    ];
    for (const [text, message] of bad) {
      it(`rejects ${JSON.stringify(text.length > 30 ? text.slice(0, 30) + '…' : text)}`, () => {
        assert.throws(() => Name.fromText(text), (err: unknown) => err instanceof NameError && message.test(err.message));
      });
    }

    it('accepts a name of exactly 255 octets', () => {
      const label = 'a'.repeat(63);
      const name = n(`${label}.${label}.${label}.${'b'.repeat(61)}.`);
      assert.equal(name.wireLength, 255);
    });
  });

  it('compares case-insensitively but keeps case for output (RFC 4343)', () => {
    assert.ok(n('WWW.example.COM.').equals(n('www.EXAMPLE.com.')));
    assert.equal(n('WWW.example.COM.').toString(), 'WWW.example.COM.');
  });

  it('knows subdomains at label boundaries only', () => {
    const zone = n('example.com.');
    assert.ok(n('a.b.example.com.').isSubdomainOf(zone));
    assert.ok(zone.isSubdomainOf(zone));
    assert.ok(!n('badexample.com.').isSubdomainOf(zone));
    assert.ok(!n('com.').isSubdomainOf(zone));
    assert.ok(n('x.').isSubdomainOf(Name.root));
  });

  it('walks to the parent and prepends labels', () => {
    assert.equal(n('a.b.c.').parent()!.toString(), 'b.c.');
    assert.equal(Name.root.parent(), null);
    assert.equal(n('b.c.').prepend('*').toString(), '*.b.c.');
    assert.ok(n('b.c.').prepend('*').isWildcard());
  });

  it('renders relative to an origin', () => {
    const origin = n('example.com.');
    assert.equal(n('www.example.com.').toRelativeString(origin), 'www');
    assert.equal(n('example.com.').toRelativeString(origin), '@');
    assert.equal(n('other.org.').toRelativeString(origin), 'other.org.');
  });

  it('round-trips through wire form', () => {
    const name = n('MiXed.example.');
    assert.ok(Name.fromWire(name.toWire()).equals(name));
    assert.equal(Name.fromWire(name.toWire()).cased, name.cased);
  });

  it('sorts in canonical order (RFC 4034 §6.1 example)', () => {
    const ordered = ['example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.EXAMPLE.', 'z.example.', '\\001.z.example.', '*.z.example.', '\\200.z.example.'];
    const shuffled = [...ordered].reverse().map((t) => n(t));
    const sorted = shuffled.sort(canonicalCompare).map((x) => x.toString());
    assert.deepEqual(sorted, ordered.map((t) => n(t).toString()));
  });
});
