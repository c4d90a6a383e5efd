import { strict as assert } from 'node:assert';
import { Name } from '../name';
import { typeFromString } from '../constants';
import { tokenizeRdata } from '../zonefile/tokenizer';
import { RdataError } from './codec';
import { parseRdata, rdataFromWire, rdataToText } from './registry';
import { toHex } from './text';

/** Fixture builders shared by the rdata tests (test-only: `*.fixtures.ts` files are held to the test rules of ADR 0001). */

export const origin = Name.fromText('example.com.');

export function typeNumber(mnemonic: string): number {
  const type = typeFromString(mnemonic);
  if (type === undefined) throw new Error(`test uses an unknown type ${mnemonic}`);
  return type;
}

/** Parses rdata written as it would follow the type in a zone file. */
export function parse(type: string, text: string): Uint8Array {
  return parseRdata(typeNumber(type), tokenizeRdata(text), origin);
}

/** Octets from hex written with spaces for readability. */
export function octets(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

/** Upper-case hex of some octets, comparable with `octets` input after normalising. */
export function hexOf(bytes: Uint8Array): string {
  return toHex(bytes);
}

/**
 * Checks one record both ways: text -> wire equals `expectedHex`, wire -> text equals
 * `expectedText`, that text -> the same wire, and the wire also survives the wire reader and the
 * RFC 3597 generic form.
 */
export function roundTrip(type: string, text: string, expectedText: string, expectedHex: string): Uint8Array {
  const t = typeNumber(type);
  const wire = parse(type, text);
  assert.equal(hexOf(wire), expectedHex.replace(/\s+/g, '').toUpperCase(), `${type} wire form`);
  const printed = rdataToText(t, wire);
  assert.equal(printed, expectedText, `${type} text form`);
  assert.deepEqual(parse(type, printed), wire, `${type} text read back`);
  assert.equal(rdataToText(t, parse(type, printed)), printed, `${type} text stable`);
  assert.deepEqual(rdataFromWire(t, wire, 0, wire.length), wire, `${type} through the wire reader`);
  assert.deepEqual(parse(type, `\\# ${wire.length} ${hexOf(wire)}`), wire, `${type} through the generic form`);
  return wire;
}

/** Asserts that `fn` throws an RdataError whose message matches `message`. */
export function assertRdataError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RdataError, `expected an RdataError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}
