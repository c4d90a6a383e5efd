import type { Condition, ObjectMeta, ObjectName, OutboundSecondary, ServerAddress, TSIGKeySecretReference } from './meta';
import type { CloudServingStatus, ZoneDNSSECStatus } from './zone';

/**
 * `SecondaryZone`: a zone whose data lives on the customer's (hidden) primaries. dnsfleet
 * transfers it by AXFR/IXFR when a primary sends NOTIFY, and at the SOA refresh interval
 * otherwise, then serves the copy from its clouds (RcodeZero's and IONOS's secondary zones).
 */
export interface SecondaryZone {
  apiVersion: 'dnsfleet.io/v1alpha1';
  kind: 'SecondaryZone';
  metadata: ObjectMeta;
  spec: SecondaryZoneSpec;
  status?: SecondaryZoneStatus;
}

export interface SecondaryZoneSpec {
  /**
   * The zone's domain name, absolute or not (`example.com` and `example.com.` are the same zone).
   * @pattern ^([A-Za-z0-9_*]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$
   */
  zoneName: string;
  /**
   * A note for people; dnsfleet does not read it.
   * @maxLength 512
   */
  description?: string;
  /**
   * The primaries to transfer from, tried in order. They must send NOTIFY to, and allow
   * transfers from, the operator's transfer addresses.
   * @minItems 1
   * @maxItems 16
   * @x-kubernetes-validations [{rule: "self.all(a, self.exists_one(b, b.port == a.port && (isIP(a.address) && isIP(b.address) ? ip(a.address) == ip(b.address) : a.address == b.address)))", message: "must not repeat an address and port"}]
   */
  primaries: ServerAddress[];
  /** The TSIG key that signs transfer requests to the primaries and that NOTIFYs from them must carry. */
  tsigKeySecretRef?: TSIGKeySecretReference;
  /**
   * The DNSSECPolicy (same namespace) to sign the transferred zone with on dnsfleet's side; leave
   * it out for unsigned or pre-signed zones (served as transferred).
   */
  dnssecPolicy?: ObjectName;
  /** Overrides of the SOA timers that drive refreshes when no NOTIFY comes. */
  refresh?: RefreshSpec;
  /**
   * The NameserverClouds that serve the zone, by name; every cloud when left out.
   * @minItems 1
   */
  nameserverClouds?: string[];
  /**
   * Customer secondaries that may transfer the zone from the clouds and are sent NOTIFY.
   * @maxItems 16
   * @x-kubernetes-validations [{rule: "self.all(a, self.exists_one(b, b.port == a.port && (isIP(a.address) && isIP(b.address) ? ip(a.address) == ip(b.address) : a.address == b.address)))", message: "must not repeat an address and port"}]
   */
  secondaries?: OutboundSecondary[];
}

/**
 * SOA timers in seconds. Each one left out is taken from the primary's SOA record. Refreshes
 * without NOTIFY are a fallback, so a floor keeps a short SOA refresh from polling the primaries
 * every few seconds (RcodeZero raises anything below 24 hours to 24 hours).
 * @x-kubernetes-validations [{rule: "!has(self.refresh) || !has(self.expire) || self.expire > self.refresh", message: "expire must be greater than refresh"}, {rule: "!has(self.refresh) || !has(self.minimumRefresh) || self.refresh >= self.minimumRefresh", message: "refresh must not be below minimumRefresh"}]
 */
export interface RefreshSpec {
  /** Seconds between checks of the primary's SOA serial. @asType integer @minimum 1 @maximum 2147483647 */
  refresh?: number;
  /** Seconds between retries after a failed refresh. @asType integer @minimum 1 @maximum 2147483647 */
  retry?: number;
  /**
   * Seconds without a successful refresh after which the clouds stop answering for the zone
   * (RFC 1035 §3.3.13), rather than serve data that may be stale.
   * @asType integer
   * @minimum 1
   * @maximum 2147483647
   */
  expire?: number;
  /**
   * Lower bound for the refresh and retry intervals, whether from the SOA or from here.
   * Default 3600.
   * @asType integer
   * @minimum 1
   * @maximum 2147483647
   */
  minimumRefresh?: number;
}

export interface SecondaryZoneStatus {
  /**
   * The SOA serial of the copy the clouds serve, as the primary has it.
   * @asType integer
   */
  serial?: number;
  /**
   * RFC 3339 time of the last successful transfer.
   * @format date-time
   */
  lastTransfer?: string;
  /** One entry per primary: how its last refresh or transfer went. */
  primaries?: PrimaryStatus[];
  /** Per NameserverCloud that serves the zone: how many pods answer with `serial`. */
  clouds?: CloudServingStatus[];
  /** Where the zone is served: what to delegate to and allow NOTIFY from. */
  nameservers?: CloudNameservers[];
  /** Signing state while `spec.dnssecPolicy` is set or the zone is being unsigned, as on Zone. */
  dnssec?: ZoneDNSSECStatus;
  /** Why the zone is failing, in a few words (`192.0.2.1: REFUSED`); empty when it is not. */
  problem?: string;
  /** The zone name last handed to the control server, so a renamed SecondaryZone can remove its old name. */
  writtenZoneName?: string;
  /** @asType integer */
  observedGeneration?: number;
  /**
   * Owned by the secondary-zone controller (operator/secondaryzone). `Ready` reasons:
   * `Transferred` (True: the primary's serial is served), `Pending` (Unknown: no transfer yet),
   * `Propagating` (False: not yet served by every pod), `TransferFailed` (False: no primary
   * answered the last refresh; the last copy is still served), `Expired` (False: none answered
   * for `expire` seconds; the clouds no longer answer for the zone), `UnknownCloud` and
   * `NoNameserverCloud` (False). `DNSSEC` and `CustomerSecondaries` as on Zone.
   */
  conditions?: Condition[];
}

/** Reasons of the SecondaryZone's `Ready` condition; Events use the same words. */
export const SecondaryZoneReason = {
  Transferred: 'Transferred',
  Pending: 'Pending',
  TransferFailed: 'TransferFailed',
  Expired: 'Expired',
} as const;

export interface PrimaryStatus {
  address: string;
  /** @asType integer */
  port: number;
  /** `OK` when the last SOA query or transfer from this primary succeeded. */
  status: 'OK' | 'FAILED';
  /** What went wrong (a timeout, REFUSED, NOTAUTH for a bad TSIG key); empty when `OK`. */
  errorMessage?: string;
  /**
   * RFC 3339 time of the last SOA query or transfer.
   * @format date-time
   */
  lastAttempt?: string;
}

export interface CloudNameservers {
  /** The NameserverCloud's name. */
  cloud: string;
  /** Its nameserver host names (the NS targets). */
  nameservers: string[];
  /** Its service addresses. */
  addresses?: string[];
}
