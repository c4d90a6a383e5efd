import { sameBytes } from '../dns/bytes';
import { parseIPv4, parseIPv6 } from '../dns/rdata/address';
import { DnsfleetError } from '../dns/error';

/**
 * Who may transfer a zone out: an address allow-list of CIDR prefixes (`192.0.2.0/24`,
 * `2001:db8::/32`, or a bare address) for every zone, and per zone its customer secondaries,
 * each by address and, when it has one, by TSIG key.
 */
export class AclError extends DnsfleetError {
  constructor(readonly entry: string, message: string) {
    super(`allow-list entry "${entry}": ${message}`, { entry });
    this.name = 'AclError';
  }
}

/** Decides one transfer request; the server asks after any TSIG on the request has verified. */
export interface TransferAcl {
  /**
   * `zone` is the zone's name in lower case with the trailing dot; `keyName` the name of the TSIG
   * key the request was signed with (verified), if it was signed.
   */
  allowsTransfer(zone: string, client: string, keyName: string | undefined): boolean;
}

interface Prefix {
  readonly bytes: Uint8Array;
  readonly length: number;
}

export class AddressList {
  private constructor(private readonly prefixes: readonly Prefix[]) {}

  static parse(entries: readonly string[]): AddressList {
    return new AddressList(entries.map(parsePrefix));
  }

  get isEmpty(): boolean {
    return this.prefixes.length === 0;
  }

  allows(address: string): boolean {
    const bytes = addressOctets(address);
    if (!bytes) return false;
    return this.prefixes.some((p) => p.bytes.length === bytes.length && matches(p, bytes));
  }

  /** Every zone, by address alone; a verified TSIG key changes nothing. */
  allowsTransfer(_zone: string, client: string): boolean {
    return this.allows(client);
  }
}

/** A customer secondary of one zone: its address and the key its requests must be signed with. */
export interface SecondaryGrant {
  readonly address: string;
  /** Key name, lower case with the trailing dot (as `parseTsigKey` gives it). */
  readonly keyName?: string;
}

/**
 * `--allow-transfer` for every zone plus each zone's `spec.secondaries`. A secondary with a key
 * is allowed only when its request verified with that key; an unsigned one, or one signed with
 * another key, is refused (the TSIG check itself, BADSIG and BADKEY, happens before this).
 */
export class TransferPolicy implements TransferAcl {
  private readonly grants: ReadonlyMap<string, ReadonlyArray<{ bytes: Uint8Array; keyName?: string }>>;

  constructor(
    private readonly global: AddressList,
    grants: ReadonlyMap<string, readonly SecondaryGrant[]> = new Map(),
  ) {
    const out = new Map<string, Array<{ bytes: Uint8Array; keyName?: string }>>();
    for (const [zone, list] of grants) {
      out.set(
        zone,
        list.map((g) => {
          const bytes = addressOctets(g.address);
          if (!bytes) throw new AclError(g.address, 'not an IPv4 or IPv6 address');
          return { bytes, keyName: g.keyName };
        }),
      );
    }
    this.grants = out;
  }

  allowsTransfer(zone: string, client: string, keyName: string | undefined): boolean {
    if (this.global.allows(client)) return true;
    const bytes = addressOctets(client);
    if (!bytes) return false;
    return (this.grants.get(zone) ?? []).some(
      (g) => g.bytes.length === bytes.length && g.bytes.every((b, i) => b === bytes[i]) && (g.keyName === undefined || g.keyName === keyName),
    );
  }
}

function parsePrefix(entry: string): Prefix {
  const [addr, len, ...rest] = entry.split('/');
  if (rest.length > 0 || !addr) throw new AclError(entry, 'expected ADDRESS or ADDRESS/LENGTH');
  const bytes = addressBytes(addr);
  if (!bytes) throw new AclError(entry, 'not an IPv4 or IPv6 address');
  const max = bytes.length * 8;
  const length = len === undefined ? max : Number(len);
  if (!Number.isInteger(length) || length < 0 || length > max || (len !== undefined && !/^\d+$/.test(len))) {
    throw new AclError(entry, `prefix length must be 0..${max}`);
  }
  return { bytes, length };
}

function matches(p: Prefix, bytes: Uint8Array): boolean {
  let bits = p.length;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((p.bytes[i]! & mask) !== (bytes[i]! & mask)) return false;
  }
  return true;
}

/** One address however written (`2001:db8::1` = `2001:DB8:0::1`, `::ffff:192.0.2.1` = `192.0.2.1`). */
export function sameAddress(a: string, b: string): boolean {
  const x = addressOctets(a);
  const y = addressOctets(b);
  return x !== undefined && y !== undefined && sameBytes(x, y);
}

/** `::ffff:127.0.0.1`, as dual-stack sockets report IPv4 peers, is matched as 127.0.0.1. */
function unmapIPv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** The 4 octets of an IPv4 address (also written IPv4-mapped, `::ffff:192.0.2.1`) or the 16 of an IPv6 one; undefined if malformed. */
export function addressOctets(address: string): Uint8Array | undefined {
  return addressBytes(unmapIPv4(address));
}

/**
 * The address's 4 or 16 octets, parsed by the same scanners as A and AAAA rdata; undefined if
 * malformed. A zone index (`fe80::1%eth0`, RFC 4007 §11) names the interface, not the address.
 */
function addressBytes(address: string): Uint8Array | undefined {
  const out: number[] = [];
  const scope = address.indexOf('%');
  const plain = scope < 0 ? address : address.slice(0, scope);
  return parseIPv4(plain, out) || parseIPv6(plain, out) ? Uint8Array.from(out) : undefined;
}
