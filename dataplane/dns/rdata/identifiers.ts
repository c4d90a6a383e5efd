import type { Name } from '../name';
import type { Token } from './codec';
import { copyOctets, LengthPrefixedField, plainToken, readUint, type Field } from './fields';
import { abbreviate, decodeEscapes, quoteString, type Fail } from './text';

/**
 * Fixed-size identifiers written as hex groups: EUI-48 and EUI-64 addresses (RFC 7043 §3.2,
 * §4.2: two hex digits per octet separated by `-`), ILNP node identifiers and locators
 * (RFC 6742 §2.1.2, §2.3.2: four 16-bit hex groups separated by `:`), and the PSDN address of
 * X25 (RFC 1183 §3.1).
 */

class HexGroupsField implements Field {
  readonly compressible = false;
  private readonly pattern: RegExp;

  /**
   * `groups` groups of `groupOctets` octets, separated by `separator`. Like BIND, a group may drop
   * its leading zeros in text; EUIs are printed with both digits, node identifiers without
   * leading zeros, as BIND prints them.
   */
  constructor(
    private readonly what: string,
    private readonly groups: number,
    private readonly groupOctets: 1 | 2,
    private readonly separator: string,
    private readonly padded: boolean,
    private readonly rule: string,
  ) {
    const group = `[0-9A-Fa-f]{1,${groupOctets * 2}}`;
    this.pattern = new RegExp(`^${group}(?:${separator}${group}){${groups - 1}}$`);
  }

  private get size(): number {
    return this.groups * this.groupOctets;
  }

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    const text = plainToken(tokens, i, this.what, fail);
    if (!this.pattern.test(text)) fail(`"${abbreviate(text)}" is not ${this.rule}`);
    for (const group of text.split(this.separator)) {
      const v = parseInt(group, 16);
      if (this.groupOctets === 2) out.push(v >> 8);
      out.push(v & 0xff);
    }
    return i + 1;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    const groups: string[] = [];
    for (let g = 0; g < this.groups; g++) {
      const text = readUint(rdata, pos + g * this.groupOctets, this.groupOctets).toString(16);
      groups.push(this.padded ? text.padStart(this.groupOctets * 2, '0') : text);
    }
    parts.push(groups.join(this.separator));
    return pos + this.size;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    return copyOctets(msg, pos, end, this.size, out, this.what, fail);
  }

  skip(_rdata: Uint8Array, pos: number): number {
    return pos + this.size;
  }
}

export const eui48: Field = new HexGroupsField('EUI-48 address', 6, 1, '-', true, 'an EUI-48 address like 00-00-5e-00-53-2a (RFC 7043 §3.2)');
export const eui64: Field = new HexGroupsField('EUI-64 address', 8, 1, '-', true, 'an EUI-64 address like 00-00-5e-ef-10-00-00-2a (RFC 7043 §4.2)');
export const nodeId = (what: string): Field => new HexGroupsField(what, 4, 2, ':', false, `a ${what} of four hex groups like 14:4fff:ff20:ee64 (RFC 6742 §2.1.2)`);

/** RFC 1183 §3.1: the X25 PSDN address, a character-string of at least four decimal digits. */
class PsdnAddressField extends LengthPrefixedField {
  constructor() {
    super('PSDN address', 4, true);
  }

  protected encode(text: string, out: number[], fail: Fail): void {
    const start = out.length;
    decodeEscapes(text, out, this.what, fail);
    if (out.length - start < 4) fail(`${this.what} must have at least 4 digits (RFC 1183 §3.1)`);
    for (let k = start; k < out.length; k++) if (out[k]! < 0x30 || out[k]! > 0x39) fail(`${this.what} must be decimal digits only (RFC 1183 §3.1)`);
  }

  protected decode(rdata: Uint8Array, start: number, end: number): string {
    return quoteString(rdata, start, end);
  }

  protected override checkWire(msg: Uint8Array, start: number, end: number, fail: Fail): void {
    for (let k = start; k < end; k++) if (msg[k]! < 0x30 || msg[k]! > 0x39) fail(`${this.what} must be decimal digits only (RFC 1183 §3.1)`);
  }
}

export const psdnAddress: Field = new PsdnAddressField();
