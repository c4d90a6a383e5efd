import { Name } from '../name';
import { typeToString } from '../constants';
import { RdataError, type RdataCodec, type Token } from './codec';
import type { Fail, Field } from './fields';

/**
 * What a record type is made of (RFC 1035 §3.3 and later RFCs): its fields in order, and which
 * field, if any, names a host whose addresses go in the additional section.
 */
export interface TypeSpec {
  readonly type: number;
  readonly fields: readonly Field[];
  readonly additional?: number;
}

const NO_NAMES: Array<[number, number]> = [];

/** The codec of a known type: runs its fields in order for each direction. */
export class FieldCodec implements RdataCodec {
  readonly type: number;
  readonly mnemonic: string;
  private readonly fields: readonly Field[];
  private readonly additional: number | undefined;
  private readonly hasCompressible: boolean;
  /** Made once per codec: fields report problems through it, and it names the type. */
  private readonly fail: Fail;

  constructor(spec: TypeSpec) {
    this.type = spec.type;
    this.mnemonic = typeToString(spec.type);
    this.fields = spec.fields;
    this.additional = spec.additional;
    this.hasCompressible = spec.fields.some((field) => field.compressible);
    const mnemonic = this.mnemonic;
    this.fail = (message: string): never => {
      throw new RdataError(message, mnemonic);
    };
  }

  fromText(tokens: readonly Token[], origin: Name): Uint8Array {
    const out: number[] = [];
    let i = 0;
    for (const field of this.fields) i = field.parse(tokens, i, origin, out, this.fail);
    if (i < tokens.length) this.fail(`unexpected "${tokens[i]!.text}" after the last field`);
    // RFC 1035 §3.2.1: RDLENGTH is 16 bits.
    if (out.length > 0xffff) this.fail(`rdata of ${out.length} octets is longer than 65535`);
    return new Uint8Array(out);
  }

  toText(rdata: Uint8Array): string {
    const parts: string[] = [];
    let pos = 0;
    for (const field of this.fields) pos = field.format(rdata, pos, parts);
    return parts.join(' ');
  }

  fromWire(message: Uint8Array, offset: number, length: number): Uint8Array {
    const end = offset + length;
    if (offset < 0 || length < 0 || end > message.length) this.fail(`rdata of ${length} octets at ${offset} runs past the message`);
    const out: number[] = [];
    let pos = offset;
    for (const field of this.fields) pos = field.read(message, pos, end, out, this.fail);
    if (pos !== end) this.fail(`${end - pos} octets after the last field`);
    return new Uint8Array(out);
  }

  compressibleNames(rdata: Uint8Array): Array<[number, number]> {
    if (!this.hasCompressible) return NO_NAMES;
    const out: Array<[number, number]> = [];
    let pos = 0;
    for (const field of this.fields) {
      const next = field.skip(rdata, pos);
      if (field.compressible) out.push([pos, next]);
      pos = next;
    }
    return out;
  }

  additionalNames(rdata: Uint8Array): Name[] {
    const index = this.additional;
    if (index === undefined) return [];
    let pos = 0;
    for (let k = 0; k < index; k++) pos = this.fields[k]!.skip(rdata, pos);
    return [Name.fromWire(rdata.subarray(pos, this.fields[index]!.skip(rdata, pos)))];
  }
}
