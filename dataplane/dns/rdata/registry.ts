import { sameBytes } from '../bytes';
import type { Name } from '../name';
import { RdataError, type RdataCodec, type Token } from './codec';
import { FieldCodec } from './field-codec';
import { GenericCodec, isGenericForm, parseGenericForm } from './generic';
import { TYPE_SPECS } from './types';

/**
 * The codec table: one codec per known type, built from its fields (types.ts), and the generic
 * codec of RFC 3597 for every other type.
 */

const KNOWN = new Map<number, RdataCodec>(TYPE_SPECS.map((spec) => [spec.type, new FieldCodec(spec)]));
const GENERIC = new Map<number, GenericCodec>();

/** The codec of `type`: its own when known, the RFC 3597 generic one otherwise. */
export function codecFor(type: number): RdataCodec {
  const known = KNOWN.get(type);
  if (known !== undefined) return known;
  let generic = GENERIC.get(type);
  if (generic === undefined) {
    generic = new GenericCodec(type);
    GENERIC.set(type, generic);
  }
  return generic;
}

/**
 * Parses the rdata tokens of one record into uncompressed wire form. The RFC 3597 §5 generic
 * form `\# <length> <hex>` is accepted for every type; for a known type its octets must then be
 * valid wire rdata of that type, with no compression pointers since there is no message.
 */
export function parseRdata(type: number, tokens: readonly Token[], origin: Name): Uint8Array {
  const codec = codecFor(type);
  if (!isGenericForm(tokens) || codec instanceof GenericCodec) return codec.fromText(tokens, origin);
  const fail = (message: string): never => {
    throw new RdataError(message, codec.mnemonic);
  };
  const generic = parseGenericForm(tokens, fail)!;
  const checked = codec.fromWire(generic, 0, generic.length);
  // Decompressing changes the octets, so equality means the data held no pointer.
  if (!sameBytes(checked, generic)) fail('\\# data holds a compression pointer, which has nothing to point into');
  return checked;
}

/** Presentation format of uncompressed rdata, names absolute (RFC 3597 §5 form for unknown types). */
export function rdataToText(type: number, rdata: Uint8Array): string {
  return codecFor(type).toText(rdata);
}

/**
 * Reads the rdata of `length` octets at `offset` of a whole DNS message, checks it and returns it
 * uncompressed. Throws RdataError when it is malformed.
 */
export function rdataFromWire(type: number, message: Uint8Array, offset: number, length: number): Uint8Array {
  return codecFor(type).fromWire(message, offset, length);
}
