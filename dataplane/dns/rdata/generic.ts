import type { Name } from '../name';
import { typeToString } from '../constants';
import { RdataError, type RdataCodec, type Token } from './codec';
import { hexToBytes, parseDecimal, toHex, type Fail } from './text';

/** The tokens start with an unquoted `\#`: rdata in the generic form of RFC 3597 §5. */
export function isGenericForm(tokens: readonly Token[]): boolean {
  const first = tokens[0];
  return first !== undefined && !first.quoted && first.text === '\\#';
}

/**
 * RFC 3597 §5: rdata of any type may be written `\# <length> <hex>`, the hex optionally split
 * into several tokens. Undefined when the tokens are not in that form; throws through `fail`
 * when they start with `\#` but are malformed.
 */
export function parseGenericForm(tokens: readonly Token[], fail: Fail): Uint8Array | undefined {
  if (!isGenericForm(tokens)) return undefined;
  const lengthToken = tokens[1];
  const length = lengthToken === undefined || lengthToken.quoted ? -1 : parseDecimal(lengthToken.text, 0xffff);
  if (length < 0) fail(`\\# needs a length from 0 to 65535, got ${lengthToken === undefined ? 'nothing' : `"${lengthToken.text}"`}`);
  let hex = '';
  for (let k = 2; k < tokens.length; k++) {
    if (tokens[k]!.quoted) fail('\\# data must be unquoted hex');
    hex += tokens[k]!.text;
  }
  const bytes: number[] = [];
  hexToBytes(hex, bytes, '\\# data', fail);
  // RFC 3597 §5: the length must match the data.
  if (bytes.length !== length) fail(`\\# says ${length} octets but the data has ${bytes.length}`);
  return new Uint8Array(bytes);
}

/** The codec of a type we know nothing about: opaque octets, text only in the generic form. */
export class GenericCodec implements RdataCodec {
  readonly mnemonic: string;
  private readonly fail: Fail;

  constructor(readonly type: number) {
    const mnemonic = typeToString(type);
    this.mnemonic = mnemonic;
    this.fail = (message: string): never => {
      throw new RdataError(message, mnemonic);
    };
  }

  fromText(tokens: readonly Token[], _origin: Name): Uint8Array {
    const rdata = parseGenericForm(tokens, this.fail);
    if (rdata === undefined) this.fail(`type ${this.mnemonic} has no known text form; write it as \\# <length> <hex> (RFC 3597 §5)`);
    return rdata;
  }

  toText(rdata: Uint8Array): string {
    return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${toHex(rdata)}`;
  }

  fromWire(message: Uint8Array, offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > message.length) this.fail(`rdata of ${length} octets at ${offset} runs past the message`);
    return message.slice(offset, offset + length);
  }

  // RFC 3597 §4: names inside unknown types are never compressed, nor looked at.
  compressibleNames(_rdata: Uint8Array): Array<[number, number]> {
    return [];
  }

  additionalNames(_rdata: Uint8Array): Name[] {
    return [];
  }
}
