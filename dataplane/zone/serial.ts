/**
 * Serial number arithmetic (RFC 1982) for SOA serials, which wrap around at 2^32.
 */

const HALF = 2 ** 31;
const MOD = 2 ** 32;

/**
 * Compares two serials: negative when `a` is older than `b`, positive when newer, 0 when equal.
 * RFC 1982 §3.2 leaves the comparison undefined for serials exactly 2^31 apart; we call them
 * "not newer" both ways (-1), so neither side is taken as an update.
 */
export function serialCompare(a: number, b: number): number {
  if (a === b) return 0;
  const diff = (a - b + MOD) % MOD;
  if (diff === HALF) return -1;
  return diff < HALF ? 1 : -1;
}

/** RFC 1982 §3.1: adds `n` (at most 2^31 - 1) to a serial. */
export function serialAdd(serial: number, n: number): number {
  if (n < 0 || n > HALF - 1) throw new RangeError(`serial increment ${n} outside 0..2^31-1 (RFC 1982 §3.1)`);
  return (serial + n) % MOD;
}

/**
 * The next serial for a zone whose content changed: the current Unix time when that is newer (so
 * serials stay meaningful across restarts), otherwise the old serial plus one.
 */
export function nextSerial(previous: number | undefined, nowSeconds: number): number {
  const now = nowSeconds % MOD;
  if (previous === undefined) return now;
  return serialCompare(now, previous) > 0 ? now : serialAdd(previous, 1);
}
