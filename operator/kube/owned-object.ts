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
