import { readZoneFile, type ZoneFileRecord } from '../dns/zonefile/reader';
import { ZoneUpdate } from '../zone/zone-update';
import type { Zone } from '../zone/zone';

/**
 * A primary zone's unsigned version arrives whole in its signed entry (the operator's text); a
 * one-record change changes two lines of it (the record and the SOA). Reading the whole text of a
 * large zone again for each change costs more than signing the change, so the lines that differ
 * from the last text are applied to the last version through the one change path (ZoneUpdate),
 * when each of them reads the same on its own as in its place: a record line with its own owner,
 * no parentheses, and a TTL that does not depend on the lines before it. Anything else (a
 * directive that changed or comes twice, a line continuing the one before, too many lines)
 * gives undefined, and the caller reads the whole text. The new version shares every name it
 * did not change with the last one, which a signer that compares versions finds at once.
 */

/** Above this many changed lines reading the whole text is as quick. */
const MAX_CHANGED_LINES = 2000;

export function zoneFromChangedLines(previous: { readonly text: string; readonly zone: Zone }, text: string): Zone | undefined {
  const before = linesRead.get(previous.zone) ?? linesOf(previous.text);
  const after = linesOf(text);
  if (!before || !after || before.header !== after.header) return undefined;
  const changed = changedLines(before.records, after.records);
  if (!changed) return undefined;
  const { removed, added } = changed;
  const origin = previous.zone.origin;
  const read = (lines: readonly string[]): ZoneFileRecord[] | undefined => {
    const records: ZoneFileRecord[] = [];
    for (const line of lines) {
      if (!/^[^\s;$]/.test(line) || /[()]/.test(line)) return undefined;
      // Read twice under two default TTLs: a line whose TTL follows them takes it from its context.
      const [one, two] = [1, 2].map((ttl) => readZoneFile(`${after.header}${after.header.includes('$TTL') ? '' : `$TTL ${ttl}\n`}${line}\n`, { origin, source: 'changed line' }));
      if (one!.length !== 1 || two!.length !== 1 || one![0]!.ttl !== two![0]!.ttl) return undefined;
      records.push(one![0]!);
    }
    return records;
  };
  try {
    const gone = read(removed);
    const come = read(added);
    if (!gone || !come) return undefined;
    const update = new ZoneUpdate(previous.zone);
    for (const r of gone) update.remove(r);
    for (const r of come) update.add(r);
    const zone = update.commit('changed lines').zone;
    linesRead.set(zone, after);
    return zone;
  } catch {
    // Whatever does not apply line by line is read whole, where its error (if any) is reported.
    return undefined;
  }
}

interface Lines {
  readonly header: string;
  readonly records: readonly string[];
}

/** The lines of the text each version made here was read from: the next change compares with them without splitting that text again. */
const linesRead = new WeakMap<Zone, Lines>();

/**
 * The lines removed and added between two versions of the text, as multisets; undefined when
 * there are more than MAX_CHANGED_LINES. Lines the same at the same place cancel out, so texts of
 * as many lines (a record changed in place, the SOA serial) are compared place by place, and only
 * the places that differ are counted; texts whose lines moved are counted whole.
 */
function changedLines(before: readonly string[], after: readonly string[]): { removed: string[]; added: string[] } | undefined {
  let from = before;
  let to = after;
  if (before.length === after.length) {
    const b: string[] = [];
    const a: string[] = [];
    for (let i = 0; i < before.length && a.length <= MAX_CHANGED_LINES; i++) {
      if (before[i] === after[i]) continue;
      b.push(before[i]!);
      a.push(after[i]!);
    }
    // Lines that moved: counted over the whole texts.
    if (a.length <= MAX_CHANGED_LINES) {
      from = b;
      to = a;
    }
  }
  const counts = new Map<string, number>();
  for (const l of from) counts.set(l, (counts.get(l) ?? 0) + 1);
  const added: string[] = [];
  for (const l of to) {
    const n = counts.get(l);
    if (n) counts.set(l, n - 1);
    else added.push(l);
    if (added.length > MAX_CHANGED_LINES) return undefined;
  }
  const removed: string[] = [];
  for (const [l, n] of counts) for (let i = 0; i < n; i++) removed.push(l);
  if (removed.length + added.length > MAX_CHANGED_LINES) return undefined;
  return { removed, added };
}

/** The directives (`$ORIGIN`, `$TTL`, once each, before any record) and the other non-empty lines. */
function linesOf(text: string): Lines | undefined {
  let header = '';
  const records: string[] = [];
  for (const raw of text.split('\n')) {
    // trimEnd and `\s` strip the same characters; most lines end without any.
    const line = isSpace(raw.charCodeAt(raw.length - 1)) ? raw.trimEnd() : raw;
    if (line === '') continue;
    const first = line.charCodeAt(0);
    if (first === SEMICOLON || (isSpace(first) && /^\s*;/.test(line))) continue;
    if (line.startsWith('$')) {
      const [directive] = line.split(/\s+/);
      if ((directive !== '$ORIGIN' && directive !== '$TTL') || records.length > 0 || header.includes(`${directive} `)) return undefined;
      header += `${line}\n`;
      continue;
    }
    records.push(line);
  }
  return { header, records };
}

const SEMICOLON = 0x3b;

/** Whether a character may be white space in `\s` (all of ASCII's are at or below the space; the rest checked by the caller's own test). */
function isSpace(code: number): boolean {
  return code <= 0x20 || code >= 0x80;
}

