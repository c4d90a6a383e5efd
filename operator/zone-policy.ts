import { parse } from 'tldts';
import { storeOrigin } from '../dataplane/store/zone-store';
import { DnsfleetError } from '../dataplane/dns/error';

/**
 * The platform operator's guardrails on zone names (docs/operator.md#zone-names): which names may
 * be hosted at all, and which namespaces may host the names under a domain. Pure.
 *
 * - Public suffixes (`com`, `co.uk`, `github.io`, and every single label, by the Public Suffix
 *   List's default rule `*`) are refused unless `publicSuffixes` is turned off: a tenant's Zone
 *   `com` would make the clouds answer for every name under it.
 * - `--zone-policy DOMAIN=NS[,NS…]` reserves DOMAIN and every name under it for those namespaces;
 *   `DOMAIN=` (no namespace) reserves it for none. The longest matching DOMAIN decides.
 */

export interface ZoneNameRule {
  /** Absolute, lower case, e.g. `example.com.`; `.` is every name. */
  readonly domain: string;
  readonly namespaces: readonly string[];
}

export interface ZonePolicy {
  /** Refuse public suffixes (default true). */
  readonly refusePublicSuffixes?: boolean;
  readonly rules?: readonly ZoneNameRule[];
}

export class ZonePolicyError extends DnsfleetError {
  override name = 'ZonePolicyError';
}

/** One `--zone-policy` value: `example.com=team-a,team-b`, or `example.com=` for no namespace. */
export function parseZoneRule(text: string): ZoneNameRule {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ZonePolicyError(`--zone-policy ${text}: expected DOMAIN=NAMESPACE[,NAMESPACE…] (an empty list reserves DOMAIN for no namespace)`);
  const domain = text.slice(0, eq).trim();
  if (!/^(\.|([A-Za-z0-9_-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?)$/.test(domain)) throw new ZonePolicyError(`--zone-policy ${text}: "${domain}" is not a domain name`);
  const namespaces = text
    .slice(eq + 1)
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const ns of namespaces) {
    // RFC 1123 label: what Kubernetes allows as a namespace name.
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) throw new ZonePolicyError(`--zone-policy ${text}: "${ns}" is not a namespace name`);
  }
  return { domain: storeOrigin(domain), namespaces };
}

/** Whether `origin` (absolute, lower case) is a public suffix: by the list, or a single label / the root. */
export function isPublicSuffix(origin: string): boolean {
  const name = origin.replace(/\.$/, '');
  // The root and single labels: every TLD is a public suffix (the list's default rule `*`).
  if (name === '' || !name.includes('.')) return true;
  // The list's parser takes host names: a wildcard label (allowed in zone names) is checked as an
  // ordinary one, since `*.x` is a suffix exactly when any `<label>.x` is.
  const host = name.replace(/\*/g, 'wildcard').replace(/_/g, 'u');
  const parsed = parse(host, { allowPrivateDomains: true, validateHostname: false });
  return parsed.publicSuffix === host;
}

export type PolicyDecision = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** May `namespace` host the zone `zoneName`? The first failing check says why. */
export function checkZoneName(zoneName: string, namespace: string, policy: ZonePolicy = {}): PolicyDecision {
  const origin = storeOrigin(zoneName);
  if ((policy.refusePublicSuffixes ?? true) && isPublicSuffix(origin)) {
    return { ok: false, message: `zone name ${origin} is a public suffix (Public Suffix List); the clouds would answer for every name under it` };
  }
  let rule: ZoneNameRule | undefined;
  for (const r of policy.rules ?? []) {
    const under = r.domain === '.' || origin === r.domain || origin.endsWith(`.${r.domain}`);
    if (under && (!rule || r.domain.length > rule.domain.length)) rule = r;
  }
  if (rule && !rule.namespaces.includes(namespace)) {
    const who = rule.namespaces.length > 0 ? `only in namespace ${rule.namespaces.join(', ')}` : 'in no namespace';
    return { ok: false, message: `zone name ${origin}: names under ${rule.domain} may be hosted ${who} (--zone-policy), not in ${namespace}` };
  }
  return { ok: true };
}
