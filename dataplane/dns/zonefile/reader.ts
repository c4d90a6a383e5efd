import { sameBytes } from '../bytes';
import { Name, NameError } from '../name';
import { RRClass, RRType, classFromString, classToString, typeFromString, typeToString } from '../constants';
import type { Token } from '../rdata/codec';
import { parseRdata } from '../rdata/registry';
import { parseTtl } from '../rdata/fields';
import { entries, TokenizeError, type Entry } from './tokenizer';
import { generatedRecords, parseGenerate } from './generate';
import { DnsfleetError } from '../error';

/**
 * RFC 1035 §5 master files: directives, owners, TTLs, classes and rdata, with every error naming
 * the source and line. Pure: `$INCLUDE` reads through `options.include`, which the caller gives
 * (and which decides what may be read); without one it is refused. BIND's `$GENERATE` is
 * expanded here (generate.ts).
 *
 * Defaults for fields a record leaves out:
 * - owner: the previous record's owner (RFC 1035 §5.1); an error on the first record.
 * - TTL: the last `$TTL` (RFC 2308 §4; `options.initialTtl` acts as one at the top); before any
 *   `$TTL`, the last TTL written on a record (RFC 1035 §5.1). Before either, an SOA takes its own
 *   MINIMUM, which then stays the default as if set by `$TTL`: what BIND does ("no TTL specified;
 *   using SOA MINTTL instead"), the RFC 1035 §3.3.13 meaning of MINIMUM that RFC 2308 §4 left to
 *   files without `$TTL`. Any other record gets `options.defaultTtl`; without that, an error
 *   naming the line (where BIND rejects the zone).
 * - class: the zone's class, which is `options.defaultClass`, else the first class written,
 *   else IN. A record of another class is an error (RFC 1035 §5.2: one class per file).
 */

export interface ZoneFileRecord {
  readonly owner: Name;
  readonly ttl: number;
  readonly class: number;
  readonly type: number;
  readonly rdata: Uint8Array;
  /** Line (from 1) where the record starts, in `source` when it came from an included file. */
  readonly line: number;
  /** The included file the record came from (its name as `include` gave it); unset for the text itself. */
  readonly source?: string;
  /** The line of the top-level `$INCLUDE` that brought the record in. */
  readonly includedAt?: number;
}

/** An included file's text and the name errors give it. */
export interface IncludedText {
  readonly text: string;
  readonly source: string;
}

/**
 * Reads the file an `$INCLUDE` names, as written, from the file `from` (a source given earlier).
 * Throws an Error whose message says why it may not or cannot be read.
 */
export type IncludeReader = (name: string, from: string) => IncludedText;

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
  /** A `$TTL` in force from the first line. */
  readonly initialTtl?: number;
  /** Class of the zone; records that give none get it, records that give another are errors. */
  readonly defaultClass?: number;
  /** Reads `$INCLUDE` files; without it `$INCLUDE` is an error. */
  readonly include?: IncludeReader;
}

/** Nested `$INCLUDE`s deeper than this are refused, as are more files than MAX_INCLUDES per zone. */
const MAX_INCLUDE_DEPTH = 8;
const MAX_INCLUDES = 256;

/** Anything wrong with a zone file, always naming where: `source:line: detail`. */
export class ZoneFileError extends DnsfleetError {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${source}:${line}: ${detail}`, { source, line });
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
  /** The owner text of the last entry that wrote one, and the origin it was read against. */
  lastOwnerText: string | undefined;
  lastOwnerOrigin: Name | undefined;
  zoneClass: number | undefined;
}

/** The records of a zone file one at a time, so a large zone is never held twice; errors as in `readZoneFile`. */
export function* readZoneRecords(text: string, options: ReadOptions): Generator<ZoneFileRecord> {
  const state: ReaderState = {
    origin: options.origin,
    dollarTtl: options.initialTtl,
    lastTtl: undefined,
    lastOwner: undefined,
    lastOwnerText: undefined,
    lastOwnerOrigin: undefined,
    zoneClass: options.defaultClass,
  };
  yield* readText(text, options.source, { options, state, chain: [options.source], includes: { count: 0 } });
}

interface ReadContext {
  readonly options: ReadOptions;
  readonly state: ReaderState;
  /** The sources being read, outermost first, to refuse include loops. */
  readonly chain: readonly string[];
  readonly includes: { count: number };
}

function* readText(text: string, source: string, ctx: ReadContext): Generator<ZoneFileRecord> {
  const { state, options } = ctx;
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
      const directive = first.text.toUpperCase();
      if (directive === '$GENERATE') {
        const spec = parseGenerate(entry.tokens.slice(1), fail);
        for (const tokens of generatedRecords(spec, fail)) yield readRecord({ tokens, line, ownerOmitted: false }, state, options.defaultTtl, fail);
        continue;
      }
      if (directive === '$INCLUDE') {
        yield* include(entry.tokens.slice(1), source, line, ctx, fail);
        continue;
      }
      applyDirective(entry.tokens, state, fail);
      continue;
    }
    yield readRecord(entry, state, options.defaultTtl, fail);
  }
}

/**
 * RFC 1035 §5.1: `$INCLUDE <file-name> [<domain-name>]` reads the file with the given origin (else
 * the current one); the origin of the including file is unchanged after it. Records of the file
 * carry its name and the line of the outermost `$INCLUDE`; its errors are wrapped in one naming
 * that line.
 */
function* include(args: readonly Token[], source: string, line: number, ctx: ReadContext, fail: Fail): Generator<ZoneFileRecord> {
  const { state, options } = ctx;
  if (!options.include) return fail('$INCLUDE is not available here: put the records in the zone file itself');
  if (args.length < 1 || args.length > 2) fail(`$INCLUDE takes a file name and optionally an origin, got ${args.length} arguments`);
  if (ctx.chain.length > MAX_INCLUDE_DEPTH) fail(`$INCLUDE nested more than ${MAX_INCLUDE_DEPTH} deep`);
  if (++ctx.includes.count > MAX_INCLUDES) fail(`more than ${MAX_INCLUDES} $INCLUDEs in one zone`);
  const origin = args[1] ? nameOrFail(args[1].text, state.origin, '$INCLUDE origin', fail) : state.origin;
  let included: IncludedText;
  try {
    included = options.include(args[0]!.text, source);
  } catch (err) {
    return fail(`$INCLUDE ${shown(args[0]!.text, 200)}: ${(err as Error).message}`);
  }
  if (ctx.chain.includes(included.source)) fail(`$INCLUDE loop: ${[...ctx.chain, included.source].join(' -> ')}`);
  const saved = state.origin;
  state.origin = origin;
  const top = ctx.chain.length === 1;
  try {
    for (const r of readText(included.text, included.source, { ...ctx, chain: [...ctx.chain, included.source] })) {
      const named = r.source === undefined ? { ...r, source: included.source } : r;
      yield top ? { ...named, includedAt: line } : named;
    }
  } catch (err) {
    // Errors inside the included file keep their own place, behind the line of this $INCLUDE.
    if (err instanceof ZoneFileError && err.source !== source) fail(`$INCLUDE ${included.source}: ${err.message}`);
    throw err;
  } finally {
    state.origin = saved;
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
    const text = tokens[0]!.text;
    // A zone file written out names the owner on each of its records: the same text against the
    // same origin is the same name, parsed once.
    if (text === state.lastOwnerText && state.origin === state.lastOwnerOrigin && state.lastOwner) {
      owner = state.lastOwner;
    } else {
      owner = nameOrFail(text, state.origin, 'owner', fail);
      state.lastOwnerText = text;
      state.lastOwnerOrigin = state.origin;
    }
    at = 1;
  }

  const head = readHead(tokens, at, fail);
  const rdataTokens = tokens.slice(head.next);
  // Only APL may have no rdata at all (RFC 3123 §4: zero or more items).
  if (rdataTokens.length === 0 && head.type !== RRType.APL) fail(`${typeToString(head.type)} record without rdata`);
  const rdata = rdataOrFail(head.type, rdataTokens, state.origin, fail);

  if (head.ttl !== undefined) state.lastTtl = head.ttl;
  let ttl = head.ttl ?? state.dollarTtl ?? state.lastTtl;
  if (ttl === undefined && head.type === RRType.SOA && rdata.length >= 20) {
    // As BIND: the SOA MINIMUM (its last field, RFC 1035 §3.3.13), and the default from here on.
    ttl = state.dollarTtl = soaMinimum(rdata);
  }
  ttl ??= defaultTtl ?? fail('no TTL: give one on the record or set $TTL first');

  // RFC 1035 §5.1: an omitted class is the last one given; §5.2: all records of a file share it.
  const cls = head.class ?? state.zoneClass ?? RRClass.IN;
  if (state.zoneClass === undefined) state.zoneClass = cls;
  else if (cls !== state.zoneClass) fail(`class ${classToString(cls)} differs from the zone's class ${classToString(state.zoneClass)}`);

  state.lastOwner = owner;
  return { owner, ttl, class: cls, type: head.type, rdata, line: entry.line };
}

function soaMinimum(rdata: Uint8Array): number {
  const p = rdata.length - 4;
  return ((rdata[p]! << 24) >>> 0) + (rdata[p + 1]! << 16) + (rdata[p + 2]! << 8) + rdata[p + 3]!;
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
      if (!(err instanceof DnsfleetError)) throw err;
    }
    if (probed === undefined || !sameBytes(rdata, probed)) {
      fail(`${typeToString(type)}: a relative name or "@" needs an origin: write names absolute or set $ORIGIN first`);
    }
    return rdata;
  } catch (err) {
    if (err instanceof DnsfleetError) return fail(shown(err.message, MAX_WRAPPED));
    throw err;
  }
}

/** Longest message taken from a lower layer, which quotes its whole input. */
const MAX_WRAPPED = 200;

/** Input quoted in a message, cut short: a garbage file must not make a megabyte-long error. */
function shown(text: string, max = 40): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
