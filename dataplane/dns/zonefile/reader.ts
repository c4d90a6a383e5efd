import { Name, NameError } from '../name';
import { RRClass, classFromString, typeFromString, typeToString } from '../constants';
import { RdataError, type Token } from '../rdata/codec';
import { parseRdata } from '../rdata/registry';
import { parseTtl } from '../rdata/fields';
import { entries, TokenizeError, type Entry } from './tokenizer';

/**
 * RFC 1035 §5 master files: directives, owners, TTLs, classes and rdata, with every error naming
 * the source and line. Pure: `$INCLUDE` is refused because reading files is not this layer's job.
 */

export interface ZoneFileRecord {
  readonly owner: Name;
  readonly ttl: number;
  readonly class: number;
  readonly type: number;
  readonly rdata: Uint8Array;
  readonly line: number;
}

export interface ReadOptions {
  /** Origin at the start of the file (`$ORIGIN` may change it). */
  readonly origin: Name;
  /** How errors name the input, e.g. a file name. */
  readonly source: string;
  /** TTL for records that give none, when neither `$TTL` nor an earlier record sets one. */
  readonly defaultTtl?: number;
  readonly defaultClass?: number;
}

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

/** The records of a zone file one at a time; errors as in `readZoneFile`. */
export function* readZoneRecords(text: string, options: ReadOptions): Generator<ZoneFileRecord> {
  const { source } = options;
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

  let origin = options.origin;
  let dollarTtl: number | undefined;
  let lastTtl: number | undefined;
  let lastOwner: Name | undefined;
  for (let entry = next(); entry; entry = next()) {
    const fail = (detail: string): never => {
      throw new ZoneFileError(source, entry.line, detail);
    };
    const { tokens } = entry;
    const first = tokens[0]!;
    if (!entry.ownerOmitted && !first.quoted && first.text.startsWith('$')) {
      const directive = first.text.toUpperCase();
      const arg = tokens[1];
      if (directive === '$ORIGIN') {
        if (!arg || tokens.length > 2) fail('$ORIGIN takes one domain name');
        origin = nameOrFail(arg!.text, origin, fail, '$ORIGIN');
      } else if (directive === '$TTL') {
        // RFC 2308 §4: the default TTL for records without one.
        const ttl = arg ? parseTtl(arg.text) : undefined;
        if (ttl === undefined || tokens.length > 2) fail(`$TTL takes one TTL, got "${tokens.slice(1).map((t) => t.text).join(' ')}"`);
        dollarTtl = ttl;
      } else if (directive === '$INCLUDE') {
        fail('$INCLUDE is not supported: put all records in one file or manifest');
      } else {
        fail(`unknown directive ${first.text}`);
      }
      continue;
    }

    let i = 0;
    let owner: Name;
    if (entry.ownerOmitted) {
      // RFC 1035 §5.1: a blank owner repeats the previous one.
      if (!lastOwner) fail('the first record has no owner name');
      owner = lastOwner!;
    } else {
      owner = nameOrFail(first.text, origin, fail, 'owner');
      i = 1;
    }

    // [TTL] [class] type, with TTL and class in either order (RFC 1035 §5.1).
    let ttl: number | undefined;
    let cls: number | undefined;
    let type: number | undefined;
    while (i < tokens.length) {
      const t = tokens[i]!;
      if (t.quoted) break;
      const asTtl = ttl === undefined && /^\d/.test(t.text) ? parseTtl(t.text) : undefined;
      if (asTtl !== undefined) {
        ttl = asTtl;
        i++;
        continue;
      }
      if (/^\d/.test(t.text) && ttl === undefined) fail(`"${t.text}" is not a valid TTL (0 to 2147483647 seconds, or units like 1h30m)`);
      const asClass = cls === undefined ? classFromString(t.text) : undefined;
      if (asClass !== undefined) {
        cls = asClass;
        i++;
        continue;
      }
      type = typeFromString(t.text);
      if (type === undefined) fail(`unknown record type "${t.text}"`);
      i++;
      break;
    }
    if (type === undefined) fail('missing record type');

    const rdataTokens: Token[] = tokens.slice(i);
    if (rdataTokens.length === 0) fail(`${typeToString(type!)} record without rdata`);
    let rdata: Uint8Array;
    try {
      rdata = parseRdata(type!, rdataTokens, origin);
    } catch (err) {
      if (err instanceof RdataError || err instanceof NameError) fail(err.message);
      throw err;
    }

    // Without a TTL: $TTL (RFC 2308 §4), else the last one written (RFC 1035 §5.1), else the caller's.
    if (ttl !== undefined) lastTtl = ttl;
    else ttl = dollarTtl ?? lastTtl ?? options.defaultTtl;
    if (ttl === undefined) fail('no TTL: give one on the record or set $TTL first');
    lastOwner = owner;
    yield { owner, ttl: ttl!, class: cls ?? options.defaultClass ?? RRClass.IN, type: type!, rdata: rdata!, line: entry.line };
  }
}

function nameOrFail(text: string, origin: Name, fail: (d: string) => never, what: string): Name {
  try {
    return Name.fromText(text, origin);
  } catch (err) {
    if (err instanceof NameError) return fail(`${what}: ${err.message}`);
    throw err;
  }
}

