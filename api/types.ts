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
