import { Name } from '../name';
import { typeToString } from '../constants';
import { RdataError, type RdataCodec, type Token } from './codec';
import type { Field } from './fields';
import { fromHex, toHex } from './text';
import { TYPE_SPECS, type TypeSpec } from './types';

/**
 * The codec table: one codec per known type, made from its fields, and the generic codec of
 * RFC 3597 for every other type.
 */

class FieldCodec implements RdataCodec {
  readonly mnemonic: string;
  private readonly hasCompressible: boolean;

  constructor(private readonly spec: TypeSpec) {
    this.mnemonic = typeToString(spec.type);
    this.hasCompressible = spec.fields.some((fl) => fl.compressible);
  }

  get type(): number {
    return this.spec.type;
  }

  private fail = (message: string): never => {
    throw new RdataError(message, this.mnemonic);
  };

  fromText(tokens: readonly Token[], origin: Name): Uint8Array {
    const out: number[] = [];
    let i = 0;
    for (const field of this.spec.fields) i = field.parse(tokens, i, origin, out, this.fail);
    if (i < tokens.length) this.fail(`unexpected "${tokens[i]!.text}" after the last field`);
    if (out.length > 65535) this.fail('rdata longer than 65535 octets');
    return Uint8Array.from(out);
  }

  toText(rdata: Uint8Array): string {
    const parts: string[] = [];
    let pos = 0;
    for (const field of this.spec.fields) {
      const [text, next] = field.format(rdata, pos);
      if (text !== '') parts.push(text);
      pos = next;
    }
    return parts.join(' ');
  }

  fromWire(message: Uint8Array, offset: number, length: number): Uint8Array {
    const end = offset + length;
    if (end > message.length) this.fail('rdata runs past the message');
    const out: number[] = [];
    let pos = offset;
    for (const field of this.spec.fields) pos = field.read(message, pos, end, out, this.fail);
    if (pos !== end) this.fail(`${end - pos} octets after the last field`);
    return Uint8Array.from(out);
  }

  compressibleNames(rdata: Uint8Array): Array<[number, number]> {
    if (!this.hasCompressible) return NO_NAMES;
    const out: Array<[number, number]> = [];
    let pos = 0;
    for (const field of this.spec.fields) {
      const next = field.skip(rdata, pos);
      if (field.compressible) out.push([pos, next]);
      pos = next;
    }
    return out;
  }

  additionalNames(rdata: Uint8Array): Name[] {
    const index = this.spec.additional;
    if (index === undefined) return [];
    let pos = 0;
    const fields: readonly Field[] = this.spec.fields;
    for (let k = 0; k < index; k++) pos = fields[k]!.skip(rdata, pos);
    return [Name.fromWire(rdata.subarray(pos, fields[index]!.skip(rdata, pos)))];
  }
}

const NO_NAMES: Array<[number, number]> = [];

/** RFC 3597 §5: `\# <length> <hex>` in text, opaque octets on the wire. */
class GenericCodec implements RdataCodec {
  readonly mnemonic: string;

  constructor(readonly type: number) {
    this.mnemonic = typeToString(type);
  }

  fromText(tokens: readonly Token[]): Uint8Array {
    return parseGeneric(tokens, this.mnemonic) ?? fail(`type ${this.mnemonic} needs the generic form \\# <length> <hex>`, this.mnemonic);
  }

  toText(rdata: Uint8Array): string {
    return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${toHex(rdata)}`;
  }

  fromWire(message: Uint8Array, offset: number, length: number): Uint8Array {
    if (offset + length > message.length) fail('rdata runs past the message', this.mnemonic);
    return message.slice(offset, offset + length);
  }

  compressibleNames(): Array<[number, number]> {
    return NO_NAMES;
  }

  additionalNames(): Name[] {
    return [];
  }
}

function fail(message: string, type: string): never {
  throw new RdataError(message, type);
}

function parseGeneric(tokens: readonly Token[], mnemonic: string): Uint8Array | undefined {
  if (tokens[0]?.text !== '\\#' || tokens[0].quoted) return undefined;
  const lengthText = tokens[1]?.text;
  if (lengthText === undefined || !/^\d{1,5}$/.test(lengthText) || Number(lengthText) > 65535) {
    fail(`generic rdata needs a length after \\#, got ${lengthText === undefined ? 'nothing' : `"${lengthText}"`}`, mnemonic);
  }
  const bytes = fromHex(tokens.slice(2).map((t) => t.text).join(''), (m) => fail(m, mnemonic));
  if (bytes.length !== Number(lengthText)) fail(`generic rdata says ${lengthText} octets but has ${bytes.length}`, mnemonic);
  return Uint8Array.from(bytes);
}

const CODECS = new Map<number, RdataCodec>(TYPE_SPECS.map((spec) => [spec.type, new FieldCodec(spec)]));
const GENERIC = new Map<number, RdataCodec>();

export function codecFor(type: number): RdataCodec {
  const known = CODECS.get(type);
  if (known) return known;
  let generic = GENERIC.get(type);
  if (!generic) GENERIC.set(type, (generic = new GenericCodec(type)));
  return generic;
}

export function isKnownType(type: number): boolean {
  return CODECS.has(type);
}

/**
 * Parses the rdata of one record. The RFC 3597 generic form is accepted for every type; for a
 * known type its octets are then checked like wire data (RFC 3597 §5).
 */
export function parseRdata(type: number, tokens: readonly Token[], origin: Name): Uint8Array {
  const codec = codecFor(type);
  const generic = parseGeneric(tokens, codec.mnemonic);
  if (generic) return codec instanceof GenericCodec ? generic : codec.fromWire(generic, 0, generic.length);
  return codec.fromText(tokens, origin);
}

export function rdataToText(type: number, rdata: Uint8Array): string {
  return codecFor(type).toText(rdata);
}

export function rdataFromWire(type: number, message: Uint8Array, offset: number, length: number): Uint8Array {
  return codecFor(type).fromWire(message, offset, length);
}
