import { readZoneFile } from '../dns/zonefile/reader';
import { writeZoneFile } from '../dns/zonefile/writer';
import type { Name } from '../dns/name';
import { ZoneBuilder } from '../zone/zone-builder';
import { recordTtl, type Zone } from '../zone/zone';

/**
 * A zone between master-file text and the zone model, for the tests and benchmarks that hand a
 * zone built or signed here to real tools and servers (ldns-verify-zone, dnssec-verify, NSD, delv).
 */

/** A Zone from master-file text (the repo's reader); `source` names it in error messages. */
export function zoneOf(text: string, origin: Name, source = 'zone.db'): Zone {
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(text, { origin, source })) b.add(r);
  return b.build();
}

/** A Zone as master-file text (the repo's writer), every record on its own line. */
export function zoneText(zone: Zone): string {
  function* records() {
    for (const rrset of zone.rrsets()) for (let i = 0; i < rrset.rdata.length; i++) yield { owner: rrset.owner, ttl: recordTtl(rrset, i), type: rrset.type, rdata: rrset.rdata[i]! };
  }
  return writeZoneFile(records(), { origin: zone.origin });
}
