import type { Condition, ObjectMeta, ObjectName, OutboundSecondary } from './meta';

/**
 * `Zone`: a primary zone hosted by dnsfleet. The same type is the CRD the operator reconciles and
 * the manifest `dnsfleet serve` reads, so a zone tried locally can be applied to a cluster as is.
 */
export interface Zone {
  apiVersion: 'dnsfleet.io/v1alpha1';
  kind: 'Zone';
  metadata: ObjectMeta;
  spec: ZoneSpec;
  status?: ZoneStatus;
}

export interface ZoneSpec {
  /**
   * The zone's domain name, absolute or not (`example.com` and `example.com.` are the same zone).
   * @pattern ^([A-Za-z0-9_*]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$
   */
  zoneName: string;
  /**
   * TTL for records that give none.
   * @asType integer
   * @minimum 0
   * @maximum 2147483647
   */
  defaultTTL?: number;
  /** SOA fields; when the zone data has no SOA, dnsfleet makes one from these and manages its serial. */
  soa?: SOASpec;
  /** The zone's records as RRsets. Either this or `zoneFile`, or both. */
  rrsets?: RRsetSpec[];
  /** The zone's records as RFC 1035 master-file text; `$ORIGIN` defaults to the zone name. */
  zoneFile?: string;
  /**
   * The NameserverClouds that serve the zone, by name; every cloud when left out. `dnsfleet serve`
   * has no clouds and ignores it.
   * @minItems 1
   */
  nameserverClouds?: string[];
  /**
   * The DNSSECPolicy (same namespace) the zone is signed with; unsigned when left out. Remove the
   * DS record at the parent before removing this, or validating resolvers will fail the zone.
   * `dnsfleet serve` signs with the DNSSECPolicy of that name in its files (docs/serve.md).
   */
  dnssecPolicy?: ObjectName;
  /**
   * Customer secondaries: they may transfer the zone (AXFR/IXFR) and are sent a NOTIFY for every
   * new serial. In a cluster they transfer from the control server; with `dnsfleet serve`, from
   * it, in addition to its `--allow-transfer` list. A secondary with `tsigKeySecretRef` must sign
   * its requests with that key.
   * @maxItems 16
   * @x-kubernetes-validations [{rule: "self.all(a, self.exists_one(b, b.port == a.port && (isIP(a.address) && isIP(b.address) ? ip(a.address) == ip(b.address) : a.address == b.address)))", message: "must not repeat an address and port"}]
   */
  secondaries?: OutboundSecondary[];
}

export interface SOASpec {
  /** Primary nameserver (MNAME). Default: the first apex NS target, else `ns1.<zone>`. */
  mname?: string;
  /** Responsible mailbox in name form (RNAME). Default: `hostmaster.<zone>`. */
  rname?: string;
  /** @asType integer @minimum 0 @maximum 2147483647 */
  refresh?: number;
  /** @asType integer @minimum 0 @maximum 2147483647 */
  retry?: number;
  /** @asType integer @minimum 0 @maximum 2147483647 */
  expire?: number;
  /** Negative-caching TTL (RFC 2308 §4). @asType integer @minimum 0 @maximum 2147483647 */
  minimum?: number;
  /** TTL of the SOA record itself. @asType integer @minimum 0 @maximum 2147483647 */
  ttl?: number;
}

export interface RRsetSpec {
  /** Owner relative to the zone (`www`, `*.app`), `@` for the apex, or absolute with a trailing dot. */
  name: string;
  /**
   * Record type mnemonic, or `TYPEnnn` for any other type (RFC 3597).
   * @pattern ^([A-Z][A-Z0-9]*|TYPE[0-9]{1,5})$
   */
  type: string;
  /** @asType integer @minimum 0 @maximum 2147483647 */
  ttl?: number;
  /**
   * Rdata in presentation format, one entry per record (`10 mail`, `"v=spf1 -all"`, `\# 3 010203`).
   * @minItems 1
   */
  records: string[];
}

export interface ZoneStatus {
  /**
   * The SOA serial of the version written for the clouds.
   * @asType integer
   */
  serial?: number;
  /** Digest of the spec the managed serial was made for: an unchanged spec keeps its serial. */
  specDigest?: string;
  /** The zone name last written for the clouds, so a renamed Zone can remove its old name. */
  writtenZoneName?: string;
  /** Per NameserverCloud that serves the zone: how many pods answer with `serial`. */
  clouds?: CloudServingStatus[];
  /**
   * Signing state while `spec.dnssecPolicy` is set or the zone is being unsigned: the key
   * lifecycle (operator) and what the control server last signed.
   */
  dnssec?: ZoneDNSSECStatus;
  /** @asType integer */
  observedGeneration?: number;
  /**
   * Owned by the zone controller (operator/zone). `Ready`: True (`Serving`) when every pod of
   * every cloud that should serve the zone answers with `serial`; False with `Propagating`,
   * `InvalidZone`, `SerialNotIncreased`, `UnknownCloud` or `NoNameserverCloud` otherwise.
   * `DNSSEC` (while `dnssecPolicy` is set or the zone is unsigning): True once the zone is signed
   * and its DS is at the parent (`Active`, `RotatingZSK`, `RotatingKSK`); False with `PendingDS`,
   * `Unsigning`, `PolicyNotFound`, `PolicyInvalid`, `SigningFailed`, `NoKeyEncryptionKey`.
   * `DSPublished` (while signed): True (`DSSeen`) when the parent publishes the DS of every current
   * KSK/CSK; False with `DSUpdatePending` (not to be published yet), `WaitingForDS` (publish the
   * DS of `status.dnssec.dsRecords`, then confirm it), a DS check's reason (`DSWrongDigest`, …:
   * `dnsfleet.io/ds-published` does not match) or `DSRemoval` (unsigning: remove the DS). See
   * docs/api.md. `CustomerSecondaries` (while
   * `secondaries` is set): True (`Allowed`) or False (`SecondaryLeftOut`: a key could not be read).
   */
  conditions?: Condition[];
}

/**
 * Where a zone is in the DNSSEC lifecycle (the states of RcodeZero's and ScaiDNS's signing
 * services): `pending_ds` waits for the DS at the parent (DSUPDATE sent, DSSEEN not yet),
 * `rotating_ksk` a KSK, CSK or algorithm rollover (waits for the new DS), `rotating_zsk` a ZSK
 * rollover (needs nothing from the user), `unsigning` waits for the DS to go from the parent,
 * then for the TTLs, before the keys and signatures are removed (DSREMOVED).
 */
export type DNSSECState = 'disabled' | 'pending_ds' | 'active' | 'rotating_zsk' | 'rotating_ksk' | 'unsigning';

export interface ZoneDNSSECStatus {
  state: DNSSECState;
  /**
   * The DS records the parent should publish, in presentation format, one per key and digest
   * type of the policy (`example.com. 86400 IN DS 12345 13 2 A1B2…`); during a KSK rollover the
   * new key's once it may be published (DSUPDATE); empty while unsigning.
   */
  dsRecords?: string[];
  /** The zone's keys, public facts only (never a private part). */
  keys?: DNSSECKeyStatus[];
  /**
   * The SOA serial of the signed version the control server last wrote for the clouds (its own
   * serial, RFC 1982 monotonic; `status.serial` is the unsigned zone's).
   * @asType integer
   */
  signedSerial?: number;
  /** RFC 3339 time of the control server's last signing. */
  signedAt?: string;
  /** RFC 3339 time the first signature of the served version expires (re-signed well before). */
  signaturesExpire?: string;
  /** Why the control server's last signing failed, in a few words; left out when it did not. */
  signingProblem?: string;
}

/** One DNSSEC key of a zone, as `kubectl describe` shows it. */
export interface DNSSECKeyStatus {
  /** @asType integer @minimum 0 @maximum 65535 */
  keyTag: number;
  /** Algorithm mnemonic (`ECDSAP256SHA256`). */
  algorithm: string;
  role: 'KSK' | 'ZSK' | 'CSK';
  /**
   * `published`: in the DNSKEY set, not signing yet; `active`: signing; `retired`: no longer
   * signing, still published until caches expire; `signing`: signing, not yet published (the
   * first step of an algorithm rollover); `removed`: out of the DNSKEY set, its signatures
   * still kept until caches expire (the last step of an algorithm rollover).
   */
  state: 'published' | 'active' | 'retired' | 'signing' | 'removed';
  /** The DS of a KSK or CSK at the parent: `none`, `submitted` (DSUPDATE sent), `seen` (DSSEEN), `gone`. */
  ds?: 'none' | 'submitted' | 'seen' | 'gone';
  /** RFC 3339 time the key was made. */
  created: string;
  /** What happens to the key next, in a few words (`activate`, `DS wanted at the parent`, `remove`). */
  nextAction?: string;
  /** RFC 3339 time of `nextAction`; left out when it waits for someone (the DS at the parent). */
  nextActionAt?: string;
}

export interface CloudServingStatus {
  /** The NameserverCloud's name. */
  name: string;
  /**
   * The lowest serial any of its pods serves, when they report one.
   * @asType integer
   */
  serial?: number;
  /** @asType integer */
  pods: number;
  /**
   * Pods that serve `status.serial` or newer.
   * @asType integer
   */
  podsInSync: number;
}
