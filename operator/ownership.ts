import type { Zone, ZoneStatus } from '../crds/v1alpha1/zone';
import type { SecondaryZone, SecondaryZoneStatus } from '../crds/v1alpha1/secondaryzone';
import { storeOrigin, ZoneOwnedError } from '../dataplane/store/zone-store';
import type { Logger } from '../dataplane/log/log';
import type { KubeClient } from './kube/client';
import { writeStatus } from './status-writer';
import { checkZoneName, type ZonePolicy } from './zone-policy';

/**
 * One owner per zone name, cluster-wide, across Zone and SecondaryZone (docs/adr/0008).
 *
 * Every Zone and SecondaryZone whose name the platform's policy allows claims its name (compared
 * after `storeOrigin`: absolute, lower case). The first claimant owns it: the oldest
 * `creationTimestamp`, then namespace, name and kind — facts the API server fixed when the objects
 * were created, so every replica and every restart decides alike. The others are
 * `Ready=False ZoneNameTaken` and write nothing. A claim lasts until the object is gone from the
 * informer cache (its finalizer has removed what it wrote), so the next claimant never races the
 * owner's cleanup. `ZoneNames` keeps the claims from the informers and says whom to requeue when a
 * name changes hands.
 */

export const OwnershipReason = {
  /** Another Zone or SecondaryZone holds the name. */
  ZoneNameTaken: 'ZoneNameTaken',
  /** The platform's policy refuses the name here (public suffix, `--zone-policy`). */
  ZoneNameNotAllowed: 'ZoneNameNotAllowed',
} as const;

export type ClaimKind = 'Zone' | 'SecondaryZone';
type Claimable = Zone | SecondaryZone;

export interface Claim {
  readonly kind: ClaimKind;
  readonly namespace: string;
  readonly name: string;
  /** RFC 3339, second resolution; objects without one (never from an API server) sort last. */
  readonly createdAt?: string;
}

/** The owner tag written to the store with everything an object writes. */
export function ownerTag(kind: ClaimKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** `Zone team-a/shared`, for messages; takes an owner tag or a claim. */
export function describeOwner(owner: string | Claim): string {
  if (typeof owner !== 'string') return `${owner.kind} ${owner.namespace}/${owner.name}`;
  const slash = owner.indexOf('/');
  return slash < 0 ? owner : `${owner.slice(0, slash)} ${owner.slice(slash + 1)}`;
}

/** Pure: the order that decides ownership. Negative when `a` came first. */
export function compareClaims(a: Claim, b: Claim): number {
  const at = (c: Claim): number => (c.createdAt ? Date.parse(c.createdAt) : Number.POSITIVE_INFINITY);
  const t = at(a) - at(b);
  if (t !== 0 && !Number.isNaN(t)) return t < 0 ? -1 : 1;
  return a.namespace.localeCompare(b.namespace, 'en') || a.name.localeCompare(b.name, 'en') || a.kind.localeCompare(b.kind, 'en');
}

/** Pure: the owner among the claimants of one name. */
export function firstClaim(claims: Iterable<Claim>): Claim | undefined {
  let first: Claim | undefined;
  for (const c of claims) if (!first || compareClaims(c, first) < 0) first = c;
  return first;
}

export type Admission = { readonly ok: true; readonly owner: string } | { readonly ok: false; readonly owner: string; readonly reason: string; readonly message: string };

interface Entry extends Claim {
  readonly origin: string;
}

/** The claims of every Zone and SecondaryZone, kept from the informers' events. */
export class ZoneNames {
  private readonly byKey = new Map<string, Entry>();
  private readonly byOrigin = new Map<string, Set<string>>();

  constructor(private readonly policy: ZonePolicy = {}) {}

  /**
   * Records an object as the informer now has it (`after` undefined: gone). Returns the queue keys
   * (`Kind/namespace/name`) of the other claimants of the names it left or joined, whose decision
   * may have changed: the next claimant takes over as soon as the owner is gone.
   */
  update(kind: ClaimKind, before: Claimable | undefined, after: Claimable | undefined): string[] {
    const meta = (after ?? before)!.metadata;
    const key = ownerTag(kind, meta.namespace ?? 'default', meta.name);
    const was = this.byKey.get(key);
    const now = after ? this.entryOf(kind, after) : undefined;
    if (was?.origin === now?.origin && was?.createdAt === now?.createdAt) return [];
    if (was) this.byOrigin.get(was.origin)?.delete(key);
    if (now) {
      this.byKey.set(key, now);
      let set = this.byOrigin.get(now.origin);
      if (!set) this.byOrigin.set(now.origin, (set = new Set()));
      set.add(key);
    } else this.byKey.delete(key);
    const affected = new Set<string>();
    for (const origin of [was?.origin, now?.origin]) {
      if (origin === undefined) continue;
      const set = this.byOrigin.get(origin);
      if (set && set.size === 0) this.byOrigin.delete(origin);
      for (const k of set ?? []) if (k !== key) affected.add(k);
    }
    return [...affected];
  }

  /** Whether `object` may write its zone now, and under which owner tag. */
  admit(kind: ClaimKind, object: Claimable): Admission {
    const namespace = object.metadata.namespace ?? 'default';
    const owner = ownerTag(kind, namespace, object.metadata.name);
    const policy = checkZoneName(object.spec.zoneName, namespace, this.policy);
    if (!policy.ok) return { ok: false, owner, reason: OwnershipReason.ZoneNameNotAllowed, message: policy.message };
    // The object as just read may be newer than the cache (a rename not yet seen): decide by it.
    const self = this.entryOf(kind, object)!;
    const others = [...(this.byOrigin.get(self.origin) ?? [])].filter((k) => k !== owner).map((k) => this.byKey.get(k)!);
    const first = firstClaim([self, ...others])!;
    if (first === self) return { ok: true, owner };
    return { ok: false, owner, reason: OwnershipReason.ZoneNameTaken, message: takenMessage(self.origin, describeOwner(first)) };
  }

  /** Claims only what the policy allows: a refused object holds no name. */
  private entryOf(kind: ClaimKind, object: Claimable): Entry | undefined {
    const namespace = object.metadata.namespace ?? 'default';
    if (!checkZoneName(object.spec.zoneName, namespace, this.policy).ok) return undefined;
    const createdAt = object.metadata.creationTimestamp;
    return { kind, namespace, name: object.metadata.name, origin: storeOrigin(object.spec.zoneName), ...(createdAt ? { createdAt: String(createdAt) } : {}) };
  }
}

function takenMessage(origin: string, holder: string): string {
  return `zone name ${origin} belongs to ${holder}, which claimed it first; this object writes nothing until that one is deleted or renamed`;
}

/** The refusal a store guard's `ZoneOwnedError` becomes (a replica or a reconcile that raced). */
export function admissionOfOwnedError(err: ZoneOwnedError): Admission & { ok: false } {
  return { ok: false, owner: err.writer ?? '', reason: OwnershipReason.ZoneNameTaken, message: takenMessage(err.origin, describeOwner(err.owner)) };
}

export interface RefuseContext {
  readonly kube: KubeClient;
  readonly log: Logger;
  readonly now?: () => Date;
  readonly onState?: (key: string, reason: string | undefined) => void;
}

/**
 * Reports a refused object: `Ready=False` with the refusal's reason and message, and a Warning
 * Event when the reason changes. Nothing is written to the store; when the owner changes the
 * object is put back on the queue by `ZoneNames.update`.
 */
export async function reportRefused(c: RefuseContext, kind: 'Zone', object: Zone, refusal: Admission & { ok: false }): Promise<ZoneStatus>;
export async function reportRefused(c: RefuseContext, kind: 'SecondaryZone', object: SecondaryZone, refusal: Admission & { ok: false }): Promise<SecondaryZoneStatus>;
/** Returns the status the object has now (for the controller's StatusMemory). */
export async function reportRefused(c: RefuseContext, kind: ClaimKind, object: Claimable, refusal: Admission & { ok: false }): Promise<ZoneStatus | SecondaryZoneStatus> {
  const key = `${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
  const was = object.status?.conditions?.find((x) => x.type === 'Ready')?.reason;
  const ready = { type: 'Ready', status: 'False' as const, reason: refusal.reason, message: refusal.message };
  const status = kind === 'Zone' ? await writeStatus(c.kube, c.log, 'Zone', object as Zone, {}, ready, c.now) : await writeStatus(c.kube, c.log, 'SecondaryZone', object as SecondaryZone, {}, ready, c.now);
  if (was !== refusal.reason) c.log.warn('zone name refused; nothing written', { kind, key, reason: refusal.reason, message: refusal.message });
  c.onState?.(key, refusal.reason);
  return status;
}
