import type { BuiltZone, ManagedSerial } from '../../dataplane/manifest/zone-manifest';
import { snapshotOf } from '../../dataplane/store/snapshot';
import type { ZoneSnapshot } from '../../dataplane/store/zone-store';
import { serialCompare } from '../../dataplane/zone/serial';

/**
 * The managed serial lives in the Zone's status. When the status write after a store write is
 * lost (the operator killed between the two, or the Zone restored from a backup without its
 * status), the next build makes a new serial from the clock and would write the same zone again
 * under it, so every cloud reloads it for nothing. This keeps the stored serial instead when the
 * store holds exactly the zone being built apart from the SOA serial. Pure.
 *
 * Only a stored serial newer than the one the status knows (or with no status) is considered: with
 * an intact status the serials agree, so the second build is paid only after such a loss, and a
 * serial never goes back (RFC 1982 order).
 */
export function keepStoredSerial(
  built: BuiltZone,
  stored: Pick<ZoneSnapshot, 'serial' | 'text'> | undefined,
  previous: ManagedSerial | undefined,
  rebuild: (previous: ManagedSerial) => BuiltZone,
): BuiltZone {
  if (!built.managedSerial || !stored || stored.serial === built.zone.serial) return built;
  if (previous && serialCompare(stored.serial, previous.serial) <= 0) return built;
  const again = rebuild({ specDigest: built.managedSerial.specDigest, serial: stored.serial });
  return snapshotOf(again.zone, 'all').text === stored.text ? again : built;
}
