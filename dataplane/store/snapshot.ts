import { Name } from '../dns/name';
import { readZoneRecords } from '../dns/zonefile/reader';
import { recordLine } from '../dns/zonefile/writer';
import { ZoneBuilder } from '../zone/zone-builder';
import { recordTtl, type Zone } from '../zone/zone';
import { ITEMS_PER_STEP, runSteps, type Steps } from '../zone/steps';
import { preparedSteps } from '../zone/dnssec';
import { storeOrigin, type CloudSelector, type OutboundTarget, type ZoneSnapshot } from './zone-store';

/**
 * A zone as the store keeps it (master-file text), and back. Pure. Each has a form in steps
 * (zone/steps.ts) for callers that answer queries meanwhile: a zone of a million records takes
 * seconds either way (ADR 0009).
 */

/**
 * The text of an RRset, kept while the RRset lives (`keepText`, for a writer of many versions of
 * a zone: the control server's signed versions, written after each difference): versions share
 * the RRsets that did not change, so the snapshot of a new version formats only what changed, at
 * the cost of the text held beside the zone. An RRset belongs to one zone, so its text (relative
 * to that zone's origin) is its own.
 */
const RRSET_TEXT = new WeakMap<object, string>();

export function snapshotOf(zone: Zone, clouds: CloudSelector, secondaries?: readonly OutboundTarget[]): ZoneSnapshot {
  return runSteps(snapshotSteps(zone, clouds, secondaries));
}

/** `snapshotOf` in steps; the same text as writeZoneFile (dns/zonefile/writer.ts) writes. */
export function* snapshotSteps(zone: Zone, clouds: CloudSelector, secondaries?: readonly OutboundTarget[], options: { readonly keepText?: boolean } = {}): Steps<ZoneSnapshot> {
  yield* zone.sortedNodesSteps();
  // Lines are joined a step at a time and the pieces once at the end: one join of a million
  // lines would be a pause of its own.
  const pieces = [`$ORIGIN ${zone.origin.toString()}`];
  let lines: string[] = [];
  for (const rrset of zone.rrsets()) {
    let text = options.keepText ? RRSET_TEXT.get(rrset) : undefined;
    if (text === undefined) {
      // RRSIGs keep the TTL of the RRset each covers (RFC 4034 §3), record by record.
      text = rrset.rdata.map((rdata, i) => recordLine({ owner: rrset.owner, ttl: recordTtl(rrset, i), type: rrset.type, rdata }, zone.origin)).join('\n');
      if (options.keepText) RRSET_TEXT.set(rrset, text);
    }
    lines.push(text);
    if (lines.length >= ITEMS_PER_STEP) {
      pieces.push(lines.join('\n'));
      lines = [];
      yield;
    }
  }
  if (lines.length > 0) pieces.push(lines.join('\n'));
  const text = pieces.join('\n') + '\n';
  return { origin: storeOrigin(zone.origin.toString()), serial: zone.serial, clouds, ...(secondaries && secondaries.length > 0 ? { secondaries } : {}), text };
}

/** Builds the zone of a snapshot; throws ZoneFileError or ZoneCheckError naming the zone. */
export function zoneOf(snapshot: Pick<ZoneSnapshot, 'origin' | 'text'>): Zone {
  return runSteps(zoneSteps(snapshot));
}

/** `zoneOf` in steps: the same zone, or the same error; a signed zone with its denial chain ordered. */
export function* zoneSteps(snapshot: Pick<ZoneSnapshot, 'origin' | 'text'>): Steps<Zone> {
  const origin = Name.fromText(snapshot.origin);
  const builder = new ZoneBuilder(origin);
  const source = `store:${snapshot.origin}`;
  let n = 0;
  for (const record of readZoneRecords(snapshot.text, { origin, source })) {
    builder.add(record, source);
    if (++n % ITEMS_PER_STEP === 0) yield;
  }
  return yield* preparedSteps(yield* builder.buildSteps());
}
