import type { RRset, Zone } from '../../zone/zone';
import { nsecRRsets } from '../../dnssec/nsec';
import { nsec3RRsets } from '../../dnssec/nsec3';

/**
 * Test support shared by the signing tests against real tools (test code, never production):
 * - `DENIALS`: the denial step of signZone for each kind of chain of dataplane/dnssec/;
 * - `zoneOf`, `zoneText` (from the testkit): a Zone from and to master-file text.
 */
export { zoneOf, zoneText } from '../../testkit/zone-text';

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
