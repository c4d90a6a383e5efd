import type { Name } from '../dns/name';
import type { ZoneDnssec } from '../zone/dnssec';
import type { ZoneNode } from '../zone/zone';

/**
 * The DNSSEC twins of the answer solvers (Knot's `internet.c` pairs each section solver with
 * one): which NSEC or NSEC3 records prove a negative or wildcard answer. Each returns the nodes
 * whose NSEC (or NSEC3) RRset goes into the authority section, with its RRSIGs; `answer.ts` adds
 * them and drops duplicates. Pure: lookups in the zone's DNSSEC index only.
 *
 * `encloser` is the closest encloser found by the walk down (RFC 4592 §3.3.1): the deepest name of
 * the zone that is an ancestor of the query name.
 */

/** NXDOMAIN. */
export function nxdomainProof(sec: ZoneDnssec, qname: Name, encloser: ZoneNode): ZoneNode[] {
  if (!sec.nsec3) {
    // RFC 4035 §3.1.3.2: the NSEC covering the name, and the one proving there is no wildcard
    // at the closest encloser that could have answered.
    return present([sec.nsecCovering(qname), sec.nsecCovering(encloser.name.prepend('*'))]);
  }
  // RFC 5155 §7.2.2: the closest encloser proof, and the NSEC3 covering the wildcard at it.
  const proof = closestEncloserProof(sec, qname, encloser.name);
  return present([...proof.nodes, sec.nsec3Covering(proof.encloser.prepend('*'))]);
}

/**
 * NODATA at a name that exists (`wildcard` unset) or at the wildcard that stands for the query
 * name below `encloser`.
 */
export function nodataProof(sec: ZoneDnssec, qname: Name, node: ZoneNode, encloser?: ZoneNode): ZoneNode[] {
  if (!sec.nsec3) {
    // RFC 4035 §3.1.3.1: the NSEC of the name, which lists its types. For an empty
    // non-terminal, which has no NSEC, the NSEC that covers it (RFC 4035 §3.1.3.2 shape).
    if (!encloser) return present([sec.nsecCovering(qname)]);
    // RFC 4035 §3.1.3.4: the NSEC proving no closer match, and the wildcard's own NSEC.
    return present([sec.nsecCovering(qname), sec.nsecCovering(node.name)]);
  }
  if (!encloser) {
    // RFC 5155 §7.2.3: the NSEC3 matching the name. None (DS at an opt-out delegation,
    // §7.2.4, or an empty non-terminal left out by opt-out): the closest provable encloser.
    const match = sec.nsec3Matching(qname);
    if (match) return [match];
    const parent = qname.parent();
    return parent ? closestEncloserProof(sec, qname, parent).nodes : [];
  }
  // RFC 5155 §7.2.5: the closest encloser proof, and the NSEC3 matching the wildcard.
  const proof = closestEncloserProof(sec, qname, encloser.name);
  return present([...proof.nodes, sec.nsec3Matching(node.name)]);
}

/** A positive answer synthesized from a wildcard: proof that the query name itself does not exist. */
export function wildcardAnswerProof(sec: ZoneDnssec, qname: Name, encloser: ZoneNode): ZoneNode[] {
  // RFC 4035 §3.1.3.3: the NSEC proving no closer match.
  if (!sec.nsec3) return present([sec.nsecCovering(qname)]);
  // RFC 5155 §7.2.6: the NSEC3 covering the next closer name.
  return present([sec.nsec3Covering(nextCloser(qname, encloser.name))]);
}

/** A referral to a delegation without DS: proof that the DS RRset does not exist. */
export function noDsProof(sec: ZoneDnssec, cut: ZoneNode): ZoneNode[] {
  // RFC 4035 §3.1.4: the NSEC at the delegation point, which does not list DS.
  if (!sec.nsec3) return present([sec.nsecCovering(cut.name)]);
  // RFC 5155 §7.2.7: the NSEC3 matching the delegation name; with opt-out there is none, and the
  // closest provable encloser proof stands for it.
  const match = sec.nsec3Matching(cut.name);
  if (match) return [match];
  const parent = cut.name.parent();
  return parent ? closestEncloserProof(sec, cut.name, parent).nodes : [];
}

/**
 * RFC 5155 §7.2.1: the NSEC3 matching the closest (provable) encloser and the one covering the
 * next closer name. Starts at `from` and walks up while no NSEC3 matches (opt-out leaves names out).
 */
function closestEncloserProof(sec: ZoneDnssec, qname: Name, from: Name): { encloser: Name; nodes: ZoneNode[] } {
  const origin = sec.zone.origin;
  for (let ce: Name | null = from; ce && ce.isSubdomainOf(origin); ce = ce.parent()) {
    const match = sec.nsec3Matching(ce);
    if (match) return { encloser: ce, nodes: present([match, sec.nsec3Covering(nextCloser(qname, ce))]) };
  }
  return { encloser: origin, nodes: [] };
}

/** RFC 5155 §1.3: the name one label longer than the closest encloser, on the way to `qname`. */
function nextCloser(qname: Name, encloser: Name): Name {
  const want = encloser.labelCount() + 1;
  let name = qname;
  while (name.labelCount() > want) name = name.parent()!;
  return name;
}

function present(nodes: readonly (ZoneNode | undefined)[]): ZoneNode[] {
  return nodes.filter((n): n is ZoneNode => n !== undefined);
}
