import type { Name } from '../name';
import { DnsfleetError } from '../error';

/**
 * One token of the rdata part of a presentation-format record, as the zone-file tokenizer saw it.
 * `text` is raw: escapes (`\X`, `\DDD`) are still in it, and the quotes of a quoted string are
 * removed (`quoted` says it was one). Each field codec decodes escapes the way its field needs.
 */
export interface Token {
  readonly text: string;
  readonly quoted: boolean;
}

/** Rdata that does not fit its type, in text or in wire form. */
export class RdataError extends DnsfleetError {
  constructor(
    message: string,
    readonly type: string,
  ) {
    super(`${type}: ${message}`, { type });
    this.name = 'RdataError';
  }
}

/**
 * The codec of one record type: presentation format <-> uncompressed wire format.
 * Rdata is always held as its uncompressed wire form, names in their original case.
 */
export interface RdataCodec {
  readonly type: number;
  readonly mnemonic: string;
  /** Parses the rdata tokens of one record; relative names are completed with `origin`. */
  fromText(tokens: readonly Token[], origin: Name): Uint8Array;
  /** Presentation format of the rdata (absolute names). */
  toText(rdata: Uint8Array): string;
  /**
   * Reads rdata of `length` octets at `offset` of a whole DNS message, following compression
   * pointers where the type allows names in its rdata to be compressed, and returns the
   * uncompressed rdata. Throws RdataError when the rdata is malformed.
   */
  fromWire(message: Uint8Array, offset: number, length: number): Uint8Array;
  /**
   * Embedded names that an encoder may compress (RFC 3597 §4: only the types of RFC 1035),
   * as [start, end) offsets into the rdata, in order. Empty for all other types.
   */
  compressibleNames(rdata: Uint8Array): Array<[number, number]>;
  /** Names that trigger additional-section processing (RFC 1035 §3.3.9, §3.3.11; RFC 2782). */
  additionalNames(rdata: Uint8Array): Name[];
}
