import { RRType, typeToString } from '../dns/constants';
import { soaMinimum, type RRset, type Zone } from '../zone/zone';
import { parseRrsig, verifyRrsig } from './rrsig';
import { signedRRsets } from './signzone';

/**
 * Test support for the signing tests (test code, never production):
 * - `buildNsecChain`: a minimal NSEC chain (RFC 4034 §4, RFC 4035 §2.3) so that tools that insist
 *   on a denial chain (ldns-verify-zone, dnssec-verify) accept a zone signed here. The real chain
 *   builder is dataplane/dnssec/nsec.ts (another part of issue #11); this one is for tests only.
 * - `verifyZone`: every authoritative RRset has a valid RRSIG from a DNSKEY of the apex, and
 *   nothing else is signed.
 */

/** NSEC RRsets for `zone`: every authoritative name and delegation point, in canonical order. */
export function buildNsecChain(zone: Zone): RRset[] {
  const names = zone.sortedNodes().filter((node) => !node.belowCut && !node.isEmptyNonTerminal);
  // RFC 9077 §3.1: the NSEC TTL is the lower of the SOA's TTL and its MINIMUM.
  const ttl = Math.min(zone.soa.ttl, soaMinimum(zone.soa.rdata[0]!));
  return names.map((node, i) => {
    const next = names[(i + 1) % names.length]!.name;
    const types = new Set<number>([RRType.NSEC, RRType.RRSIG]);
    for (const rrset of node.rrsets.values()) types.add(rrset.type);
    // A delegation without DS has NS, NSEC and RRSIG only (RFC 4035 §2.3): its NSEC is signed.
    return { owner: node.name, type: RRType.NSEC, ttl, rdata: [nsecRdata(next.toWire(), [...types])] };
  });
}

function nsecRdata(next: Uint8Array, types: number[]): Uint8Array {
  const out: number[] = [...next];
  types.sort((a, b) => a - b);
  for (let k = 0; k < types.length; ) {
    const window = types[k]! >> 8;
    const bits = new Array<number>(32).fill(0);
    let used = 0;
    for (; k < types.length && types[k]! >> 8 === window; k++) {
      const low = types[k]! & 0xff;
      bits[low >> 3]! |= 0x80 >> (low & 7);
      used = Math.max(used, (low >> 3) + 1);
    }
    out.push(window, used, ...bits.slice(0, used));
  }
  return new Uint8Array(out);
}

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
