import type { Name } from '../name';
import type { Token } from './codec';
import { copyOctets, plainToken, readUint, pushUint, type Field } from './fields';
import { abbreviate, type Fail } from './text';

/**
 * LOC (RFC 1876): the whole rdata as one field, sixteen octets. Text (RFC 1876 §3):
 *   d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W} alt[m] [siz[m] [hp[m] [vp[m]]]]
 * with sizes defaulting to 1m, 10000m and 10m. Printed as BIND prints it: every part written out,
 * seconds with three decimals, the altitude with two, sizes in whole metres from 1m up.
 */

/** RFC 1876 §2: latitude and longitude are thousandths of an arc second offset by 2^31. */
const EQUATOR = 2 ** 31;
/** RFC 1876 §2: altitude in centimetres above a base 100,000 m below the WGS 84 spheroid. */
const ALTITUDE_BASE = 10_000_000;
const MAX_ALTITUDE_CM = 0xffffffff - ALTITUDE_BASE; // 42849672.95 m
/** RFC 1876 §2: sizes are mantissa and power of ten, each 0..9, in centimetres. */
const MAX_SIZE_CM = 9e9;
const DEFAULT_SIZE = 0x12; // 1m
const DEFAULT_HORIZONTAL = 0x16; // 10000m
const DEFAULT_VERTICAL = 0x13; // 10m

const METRES = /^(-?)(\d{1,9})(?:\.(\d{1,2}))?[mM]?$/;
const SECONDS = /^(\d{1,2})(?:\.(\d{1,3}))?$/;
const INTEGER = /^\d{1,3}$/;

class LocField implements Field {
  readonly compressible = false;

  parse(tokens: readonly Token[], i: number, _origin: Name, out: number[], fail: Fail): number {
    let k = i;
    const angle = (max: number, positive: string, negative: string, what: string): number => {
      const degrees = integer(plainToken(tokens, k++, `${what} degrees`, fail), max, `${what} degrees`, fail);
      let minutes = 0;
      let millis = 0;
      let hemisphere = plainToken(tokens, k++, `${what} hemisphere`, fail).toUpperCase();
      if (hemisphere !== positive && hemisphere !== negative) {
        minutes = integer(hemisphere, 59, `${what} minutes`, fail);
        hemisphere = plainToken(tokens, k++, `${what} hemisphere`, fail).toUpperCase();
        if (hemisphere !== positive && hemisphere !== negative) {
          millis = seconds(hemisphere, what, fail);
          hemisphere = plainToken(tokens, k++, `${what} hemisphere`, fail).toUpperCase();
        }
      }
      if (hemisphere !== positive && hemisphere !== negative) fail(`${what}: expected ${positive} or ${negative}, got "${abbreviate(hemisphere)}"`);
      const total = (degrees * 3600 + minutes * 60) * 1000 + millis;
      if (total > max * 3_600_000) fail(`${what} is more than ${max} degrees`);
      return hemisphere === positive ? EQUATOR + total : EQUATOR - total;
    };
    const latitude = angle(90, 'N', 'S', 'latitude');
    const longitude = angle(180, 'E', 'W', 'longitude');
    const altitude = centimetres(plainToken(tokens, k++, 'altitude', fail), true, 'altitude', fail);
    if (altitude < -ALTITUDE_BASE || altitude > MAX_ALTITUDE_CM) fail('altitude must be from -100000.00m to 42849672.95m');
    const sizes = [DEFAULT_SIZE, DEFAULT_HORIZONTAL, DEFAULT_VERTICAL];
    const names = ['size', 'horizontal precision', 'vertical precision'];
    for (let s = 0; s < 3 && k < tokens.length; s++) {
      const cm = centimetres(plainToken(tokens, k++, names[s]!, fail), false, names[s]!, fail);
      if (cm > MAX_SIZE_CM) fail(`${names[s]} must be at most 90000000m`);
      sizes[s] = encodeSize(cm);
    }
    out.push(0, sizes[0]!, sizes[1]!, sizes[2]!); // RFC 1876 §2: version 0
    pushUint(out, latitude, 4);
    pushUint(out, longitude, 4);
    pushUint(out, altitude + ALTITUDE_BASE, 4);
    return k;
  }

  format(rdata: Uint8Array, pos: number, parts: string[]): number {
    const altitude = readUint(rdata, pos + 12, 4) - ALTITUDE_BASE;
    parts.push(
      formatAngle(readUint(rdata, pos + 4, 4), 'N', 'S'),
      formatAngle(readUint(rdata, pos + 8, 4), 'E', 'W'),
      `${altitude < 0 ? '-' : ''}${formatCentimetres(Math.abs(altitude))}m`,
      formatSize(rdata[pos + 1]!),
      formatSize(rdata[pos + 2]!),
      formatSize(rdata[pos + 3]!),
    );
    return pos + 16;
  }

  read(msg: Uint8Array, pos: number, end: number, out: number[], fail: Fail): number {
    if (end - pos !== 16) fail(`rdata must be 16 octets, got ${end - pos}`);
    // RFC 1876 §2: only version 0 is defined, and its layout is all we can read.
    if (msg[pos] !== 0) fail(`version ${msg[pos]} is not 0 (RFC 1876 §2)`);
    for (let s = 1; s <= 3; s++) {
      const b = msg[pos + s]!;
      if (b >> 4 > 9 || (b & 15) > 9) fail(`size octet 0x${b.toString(16)} has a digit above 9 (RFC 1876 §2)`);
    }
    const latitude = readUint(msg, pos + 4, 4);
    const longitude = readUint(msg, pos + 8, 4);
    if (Math.abs(latitude - EQUATOR) > 90 * 3_600_000) fail('latitude is more than 90 degrees');
    if (Math.abs(longitude - EQUATOR) > 180 * 3_600_000) fail('longitude is more than 180 degrees');
    return copyOctets(msg, pos, end, 16, out, 'LOC data', fail);
  }

  skip(_rdata: Uint8Array, pos: number): number {
    return pos + 16;
  }
}

export const loc: Field = new LocField();

function integer(text: string, max: number, what: string, fail: Fail): number {
  const v = INTEGER.test(text) ? Number(text) : -1;
  if (v < 0 || v > max) fail(`${what}: expected a whole number from 0 to ${max}, got "${abbreviate(text)}"`);
  return v;
}

/** Seconds with up to three decimals, below 60, as thousandths. */
function seconds(text: string, what: string, fail: Fail): number {
  const m = SECONDS.exec(text);
  const v = m ? Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0')) : -1;
  if (v < 0 || v >= 60_000) fail(`${what} seconds: expected a number below 60 with up to 3 decimals, got "${abbreviate(text)}"`);
  return v;
}

/** Metres with up to two decimals and an optional `m`, as centimetres. */
function centimetres(text: string, signed: boolean, what: string, fail: Fail): number {
  const m = METRES.exec(text);
  if (!m || (m[1] === '-' && !signed)) fail(`${what}: expected metres with up to 2 decimals, like ${signed ? '-24.5m' : '10m'}, got "${abbreviate(text)}"`);
  const cm = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cm : cm;
}

/**
 * RFC 1876 §2: one significant digit and a power of ten. Lower digits are dropped, as BIND does
 * (123m is stored as 100m).
 */
function encodeSize(cm: number): number {
  if (cm === 0) return 0;
  let exponent = 0;
  while (cm >= 10 ** (exponent + 1)) exponent++;
  return (Math.floor(cm / 10 ** exponent) << 4) | exponent;
}

function formatSize(b: number): string {
  const mantissa = b >> 4;
  const exponent = b & 15;
  if (exponent >= 2) return `${mantissa * 10 ** (exponent - 2)}m`;
  return `${formatCentimetres(mantissa * 10 ** exponent)}m`;
}

function formatCentimetres(cm: number): string {
  const rest = cm % 100;
  return `${Math.floor(cm / 100)}.${rest < 10 ? '0' : ''}${rest}`;
}

function formatAngle(value: number, positive: string, negative: string): string {
  const offset = value - EQUATOR;
  const a = Math.abs(offset);
  const millis = a % 60_000;
  const ms = millis % 1000;
  const degrees = Math.floor(a / 3_600_000);
  const minutes = Math.floor((a % 3_600_000) / 60_000);
  return `${degrees} ${minutes} ${Math.floor(millis / 1000)}.${String(ms).padStart(3, '0')} ${offset >= 0 ? positive : negative}`;
}
