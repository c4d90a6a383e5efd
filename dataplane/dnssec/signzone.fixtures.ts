import { RRType, typeToString } from '../dns/constants';
import type { Zone } from '../zone/zone';
import { parseRrsig, verifyRrsig } from './rrsig';
import { signedRRsets } from './signzone';

/**
 * Test support for the signing tests (test code, never production):
 * - `verifyZone`: every authoritative RRset has a valid RRSIG from a DNSKEY of the apex, and
 *   nothing else is signed.
 */

/** Checks every signature of `zone` at `now`: how many RRsets verified, and what was wrong. */
export function verifyZone(zone: Zone, now: number): { verified: number; problems: string[] } {
  const dnskeys = zone.apex.rrsets.get(RRType.DNSKEY)?.rdata ?? [];
  const problems: string[] = [];
  let verified = 0;
  for (const node of zone.nodes.values()) {
    const sigs = node.rrsets.get(RRType.RRSIG)?.rdata ?? [];
    const authoritative = new Set<number>();
    for (const rrset of signedRRsets(node)) {
      authoritative.add(rrset.type);
      const mine = sigs.filter((r) => parseRrsig(r).typeCovered === rrset.type);
      if (mine.length === 0) {
        problems.push(`${node.name} ${typeToString(rrset.type)}: no RRSIG`);
        continue;
      }
      for (const sig of mine) {
        const results = dnskeys.map((k) => verifyRrsig(rrset, sig, k, { now, zone: zone.origin }));
        if (!results.includes(undefined)) problems.push(`${node.name} ${typeToString(rrset.type)}: ${results.filter((r) => r !== 'key tag').join(', ') || 'no DNSKEY with its tag'}`);
      }
      verified++;
    }
    for (const sig of sigs) {
      const t = parseRrsig(sig).typeCovered;
      if (!authoritative.has(t)) problems.push(`${node.name}: RRSIG over ${typeToString(t)}, which is not authoritative data`);
    }
  }
  return { verified, problems };
}
