import { strict as assert } from 'node:assert';
import { tokenize, tokenizeRdata, TokenizeError, type Entry } from './tokenizer';

/** Entries as `line[-]: tok tok "quoted"`, `-` marking an omitted owner. */
function shape(entries: Entry[]): string[] {
  return entries.map((e) => `${e.line}${e.ownerOmitted ? '-' : ''}: ${e.tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text)).join(' ')}`);
}

function failsAt(text: string, line: number, message: RegExp): void {
  assert.throws(
    () => tokenize(text),
    (err: unknown) => err instanceof TokenizeError && err.line === line && message.test(err.message),
    `expected a TokenizeError at line ${line} matching ${message}`,
  );
}

describe('zone file tokenizer (RFC 1035 §5.1)', () => {
  it('splits entries on line ends and tokens on blanks, skipping comments and empty lines', () => {
    assert.deepEqual(shape(tokenize('a A 192.0.2.1 ; comment\n\n; only a comment\nb\tIN  TXT x\n')), [
      '1: a A 192.0.2.1',
      '4: b IN TXT x',
    ]);
  });

  it('flags entries whose line starts with a blank as owner omitted', () => {
    assert.deepEqual(shape(tokenize('a A 192.0.2.1\n  AAAA ::1\n\tTXT t\nb A 192.0.2.2\n')), [
      '1: a A 192.0.2.1',
      '2-: AAAA ::1',
      '3-: TXT t',
      '4: b A 192.0.2.2',
    ]);
  });

  it('treats line ends inside parentheses as blanks and numbers the entry by its first line', () => {
    assert.deepEqual(shape(tokenize('@ SOA ns hm (\n  1 ; serial\n  2 3\n  4 5 )\nnext A 192.0.2.1\n')), [
      '1: @ SOA ns hm 1 2 3 4 5',
      '5: next A 192.0.2.1',
    ]);
  });

  it('keeps a quoted string whole, with blanks, semicolons and parentheses, and flags it', () => {
    assert.deepEqual(tokenize('t TXT "a b; (c)" ""\n')[0]!.tokens, [
      { text: 't', quoted: false },
      { text: 'TXT', quoted: false },
      { text: 'a b; (c)', quoted: true },
      { text: '', quoted: true },
    ]);
  });

  it('keeps escapes raw in quoted strings: \\" \\\\ \\DDD', () => {
    const [, , one, two, three] = tokenize('t TXT "say \\"hi\\"" "back\\\\slash" "\\065\\;"\n')[0]!.tokens;
    assert.deepEqual([one!.text, two!.text, three!.text], ['say \\"hi\\"', 'back\\\\slash', '\\065\\;']);
  });

  it('does not split or comment on escaped blanks, semicolons and parentheses outside quotes', () => {
    assert.deepEqual(shape(tokenize('a\\ b c\\;d e\\(f\\) g\n')), ['1: a\\ b c\\;d e\\(f\\) g']);
  });

  it('reads key="quoted value" as one unquoted token, for SvcParams', () => {
    assert.deepEqual(tokenize('s HTTPS 1 . alpn="h2,h3" x="a b"\n')[0]!.tokens.slice(4), [
      { text: 'alpn=h2,h3', quoted: false },
      { text: 'x=a b', quoted: false },
    ]);
  });

  it('accepts CRLF line ends and a last line without one', () => {
    assert.deepEqual(shape(tokenize('a A 192.0.2.1\r\n  AAAA ::1\r\nb A 192.0.2.2')), ['1: a A 192.0.2.1', '2-: AAAA ::1', '3: b A 192.0.2.2']);
  });

  it('yields nothing for an empty text or one of comments and blanks only', () => {
    assert.deepEqual(tokenize(''), []);
    assert.deepEqual(tokenize('\n  \n; x\n\t; y\n'), []);
  });

  it('names the line of unbalanced parentheses, unterminated quotes and dangling backslashes', () => {
    failsAt('a A 192.0.2.1\nb SOA ( 1 2\n3 4\n', 2, /parenthesis opened here is never closed/);
    failsAt('a A 192.0.2.1 )\n', 1, /closing parenthesis without an opening one/);
    failsAt('a A 1\nt TXT "abc\ndef"\n', 2, /unterminated quoted string/);
    failsAt('t TXT "abc\\', 1, /unterminated quoted string/);
    failsAt('a\nb A 1\\\nc\n', 2, /backslash at the end of a line/);
  });

  it('tokenizes rdata written on its own, ignoring leading blanks', () => {
    assert.deepEqual(tokenizeRdata('  10 mail'), [
      { text: '10', quoted: false },
      { text: 'mail', quoted: false },
    ]);
  });

  it('reads long plain tokens and tokens mixing plain runs, escapes and quoted parts alike', () => {
    const entries = tokenize('h1 RRSIG A 13 3 300 20261207000000 20261130000000 12345 ex. AbCd+/ef==\nlong\\.label\\032x a"b c"d ;c\n');
    assert.deepEqual(entries.map((e) => e.tokens.map((t) => t.text)), [
      ['h1', 'RRSIG', 'A', '13', '3', '300', '20261207000000', '20261130000000', '12345', 'ex.', 'AbCd+/ef=='],
      ['long\\.label\\032x', 'ab cd'],
    ]);
  });
});
