import type { Zone } from '../crds/v1alpha1/zone';
import type { SecondaryZone } from '../crds/v1alpha1/secondaryzone';
import type { DNSSECPolicy } from '../crds/v1alpha1/dnssecpolicy';

/**
 * What the API needs of the Kubernetes API server: the two zone kinds of one namespace (and the
 * DNSSECPolicies the DNSSEC endpoints make), and the token Secret. kube-store.ts implements it
 * over @kubernetes/client-node; the unit tests use a Map (memory-store.fixtures.ts). Errors are the API's own (errors.ts): a Kubernetes 409 on
 * create is a ConflictError, a refusal by the CRD schema an UnprocessableError, anything the
 * server cannot do a BackendError.
 */

export interface ZoneKinds {
  Zone: Zone;
  SecondaryZone: SecondaryZone;
  /** The per-algorithm policies the DNSSEC endpoints make in a tenant's namespace (dnssec.ts). */
  DNSSECPolicy: DNSSECPolicy;
}
export type ZoneKind = keyof ZoneKinds;

/** What a merge patch of a Zone may change (the API changes nothing else); a null removes the field or annotation. */
export interface ZonePatch {
  readonly annotations?: Readonly<Record<string, string | null>>;
  readonly spec: Readonly<Record<string, unknown>>;
}

export interface TenantStore {
  list<K extends ZoneKind>(kind: K, namespace: string): Promise<Array<ZoneKinds[K]>>;
  get<K extends ZoneKind>(kind: K, namespace: string, name: string): Promise<ZoneKinds[K] | undefined>;
  create<K extends ZoneKind>(kind: K, object: ZoneKinds[K]): Promise<ZoneKinds[K]>;
  /**
   * A JSON merge patch (RFC 7386) of the object version `resourceVersion`; false when the object
   * changed since (Kubernetes' 409 Conflict), so the caller reads it again and retries.
   */
  patch(kind: ZoneKind, namespace: string, name: string, resourceVersion: string, patch: ZonePatch): Promise<boolean>;
  /** False when it was gone already. */
  delete(kind: ZoneKind, namespace: string, name: string): Promise<boolean>;
  /** A Secret's data, decoded; undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}
