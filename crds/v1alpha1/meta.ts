/**
 * The parts of Kubernetes object metadata that dnsfleet reads. The operator gets full objects from
 * the API server; standalone manifests need only `name`.
 */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** @asType integer */
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  finalizers?: string[];
  /** Set by the API server; the older of two NameserverClouds with one name keeps it. */
  creationTimestamp?: string;
  /** Set by the API server when a delete waits for finalizers. */
  deletionTimestamp?: string;
}

/** A status condition after the Kubernetes API conventions (metav1.Condition). */
export interface Condition {
  type: string;
  /** @enum ["True", "False", "Unknown"] */
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** @asType integer */
  observedGeneration?: number;
  /** RFC 3339 time of the last change of `status`. */
  lastTransitionTime: string;
}

export const API_GROUP = 'dnsfleet.io';
export const API_VERSION = 'dnsfleet.io/v1alpha1';
