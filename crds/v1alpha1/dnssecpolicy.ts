import type { Condition, Duration, ObjectMeta, ServerAddress } from './meta';

/**
 * `DNSSECPolicy`: how dnsfleet signs the zones that name it (`spec.dnssecPolicy` of a Zone or
 * SecondaryZone): algorithm, keys and their rollovers, signature timing, denial of existence and
 * how the DS at the parent is confirmed. After Knot DNS's `policy` section; every field has a
 * default, so `spec: {}` is a complete policy.
 */
export interface DNSSECPolicy {
  apiVersion: 'dnsfleet.io/v1alpha1';
  kind: 'DNSSECPolicy';
  metadata: ObjectMeta;
  spec: DNSSECPolicySpec;
  status?: DNSSECPolicyStatus;
}

export interface DNSSECPolicySpec {
  /**
   * Signing algorithm (RFC 8624): ECDSAP256SHA256 (13) is what resolvers and registries support
   * best; ED25519 (15) is smaller but not accepted by every registry; ECDSAP384SHA384 (14) has
   * larger signatures for no practical gain; RSASHA256 (8) and RSASHA512 (10), 2048-bit keys, only
   * for parents that take nothing else. Changing it rolls the keys to the new algorithm (RFC 6781
   * §4.1.4: new signatures first, then the new keys, then the DS, then the old keys go).
   * @default "ECDSAP256SHA256"
   */
  algorithm?: DNSSECAlgorithm;
  /** @default {} */
  keys?: KeyPolicy;
  /**
   * TTL of the DNSKEY records, in seconds. Key rollovers wait this long for caches to expire.
   * @asType integer
   * @minimum 0
   * @maximum 2147483647
   * @default 3600
   */
  dnskeyTTL?: number;
  /** @default {} */
  signatures?: SignaturePolicy;
  /** @default {} */
  denial?: DenialPolicy;
  /**
   * How long a new zone version takes to reach every cloud pod; rollovers add it to each wait.
   * @default "5m"
   */
  propagationDelay?: Duration;
  /**
   * How long the parent takes to publish a DS change on all its servers after it accepted it;
   * added to the wait after DSSEEN (and for DSREMOVED) before the old key is withdrawn.
   * @default "1h"
   */
  parentPropagationDelay?: Duration;
  /**
   * TTL of the DS RRset at the parent, in seconds (most TLDs: 86400); a DS change is assumed to
   * be cached this long. In mode `Parent` the TTL the parent returns is used when it is larger.
   * @asType integer
   * @minimum 0
   * @maximum 2147483647
   * @default 86400
   */
  parentDSTTL?: number;
  /**
   * Digest types of the DS records shown in `status.dnssec.dsRecords` and accepted in
   * `dnsfleet.io/ds-published` (RFC 8624 §3.3: SHA-256 MUST be implemented; SHA-384 MAY).
   * @minItems 1
   * @default ["SHA-256"]
   */
  dsDigestTypes?: DSDigestType[];
  /**
   * Publish CDS and CDNSKEY records (RFC 7344) for the key(s) whose DS the parent should have,
   * once they are in every cache, so a parent that scans for them updates the DS by itself; and
   * the delete form (RFC 8078 §4: `CDS 0 0 0 00`, `CDNSKEY 0 3 0 AA==`) while the zone is unsigned.
   * @default true
   */
  publishCDS?: boolean;
  /** @default {} */
  dsConfirmation?: DSConfirmation;
}

/** The five signing algorithms dnsfleet supports (RFC 8624 §3.1), by their mnemonics. */
export type DNSSECAlgorithm = 'ECDSAP256SHA256' | 'ECDSAP384SHA384' | 'ED25519' | 'RSASHA256' | 'RSASHA512';

/** DS digest types (RFC 4509: SHA-256, 2; RFC 6605: SHA-384, 4). */
export type DSDigestType = 'SHA-256' | 'SHA-384';

/**
 * The keys and when they are rolled. A KSK or CSK rollover needs a new DS at the parent (the
 * zone goes `rotating_ksk` until it is confirmed); a ZSK rollover needs nothing from anyone.
 * @x-kubernetes-validations [{rule: "self.strategy == 'KSK+ZSK' || (!has(self.kskLifetime) && !has(self.zskLifetime))", message: "kskLifetime and zskLifetime need strategy KSK+ZSK"}, {rule: "self.strategy == 'CSK' || !has(self.cskLifetime)", message: "cskLifetime needs strategy CSK"}]
 */
export interface KeyPolicy {
  /**
   * `KSK+ZSK`: a key-signing key for the DNSKEY set and a zone-signing key for the rest, so the
   * ZSK can roll often without the parent. `CSK`: one combined key (Knot's single-type-signing),
   * fewer and smaller records, but every rollover needs a new DS.
   * @default "KSK+ZSK"
   */
  strategy?: 'KSK+ZSK' | 'CSK';
  /** Time from a ZSK's activation to its rollover. Default `720h` (30 days). */
  zskLifetime?: Duration;
  /** Time from a KSK's activation to its rollover; left out, the KSK rolls only when asked (manual rollover). */
  kskLifetime?: Duration;
  /** Time from a CSK's activation to its rollover; left out, it rolls only when asked (manual rollover). */
  cskLifetime?: Duration;
}

// The rules test has() only because the API server checks the `{}` default against them before
// filling in its fields; in stored objects the fields are always there.
/**
 * RRSIG timing. A signature is made valid for `validity` minus up to `jitter` (so re-signing
 * spreads out) and renewed when less than `refresh` of it remains.
 * @x-kubernetes-validations [{rule: "!has(self.refresh) || !has(self.validity) || duration(self.refresh) < duration(self.validity)", message: "refresh must be less than validity"}, {rule: "!has(self.jitter) || !has(self.refresh) || !has(self.validity) || duration(self.jitter) < duration(self.validity) - duration(self.refresh)", message: "jitter must be less than validity minus refresh"}]
 */
export interface SignaturePolicy {
  /** How long a new signature is valid (RRSIG expiration minus inception). @default "336h" */
  validity?: Duration;
  /** A signature is renewed when less than this of its validity remains. @default "120h" */
  refresh?: Duration;
  /** Up to this much is taken off each new signature's validity, at random. @default "12h" */
  jitter?: Duration;
}

/**
 * Authenticated denial of existence. NSEC (RFC 4034) is simplest and lets anyone list the zone;
 * NSEC3 (RFC 5155) hashes the names, which hinders that.
 * @x-kubernetes-validations [{rule: "!has(self.nsec3) || self.type == 'NSEC3'", message: "nsec3 parameters need type NSEC3", fieldPath: ".nsec3"}]
 */
export interface DenialPolicy {
  /** NSEC or NSEC3 records. @default "NSEC" */
  type?: 'NSEC' | 'NSEC3';
  /** NSEC3 parameters; RFC 9276's recommendations when left out. */
  nsec3?: NSEC3Parameters;
}

export interface NSEC3Parameters {
  /**
   * Extra hash iterations. RFC 9276 §3.1: zone publishers MUST use 0; capped at 50 because
   * validating resolvers may treat larger counts as insecure or fail them (§3.2).
   * @asType integer
   * @minimum 0
   * @maximum 50
   * @default 0
   */
  iterations?: number;
  /**
   * Salt length in octets; RFC 9276 §3.1: SHOULD NOT use a salt (0).
   * @asType integer
   * @minimum 0
   * @maximum 255
   * @default 0
   */
  saltLength?: number;
  /**
   * Leave unsigned delegations out of the NSEC3 chain (RFC 5155 §6): only for large
   * delegation-centric zones (RFC 9276 §3.1).
   * @default false
   */
  optOut?: boolean;
}

/**
 * How dnsfleet learns that the parent publishes the DS (RcodeZero's DSSEEN), to leave
 * `pending_ds` or finish a KSK rollover. `Manual`: someone sets the annotation
 * `dnsfleet.io/ds-published` on the Zone to the DS record(s) now at the parent, or their key tag
 * (as RcodeZero's "dsupdate" acknowledgement), and to `none` once it is removed (unsigning). `Parent`: dnsfleet asks the parent's nameservers
 * every `checkInterval` and goes on when all of them return it (Knot's `ksk-submission`).
 * @x-kubernetes-validations [{rule: "self.mode == 'Parent' || !has(self.checkInterval)", message: "checkInterval needs mode Parent", fieldPath: ".checkInterval"}, {rule: "!has(self.mode) || self.mode != 'Parent' || (has(self.parentNameservers) && size(self.parentNameservers) > 0)", message: "mode Parent needs parentNameservers", fieldPath: ".parentNameservers"}, {rule: "self.mode == 'Parent' || !has(self.parentNameservers)", message: "parentNameservers needs mode Parent", fieldPath: ".parentNameservers"}]
 */
export interface DSConfirmation {
  /** `Manual` (the annotation) or `Parent` (DS queries). @default "Manual" */
  mode?: 'Manual' | 'Parent';
  /** Between DS queries to the parent's nameservers. Default `1h`. */
  checkInterval?: Duration;
  /**
   * Mode `Parent`: the nameservers of the parent zone to ask for the zone's DS, by address (as
   * Knot's `parent` remotes). A DS counts as published when every one of them returns it, so list
   * them all (`dig +short NS <parent>`).
   * @minItems 1
   * @maxItems 16
   * @x-kubernetes-validations [{rule: "self.all(a, self.exists_one(b, b.port == a.port && (isIP(a.address) && isIP(b.address) ? ip(a.address) == ip(b.address) : a.address == b.address)))", message: "must not repeat an address and port"}]
   */
  parentNameservers?: ServerAddress[];
}

/**
 * The annotation that confirms, in mode `Manual`, that the parent publishes the DS: the DS
 * record(s) published, in presentation format (several separated by newlines or `;`), or a bare
 * key tag; `none` confirms the DS is gone (unsigning). Checked against the current KSK or CSK
 * (dataplane/dnssec/ds-check.ts); a mismatch leaves the state as it is and says what differs.
 */
export const DS_PUBLISHED_ANNOTATION = 'dnsfleet.io/ds-published';

/** Forces a KSK (or CSK) rollover: each new value of the annotation starts one (for example a date). */
export const ROTATE_KSK_ANNOTATION = 'dnsfleet.io/rotate-ksk';

/** Forces a ZSK rollover (or, with strategy CSK, a CSK rollover): each new value starts one. */
export const ROTATE_ZSK_ANNOTATION = 'dnsfleet.io/rotate-zsk';

export interface DNSSECPolicyStatus {
  /**
   * How many Zones and SecondaryZones name this policy.
   * @asType integer
   */
  zones?: number;
  /** @asType integer */
  observedGeneration?: number;
  /**
   * `Ready` is owned by the DNSSEC policy controller (operator/dnssecpolicy): True (`Valid`)
   * when the policy is sound; False (`Invalid`) for what the schema cannot check (timing rules
   * that relate several durations).
   */
  conditions?: Condition[];
}

/** Reasons of the DNSSECPolicy's `Ready` condition; Events use the same words. */
export const DNSSECPolicyReason = {
  Valid: 'Valid',
  Invalid: 'Invalid',
} as const;
