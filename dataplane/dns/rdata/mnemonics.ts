import { UintField, type Field } from './fields';
import { abbreviate, parseDecimal, type Fail } from './text';

/**
 * Numbers that have mnemonics in text: CERT's certificate type (RFC 4398 §2.1) and algorithm
 * (RFC 4398 §2.1 takes the DNSSEC algorithm numbers, IANA "DNS Security Algorithm Numbers").
 * Text takes the mnemonic (any case) or the number; output uses the mnemonic where there is one,
 * the same table BIND prints from.
 */

class MnemonicField extends UintField {
  private readonly byName: ReadonlyMap<string, number>;
  private readonly byNumber: ReadonlyMap<number, string>;

  constructor(size: 1 | 2, what: string, table: Readonly<Record<string, number>>) {
    super(size, what);
    this.byName = new Map(Object.entries(table));
    this.byNumber = new Map(Object.entries(table).map(([k, v]) => [v, k]));
  }

  protected override valueOf(text: string, fail: Fail): number {
    const known = this.byName.get(text.toUpperCase());
    if (known !== undefined) return known;
    const v = parseDecimal(text, this.max);
    if (v < 0) fail(`${this.what}: expected a number from 0 to ${this.max} or one of ${[...this.byName.keys()].join(', ')}, got "${abbreviate(text)}"`);
    return v;
  }

  override format(rdata: Uint8Array, pos: number, parts: string[]): number {
    const v = this.size === 1 ? rdata[pos]! : (rdata[pos]! << 8) | rdata[pos + 1]!;
    parts.push(this.byNumber.get(v) ?? String(v));
    return pos + this.size;
  }
}

/** RFC 4398 §2.1 certificate types. */
const CERT_TYPES = { PKIX: 1, SPKI: 2, PGP: 3, IPKIX: 4, ISPKI: 5, IPGP: 6, ACPKIX: 7, IACPKIX: 8, URI: 253, OID: 254 };

/** DNSSEC algorithm mnemonics (RFC 4034 Appendix A.1, RFC 5155, RFC 5702, RFC 6605, RFC 8080). */
const ALGORITHMS = {
  RSAMD5: 1,
  DH: 2,
  DSA: 3,
  RSASHA1: 5,
  NSEC3DSA: 6,
  NSEC3RSASHA1: 7,
  RSASHA256: 8,
  RSASHA512: 10,
  ECCGOST: 12,
  ECDSAP256SHA256: 13,
  ECDSAP384SHA384: 14,
  ED25519: 15,
  ED448: 16,
  INDIRECT: 252,
  PRIVATEDNS: 253,
  PRIVATEOID: 254,
};

export const certType: Field = new MnemonicField(2, 'certificate type', CERT_TYPES);
export const certAlgorithm: Field = new MnemonicField(1, 'algorithm', ALGORITHMS);
