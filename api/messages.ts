import { createHash } from 'node:crypto';
import type { SecondaryZone } from '../crds/v1alpha1/secondaryzone';
import type { Zone } from '../crds/v1alpha1/zone';
import { conditionOf } from './dnssec';
import type { ApiMessage } from './types';
import { domainOf } from './zones';

/**
 * RcodeZero's DNSSEC message queue ("DNSSEC": "The notifies are added to the message queue of your
 * account and can be retrieved and acknowledged via API"), derived from what the operator writes
 * rather than kept: a message is there while the zone's status says so, with an id made from the
 * zone, the type and the DS set, so a new DS set is a new message. Acknowledged ids are kept in
 * the object's annotation ACKED_ANNOTATION, so they survive a restart of the API and go with the
 * zone when it is deleted.
 *
 * - DSUPDATE ("it is save now to publish the DS record in the parent zone"): `pending_ds` or
 *   `rotating_ksk` with DS records in status.dnssec.dsRecords.
 * - DSSEEN ("We see the active DS-Record in the parent zone"): `active` or `rotating_zsk`, with the
 *   DS of every KSK/CSK `seen`.
 * - DSREMOVED ("The DS record … has been removed … It is save now to perform an unsign"): a zone
 *   unsigned through the API (UNSIGNED_ANNOTATION) that names no policy and is no longer
 *   `unsigning`: the operator has removed the keys (its DSRemoved Event).
 */

export const ACKED_ANNOTATION = 'dnsfleet.io/api-acknowledged-messages';
/** Set by unsign (the time), so DSREMOVED can be told from a zone that was never signed. */
export const UNSIGNED_ANNOTATION = 'dnsfleet.io/api-unsigned-at';

const messageId = (object: Zone | SecondaryZone, type: string, ds: readonly string[]): string =>
  createHash('sha256').update(`${object.metadata.uid ?? ''}\n${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}\n${type}\n${ds.join('\n')}`).digest('hex').slice(0, 16);

/** The messages a zone's status gives now, acknowledged ones included. */
export function messagesOf(object: Zone | SecondaryZone): ApiMessage[] {
  const dnssec = object.status?.dnssec;
  const state = dnssec?.state;
  const ds = dnssec?.dsRecords ?? [];
  const since = conditionOf(object.status?.conditions, 'DNSSEC')?.lastTransitionTime || null;
  const domain = domainOf(object);
  const make = (type: ApiMessage['type'], comment: string, records: readonly string[], date: string | null): ApiMessage => ({ id: messageId(object, type, records), domain, type, date, comment, ds_records: [...records] });
  if ((state === 'pending_ds' || state === 'rotating_ksk') && ds.length > 0) {
    return [make('DSUPDATE', `publish at the parent: ${ds.join('; ')}; then POST /api/v2/zones/${domain}/dsupdate`, ds, since)];
  }
  if ((state === 'active' || state === 'rotating_zsk') && (dnssec?.keys ?? []).some((k) => k.ds === 'seen')) {
    const seen = (dnssec?.keys ?? []).filter((k) => k.ds === 'seen').map((k) => k.keyTag);
    return [make('DSSEEN', `the parent publishes the DS of key tag ${seen.join(', ')}`, ds, conditionOf(object.status?.conditions, 'DSPublished')?.lastTransitionTime || since)];
  }
  const unsignedAt = object.metadata.annotations?.[UNSIGNED_ANNOTATION];
  if (unsignedAt !== undefined && object.spec.dnssecPolicy === undefined && (state === undefined || state === 'disabled')) {
    return [make('DSREMOVED', 'the DS is gone from the parent and the caches; the zone is unsigned', [unsignedAt], unsignedAt)];
  }
  return [];
}

export function acknowledgedOf(object: Zone | SecondaryZone): string[] {
  const raw = object.metadata.annotations?.[ACKED_ANNOTATION];
  if (raw === undefined) return [];
  try {
    const ids = JSON.parse(raw) as unknown;
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Oldest first (no date last), then by domain. */
export function byAge(a: ApiMessage, b: ApiMessage): number {
  const da = a.date ?? '\uffff';
  const db = b.date ?? '\uffff';
  return da < db ? -1 : da > db ? 1 : a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0;
}
