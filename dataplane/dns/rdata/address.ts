/**
 * IPv4 and IPv6 addresses in text: A and AAAA rdata, and the address hints of SVCB.
 * Hand-written scanners: a zone holds many of them and a regex per group adds up.
 */

/**
 * Parses a dotted quad in `text[start, end)` and appends its four octets to `out`; false (and
 * nothing appended) when it is not one. Each part is a decimal 0..255 without leading zeros:
 * some parsers read `010` as octal, so the form is refused rather than guessed.
 */
export function parseIPv4(text: string, out: number[], start = 0, end = text.length): boolean {
  let value = 0;
  let digits = 0;
  let parts = 0;
  let packed = 0;
  for (let i = start; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 0x2e; // a final '.' closes the last part
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return false;
      packed = packed * 256 + value;
      parts++;
      value = 0;
      digits = 0;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9 || (digits === 1 && value === 0)) return false;
    value = value * 10 + d;
    if (++digits > 3 || value > 255) return false;
  }
  if (parts !== 4) return false;
  out.push(Math.floor(packed / 0x1000000), (packed >> 16) & 0xff, (packed >> 8) & 0xff, packed & 0xff);
  return true;
}

/** Scratch for the groups of one address; parsing is synchronous, so one is enough. */
const groups = new Uint16Array(8);

/**
 * Parses an IPv6 address (RFC 4291 §2.2: hex groups, one `::` for one or more zero groups, an
 * optional dotted-quad tail) and appends its sixteen octets to `out`; false when malformed.
 */
export function parseIPv6(text: string, out: number[]): boolean {
  const n = text.length;
  let count = 0;
  let gap = -1;
  let i = 0;
  if (n >= 2 && text.charCodeAt(0) === 0x3a && text.charCodeAt(1) === 0x3a) {
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const start = i;
    let v = 0;
    while (i < n && i - start < 5) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      v = v * 16 + h;
      i++;
    }
    if (i < n && text.charCodeAt(i) === 0x2e) {
      // RFC 4291 §2.2 form 3: the last 32 bits as a dotted quad, only at the very end.
      if (count > 6) return false;
      const v4: number[] = [];
      if (!parseIPv4(text, v4, start, n)) return false;
      groups[count++] = (v4[0]! << 8) | v4[1]!;
      groups[count++] = (v4[2]! << 8) | v4[3]!;
      break;
    }
    const digits = i - start;
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = v;
    if (i === n) break;
    if (text.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < n && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i === n) {
      return false; // a single trailing colon
    }
  }
  // Without `::` all eight groups are written; `::` stands for at least one zero group.
  if (gap < 0 ? count !== 8 : count > 7) return false;
  const zeros = 8 - count;
  for (let k = 0; k < 8; k++) {
    const g = gap < 0 || k < gap ? groups[k]! : k < gap + zeros ? 0 : groups[k - zeros]!;
    out.push(g >> 8, g & 0xff);
  }
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}

export function formatIPv4(b: Uint8Array, pos: number): string {
  return `${b[pos]}.${b[pos + 1]}.${b[pos + 2]}.${b[pos + 3]}`;
}

/** The recommended text of the sixteen octets at `pos` (RFC 5952). */
export function formatIPv6(b: Uint8Array, pos: number): string {
  // RFC 5952 §5: an IPv4-mapped address (::ffff:0:0/96) keeps its dotted-quad tail.
  let mapped = b[pos + 10] === 0xff && b[pos + 11] === 0xff;
  for (let k = 0; k < 10 && mapped; k++) mapped = b[pos + k] === 0;
  if (mapped) return `::ffff:${formatIPv4(b, pos + 12)}`;
  // RFC 5952 §4.2.2/§4.2.3: `::` replaces the longest run of two or more zero groups, the first
  // such run on a tie; a lone zero group stays "0".
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let k = 0; k <= 8; k++) {
    const zero = k < 8 && b[pos + 2 * k] === 0 && b[pos + 2 * k + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = k;
    } else if (runStart >= 0) {
      if (k - runStart > bestLen) {
        bestStart = runStart;
        bestLen = k - runStart;
      }
      runStart = -1;
    }
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += '::';
      k += bestLen - 1;
      continue;
    }
    if (k > 0 && k !== bestStart + bestLen) out += ':';
    // RFC 5952 §4.1 and §4.3: no leading zeros, lower-case hex.
    out += ((b[pos + 2 * k]! << 8) | b[pos + 2 * k + 1]!).toString(16);
  }
  return out;
}
