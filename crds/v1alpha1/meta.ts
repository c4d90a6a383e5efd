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

/**
 * The name of an object in the same namespace (a DNS-1123 subdomain).
 * @pattern ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$
 * @maxLength 253
 */
export type ObjectName = string;

/** Refers to an object in the same namespace by name. */
export interface LocalObjectReference {
  name: ObjectName;
}

/**
 * A span of time as a Go duration restricted to whole hours, minutes and seconds (`720h`,
 * `1h30m`, `90s`), as Kubernetes' own durations: CEL rules compare them with `duration()`.
 * @pattern ^([0-9]{1,6}h)?([0-9]{1,6}m)?([0-9]{1,8}s)?$
 * @minLength 2
 * @maxLength 24
 */
export type Duration = string;

/**
 * An IPv4 or IPv6 address, without zone or prefix length.
 * @maxLength 45
 * @x-kubernetes-validations [{rule: "isIP(self)", message: "must be an IPv4 or IPv6 address"}]
 */
export type IPAddress = string;

/**
 * An IPv4 address.
 * @maxLength 15
 * @x-kubernetes-validations [{rule: "isIP(self) && ip(self).family() == 4", message: "must be an IPv4 address"}]
 */
export type IPv4Address = string;

/**
 * An IPv6 address, without zone.
 * @maxLength 45
 * @x-kubernetes-validations [{rule: "isIP(self) && ip(self).family() == 6", message: "must be an IPv6 address"}]
 */
export type IPv6Address = string;

/**
 * An IPv4 or IPv6 address, or a prefix in CIDR notation (`192.0.2.0/24`, `2001:db8::/32`).
 * @maxLength 49
 * @x-kubernetes-validations [{rule: "isIP(self) || isCIDR(self)", message: "must be an IP address or a CIDR prefix"}]
 */
export type CidrPrefix = string;

/**
 * A DNS server outside dnsfleet, by address: a customer's primary, or a customer secondary.
 */
export interface ServerAddress {
  address: IPAddress;
  /**
   * @asType integer
   * @minimum 1
   * @maximum 65535
   * @default 53
   */
  port?: number;
}

/** A TSIG key (RFC 8945) in a Secret. */
export interface TSIGKeySecretReference {
  /**
   * The Secret, in the same namespace, with the keys `name` (the key name both sides use, e.g.
   * `transfer.example.com.`), `algorithm` (`hmac-sha256`, `hmac-sha384`, `hmac-sha512`;
   * `hmac-sha1` only for old peers) and `secret` (base64, as `tsig-keygen` prints it).
   * @pattern ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$
   * @maxLength 253
   */
  name: string;
}

/**
 * A customer secondary (RcodeZero's "outbound transfer"): a server outside dnsfleet that may
 * transfer the zone by AXFR/IXFR and is sent a NOTIFY for every new serial.
 */
export interface OutboundSecondary extends ServerAddress {
  /** The TSIG key its transfer requests must be signed with (and that signs the NOTIFYs); without one the address alone is allowed. */
  tsigKeySecretRef?: TSIGKeySecretReference;
}
