import { readZoneFile } from '../../dns/zonefile/reader';
import { writeZoneFile } from '../../dns/zonefile/writer';
import type { Name } from '../../dns/name';
import { ZoneBuilder } from '../../zone/zone-builder';
import { recordTtl, type RRset, type Zone } from '../../zone/zone';
import { nsecRRsets } from '../../dnssec/nsec';
import { nsec3RRsets } from '../../dnssec/nsec3';

/**
 * Test support shared by the signing tests against real tools (test code, never production):
 * - `DENIALS`: the denial step of signZone for each kind of chain of dataplane/dnssec/;
 * - `zoneOf`: a Zone from master-file text; `zoneText`: a Zone as master-file text (the repo's
 *   reader and writer), for the tools to read.
 */

/** The denial step of signZone for each kind of chain. */
export const DENIALS: Record<string, (zone: Zone) => readonly RRset[]> = {
  NSEC: nsecRRsets,
  NSEC3: (zone) => {
    const { nsec3, nsec3param } = nsec3RRsets(zone);
    return [...nsec3, nsec3param];
  },
  'NSEC3 opt-out': (zone) => {
    const { nsec3, nsec3param } = nsec3RRsets(zone, { optOut: true });
    return [...nsec3, nsec3param];
  },
};

export function zoneOf(text: string, origin: Name): Zone {
  const b = new ZoneBuilder(origin);
  for (const r of readZoneFile(text, { origin, source: 'zone.db' })) b.add(r);
  return b.build();
}

export function zoneText(zone: Zone): string {
  function* records() {
    for (const rrset of zone.rrsets()) for (let i = 0; i < rrset.rdata.length; i++) yield { owner: rrset.owner, ttl: recordTtl(rrset, i), type: rrset.type, rdata: rrset.rdata[i]! };
  }
  return writeZoneFile(records(), { origin: zone.origin });
}
