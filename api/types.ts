/**
 * The REST API's request and response bodies, in RcodeZero's shapes (API v2: zones, RRsets,
 * `{status, message}` for actions, paginated lists) and IONOS's for the quota. These types are
 * the source of the component schemas of api/openapi.json (`npm run api:openapi`, a test fails
 * when the file is stale), as crds/v1alpha1 is the source of the CRDs: one description of each
 * body for the code, the document and the tests that check every response against it.
 */

/** A zone's kind in RcodeZero's words: a primary zone (a Zone object) or a secondary zone (a SecondaryZone object). */
export type ZoneType = 'MASTER' | 'SLAVE';

/** A zone as GET /api/v2/zones and GET /api/v2/zones/{zone} return it. */
export interface ApiZone {
  /** The object's name in the tenant's namespace (`kubectl get zone ID` or `kubectl get szone ID`). */
  id: string;
  /** The zone's name, without the trailing dot. */
  domain: string;
  type: ZoneType;
  /** The primaries of a SLAVE zone (`192.0.2.1`, or `192.0.2.1:5353` / `[2001:db8::1]:5353` for another port); empty for MASTER. */
  masters: string[];
  /** The SOA serial the clouds serve; null before the first version is written (or transferred). */
  serial: number | null;
  /** RFC 3339 time the zone was added. */
  created: string | null;
  /** RFC 3339 time of the last successful transfer from a primary (SLAVE only); null otherwise. */
  last_check: string | null;
  /** The DNSSEC state (`disabled`, `pending_ds`, `active`, `rotating_zsk`, `rotating_ksk`, `unsigning`). */
  dnssec_status: string;
  /** Whether every pod of every cloud serves the current version (the Ready condition); null before the operator has looked. */
  ready: boolean | null;
  /** Why the zone is not ready, in a few words (the Ready condition's message when it is False); null when ready. */
  problem: string | null;
}

/** POST /api/v2/zones. */
export interface ZoneCreateRequest {
  /** The zone's name, absolute or not (`example.com`, `example.com.`). */
  domain: string;
  /** `master` (dnsfleet holds the records) or `slave` (transferred from `masters`); either case. */
  type: 'master' | 'slave' | 'MASTER' | 'SLAVE';
  /**
   * The primaries of a slave zone, tried in order: an IPv4 or IPv6 address, with `:port` (IPv6
   * in brackets) for a port other than 53.
   * @minItems 1
   * @maxItems 16
   */
  masters?: string[];
}

/** PUT /api/v2/zones/{zone}: a slave zone's primaries (the type cannot change). */
export interface ZoneUpdateRequest {
  type?: 'master' | 'slave' | 'MASTER' | 'SLAVE';
  /** @minItems 1 @maxItems 16 */
  masters?: string[];
}

/** One record of an RRset. */
export interface ApiRecord {
  /** The rdata in presentation format (`192.0.2.1`, `10 mail.example.com.`, `"v=spf1 -all"`). */
  content: string;
  /** A disabled record is kept (and shown here) but not served. */
  disabled: boolean;
}

/** An RRset as GET /api/v2/zones/{zone}/rrsets returns it. */
export interface ApiRRset {
  /** The owner, absolute with the trailing dot (`www.example.com.`). */
  name: string;
  /** The type mnemonic (`A`, `MX`) or `TYPEnnn` (RFC 3597). */
  type: string;
  /** @asType integer */
  ttl: number;
  records: ApiRecord[];
}

/** A record in a PATCH: `disabled` defaults to false. */
export interface ApiRecordInput {
  content: string;
  disabled?: boolean;
}

/** One change of PATCH /api/v2/zones/{zone}/rrsets: a whole RRset added, replaced or deleted. */
export interface RRsetChange {
  /** Absolute owner name inside the zone, with the trailing dot (`www.example.com.`). */
  name: string;
  type: string;
  /**
   * Default: the zone's default TTL (3600).
   * @asType integer
   * @minimum 0
   * @maximum 2147483647
   */
  ttl?: number;
  /** `add` (the RRset must not exist), `update` (replaces it, or adds it), `delete` (it must exist). */
  changetype: 'add' | 'update' | 'delete' | 'ADD' | 'UPDATE' | 'DELETE';
  /** Required for add and update (at least one record); ignored for delete. */
  records?: ApiRecordInput[];
}

/** The body of PATCH /api/v2/zones/{zone}/rrsets: applied all together, or not at all. */
export type RRsetPatch = RRsetChange[];

/** The result of an action (RcodeZero: `{"status": "ok", "message": "Zone testzone1.at successfully added"}`), and every error. */
export interface StatusResponse {
  status: 'ok' | 'failed';
  message: string;
}

/**
 * The pagination fields of RcodeZero's lists (GET /zones, GET /reports/problematiczones):
 * `?page` (from 1) and `?page_size` (default 100).
 */
export interface Pagination {
  /** @asType integer */
  current_page: number;
  first_page_url: string;
  /** Position (from 1) of the first item of this page; null for an empty page. */
  from: number | null;
  /** @asType integer */
  last_page: number;
  last_page_url: string;
  next_page_url: string | null;
  /** The list's URL without the query. */
  path: string;
  /** @asType integer */
  per_page: number;
  prev_page_url: string | null;
  /** Position of the last item of this page; null for an empty page. */
  to: number | null;
  /**
   * The number of items on all pages.
   * @asType integer
   */
  total: number;
}

/** GET /api/v2/zones. */
export interface ZoneList extends Pagination {
  data: ApiZone[];
}

/** GET /api/v2/zones/{zone}/rrsets. */
export interface RRsetList extends Pagination {
  data: ApiRRset[];
}

/** Counts of a tenant's objects; a limit of null means no limit. */
export interface QuotaCounts {
  /** Primary (master) zones. */
  zones: number | null;
  /** Secondary (slave) zones. */
  secondaryZones: number | null;
  /** Records of all primary zones, disabled ones included. */
  records: number | null;
}

/** GET /api/v2/quota, in IONOS's shape (`quotaLimits`, `quotaUsage`). */
export interface Quota {
  quotaLimits: QuotaCounts;
  quotaUsage: QuotaCounts;
}

/** The DNSSEC notifications of RcodeZero ("DNSSEC": DSUPDATE, DSSEEN, DSREMOVED). */
export type MessageType = 'DSUPDATE' | 'DSSEEN' | 'DSREMOVED';

/**
 * A message of the tenant's queue (GET /api/v2/messages): derived from a zone's DNSSEC status
 * the operator writes, so it exists as long as the state does; acknowledged ones are hidden.
 */
export interface ApiMessage {
  /** Stable for one zone, type and DS set: DELETE /api/v2/messages/{id} acknowledges it. */
  id: string;
  domain: string;
  type: MessageType;
  /** RFC 3339 time the zone entered the state (the DNSSEC condition's last transition); null when unknown. */
  date: string | null;
  /** What to do, in a few words (the DS records to publish for DSUPDATE). */
  comment: string;
  /** The DS records of the zone's current KSK or CSK (DSUPDATE, DSSEEN); empty for DSREMOVED. */
  ds_records: string[];
}

/** GET /api/v2/messages/list. */
export interface MessageList extends Pagination {
  data: ApiMessage[];
}

/** One entry of GET /api/v2/reports/problematiczones: a zone whose Ready condition is not True. */
export interface ProblematicZone {
  domain: string;
  type: ZoneType;
  id: string;
  /** The Ready condition's status: `False`, `Unknown`, or `Missing` when the operator has not reported yet. */
  ready: 'False' | 'Unknown' | 'Missing';
  /** The condition's reason (`TransferFailed`, `InvalidZone`, …); `NotReconciled` without a condition. */
  reason: string;
  message: string;
  /** RFC 3339 time of the condition's last transition; null without a condition. */
  since: string | null;
}

/** GET /api/v2/reports/problematiczones. */
export interface ProblematicZoneList extends Pagination {
  data: ProblematicZone[];
}

/** A secondary zone in IONOS Cloud DNS's shape (GET /api/v2/secondaryzones/{id}). */
export interface IonosSecondaryZone {
  /** The SecondaryZone's object name. */
  id: string;
  type: 'secondaryzone';
  href: string;
  metadata: {
    createdDate: string | null;
    /** The nameservers of every cloud that serves the zone (status.nameservers). */
    nameservers: string[];
    /** `AVAILABLE` (Ready True), `FAILED` (Ready False) or `PROVISIONING` (no verdict yet). */
    state: 'AVAILABLE' | 'FAILED' | 'PROVISIONING';
  };
  properties: {
    description: string;
    primaryIps: string[];
    zoneName: string;
  };
}

/** GET /api/v2/secondaryzones (IONOS's collection, `?offset` and `?limit`). */
export interface IonosSecondaryZoneList {
  id: string;
  type: 'collection';
  href: string;
  items: IonosSecondaryZone[];
  /** @asType integer */
  offset: number;
  /** @asType integer */
  limit: number;
  _links: { self: string; next?: string; prev?: string };
}

/** One primary's last SOA query or transfer (SecondaryZone status.primaries). */
export interface IonosAxfrItem {
  primaryIp: string;
  /** `OK`, `FAILED`, or `UNKNOWN` before the control server has tried it. */
  status: 'OK' | 'FAILED' | 'UNKNOWN';
  errorMessage: string;
}

/** GET /api/v2/secondaryzones/{id}/axfr. */
export interface IonosAxfrStatus {
  type: 'collection';
  items: IonosAxfrItem[];
}

/** ScaiDNS's DNSSEC states, and dnsfleet's `unsigning` (the DS must go from the parent before the keys do). */
export type ScaiDnssecStatus = 'disabled' | 'pending_ds' | 'active' | 'rotating_ksk' | 'rotating_zsk' | 'unsigning';

/** A key in ScaiDNS's shape; public facts from status.dnssec.keys (dnsfleet shows no key material). */
export interface ScaiKey {
  /** @asType integer */
  key_tag: number;
  /** @asType integer */
  algorithm: number;
  key_type: 'KSK' | 'ZSK' | 'CSK';
  created_at: string;
  /** ScaiDNS's expiry: the time of the key's next lifecycle step when one is scheduled; null otherwise. */
  expires_at: string | null;
  /** Signing now (state `active` or `signing`). */
  active: boolean;
  /** dnsfleet's key state (`published`, `active`, `retired`, `signing`, `removed`). */
  state: string;
}

/** A DS record in ScaiDNS's shape. */
export interface ScaiDsRecord {
  /** @asType integer @minimum 0 @maximum 65535 */
  key_tag: number;
  /** @asType integer @minimum 0 @maximum 255 */
  algorithm: number;
  /** @asType integer @minimum 0 @maximum 255 */
  digest_type: number;
  /** Hex. */
  digest: string;
}

/** GET /api/v1/domains/{domain}/dnssec. */
export interface ScaiDnssecState {
  enabled: boolean;
  status: ScaiDnssecStatus;
  /** The algorithm of the zone's keys (or the policy's, before there are keys); null when unsigned. */
  algorithm: number | null;
  ksk: ScaiKey[];
  zsk: ScaiKey[];
  ds_records: ScaiDsRecord[];
}

/** POST /api/v1/domains/{domain}/dnssec/enable. */
export interface ScaiEnableRequest {
  /** 8, 10, 13, 14 or 15; default 13. @asType integer */
  algorithm?: number;
}

/** POST /api/v1/domains/{domain}/dnssec/confirm-ds-published. */
export interface ScaiConfirmRequest {
  /** @minItems 1 */
  ds_records: ScaiDsRecord[];
}

/** The answer of the ScaiDNS actions (enable, disable, rotate-ksk, rotate-zsk, confirm-ds-published). */
export interface ScaiActionResponse {
  domain_id: string;
  action: 'enable' | 'disable' | 'rotate-ksk' | 'rotate-zsk' | 'confirm-ds-published';
  message: string;
  /** rotate-ksk and rotate-zsk: the key being replaced. */
  old_key?: ScaiKey | null;
  /** The new key: null, since the operator makes it after the call (GET …/dnssec shows it). */
  new_key?: null;
  ksk?: null;
  zsk?: null;
  /** The DS records to publish now; empty until the operator has made the keys. */
  ds_records?: ScaiDsRecord[];
}
