import { Name, NameError } from '../name';
import { RRClass, RRType, classFromString, classToString, typeFromString, typeToString } from '../constants';
import { RdataError, type Token } from '../rdata/codec';
import { parseRdata } from '../rdata/registry';
import { parseTtl } from '../rdata/fields';
import { entries, TokenizeError, type Entry } from './tokenizer';

/**
 * RFC 1035 §5 master files: directives, owners, TTLs, classes and rdata, with every error naming
 * the source and line. Pure: `$INCLUDE` is refused because reading files is not this layer's job.
 *
 * Defaults for fields a record leaves out:
 * - owner: the previous record's owner (RFC 1035 §5.1); an error on the first record.
 * - TTL: the last `$TTL` (RFC 2308 §4); before any `$TTL`, the last TTL written on a record
 *   (RFC 1035 §5.1); before either, `options.defaultTtl`; without that, an error naming the line.
 *   The SOA MINIMUM is never used as a TTL: since RFC 2308 it is the negative-caching TTL.
 * - class: the zone's class, which is `options.defaultClass`, else the first class written,
 *   else IN. A record of another class is an error (RFC 1035 §5.2: one class per file).
 */

export interface ZoneFileRecord {
  readonly owner: Name;
  readonly ttl: number;
  readonly class: number;
  readonly type: number;
  readonly rdata: Uint8Array;
  /** Line (from 1) where the record starts. */
  readonly line: number;
}

export interface ReadOptions {
  /**
   * Origin at the start of the file (`$ORIGIN` may change it). Without one, `@` and relative
   * names are errors until a `$ORIGIN` with an absolute name.
   */
  readonly origin?: Name;
  /** How errors name the input, e.g. a file name. */
  readonly source: string;
  /** TTL for records that give none, when neither `$TTL` nor an earlier record sets one. */
  readonly defaultTtl?: number;
  /** Class of the zone; records that give none get it, records that give another are errors. */
  readonly defaultClass?: number;
}

/** Anything wrong with a zone file, always naming where: `source:line: detail`. */
export class ZoneFileError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${source}:${line}: ${detail}`);
    this.name = 'ZoneFileError';
  }
}

export function readZoneFile(text: string, options: ReadOptions): ZoneFileRecord[] {
  return [...readZoneRecords(text, options)];
}

type Fail = (detail: string) => never;

/** What earlier entries leave behind for later ones. */
interface ReaderState {
  origin: Name | undefined;
  dollarTtl: number | undefined;
  lastTtl: number | undefined;
  lastOwner: Name | undefined;
  zoneClass: number | undefined;
}

/** The records of a zone file one at a time, so a large zone is never held twice; errors as in `readZoneFile`. */
export function* readZoneRecords(text: string, options: ReadOptions): Generator<ZoneFileRecord> {
  const { source } = options;
  const state: ReaderState = {
    origin: options.origin,
    dollarTtl: undefined,
    lastTtl: undefined,
    lastOwner: undefined,
    zoneClass: options.defaultClass,
  };
  const tokenized = entries(text);
  const next = (): Entry | undefined => {
    try {
      const r = tokenized.next();
      return r.done ? undefined : r.value;
    } catch (err) {
      if (err instanceof TokenizeError) throw new ZoneFileError(source, err.line, err.detail);
      throw err;
    }
  };

  for (let entry = next(); entry !== undefined; entry = next()) {
    const line = entry.line;
    const fail: Fail = (detail) => {
      throw new ZoneFileError(source, line, detail);
    };
    const first = entry.tokens[0]!;
    // RFC 1035 §5.1: control entries start with `$` in the first column.
    if (!entry.ownerOmitted && !first.quoted && first.text.startsWith('$')) {
      applyDirective(entry.tokens, state, fail);
      continue;
    }
    yield readRecord(entry, state, options.defaultTtl, fail);
  }
}

function applyDirective(tokens: readonly Token[], state: ReaderState, fail: Fail): void {
  const directive = tokens[0]!.text.toUpperCase();
  const args = tokens.slice(1);
  switch (directive) {
    case '$ORIGIN':
      // RFC 1035 §5.1: a relative $ORIGIN is completed with the current origin.
      if (args.length !== 1) fail(`$ORIGIN takes one domain name, got ${args.length} arguments`);
      state.origin = nameOrFail(args[0]!.text, state.origin, '$ORIGIN', fail);
      return;
    case '$TTL':
      // RFC 2308 §4: the TTL of records that give none, from here on.
      if (args.length !== 1) fail(`$TTL takes one TTL, got ${args.length} arguments`);
      state.dollarTtl = ttlOrFail(args[0]!, '$TTL', fail);
      return;
    case '$INCLUDE':
      return fail('$INCLUDE is not supported: put all records in one file or manifest');
    default:
      return fail(`unknown directive ${shown(tokens[0]!.text)}`);
  }
}

function readRecord(entry: Entry, state: ReaderState, defaultTtl: number | undefined, fail: Fail): ZoneFileRecord {
  const { tokens } = entry;
  let owner: Name;
  let at = 0;
  if (entry.ownerOmitted) {
    // RFC 1035 §5.1: a blank owner repeats the previous one.
    owner = state.lastOwner ?? fail('the first record has no owner name');
  } else {
    owner = nameOrFail(tokens[0]!.text, state.origin, 'owner', fail);
    at = 1;
  }

  const head = readHead(tokens, at, fail);
  const rdataTokens = tokens.slice(head.next);
  // Only APL may have no rdata at all (RFC 3123 §4: zero or more items).
  if (rdataTokens.length === 0 && head.type !== RRType.APL) fail(`${typeToString(head.type)} record without rdata`);
  const rdata = rdataOrFail(head.type, rdataTokens, state.origin, fail);

  if (head.ttl !== undefined) state.lastTtl = head.ttl;
  const ttl = head.ttl ?? state.dollarTtl ?? state.lastTtl ?? defaultTtl ?? fail('no TTL: give one on the record or set $TTL first');

  // RFC 1035 §5.1: an omitted class is the last one given; §5.2: all records of a file share it.
  const cls = head.class ?? state.zoneClass ?? RRClass.IN;
  if (state.zoneClass === undefined) state.zoneClass = cls;
  else if (cls !== state.zoneClass) fail(`class ${classToString(cls)} differs from the zone's class ${classToString(state.zoneClass)}`);

  state.lastOwner = owner;
  return { owner, ttl, class: cls, type: head.type, rdata, line: entry.line };
}

interface RecordHead {
  readonly ttl: number | undefined;
  readonly class: number | undefined;
  readonly type: number;
  /** Index of the first rdata token. */
  readonly next: number;
}

/** RFC 1035 §5.1: `[<TTL>] [<class>] <type>`, with TTL and class in either order. */
function readHead(tokens: readonly Token[], start: number, fail: Fail): RecordHead {
  let ttl: number | undefined;
  let cls: number | undefined;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.quoted) fail(`expected a TTL, class or type, got the quoted string "${shown(t.text)}"`);
    // Class and type mnemonics start with a letter, so a leading digit means a TTL.
    if (/^[0-9]/.test(t.text)) {
      if (ttl !== undefined) fail(`a second TTL "${shown(t.text)}" where the type should be`);
      ttl = ttlOrFail(t, 'TTL', fail);
      continue;
    }
    // A second class-like word is read as the type (`IN ANY` is type ANY).
    const asClass = cls === undefined ? classFromString(t.text) : undefined;
    if (asClass !== undefined) {
      cls = asClass;
      continue;
    }
    const type = typeFromString(t.text) ?? fail(unknownTypeMessage(shown(t.text)));
    return { ttl, class: cls, type, next: i + 1 };
  }
  return fail('missing record type');
}

/**
 * The message for a type mnemonic we do not know, pointing at the form every type has
 * (RFC 3597 §5): the type by number and the rdata in hex.
 */
export function unknownTypeMessage(text: string): string {
  return `unknown record type "${text}": write it as TYPE<number> with the rdata as \\# <length> <hex> (RFC 3597 §5), e.g. TYPE65401 \\# 2 0102`;
}

function ttlOrFail(token: Token, what: string, fail: Fail): number {
  const ttl = token.quoted ? undefined : parseTtl(token.text);
  // RFC 2181 §8: a TTL is 0 to 2^31-1 seconds; BIND's units (1w2d3h4m5s) are accepted too.
  return ttl ?? fail(`${what}: "${shown(token.text)}" is not a valid TTL (0 to 2147483647 seconds, or units like 1h30m)`);
}

function nameOrFail(text: string, origin: Name | undefined, what: string, fail: Fail): Name {
  try {
    return Name.fromText(text, origin);
  } catch (err) {
    if (err instanceof NameError) return fail(`${what}: ${shown(err.message, MAX_WRAPPED)}`);
    throw err;
  }
}

/** An origin no zone uses, to find out whether rdata leaned on the origin (see below). */
const PROBE_ORIGIN = Name.fromText('origin-probe.invalid.');

function rdataOrFail(type: number, tokens: readonly Token[], origin: Name | undefined, fail: Fail): Uint8Array {
  try {
    if (origin !== undefined) return parseRdata(type, tokens, origin);
    // No origin yet: parse against two different ones. Only a relative name or `@` can make the
    // octets differ, and those need an origin (RFC 1035 §5.1).
    const rdata = parseRdata(type, tokens, Name.root);
    let probed: Uint8Array | undefined;
    try {
      probed = parseRdata(type, tokens, PROBE_ORIGIN);
    } catch (err) {
      if (!(err instanceof RdataError || err instanceof NameError)) throw err;
    }
    if (probed === undefined || !sameOctets(rdata, probed)) {
      fail(`${typeToString(type)}: a relative name or "@" needs an origin: write names absolute or set $ORIGIN first`);
    }
    return rdata;
  } catch (err) {
    if (err instanceof RdataError || err instanceof NameError) return fail(shown(err.message, MAX_WRAPPED));
    throw err;
  }
}

function sameOctets(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Longest message taken from a lower layer, which quotes its whole input. */
const MAX_WRAPPED = 200;

/** Input quoted in a message, cut short: a garbage file must not make a megabyte-long error. */
function shown(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
