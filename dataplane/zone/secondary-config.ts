/**
 * A secondary zone's configuration and the name form zones are keyed by: shared by the manifests
 * that read them from YAML, the operator that writes them to the store and the store itself, so
 * it sits below all three (ADR 0001).
 */

/** Which clouds serve a zone: the named ones, or every cloud. */
export type CloudSelector = readonly string[] | 'all';

/** A customer secondary the control server lets transfer a zone and NOTIFYs on every change. */
export interface OutboundTarget {
  readonly address: string;
  readonly port: number;
  /** The key its transfer requests must be signed with (a Secret's fields, `secret` in base64). */
  readonly tsig?: { readonly name: string; readonly algorithm: string; readonly secret: string };
}

/**
 * A secondary zone as the operator hands it to the control server: where to transfer it from,
 * with which key, on which timers, for which clouds.
 */
export interface SecondaryConfig {
  /** Absolute zone name in lower case. */
  readonly origin: string;
  readonly primaries: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  /** TSIG key for the primaries: the Secret's fields (`secret` in base64). */
  readonly tsig?: { readonly name: string; readonly algorithm: string; readonly secret: string };
  readonly refresh?: { readonly refresh?: number; readonly retry?: number; readonly expire?: number; readonly minimumRefresh?: number };
  readonly clouds: CloudSelector;
  /** Customer secondaries of the copy (`spec.secondaries`). */
  readonly secondaries?: readonly OutboundTarget[];
  /** The `dnsfleet.io/retrieve` annotation: a new value asks for a transfer now, whatever the serial. */
  readonly retrieve?: string;
  /** The SecondaryZone it comes from (`SecondaryZone/namespace/name`); the control server tags its copies with it. */
  readonly owner?: string;
}

/** A zone name as the store keys it: absolute, lower case. */
export function storeOrigin(name: string): string {
  const absolute = name.endsWith('.') ? name : `${name}.`;
  return absolute.toLowerCase();
}
