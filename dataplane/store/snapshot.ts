import { Name } from '../dns/name';
import { readZoneRecords } from '../dns/zonefile/reader';
import { writeZoneFile, type WritableRecord } from '../dns/zonefile/writer';
import { ZoneBuilder } from '../zone/zone-builder';
import { recordTtl, type Zone } from '../zone/zone';
import { storeOrigin, type CloudSelector, type OutboundTarget, type ZoneSnapshot } from './zone-store';

/** A zone as the store keeps it (master-file text), and back. Pure. */

export function snapshotOf(zone: Zone, clouds: CloudSelector, secondaries?: readonly OutboundTarget[]): ZoneSnapshot {
  const records: WritableRecord[] = [];
  for (const rrset of zone.rrsets()) {
    // RRSIGs keep the TTL of the RRset each covers (RFC 4034 §3), record by record.
    rrset.rdata.forEach((rdata, i) => records.push({ owner: rrset.owner, ttl: recordTtl(rrset, i), type: rrset.type, rdata }));
  }
  return { origin: storeOrigin(zone.origin.toString()), serial: zone.serial, clouds, ...(secondaries && secondaries.length > 0 ? { secondaries } : {}), text: writeZoneFile(records, { origin: zone.origin }) };
}

/** Builds the zone of a snapshot; throws ZoneFileError or ZoneCheckError naming the zone. */
export function zoneOf(snapshot: Pick<ZoneSnapshot, 'origin' | 'text'>): Zone {
  const origin = Name.fromText(snapshot.origin);
  const builder = new ZoneBuilder(origin);
  const source = `store:${snapshot.origin}`;
  for (const record of readZoneRecords(snapshot.text, { origin, source })) builder.add(record, source);
  return builder.build();
}
