import type { ZoneRecord } from '../zone/zone-builder';
import { LayeredMap } from '../zone/layered-map';
import { recordTtl, type RRset, type Zone } from '../zone/zone';

/**
 * The records to remove from one version of a zone and to add to make the next (RFC 1995 §4's
 * difference sequence, without the SOA framing), for a signed version the control server made:
 * the clouds apply it through their one change path (ZoneUpdate) in milliseconds, where the whole
 * snapshot of a signed zone takes them a parse of every record and signature. A changed TTL is a
 * removal and an addition. Pure.
 */
export function zoneDifference(from: Zone, to: Zone): { removed: ZoneRecord[]; added: ZoneRecord[] } {
  const removed: ZoneRecord[] = [];
  const added: ZoneRecord[] = [];
  // The signer makes a version as a layer over the last one: only the layer's names can differ.
  const changed = LayeredMap.changedKeys(from.nodes, to.nodes);
  if (changed) {
    for (const key of changed) {
      const old = from.nodes.get(key);
      const node = to.nodes.get(key);
      if (node) for (const rrset of node.rrsets.values()) compare(old?.rrsets.get(rrset.type), rrset, removed, added);
      if (old) for (const rrset of old.rrsets.values()) if (!node?.rrsets.get(rrset.type)) compare(rrset, undefined, removed, added);
    }
    return { removed, added };
  }
  for (const [key, node] of to.nodes) {
    const old = from.nodes.get(key);
    for (const rrset of node.rrsets.values()) compare(old?.rrsets.get(rrset.type), rrset, removed, added);
    if (old) for (const rrset of old.rrsets.values()) if (!node.rrsets.get(rrset.type)) compare(rrset, undefined, removed, added);
  }
  for (const [key, node] of from.nodes) if (!to.nodes.has(key)) for (const rrset of node.rrsets.values()) compare(rrset, undefined, removed, added);
  return { removed, added };
}

function compare(a: RRset | undefined, b: RRset | undefined, removed: ZoneRecord[], added: ZoneRecord[]): void {
  // The signer shares what did not change between versions, and a version read from text has
  // equal RRsets in the same order: nothing to take apart.
  if (a === b || (a && b && sameRRset(a, b))) return;
  const keyed = (s: RRset | undefined): Map<string, ZoneRecord> => {
    const m = new Map<string, ZoneRecord>();
    if (s) s.rdata.forEach((rdata, i) => m.set(`${recordTtl(s, i)}|${Buffer.from(rdata.buffer, rdata.byteOffset, rdata.byteLength).toString('latin1')}`, { owner: s.owner, type: s.type, ttl: recordTtl(s, i), rdata }));
    return m;
  };
  const before = keyed(a);
  const after = keyed(b);
  for (const [k, r] of before) if (!after.has(k)) removed.push(r);
  for (const [k, r] of after) if (!before.has(k)) added.push(r);
}

function sameRRset(a: RRset, b: RRset): boolean {
  if (a.rdata.length !== b.rdata.length || a.ttl !== b.ttl) return false;
  for (let i = 0; i < a.rdata.length; i++) {
    if (recordTtl(a, i) !== recordTtl(b, i)) return false;
    const x = a.rdata[i]!;
    const y = b.rdata[i]!;
    if (x.length !== y.length || Buffer.compare(x, y) !== 0) return false;
  }
  return true;
}
