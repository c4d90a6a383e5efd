import type { DNSSECKeyStatus, DNSSECState, ZoneDNSSECStatus } from '../../crds/v1alpha1/zone';
import type { Condition } from '../../crds/v1alpha1/meta';
import { DS_PUBLISHED_ANNOTATION } from '../../crds/v1alpha1/dnssecpolicy';
import { algorithmName } from '../../dataplane/dnssec/keys';
import type { DsCheckResult } from '../../dataplane/dnssec/ds-check';
import { DSCheckReason } from '../../dataplane/dnssec/ds-check';
import type { DsMessage, LifecycleView } from '../../dataplane/dnssec/lifecycle';
import type { SigningReport } from '../../dataplane/store/zone-store';
import type { ConditionInput } from '../conditions';
import type { EventRecord } from '../kube/client';

/**
 * What a signed zone says about its signing, one condition per step so `kubectl wait` can follow
 * it, and the Events of the DS steps (RcodeZero's DSUPDATE / DSSEEN / DSREMOVED). Pure. Only the
 * lifecycle's view and the control server's report go in: never a private part.
 *
 * - `DNSSEC`: True once the zone is signed and its chain of trust is complete (`Active`,
 *   `RotatingZSK`, `RotatingKSK`: a rollover keeps the old DS until the new one is seen); False
 *   while it waits for the DS (`PendingDS`), while it is unsigned step by step (`Unsigning`),
 *   when the control server's signing failed (`SigningFailed`), or its policy is missing or invalid.
 * - `DSPublished`: True (`DSSeen`) when the parent publishes the DS of every current KSK/CSK;
 *   False `DSUpdatePending` (the DNSKEY is still propagating: do not publish the DS yet),
 *   `WaitingForDS` (publish `status.dnssec.dsRecords` now), a DS check's reason when
 *   `dnsfleet.io/ds-published` did not match (`DSWrongDigest`, …), `DSRemoval` (unsigning: take
 *   the DS away, then set the annotation to `none`).
 */

export const DS_PUBLISHED_CONDITION = 'DSPublished';

export const SigningReason = {
  Active: 'Active',
  PendingDS: 'PendingDS',
  RotatingZSK: 'RotatingZSK',
  RotatingKSK: 'RotatingKSK',
  Unsigning: 'Unsigning',
  Disabled: 'Disabled',
  /** The control server reported a failed signing (the last signed version keeps serving). */
  SigningFailed: 'SigningFailed',
  /** No key-encryption key: the operator runs without a control server (`--control-namespace`). */
  NoKeyEncryptionKey: 'NoKeyEncryptionKey',
} as const;

export const DSReason = {
  Seen: 'DSSeen',
  UpdatePending: 'DSUpdatePending',
  Waiting: 'WaitingForDS',
  Removal: 'DSRemoval',
} as const;

/** Event reasons of the DS steps: RcodeZero's DSUPDATE, DSSEEN, DSREMOVED. */
export const DSEventReason = { Update: 'DSUpdate', Seen: 'DSSeen', Removed: 'DSRemoved' } as const;

const STATE_REASON: Record<DNSSECState, string> = {
  active: SigningReason.Active,
  rotating_zsk: SigningReason.RotatingZSK,
  rotating_ksk: SigningReason.RotatingKSK,
  pending_ds: SigningReason.PendingDS,
  unsigning: SigningReason.Unsigning,
  disabled: SigningReason.Disabled,
};

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `status.dnssec` from the lifecycle's view and the control server's report. */
export function dnssecStatus(view: LifecycleView, report?: SigningReport): ZoneDNSSECStatus {
  const keys = view.keys.map(
    (k): DNSSECKeyStatus => ({
      keyTag: k.keyTag,
      algorithm: algorithmName(k.algorithm),
      role: k.role,
      state: k.state,
      ...(k.ds !== undefined ? { ds: k.ds } : {}),
      created: rfc3339(k.created),
      ...(k.nextAction !== undefined ? { nextAction: k.nextAction } : {}),
      ...(k.nextActionAt !== undefined ? { nextActionAt: rfc3339(k.nextActionAt) } : {}),
    }),
  );
  return {
    state: view.state,
    dsRecords: [...view.dsRecords],
    keys,
    ...(report?.signedSerial !== undefined ? { signedSerial: report.signedSerial } : {}),
    ...(report?.signedAt !== undefined ? { signedAt: rfc3339(Math.floor(report.signedAt / 1000)) } : {}),
    ...(report?.expiresAt !== undefined ? { signaturesExpire: rfc3339(Math.floor(report.expiresAt / 1000)) } : {}),
  };
}

/** The `DNSSEC` condition of a zone the lifecycle drives. */
export function signingCondition(view: LifecycleView, report?: SigningReport): ConditionInput {
  const type = 'DNSSEC';
  if (report?.problem) return { type, status: 'False', reason: SigningReason.SigningFailed, message: `the control server could not sign the zone: ${report.problem}; the last signed version keeps serving` };
  const tags = (role: string): string => view.keys.filter((k) => k.role === role && (k.state === 'active' || k.state === 'published')).map((k) => k.keyTag).join(', ');
  const keys = ['CSK', 'KSK', 'ZSK'].filter((r) => tags(r) !== '').map((r) => `${r} ${tags(r)}`).join(', ');
  const reason = STATE_REASON[view.state];
  switch (view.state) {
    case 'active':
      return { type, status: 'True', reason, message: `signed (${keys}); the parent publishes the DS` };
    case 'rotating_zsk':
      return { type, status: 'True', reason, message: `signed (${keys}); a ZSK rollover is under way` };
    case 'rotating_ksk':
      return { type, status: 'True', reason, message: `signed (${keys}); a KSK rollover is under way: see the DSPublished condition` };
    case 'pending_ds':
      return { type, status: 'False', reason, event: 'Normal', message: `signed (${keys}); waiting for the DS at the parent: see the DSPublished condition` };
    case 'unsigning':
      return { type, status: 'False', reason, event: 'Normal', message: 'being unsigned (RFC 8078 CDS delete published): remove the DS at the parent, then the keys go once caches expire' };
    default:
      return { type, status: 'False', reason, event: 'Normal', message: 'not signed yet' };
  }
}

/**
 * The `DSPublished` condition (undefined once the zone is unsigned). `check` is this reconcile's
 * DS check; `before` the condition as it was, whose check reason is kept while the annotation
 * has not changed and the DS is still awaited (a check is reported once per value).
 */
export function dsPublishedCondition(view: LifecycleView, check: DsCheckResult | undefined, before: Condition | undefined): ConditionInput | undefined {
  const type = DS_PUBLISHED_CONDITION;
  if (view.state === 'disabled') return undefined;
  if (view.state === 'unsigning') {
    return { type, status: 'False', reason: DSReason.Removal, event: 'Normal', message: `remove the DS of this zone at the parent, then set ${DS_PUBLISHED_ANNOTATION} to "none"` };
  }
  const awaited = view.keys.filter((k) => k.ds === 'submitted');
  const pending = view.keys.filter((k) => k.ds === 'none' && k.state !== 'removed');
  if (awaited.length === 0 && pending.length === 0) return { type, status: 'True', reason: DSReason.Seen, event: 'none', message: `the parent publishes the DS of key tag ${view.keys.filter((k) => k.ds === 'seen').map((k) => k.keyTag).join(', ')}` };
  // A wrong annotation: the check's reason and message, as its Warning Event has them.
  if (check && !check.ok) return { type, status: 'False', reason: check.reason, event: 'none', message: `${DS_PUBLISHED_ANNOTATION}: ${check.message}` };
  const checkReasons: readonly string[] = Object.values(DSCheckReason);
  if (!check && before?.status === 'False' && checkReasons.includes(before.reason) && awaited.length > 0) return { type, status: 'False', reason: before.reason, event: 'none', message: before.message };
  if (awaited.length > 0) {
    return { type, status: 'False', reason: DSReason.Waiting, event: 'none', message: `publish at the parent: ${view.dsRecords.join('; ')}; then set ${DS_PUBLISHED_ANNOTATION} to the DS published (or its key tag)` };
  }
  return { type, status: 'False', reason: DSReason.UpdatePending, event: 'Normal', message: `key tag ${pending.map((k) => k.keyTag).join(', ')}: its DNSKEY is still reaching the caches; do not publish its DS yet (a DSUpdate Event says when)` };
}

/** The Events of the lifecycle's DS messages and of a DS check (a Warning when it did not match). */
export function signingEvents(messages: readonly DsMessage[], check: DsCheckResult | undefined): EventRecord[] {
  const events: EventRecord[] = [];
  if (check && !check.ok) events.push({ type: 'Warning', reason: check.reason, action: 'CheckDS', note: `${DS_PUBLISHED_ANNOTATION}: ${check.message}` });
  for (const m of messages) {
    if (m.kind === 'DSUpdate') {
      const withdraw = m.withdrawTags.length > 0 ? `; withdraw the DS of key tag ${m.withdrawTags.join(', ')}` : '';
      const publish = m.publish.length > 0 ? `publish at the parent: ${m.publish.join('; ')}` : 'publish no new DS';
      events.push({ type: 'Normal', reason: DSEventReason.Update, action: 'DSUpdate', note: `${publish}${withdraw}; then set ${DS_PUBLISHED_ANNOTATION}` });
    } else if (m.kind === 'DSSeen') {
      events.push({ type: 'Normal', reason: DSEventReason.Seen, action: 'DSSeen', note: `the parent publishes the DS of key tag ${m.tags.join(', ')}` });
    } else {
      events.push({ type: 'Normal', reason: DSEventReason.Removed, action: 'DSRemoved', note: 'the DS is gone from the parent and from every cache; the zone is unsigned' });
    }
  }
  return events;
}
