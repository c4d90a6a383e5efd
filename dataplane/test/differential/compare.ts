import { readFileSync } from 'node:fs';
import { flagsOf, normalizeRecords, query, rcodeOf, type QueryOptions, type Reply } from '../../testkit/dns-client';

/**
 * What the differential tests (differential.test.ts, signed.test.ts) share: the corpus format,
 * what of an answer is compared, how a mismatch is printed, and the replay of the corpus through
 * the response cache.
 */

export interface Case {
  readonly line: string;
  readonly name: string;
  readonly type: string;
  readonly options: QueryOptions;
}

/**
 * One `name type [+tcp] [+edns=SIZE|+noedns] [+do|+nodo]` per line; names relative to `origin`
 * unless they end in a dot. `defaults` are the options before the flags (signed.test.ts asks
 * with DO unless a line says `+nodo`).
 */
export function readCorpus(file: string, origin: string, defaults: QueryOptions = {}): Case[] {
  const apex = origin.slice(0, -1);
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const [rel, type, ...flags] = line.split(/\s+/);
      if (!type) throw new Error(`${file}: no type in "${line}"`);
      const name = rel!.endsWith('.') ? rel! : rel!.toLowerCase() === apex ? `${rel}.` : `${rel}.${origin}`;
      let options: QueryOptions = defaults;
      for (const f of flags) {
        if (f === '+tcp') options = { ...options, tcp: true };
        else if (f === '+noedns') options = { ...options, edns: null, dnssecOk: false };
        else if (f === '+do') options = { ...options, dnssecOk: true };
        else if (f === '+nodo') options = { ...options, dnssecOk: false };
        else if (/^\+edns=\d+$/.test(f)) options = { ...options, edns: Number(f.slice(6)) };
        else throw new Error(`${file}: unknown flag ${f} in "${line}"`);
      }
      if (options.dnssecOk && options.edns === null) throw new Error(`${file}: +do needs EDNS in "${line}"`);
      return { line, name, type, options };
    });
}

/**
 * What is compared, one line each, so a mismatch prints as a readable diff. NSD adds the apex NS
 * RRset (and, with DO, its RRSIG) to the authority section of positive answers; dnsfleet sends
 * minimal responses (RFC 1034 allows both), so that RRset is not compared there.
 * `truncatedAuthority: 'ignore'`: in a response with TC set the authority section is not compared
 * (see signed.test.ts for why); rcode, flags and the answer section still are.
 */
export function comparable(reply: Reply, apex: string, options: { truncatedAuthority?: 'compare' | 'ignore' } = {}): string[] {
  const { aa, tc } = flagsOf(reply);
  const answer = normalizeRecords(reply.packet.answers);
  let authority = normalizeRecords(reply.packet.authorities);
  if (answer.length > 0) authority = authority.filter((r) => !isApexNs(r, apex));
  if (tc && options.truncatedAuthority === 'ignore') authority = [];
  return [`rcode=${rcodeOf(reply)} aa=${aa} tc=${tc}`, ...answer.map((r) => `AN ${r}`), ...authority.map((r) => `AU ${r}`)];
}

/** The apex NS RRset, or an RRSIG covering it, as `normalizeRecords` prints them. */
function isApexNs(record: string, apex: string): boolean {
  if (!record.startsWith(`${apex} IN `)) return false;
  const type = record.split(' ')[3];
  return type === 'NS' || (type === 'RRSIG' && record.includes('"typeCovered":"NS"'));
}

/** Lines only NSD gave (-), only dnsfleet gave (+), and the rest ( ), in a stable order. */
export function lineDiff(want: readonly string[], got: readonly string[]): string {
  const out: string[] = [];
  const [wantHeader, ...wantRest] = want;
  const [gotHeader, ...gotRest] = got;
  if (wantHeader === gotHeader) out.push(`    ${wantHeader}`);
  else out.push(`  - ${wantHeader}`, `  + ${gotHeader}`);
  const gotSet = new Set(gotRest);
  const wantSet = new Set(wantRest);
  for (const l of wantRest) out.push(`  ${gotSet.has(l) ? ' ' : '-'} ${l}`);
  for (const l of gotRest) if (!wantSet.has(l)) out.push(`  + ${l}`);
  return out.join('\n');
}

/** Every other letter in upper case: `ExAmPlE.CoM.` */
export function flipCase(name: string): string {
  let upper = false;
  return name.replace(/[a-z]/gi, (ch) => ((upper = !upper) ? ch.toUpperCase() : ch.toLowerCase()));
}

/** A query message's wire name, as a response would echo it in its question. */
export function buildName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([Buffer.alloc(12), ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

/** The question name of a message (from offset 12 to its root label, inclusive). */
export function questionName(msg: Buffer): Buffer {
  let pos = 12;
  while (msg[pos] !== 0) pos += msg[pos]! + 1;
  return msg.subarray(12, pos + 1);
}

/** A copy with the question name in lower case. */
export function foldQuestion(msg: Buffer): Buffer {
  const out = Buffer.from(msg);
  const end = 12 + questionName(msg).length;
  for (let i = 12; i < end; i++) if (out[i]! >= 0x41 && out[i]! <= 0x5a) out[i]! += 0x20;
  return out;
}

export function sameButId(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.subarray(2).equals(b.subarray(2));
}

/**
 * Asks a fresh server each UDP question of the corpus three times — once, again, and in flipped
 * case — so the first answer comes from the full responder and the others from the cache through
 * the UDP fast path; returns what differs (the ID aside), and a question whose case is not echoed.
 */
export async function cacheReplayMismatches(host: string, port: number, corpus: readonly Case[]): Promise<string[]> {
  const mismatches: string[] = [];
  for (const c of corpus.filter((k) => !k.options.tcp)) {
    const first = await query(host, port, c.name, c.type, c.options);
    const again = await query(host, port, c.name, c.type, c.options);
    const flipped = await query(host, port, flipCase(c.name), c.type, c.options);
    if (!sameButId(first.raw, again.raw)) mismatches.push(`${c.line}: asked again`);
    if (!sameButId(foldQuestion(first.raw), foldQuestion(flipped.raw))) mismatches.push(`${c.line}: asked as ${flipCase(c.name)}`);
    if (!questionName(flipped.raw).equals(questionName(buildName(flipCase(c.name))))) mismatches.push(`${c.line}: case not echoed`);
  }
  return mismatches;
}
