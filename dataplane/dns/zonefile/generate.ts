import type { Token } from '../rdata/codec';
import { TokenizeError, tokenizeRdata } from './tokenizer';

/**
 * BIND's `$GENERATE range lhs [ttl] [class] type rhs` (not in RFC 1035; BIND 9 ARM, "The
 * $GENERATE Directive"): one record per number of the range, `$` in the owner (lhs) and the rdata
 * (rhs) replaced by the number. Expanded here to the tokens of ordinary records, so that they go
 * through the same reader as every other record. Behaviour checked against BIND 9.18's
 * named-checkzone:
 *
 * - range `start-stop[/step]`, start ≤ stop;
 * - `$` is the number, `${offset[,width[,base]]}` adds offset, pads with zeros to width, and writes
 *   it in base d, o, x, X, n or N (nibbles, least significant first, separated by dots, padded to
 *   `width` characters: `${0,4,n}` of 10 is `a.0.`), `$$` and `\$` are a literal `$`;
 * - the rhs is one token (quote it when it holds spaces: `MX "10 mail$"`); after the replacement
 *   it is read as the record's rdata, so `TXT "a$ b"` makes two strings.
 */

/** At most this many records per `$GENERATE`, so that a typo in a range cannot fill memory. */
export const MAX_GENERATED = 65536;

export interface GenerateSpec {
  readonly start: number;
  readonly stop: number;
  readonly step: number;
  readonly lhs: string;
  /** TTL, class and type tokens, as written. */
  readonly head: readonly Token[];
  readonly rhs: string;
}

type Fail = (detail: string) => never;

const RANGE = /^(\d{1,10})-(\d{1,10})(?:\/(\d{1,10}))?$/;

/** Reads the arguments of `$GENERATE` (the tokens after the directive). */
export function parseGenerate(args: readonly Token[], fail: Fail): GenerateSpec {
  if (args.length < 4) fail('$GENERATE takes a range, an owner, [TTL] [class] a type and the rdata, e.g. $GENERATE 1-10 host$ A 192.0.2.$');
  const range = RANGE.exec(args[0]!.quoted ? '' : args[0]!.text);
  if (!range) fail(`$GENERATE: "${args[0]!.text}" is not a range start-stop[/step]`);
  const start = Number(range[1]);
  const stop = Number(range[2]);
  const step = range[3] === undefined ? 1 : Number(range[3]);
  if (start > stop || stop > 0x7fffffff || step < 1) fail(`$GENERATE: invalid range "${args[0]!.text}" (start ≤ stop < 2^31, step ≥ 1)`);
  if (Math.floor((stop - start) / step) + 1 > MAX_GENERATED) fail(`$GENERATE: range "${args[0]!.text}" makes more than ${MAX_GENERATED} records`);
  // The rhs is the last token; between the owner and it: [TTL] [class] type, as on any record.
  return { start, stop, step, lhs: args[1]!.text, head: args.slice(2, -1), rhs: args[args.length - 1]!.text };
}

/** The tokens of each generated record: owner, head, rdata. */
export function* generatedRecords(spec: GenerateSpec, fail: Fail): Generator<Token[]> {
  for (let i = spec.start; i <= spec.stop; i += spec.step) {
    const owner: Token = { text: substitute(spec.lhs, i, fail), quoted: false };
    // Tokens between the type and the rhs (BIND refuses them; we take them as rdata) get `$` too.
    const head = spec.head.map((t) => ({ text: substitute(t.text, i, fail), quoted: t.quoted }));
    yield [owner, ...head, ...rdataTokens(substitute(spec.rhs, i, fail), fail)];
  }
}

/**
 * The rhs after the replacement, read as rdata. A parenthesis or quote it leaves open is an
 * error of the `$GENERATE` line (found by fuzzing: it escaped as a TokenizeError without the file).
 */
function rdataTokens(text: string, fail: Fail): Token[] {
  try {
    return tokenizeRdata(text);
  } catch (err) {
    if (err instanceof TokenizeError) fail(`$GENERATE: the rdata "${text.length <= 40 ? text : `${text.slice(0, 40)}…`}" after the replacement: ${err.detail}`);
    throw err;
  }
}

const MODIFIER = /^\{(-?\d{1,10})(?:,(\d{1,3})(?:,([doxXnN]))?)?\}/;

/** Replaces each unescaped `$` (with its modifier) by the number; keeps other escapes raw. */
export function substitute(text: string, value: number, fail: Fail): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      out += c + text[i + 1]!;
      i++;
      continue;
    }
    if (c !== '$') {
      out += c;
      continue;
    }
    if (text[i + 1] === '$') {
      out += '\\$';
      i++;
      continue;
    }
    if (text[i + 1] !== '{') {
      out += String(value);
      continue;
    }
    const m = MODIFIER.exec(text.slice(i + 1));
    if (!m) fail(`$GENERATE: bad modifier in "${text}"; expected \${offset[,width[,base]]} with base d, o, x, X, n or N`);
    const n = value + Number(m[1]);
    if (n < 0 || n > 0x7fffffff) fail(`$GENERATE: ${value}${m[1]!.startsWith('-') ? '' : '+'}${m[1]} is out of range`);
    out += format(n, Number(m[2] ?? 0), m[3] ?? 'd');
    i += m[0].length;
  }
  return out;
}

function format(n: number, width: number, base: string): string {
  switch (base) {
    case 'o':
      return n.toString(8).padStart(width, '0');
    case 'x':
      return n.toString(16).padStart(width, '0');
    case 'X':
      return n.toString(16).toUpperCase().padStart(width, '0');
    case 'n':
    case 'N': {
      const hex = n.toString(16);
      let out = [...hex].reverse().join('.');
      // Padded to `width` characters by more zero nibbles, the dots between them counted.
      while (out.length < width) out += out.endsWith('.') ? '0' : '.';
      return base === 'N' ? out.toUpperCase() : out;
    }
    default:
      return String(n).padStart(width, '0');
  }
}
