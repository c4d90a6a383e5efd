import { isDeepStrictEqual } from 'node:util';
import type { Zone, ZoneStatus } from '../../crds/v1alpha1/zone';
import { ManifestError } from '../../dataplane/manifest/documents';
import { apiObjectLocator, buildZone } from '../../dataplane/manifest/zone-manifest';
import { snapshotOf } from '../../dataplane/store/snapshot';
import { storeOrigin, ZoneOwnedError, type OutboundTarget, type ZoneSnapshot, type ZoneStore } from '../../dataplane/store/zone-store';
import type { Zone as DnsZone } from '../../dataplane/zone/zone';
import type { Logger } from '../../dataplane/log/log';
import type { EventRecord } from '../kube/client';
import { causeOf, step } from '../reconcile-error';
import { keepStoredSerial } from './stored-serial';
import { serialAdd, serialCompare } from '../../dataplane/zone/serial';
import { withSerial } from '../../dataplane/zone/zone';
import { ownSerialProblem, ZoneReason, type BuildOutcome } from './zone-status';

/**
 * The expensive part of a Zone's reconcile, run once per version of the Zone and its inputs (the
 * zone controller keeps the outcome): build the zone from the resource with the same code as
 * `dnsfleet serve`, check it, serialise it to the store's master-file text, and write it when the
 * store does not hold exactly that. The forms a zone takes here: the resource, the built `Zone`
 * (what the checks run on) and the text (what the store and the clouds' pods read).
 *
 * - the managed serial is kept while the spec is unchanged (from the status, or from the store
 *   when a status write was lost: stored-serial.ts);
 * - an invalid zone, or one whose own SOA serial does not go forward, leaves the store alone, so
 *   the last good version keeps serving;
 * - a renamed Zone's old name leaves the clouds once the new one builds;
 * - every write carries the Zone's owner tag; the store refuses it when another owner holds the
 *   name (ADR 0008), which comes back as `refused`.
 */

/** What the pass decided for one version of a Zone. */
export interface ZoneWritten {
  readonly build: BuildOutcome;
  /** The status fields it sets; none when the version was refused (the status keeps the last good one's). */
  readonly fields: Pick<ZoneStatus, 'serial' | 'specDigest' | 'writtenZoneName'>;
  /**
   * With `signing`: the version built and not written, for the signer (`putSigned`) or, while the
   * store holds no signed entry, for `writeUnsigned`.
   */
  readonly unsigned?: BuiltUnsigned;
}

/** A built version of a signed Zone, as the signer and the store take it. */
export interface BuiltUnsigned {
  readonly zone: DnsZone;
  readonly snapshot: ZoneSnapshot;
  /** dnsfleet manages the serial (the zone data has no SOA of its own): it may raise it. */
  readonly managedSerial: boolean;
  readonly warnings: readonly string[];
}

export interface ZoneWriteContext {
  readonly store: ZoneStore;
  readonly log: Logger;
  readonly now?: () => Date;
  /** Records an Event about the Zone (never fails). */
  readonly event: (event: EventRecord) => void;
}

/**
 * `signing`: the Zone takes part in signing (operator/dnssec): it is built and checked, but not
 * written; its serial goes forward from the unsigned version last handed to the signer (the
 * store's snapshot is the signed one, with the control server's serial).
 */
export async function writeZone(c: ZoneWriteContext, key: string, zone: Zone, owner: string, targets: readonly OutboundTarget[], signing = false): Promise<ZoneWritten | { readonly refused: ZoneOwnedError }> {
  const { namespace = 'default', name } = zone.metadata;
  const origin = storeOrigin(zone.spec.zoneName);
  const status = zone.status ?? {};
  const previous = status.serial !== undefined && status.specDigest ? { serial: status.serial, specDigest: status.specDigest } : undefined;
  const signedEntry = signing ? await step(`read the signed entry of ${origin}`, () => c.store.getSigned(origin)) : undefined;
  const found: ZoneSnapshot | undefined =
    signedEntry?.unsigned && signedEntry.owner === owner
      ? { origin, owner, serial: signedEntry.unsigned.serial, text: signedEntry.unsigned.text, clouds: signedEntry.unsigned.clouds, ...(signedEntry.unsigned.secondaries ? { secondaries: signedEntry.unsigned.secondaries } : {}) }
      : await step(`read zone ${origin} from the store`, () => c.store.getZone(origin));
  // Another owner's snapshot (a stale view) says nothing about this Zone's serial.
  const stored: ZoneSnapshot | undefined = found && (!found.owner || found.owner === owner) ? found : undefined;

  const now = Math.floor((c.now?.() ?? new Date()).getTime() / 1000);
  const locator = apiObjectLocator('Zone', namespace, name);
  let built;
  try {
    // A lost status write must not make the same zone be written again under a new serial.
    built = keepStoredSerial(buildZone(locator, zone, previous, now), stored, previous, (p) => buildZone(locator, zone, p, now));
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    return rejected(c, key, { ok: false, message: err.message });
  }
  const snapshot = { ...snapshotOf(built.zone, zone.spec.nameserverClouds ?? 'all', targets), owner };
  // A serial the user manages must go forward with every change, as a primary's must.
  const serialProblem = built.managedSerial ? undefined : ownSerialProblem(snapshot.serial, snapshot.text, stored);
  if (serialProblem) return rejected(c, key, { ok: false, reason: ZoneReason.SerialNotIncreased, message: serialProblem });

  const fields = { serial: built.zone.serial, ...(built.managedSerial ? { specDigest: built.managedSerial.specDigest } : {}), writtenZoneName: origin };
  if (signing) {
    // The old name of a renamed Zone still leaves the clouds; the new one is the signer's to write.
    if (status.writtenZoneName && status.writtenZoneName !== origin) {
      await step(`remove the old name ${status.writtenZoneName} from the store`, () => c.store.deleteZone(status.writtenZoneName!, owner));
      await step(`remove the old name ${status.writtenZoneName} from the signer`, () => c.store.deleteSigned(status.writtenZoneName!, owner));
    }
    // Once per version built, as for an unsigned zone written.
    if (built.warnings.length > 0) c.event({ type: 'Warning', reason: ZoneReason.ZoneWarnings, action: 'WriteZone', note: `serial ${snapshot.serial}: ${built.warnings.join('; ')}` });
    return { build: { ok: true, serial: built.zone.serial }, fields, unsigned: { zone: built.zone, snapshot, managedSerial: built.managedSerial !== undefined, warnings: built.warnings } };
  }
  try {
    if (status.writtenZoneName && status.writtenZoneName !== origin) {
      // The Zone was renamed: its old name leaves the clouds.
      await step(`remove the old name ${status.writtenZoneName} from the store`, () => c.store.deleteZone(status.writtenZoneName!, owner));
      c.log.info('renamed zone: old name removed from the clouds', { old: status.writtenZoneName, zone: origin, key });
    }
    // An untagged snapshot (written before owners) is written again, tagged.
    if (!stored || stored.owner !== owner || stored.serial !== snapshot.serial || stored.text !== snapshot.text || !isDeepStrictEqual(stored.clouds, snapshot.clouds) || !isDeepStrictEqual(stored.secondaries, snapshot.secondaries)) {
      const version = await step(`write zone ${origin} serial ${snapshot.serial} to the store`, () => c.store.putZone(snapshot));
      c.log.info('zone written for the clouds', { zone: origin, serial: snapshot.serial, version, key });
      c.event({ type: 'Normal', reason: ZoneReason.Updated, action: 'WriteZone', note: `serial ${snapshot.serial} written for the nameserver clouds` });
      // Once per version written, so a warning is told once, not on every reconcile.
      if (built.warnings.length > 0) {
        c.log.warn('zone written with warnings', { key, serial: snapshot.serial, warnings: built.warnings.join('; ') });
        c.event({ type: 'Warning', reason: ZoneReason.ZoneWarnings, action: 'WriteZone', note: `serial ${snapshot.serial}: ${built.warnings.join('; ')}` });
      }
    }
  } catch (err) {
    // The store's guard: another owner wrote the name first (a racing replica, a stale view).
    const cause = causeOf(err);
    if (cause instanceof ZoneOwnedError) return { refused: cause };
    throw err;
  }
  return { build: { ok: true, serial: built.zone.serial }, fields };
}

/**
 * Writes a signed Zone's unsigned version for the clouds while the store holds no signed entry
 * for it (its keys are not signing yet, or it was just unsigned). After unsigning, a managed
 * serial goes past the last signed one (`after`, RFC 1982), or secondaries and caches would keep
 * the signed version; a serial the user manages is theirs to raise. Returns the serial written.
 */
export async function writeUnsigned(c: ZoneWriteContext, key: string, built: BuiltUnsigned, after?: number): Promise<{ serial: number } | { readonly refused: ZoneOwnedError }> {
  let snapshot = built.snapshot;
  if (after !== undefined && built.managedSerial && serialCompare(snapshot.serial, after) <= 0) {
    const serial = serialAdd(after, 1);
    snapshot = { ...snapshotOf(withSerial(built.zone, serial), snapshot.clouds, snapshot.secondaries), owner: snapshot.owner };
  }
  const origin = snapshot.origin;
  try {
    const stored = await step(`read zone ${origin} from the store`, () => c.store.getZone(origin));
    if (!stored || stored.owner !== snapshot.owner || stored.serial !== snapshot.serial || stored.text !== snapshot.text || !isDeepStrictEqual(stored.clouds, snapshot.clouds) || !isDeepStrictEqual(stored.secondaries, snapshot.secondaries)) {
      const version = await step(`write zone ${origin} serial ${snapshot.serial} to the store`, () => c.store.putZone(snapshot));
      c.log.info('zone written for the clouds, unsigned', { zone: origin, serial: snapshot.serial, version, key });
      c.event({ type: 'Normal', reason: ZoneReason.Updated, action: 'WriteZone', note: `serial ${snapshot.serial} written for the nameserver clouds (unsigned)` });
    }
  } catch (err) {
    const cause = causeOf(err);
    if (cause instanceof ZoneOwnedError) return { refused: cause };
    throw err;
  }
  return { serial: snapshot.serial };
}

function rejected(c: ZoneWriteContext, key: string, build: BuildOutcome & { ok: false }): ZoneWritten {
  c.log.warn('zone rejected; the last good version keeps serving', { key, error: build.message });
  return { build, fields: {} };
}
