/**
 * The shape of the Kubernetes objects the operator owns and applies (Deployments, Services,
 * PodDisruptionBudgets): a minimal, typed subset of the API's object shapes. It belongs with the
 * client that applies them; the builders (cloud/, control/) produce it.
 */
export interface OwnedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string>; ownerReferences: OwnerReference[] };
  spec: Record<string, unknown>;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
  blockOwnerDeletion: boolean;
}

/**
 * A Secret the operator writes: a zone's DNSSEC keys (operator/dnssec/key-secret.ts), owned by
 * its Zone or SecondaryZone, and the key-encryption key (operator/dnssec/kek.ts), owned by no one.
 * `data` values are base64, as the API holds them.
 */
export interface OwnedSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences: OwnerReference[] };
  type: 'Opaque';
  data: Record<string, string>;
}
