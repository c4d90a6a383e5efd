import { strict as assert } from 'node:assert';
import { Name } from '../dns/name';
import { typeToString } from '../dns/constants';
import { rdataToText } from '../dns/rdata/registry';
import { readZoneFile } from '../dns/zonefile/reader';
import { zoneOf as zoneFromText } from '../testkit/zone-text';
import { ZoneUpdate } from '../zone/zone-update';
import type { RRset, Zone } from '../zone/zone';
import type { DenialChange } from './denial';

/** Test support for nsec.test.ts and nsec3.test.ts: zones from text, RRsets as text. */

export function zoneOf(origin: string, text: string): Zone {
  return zoneFromText(text, Name.fromText(origin), 'test');
}

/**
 * The zone (below its SOA) the incremental-update tests of both chains start from: names in and
 * out of order, a delegation with glue and an occluded name below it.
 */
export const UPDATE_BASE = `@ NS ns1
ns1 A 192.0.2.1
b A 192.0.2.2
d A 192.0.2.4
sub NS ns.sub
ns.sub A 192.0.2.3
x.y.sub A 192.0.2.5
`;

/** One line per record: `owner ttl TYPE rdata`, names in lower case, as in a zone file. */
export function lines(rrsets: readonly RRset[]): string[] {
  const out: string[] = [];
  for (const rrset of rrsets) {
    for (const rd of rrset.rdata) out.push(`${rrset.owner.toString().toLowerCase()} ${rrset.ttl} ${typeToString(rrset.type)} ${rdataToText(rrset.type, rd).toLowerCase()}`.trim());
  }
  return out;
}

/**
 * Applies `change` (zone-file lines, `-` in front to remove a record, `+` or nothing to add) to
 * `zone` through ZoneUpdate, the one change path; returns the new version and the names changed.
 */
export function changed(zone: Zone, change: readonly string[]): { zone: Zone; names: Name[] } {
  const update = new ZoneUpdate(zone);
  const names = new Map<string, Name>();
  for (const line of change) {
    const remove = line.startsWith('-');
    const text = line.replace(/^[-+]\s*/, '');
    const record = readZoneFile(text, { origin: zone.origin, source: 'change', defaultTtl: 3600 })[0]!;
    if (remove) update.remove(record);
    else update.add(record);
    names.set(record.owner.key, record.owner);
  }
  return { zone: update.commit().zone, names: [...names.values()] };
}

/**
 * What an incremental update must return: the RRsets of `after` (a full build of the new version)
 * that differ from `before` (a full build of the old one), and the owners only `before` has.
 */
export function expectedChange(before: readonly RRset[], after: readonly RRset[]): { upserts: string[]; removed: string[] } {
  const old = new Set(lines(before));
  const owners = new Set(after.map((r) => r.owner.key));
  return {
    upserts: lines(after).filter((l) => !old.has(l)).sort(),
    removed: before.filter((r) => !owners.has(r.owner.key)).map((r) => r.owner.toString().toLowerCase()).sort(),
  };
}

export function assertChange(actual: DenialChange, before: readonly RRset[], after: readonly RRset[], what: string): void {
  const want = expectedChange(before, after);
  assert.deepEqual(
    { upserts: lines(actual.upserts).sort(), removed: actual.removed.map((n) => n.toString().toLowerCase()).sort() },
    want,
    what,
  );
}

/**
 * The change lines that toggle each (name, record) pick: an add when the record is absent from
 * `present`, a removal (`-`) when it is there; `present` is updated to match. Picks index
 * `names` and `records`; a pick repeated in one step counts once.
 */
export function toggleLines(present: Set<string>, picks: ReadonlyArray<readonly [number, number]>, names: readonly string[], records: readonly string[]): string[] {
  const change: string[] = [];
  const seen = new Set<string>();
  for (const [n, r] of picks) {
    const line = `${names[n]} 3600 ${records[r]}`;
    if (seen.has(line)) continue;
    seen.add(line);
    change.push(present.has(line) ? `-${line}` : line);
    if (present.has(line)) present.delete(line);
    else present.add(line);
  }
  return change;
}

/** A zone `example.` of `count` names h0…h(count-1) below the apex: the large-zone update tests. */
export function largeZone(count: number): Zone {
  const text = ['@ 3600 SOA ns1 hostmaster 1 3600 900 604800 300', '@ NS ns1', 'ns1 A 192.0.2.1'];
  for (let i = 0; i < count; i++) text.push(`h${i} A 192.0.2.${i % 250}`);
  return zoneOf('example.', text.join('\n'));
}

/** `fn`'s result and the milliseconds it took (printed by the large-zone tests, never asserted). */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}
