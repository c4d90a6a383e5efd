import { createHmac, timingSafeEqual } from 'node:crypto';
import { RRClass, RRType, Rcode } from './constants';
import { HEADER_LENGTH, skipName, skipRecord } from './message';
import { Name, NameError, foldCase, latin1ToBytes } from './name';
import { readName } from './rdata/fields';
import { base64ToBytes } from './rdata/text';
import { DnsfleetError } from './error';

/**
 * TSIG: secret key transaction authentication (RFC 8945), as a pure module over wire messages.
 *
 * Client side (the control server asking a primary for SOA, AXFR, IXFR, sending NOTIFY):
 * `signRequest` appends a TSIG RR to a request; a `TsigResponseVerifier`, made from the key and
 * the request MAC, checks each message of the response, the first one per §4.3.2 and the later
 * ones of a TCP transfer per §5.3.1, and `done()` says whether the stream ended signed.
 *
 * Server side (NOTIFY from a primary, transfers out to secondaries): `verifyRequest` checks a
 * signed request and gives the request MAC that `signResponse` and `TsigResponseSigner` chain
 * into the answer; on failure it throws a `TsigError` whose `rcode` and `error` say how to answer,
 * and `signErrorResponse` adds the TSIG RR that answer needs (§5.3.2).
 *
 * Messages are taken and returned exactly as on the wire: the MAC covers the octets as sent
 * (§4.3.3), so nothing here re-encodes a message. HMAC comes from node:crypto: computation, not
 * I/O. Times are seconds since the epoch and are always passed in, except that the verifier
 * reads the clock when a caller gives no time.
 */

export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512' | 'hmac-sha224' | 'hmac-sha1' | 'hmac-md5';

export interface TsigKey {
  /** The key name, e.g. `transfer-key.` (parseTsigKey gives it lower-cased and absolute). */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly secret: Uint8Array;
}

/** TSIG error codes carried in the TSIG RR's Error field (RFC 8945 §3, IANA "TSIG Error values"). */
export const TsigRcode = {
  NOERROR: 0,
  BADSIG: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADTRUNC: 22,
} as const;

/** RFC 8945 §4.3.3 example and BIND's default: 300 seconds of allowed clock difference. */
export const DEFAULT_FUDGE = 300;

/**
 * RFC 8945 §5.3.1: a client accepts up to 99 unsigned messages between two signed ones of a TCP
 * response, and no more.
 */
export const MAX_UNSIGNED_RUN = 99;

interface AlgorithmInfo {
  /** Name in the TSIG RR (RFC 8945 §6), lower case, absolute. */
  readonly wireName: string;
  /** node:crypto digest name. */
  readonly hash: string;
  /** Octets of the full MAC. */
  readonly size: number;
}

const ALGORITHMS: Readonly<Record<TsigAlgorithm, AlgorithmInfo>> = {
  'hmac-sha256': { wireName: 'hmac-sha256.', hash: 'sha256', size: 32 },
  'hmac-sha384': { wireName: 'hmac-sha384.', hash: 'sha384', size: 48 },
  'hmac-sha512': { wireName: 'hmac-sha512.', hash: 'sha512', size: 64 },
  'hmac-sha224': { wireName: 'hmac-sha224.', hash: 'sha224', size: 28 },
  'hmac-sha1': { wireName: 'hmac-sha1.', hash: 'sha1', size: 20 },
  // RFC 8945 §6 keeps the RFC 2845 name for HMAC-MD5.
  'hmac-md5': { wireName: 'hmac-md5.sig-alg.reg.int.', hash: 'md5', size: 16 },
};

export const TSIG_ALGORITHMS = Object.keys(ALGORITHMS) as readonly TsigAlgorithm[];

// ---------------------------------------------------------------------------------------------
// Keys

/** A TSIG key that cannot be used; `field` names the Secret field (`name`, `algorithm`, `secret`). */
export class TsigKeyError extends DnsfleetError {
  constructor(
    readonly source: string,
    readonly field: 'name' | 'algorithm' | 'secret',
    readonly detail: string,
  ) {
    super(`${source}: ${field}: ${detail}`, { source, field });
    this.name = 'TsigKeyError';
  }
}

/**
 * Reads the algorithm as BIND (`hmac-sha256`), RFC 8945 §6 (`hmac-sha256.`) or RFC 2845
 * (`HMAC-MD5.SIG-ALG.REG.INT`) write it, in any case; undefined when it is none we support.
 */
export function tsigAlgorithmFromString(text: string): TsigAlgorithm | undefined {
  let t = text.trim().toLowerCase();
  if (t.endsWith('.')) t = t.slice(0, -1);
  if (t === 'hmac-md5.sig-alg.reg.int') return 'hmac-md5';
  return (TSIG_ALGORITHMS as readonly string[]).includes(t) ? (t as TsigAlgorithm) : undefined;
}

/**
 * A key from the Kubernetes Secret form dnsfleet uses: `name`, `algorithm` and `secret`
 * (base64), given as strings already decoded from the Secret's `data` (or taken from
 * `stringData`). Other fields are ignored. `source` names the Secret in errors.
 */
export function parseTsigKey(fields: Readonly<Record<string, unknown>>, source = 'TSIG key'): TsigKey {
  const text = (field: 'name' | 'algorithm' | 'secret'): string => {
    const v = fields[field];
    if (v === undefined || v === null) throw new TsigKeyError(source, field, 'missing');
    if (typeof v !== 'string') throw new TsigKeyError(source, field, `must be a string, not ${typeof v}`);
    const trimmed = v.trim();
    if (trimmed === '') throw new TsigKeyError(source, field, 'empty');
    return trimmed;
  };
  const nameText = text('name');
  let name: Name;
  try {
    name = keyName(nameText);
  } catch (err) {
    throw new TsigKeyError(source, 'name', `"${nameText}" is not a domain name (${(err as Error).message})`);
  }
  if (name.isRoot()) throw new TsigKeyError(source, 'name', 'the root cannot name a key');
  const algorithmText = text('algorithm');
  const algorithm = tsigAlgorithmFromString(algorithmText);
  if (!algorithm) {
    throw new TsigKeyError(source, 'algorithm', `"${algorithmText}" is not one of ${TSIG_ALGORITHMS.join(', ')}`);
  }
  const secretText = text('secret');
  const octets: number[] = [];
  base64ToBytes(secretText, octets, 'secret', (message) => {
    throw new TsigKeyError(source, 'secret', message.replace(/^secret: /, ''));
  });
  return { name: Name.fromWireString(name.key).toString(), algorithm, secret: Uint8Array.from(octets) };
}

/** A key name is absolute whether or not it ends with a dot, as in BIND's `key "name"`. */
function keyName(text: string): Name {
  return Name.fromText(text, Name.root);
}

/** What signing and verifying need of a key, computed once per key object. */
interface PreparedKey {
  readonly key: TsigKey;
  /** Canonical (lower-case, uncompressed) wire form of the key name, as latin1 (RFC 8945 §4.3.3). */
  readonly nameWire: string;
  readonly algorithmWire: string;
  readonly info: AlgorithmInfo;
}

const prepared = new WeakMap<TsigKey, PreparedKey>();

function prepare(key: TsigKey): PreparedKey {
  let p = prepared.get(key);
  if (!p) {
    const info = ALGORITHMS[key.algorithm];
    if (!info) throw new TsigKeyError(`key ${key.name}`, 'algorithm', `"${String(key.algorithm)}" is not one of ${TSIG_ALGORITHMS.join(', ')}`);
    let name: Name;
    try {
      name = keyName(key.name);
    } catch (err) {
      if (err instanceof NameError) throw new TsigKeyError(`key ${key.name}`, 'name', err.message);
      throw err;
    }
    p = { key, nameWire: name.key, algorithmWire: Name.fromText(info.wireName).key, info };
    prepared.set(key, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * What went wrong: one of the TSIG errors of RFC 8945 §3, `FORMERR` for a TSIG RR that is
 * malformed or misplaced (§5.2, §5.2.2.1), or `UNSIGNED` for a response, or the end of one,
 * that lacks the TSIG RR the client expects (§5.3.1, §5.4).
 */
export type TsigProblem = 'BADSIG' | 'BADKEY' | 'BADTIME' | 'BADTRUNC' | 'FORMERR' | 'UNSIGNED';

// A type, not an interface, so it is a `DnsfleetError` context (a record of fields).
export type TsigErrorContext = {
  /** Key name from the TSIG RR (or the key expected), presentation format. */
  readonly keyName?: string;
  readonly algorithm?: string;
  /** Position of the message in a multi-message response, from 0. */
  readonly messageIndex?: number;
  readonly timeSigned?: number;
  readonly fudge?: number;
  readonly now?: number;
  /** The peer's clock, from the Other Data of a BADTIME response (RFC 8945 §5.2.3). */
  readonly peerTime?: number;
  /** MAC size received, for truncation errors. */
  readonly macSize?: number;
};

/** What a server needs to answer a failed request (RFC 8945 §5.3.2). */
interface RequestTsig {
  readonly record: TsigRecord;
  /** Set when the key was found and the MAC checked: the error answer is then signed with it. */
  readonly key?: PreparedKey;
}

export class TsigError extends DnsfleetError {
  /**
   * The RFC 8945 TSIG error: BADSIG 16, BADKEY 17, BADTIME 18, BADTRUNC 22; 0 for FORMERR and
   * UNSIGNED, which are not TSIG errors.
   */
  readonly error: number;
  /** The RCODE a server answers with (§5.2): NOTAUTH for TSIG errors, FORMERR otherwise. */
  readonly rcode: number;

  constructor(
    readonly problem: TsigProblem,
    readonly detail: string,
    /**
     * True when the peer reported this error in its answer (its TSIG RR's Error field); false
     * when we found it. An error in an unsigned answer (MAC size 0, as §5.3.2 has BADSIG and
     * BADKEY sent) proves nothing; one in a signed answer (BADTIME, BADTRUNC) is reported only
     * after its MAC verified.
     */
    readonly fromPeer: boolean,
    override readonly context: TsigErrorContext = {},
    /** @internal for signErrorResponse */
    readonly request?: RequestTsig,
  ) {
    super(`TSIG ${problem}${fromPeer ? ' reported by the peer' : ''}: ${detail}${describe(context)}`, context);
    this.name = 'TsigError';
    this.error = problem === 'FORMERR' || problem === 'UNSIGNED' ? 0 : TsigRcode[problem];
    this.rcode = this.error === 0 ? Rcode.FORMERR : Rcode.NOTAUTH;
  }
}

function describe(c: TsigErrorContext): string {
  const parts: string[] = [];
  if (c.keyName !== undefined) parts.push(`key ${c.keyName}`);
  if (c.algorithm !== undefined) parts.push(`algorithm ${c.algorithm}`);
  if (c.messageIndex !== undefined) parts.push(`message ${c.messageIndex}`);
  if (c.timeSigned !== undefined) parts.push(`time signed ${c.timeSigned}`);
  if (c.fudge !== undefined) parts.push(`fudge ${c.fudge}`);
  if (c.now !== undefined) parts.push(`now ${c.now}`);
  if (c.peerTime !== undefined) parts.push(`peer time ${c.peerTime}`);
  if (c.macSize !== undefined) parts.push(`MAC size ${c.macSize}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

const TSIG_ERROR_NAMES = new Map<number, TsigProblem>([
  [TsigRcode.BADSIG, 'BADSIG'],
  [TsigRcode.BADKEY, 'BADKEY'],
  [TsigRcode.BADTIME, 'BADTIME'],
  [TsigRcode.BADTRUNC, 'BADTRUNC'],
]);

// ---------------------------------------------------------------------------------------------
// The TSIG RR on the wire (RFC 8945 §4.2)

interface TsigRecord {
  /** Offset of the TSIG RR: the message without it is `[0, start)`. */
  readonly start: number;
  /** Key name, lower-cased uncompressed wire form as latin1. */
  readonly nameWire: string;
  readonly algorithmWire: string;
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Uint8Array;
  readonly originalId: number;
  readonly error: number;
  readonly other: Uint8Array;
}

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const NONE = new Uint8Array(0);

/**
 * Finds the TSIG RR; null when the message has none. RFC 8945 §5.2: a TSIG RR anywhere but last
 * in the additional section, or more than one, is a format error.
 */
function findTsig(wire: Uint8Array): TsigRecord | null {
  const formerr = (detail: string): TsigError => new TsigError('FORMERR', detail, false);
  if (wire.length < HEADER_LENGTH) throw formerr('message shorter than a DNS header');
  const qdcount = u16(wire, 4);
  const records = u16(wire, 6) + u16(wire, 8) + u16(wire, 10);
  let pos = HEADER_LENGTH;
  for (let i = 0; i < qdcount; i++) {
    pos = skipName(wire, pos);
    if (pos < 0 || pos + 4 > wire.length) throw formerr('malformed question');
    pos += 4;
  }
  let tsigAt = -1;
  for (let i = 0; i < records; i++) {
    const start = pos;
    const nameEnd = skipName(wire, pos);
    pos = skipRecord(wire, pos);
    if (pos < 0) throw formerr(`malformed record ${i + 1} of ${records}`);
    if (u16(wire, nameEnd) === RRType.TSIG) {
      if (i !== records - 1 || u16(wire, 10) === 0) throw formerr('TSIG RR is not the last record of the additional section');
      tsigAt = start;
    }
  }
  if (pos !== wire.length) throw formerr(`${wire.length - pos} octets after the last record`);
  return tsigAt < 0 ? null : parseTsigRecord(wire, tsigAt);
}

function parseTsigRecord(wire: Uint8Array, start: number): TsigRecord {
  const formerr = (detail: string): never => {
    throw new TsigError('FORMERR', detail, false);
  };
  const owner: number[] = [];
  let pos = readName(wire, start, wire.length, owner, true, 'TSIG key name', formerr);
  // RFC 8945 §4.2: CLASS ANY, TTL 0.
  if (u16(wire, pos + 2) !== RRClass.ANY) formerr(`TSIG RR class ${u16(wire, pos + 2)}, expected ANY`);
  const rdlength = u16(wire, pos + 8);
  pos += 10;
  const end = pos + rdlength;
  const algorithm: number[] = [];
  pos = readName(wire, pos, end, algorithm, true, 'TSIG algorithm name', formerr);
  if (pos + 10 > end) formerr('TSIG rdata too short');
  const timeSigned = read48(wire, pos);
  const fudge = u16(wire, pos + 6);
  const macSize = u16(wire, pos + 8);
  pos += 10;
  if (pos + macSize + 6 > end) formerr('TSIG MAC runs past the rdata');
  const mac = wire.slice(pos, pos + macSize);
  pos += macSize;
  const originalId = u16(wire, pos);
  const error = u16(wire, pos + 2);
  const otherLen = u16(wire, pos + 4);
  pos += 6;
  if (pos + otherLen !== end) formerr('TSIG Other Len does not match the rdata length');
  return {
    start,
    nameWire: foldCase(String.fromCharCode(...owner)),
    algorithmWire: foldCase(String.fromCharCode(...algorithm)),
    timeSigned,
    fudge,
    mac,
    originalId,
    error,
    other: wire.slice(pos, end),
  };
}

function put48(out: Uint8Array, at: number, value: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(at, Math.floor(value / 2 ** 32) & 0xffff);
  view.setUint32(at + 2, value % 2 ** 32);
}

/** The TSIG RR (RFC 8945 §4.2): key name and algorithm uncompressed, CLASS ANY, TTL 0. */
function encodeTsigRecord(
  nameWire: string,
  algorithmWire: string,
  timeSigned: number,
  fudge: number,
  mac: Uint8Array,
  originalId: number,
  error: number,
  other: Uint8Array,
): Uint8Array {
  const rdlength = algorithmWire.length + 16 + mac.length + other.length;
  const out = new Uint8Array(nameWire.length + 10 + rdlength);
  const view = new DataView(out.buffer);
  out.set(latin1ToBytes(nameWire), 0);
  let pos = nameWire.length;
  view.setUint16(pos, RRType.TSIG);
  view.setUint16(pos + 2, RRClass.ANY);
  view.setUint32(pos + 4, 0);
  view.setUint16(pos + 8, rdlength);
  pos += 10;
  out.set(latin1ToBytes(algorithmWire), pos);
  pos += algorithmWire.length;
  put48(out, pos, timeSigned);
  view.setUint16(pos + 6, fudge);
  view.setUint16(pos + 8, mac.length);
  pos += 10;
  out.set(mac, pos);
  pos += mac.length;
  view.setUint16(pos, originalId);
  view.setUint16(pos + 2, error);
  view.setUint16(pos + 4, other.length);
  out.set(other, pos + 6);
  return out;
}

/** The message with `record` appended to the additional section (ARCOUNT + 1). */
function appendRecord(message: Uint8Array, record: Uint8Array): Uint8Array {
  if (message.length < HEADER_LENGTH) throw new TsigError('FORMERR', 'message shorter than a DNS header', false);
  const out = new Uint8Array(message.length + record.length);
  out.set(message, 0);
  out.set(record, message.length);
  const arcount = u16(message, 10) + 1;
  out[10] = arcount >> 8;
  out[11] = arcount & 0xff;
  return out;
}

/**
 * The message as it was signed: TSIG RR removed, ARCOUNT decremented and the ID put back to the
 * Original ID (RFC 8945 §4.3.3: "If the message ID differs from the original message ID, the
 * original message ID is substituted for the message ID").
 */
function unsignedMessage(wire: Uint8Array, record: TsigRecord): Uint8Array {
  const out = wire.slice(0, record.start);
  const arcount = u16(wire, 10) - 1;
  out[10] = arcount >> 8;
  out[11] = arcount & 0xff;
  out[0] = record.originalId >> 8;
  out[1] = record.originalId & 0xff;
  return out;
}

// ---------------------------------------------------------------------------------------------
// MAC computation (RFC 8945 §4.3)

/** RFC 8945 §4.3.3: the TSIG Variables, names in canonical form (uncompressed, lower case). */
function variables(k: PreparedKey, timeSigned: number, fudge: number, error: number, other: Uint8Array): Uint8Array {
  const out = new Uint8Array(k.nameWire.length + 6 + k.algorithmWire.length + 12 + other.length);
  const view = new DataView(out.buffer);
  out.set(latin1ToBytes(k.nameWire), 0);
  let pos = k.nameWire.length;
  view.setUint16(pos, RRClass.ANY);
  view.setUint32(pos + 2, 0);
  pos += 6;
  out.set(latin1ToBytes(k.algorithmWire), pos);
  pos += k.algorithmWire.length;
  put48(out, pos, timeSigned);
  view.setUint16(pos + 6, fudge);
  view.setUint16(pos + 8, error);
  view.setUint16(pos + 10, other.length);
  out.set(other, pos + 12);
  return out;
}

/** RFC 8945 §5.3.1: later messages of a TCP response sign only the timers of their TSIG RR. */
function timers(timeSigned: number, fudge: number): Uint8Array {
  const out = new Uint8Array(8);
  put48(out, 0, timeSigned);
  out[6] = fudge >> 8;
  out[7] = fudge & 0xff;
  return out;
}

/** A MAC as it enters the next digest: MAC Size, then the MAC (RFC 8945 §4.3.2, §5.3.1). */
function sizedMac(mac: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + mac.length);
  out[0] = mac.length >> 8;
  out[1] = mac.length & 0xff;
  out.set(mac, 2);
  return out;
}

function hmac(k: PreparedKey, parts: readonly Uint8Array[]): Uint8Array {
  const h = createHmac(k.info.hash, k.key.secret);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * RFC 8945 §5.2.2.1 rules 1 and 3: a MAC longer than the hash, or shorter than the larger of 10
 * octets and half the hash, is a format error (a MAC of size 0 is handled by the callers, since
 * unsigned error answers carry one, §5.3.2).
 */
function checkMacSize(k: PreparedKey, record: TsigRecord, context: TsigErrorContext): void {
  const size = record.mac.length;
  if (size > k.info.size) throw new TsigError('FORMERR', `MAC longer than the ${k.info.size} octets of ${k.key.algorithm}`, false, context);
  if (size < Math.max(10, k.info.size / 2)) {
    throw new TsigError('FORMERR', `MAC shorter than the ${Math.max(10, k.info.size / 2)} octets §5.2.2.1 allows`, false, context);
  }
}

/**
 * RFC 8945 §5.2.2.1 rule 4: a truncated MAC is compared with as many leading octets of the
 * computed one. Constant time in the octets compared.
 */
function macMatches(computed: Uint8Array, received: Uint8Array): boolean {
  return received.length <= computed.length && timingSafeEqual(computed.subarray(0, received.length), received);
}

/**
 * RFC 8945 §5.2.4 local policy: MACs truncated down to the §5.2.2.1 floor are accepted, except
 * with HMAC-MD5, which §5.2.2.1 leaves out of truncation.
 */
function truncationAllowed(k: PreparedKey, macSize: number): boolean {
  return macSize === k.info.size || k.key.algorithm !== 'hmac-md5';
}

function timeOk(now: number, timeSigned: number, fudge: number): boolean {
  // RFC 8945 §5.2.3: the interval is Time Signed plus or minus Fudge.
  return Math.abs(now - timeSigned) <= fudge;
}

function contextOf(record: TsigRecord, extra: TsigErrorContext = {}): TsigErrorContext {
  return {
    keyName: Name.fromWireString(record.nameWire).toString(),
    algorithm: Name.fromWireString(record.algorithmWire).toString(),
    timeSigned: record.timeSigned,
    fudge: record.fudge,
    ...extra,
  };
}

function read48(b: Uint8Array, at = 0): number {
  return u16(b, at) * 2 ** 32 + ((u16(b, at + 2) << 16) >>> 0) + u16(b, at + 4);
}

function checkSeconds(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** 48) throw new RangeError(`${what} must be whole seconds in 0..2^48-1, got ${value}`);
}

// ---------------------------------------------------------------------------------------------
// Client side

export interface Signed {
  /** The message with the TSIG RR appended. */
  readonly wire: Uint8Array;
  /** The MAC, to verify the answer with (it enters the response's digest, §4.3.2). */
  readonly mac: Uint8Array;
}

/**
 * Signs a request (RFC 8945 §5.1): the MAC covers the message as given plus the TSIG Variables
 * (§4.3.1, §4.3.3), and the TSIG RR goes last in the additional section with Original ID set to
 * the message ID and Error 0.
 */
export function signRequest(message: Uint8Array, key: TsigKey, nowSeconds: number, fudge = DEFAULT_FUDGE): Signed {
  checkSeconds('nowSeconds', nowSeconds);
  const k = prepare(key);
  const mac = hmac(k, [message, variables(k, nowSeconds, fudge, 0, NONE)]);
  const record = encodeTsigRecord(k.nameWire, k.algorithmWire, nowSeconds, fudge, mac, u16(message, 0), 0, NONE);
  return { wire: appendRecord(message, record), mac };
}

/**
 * Verifies the messages of the response to a request signed with `key` whose MAC was
 * `requestMac`: one message for SOA or NOTIFY, a stream for AXFR or IXFR over TCP.
 *
 * The first message must be signed; its MAC covers the request MAC, the message and the TSIG
 * Variables (§4.3.2). Later ones (§5.3.1) chain from the previous MAC: prior MAC, every message
 * since, and the timers of the new TSIG RR. Up to 99 unsigned messages may come between two
 * signed ones, and `done()` throws unless the last message was signed. After an error the
 * verifier refuses everything: the transfer has failed.
 */
export class TsigResponseVerifier {
  private readonly k: PreparedKey;
  private priorMac: Uint8Array;
  private readonly sinceSigned: Uint8Array[] = [];
  private index = 0;
  private failed: TsigError | undefined;

  constructor(key: TsigKey, requestMac: Uint8Array) {
    this.k = prepare(key);
    this.priorMac = requestMac;
  }

  /**
   * Checks one message and returns it without its TSIG RR (ARCOUNT - 1, the ID set back to the
   * Original ID, §4.3.3; they differ only when a forwarder rewrote the ID, §5.5); an unsigned
   * intermediate message is returned as is. Throws TsigError. `nowSeconds` defaults to the clock.
   */
  verify(wire: Uint8Array, nowSeconds: number = Math.floor(Date.now() / 1000)): Uint8Array {
    if (this.failed) throw this.failed;
    try {
      return this.check(wire, nowSeconds);
    } catch (err) {
      if (err instanceof TsigError) this.failed = err;
      throw err;
    }
  }

  /** Throws unless at least one message came and the last one was signed (§5.3.1). */
  done(): void {
    if (this.failed) throw this.failed;
    if (this.index === 0) throw new TsigError('UNSIGNED', 'no response message was verified', false, this.expected());
    if (this.sinceSigned.length > 0) {
      const detail = `the response ended with ${this.sinceSigned.length} unsigned message(s); the last must be signed (§5.3.1)`;
      throw new TsigError('UNSIGNED', detail, false, this.expected());
    }
  }

  private expected(extra: TsigErrorContext = {}): TsigErrorContext {
    return { keyName: this.k.key.name, algorithm: this.k.key.algorithm, messageIndex: this.index - 1, ...extra };
  }

  private check(wire: Uint8Array, now: number): Uint8Array {
    const index = this.index++;
    const record = findTsig(wire);
    if (!record) {
      // RFC 8945 §5.4: a response without the expected TSIG is treated as a format error;
      // §5.3.1 lets only intermediate messages go unsigned, and no more than 99 in a row.
      if (index === 0) throw new TsigError('UNSIGNED', 'the response carries no TSIG RR', false, this.expected());
      if (this.sinceSigned.length >= MAX_UNSIGNED_RUN) {
        throw new TsigError('UNSIGNED', `more than ${MAX_UNSIGNED_RUN} unsigned messages in a row (§5.3.1)`, false, this.expected());
      }
      this.sinceSigned.push(wire);
      return wire;
    }
    const context = contextOf(record, { messageIndex: index, now, macSize: record.mac.length });
    // RFC 8945 §5.3.2: a server that could not check our request answers with an unsigned
    // TSIG RR (MAC size 0) carrying the error; it authenticates nothing, but says why.
    if (record.mac.length === 0) {
      const problem = TSIG_ERROR_NAMES.get(record.error);
      if (problem && u16(wire, 2) % 16 === Rcode.NOTAUTH) throw new TsigError(problem, 'unsigned error answer (§5.3.2)', true, context);
      throw new TsigError('FORMERR', 'TSIG RR with an empty MAC', false, context);
    }
    // RFC 8945 §5.4.1: the answer must use the key and algorithm of the request.
    if (record.nameWire !== this.k.nameWire || record.algorithmWire !== this.k.algorithmWire) {
      throw new TsigError('BADKEY', `answer signed with another key than ${this.k.key.name} ${this.k.key.algorithm}`, false, context);
    }
    checkMacSize(this.k, record, context);
    const message = unsignedMessage(wire, record);
    const parts =
      index === 0
        ? [sizedMac(this.priorMac), message, variables(this.k, record.timeSigned, record.fudge, record.error, record.other)]
        : [sizedMac(this.priorMac), ...this.sinceSigned, message, timers(record.timeSigned, record.fudge)];
    if (!macMatches(hmac(this.k, parts), record.mac)) throw new TsigError('BADSIG', 'the MAC does not verify', false, context);
    // A verified answer carrying a TSIG error (§5.4.3, §5.4.4): BADTIME brings the peer's clock.
    const reported = TSIG_ERROR_NAMES.get(record.error);
    if (reported) {
      const peerTime = record.error === TsigRcode.BADTIME && record.other.length === 6 ? read48(record.other) : undefined;
      throw new TsigError(reported, 'signed error answer', true, peerTime === undefined ? context : { ...context, peerTime });
    }
    if (record.error !== 0) throw new TsigError('FORMERR', `unknown TSIG error ${record.error}`, true, context);
    if (!timeOk(now, record.timeSigned, record.fudge)) {
      throw new TsigError('BADTIME', 'the answer was signed outside the fudge of our clock', false, context);
    }
    if (!truncationAllowed(this.k, record.mac.length)) throw new TsigError('BADTRUNC', 'truncated MAC refused by local policy', false, context);
    this.priorMac = record.mac;
    this.sinceSigned.length = 0;
    return message;
  }
}

// ---------------------------------------------------------------------------------------------
// Server side

/** Keys a server accepts, looked up by canonical key name (lower case, trailing dot). */
export type TsigKeyring = ReadonlyMap<string, TsigKey> | readonly TsigKey[] | ((name: string) => TsigKey | undefined);

export interface VerifiedRequest {
  readonly key: TsigKey;
  /** The request MAC, which the response's MAC covers (§4.3.2). */
  readonly mac: Uint8Array;
  /** The request without its TSIG RR (ARCOUNT - 1, ID set back to the Original ID). */
  readonly message: Uint8Array;
  readonly timeSigned: number;
  readonly fudge: number;
}

function lookup(keys: TsigKeyring, nameWire: string): TsigKey | undefined {
  if (typeof keys === 'function') return keys(Name.fromWireString(nameWire).toString());
  if (Array.isArray(keys)) return (keys as readonly TsigKey[]).find((k) => prepare(k).nameWire === nameWire);
  return (keys as ReadonlyMap<string, TsigKey>).get(Name.fromWireString(nameWire).toString());
}

/**
 * Checks a request (RFC 8945 §5.2) in the order of §5.2.1 to §5.2.4: key, MAC, time,
 * truncation. Returns null for a request without TSIG (whether one is required is the
 * caller's policy) and throws a TsigError whose `rcode` and `error` are the answer to give:
 * build that answer, then pass it with the error to `signErrorResponse`.
 */
export function verifyRequest(wire: Uint8Array, keys: TsigKeyring, nowSeconds: number): VerifiedRequest | null {
  const record = findTsig(wire);
  if (!record) return null;
  const context = contextOf(record, { now: nowSeconds, macSize: record.mac.length });
  const found = lookup(keys, record.nameWire);
  const k = found ? prepare(found) : undefined;
  // §5.2.1: unknown key, or a known key with another algorithm: BADKEY, answered unsigned.
  if (!k || k.nameWire !== record.nameWire) throw new TsigError('BADKEY', 'unknown key', false, context, { record });
  if (k.algorithmWire !== record.algorithmWire) {
    throw new TsigError('BADKEY', `our key ${k.key.name} is ${k.key.algorithm}, the request's is not`, false, context, { record });
  }
  // §5.2.2.1: sizes outside the allowed range are format errors, answered without TSIG.
  if (record.mac.length === 0) throw new TsigError('FORMERR', 'request TSIG RR with an empty MAC', false, context);
  checkMacSize(k, record, context);
  const message = unsignedMessage(wire, record);
  const mac = hmac(k, [message, variables(k, record.timeSigned, record.fudge, record.error, record.other)]);
  // §5.2.2: BADSIG, answered unsigned (§5.3.2).
  if (!macMatches(mac, record.mac)) throw new TsigError('BADSIG', 'the MAC does not verify', false, context, { record });
  // §5.2.3 and §5.2.4: the MAC is good, so these answers are signed.
  if (!timeOk(nowSeconds, record.timeSigned, record.fudge)) {
    throw new TsigError('BADTIME', 'signed outside the fudge of our clock', false, context, { record, key: k });
  }
  if (!truncationAllowed(k, record.mac.length)) {
    throw new TsigError('BADTRUNC', 'truncated MAC refused by local policy', false, context, { record, key: k });
  }
  return { key: k.key, mac: record.mac, message, timeSigned: record.timeSigned, fudge: record.fudge };
}

/**
 * Signs a single-message answer to a request verified with `key` (RFC 8945 §5.3): the MAC covers
 * the request MAC, the answer and the TSIG Variables (§4.3.2). Original ID is the answer's ID.
 */
export function signResponse(wire: Uint8Array, key: TsigKey, requestMac: Uint8Array, nowSeconds: number, fudge = DEFAULT_FUDGE): Signed {
  checkSeconds('nowSeconds', nowSeconds);
  return signAnswer(prepare(key), wire, requestMac, nowSeconds, fudge, 0, NONE);
}

/** An answer whose MAC covers the request MAC, the answer and the TSIG Variables (§4.3.2). */
function signAnswer(
  k: PreparedKey,
  wire: Uint8Array,
  requestMac: Uint8Array,
  timeSigned: number,
  fudge: number,
  error: number,
  other: Uint8Array,
): Signed {
  return signWith(k, wire, [sizedMac(requestMac), wire, variables(k, timeSigned, fudge, error, other)], timeSigned, fudge, error, other);
}

function signWith(
  k: PreparedKey,
  wire: Uint8Array,
  parts: readonly Uint8Array[],
  timeSigned: number,
  fudge: number,
  error: number,
  other: Uint8Array,
): Signed {
  const mac = hmac(k, parts);
  const record = encodeTsigRecord(k.nameWire, k.algorithmWire, timeSigned, fudge, mac, u16(wire, 0), error, other);
  return { wire: appendRecord(wire, record), mac };
}

/**
 * Signs the messages of a multi-message answer such as an outgoing AXFR (RFC 8945 §5.3.1): the
 * first like a single answer, each later one over the prior MAC, the messages since and its
 * timers. `sign` every message (simplest, and what we do); `passUnsigned` sends one unsigned,
 * which §5.3.1 allows for up to 99 in a row, but the last message must be signed.
 */
export class TsigResponseSigner {
  private readonly k: PreparedKey;
  private priorMac: Uint8Array;
  private first = true;
  private readonly sinceSigned: Uint8Array[] = [];

  constructor(
    key: TsigKey,
    requestMac: Uint8Array,
    private readonly fudge = DEFAULT_FUDGE,
  ) {
    this.k = prepare(key);
    this.priorMac = requestMac;
  }

  sign(wire: Uint8Array, nowSeconds: number): Uint8Array {
    checkSeconds('nowSeconds', nowSeconds);
    const signed = this.first
      ? signAnswer(this.k, wire, this.priorMac, nowSeconds, this.fudge, 0, NONE)
      : signWith(this.k, wire, [sizedMac(this.priorMac), ...this.sinceSigned, wire, timers(nowSeconds, this.fudge)], nowSeconds, this.fudge, 0, NONE);
    this.first = false;
    this.priorMac = signed.mac;
    this.sinceSigned.length = 0;
    return signed.wire;
  }

  /** Lets one message go unsigned; it still enters the next MAC. The first must be signed. */
  passUnsigned(wire: Uint8Array): Uint8Array {
    if (this.first) throw new RangeError('the first message of a TSIG answer must be signed (RFC 8945 §5.3.1)');
    if (this.sinceSigned.length >= MAX_UNSIGNED_RUN) throw new RangeError(`at most ${MAX_UNSIGNED_RUN} unsigned messages in a row (RFC 8945 §5.3.1)`);
    this.sinceSigned.push(wire);
    return wire;
  }
}

/**
 * Completes the answer to a request that `verifyRequest` refused (RFC 8945 §5.3.2): sets the
 * RCODE to `error.rcode` (the MAC covers the header, so this comes first) and appends
 *  - for FORMERR, nothing;
 *  - for BADKEY and BADSIG, an unsigned TSIG RR (MAC size 0) naming the request's key;
 *  - for BADTIME, a TSIG RR signed with the key over the request MAC, with the request's Time
 *    Signed and Fudge and our clock in Other Data (§5.2.3), so the client can verify it;
 *  - for BADTRUNC, a signed TSIG RR (§5.2.4).
 */
export function signErrorResponse(response: Uint8Array, error: TsigError, nowSeconds: number): Uint8Array {
  checkSeconds('nowSeconds', nowSeconds);
  const wire = response.slice();
  if (wire.length < HEADER_LENGTH) throw new TsigError('FORMERR', 'message shorter than a DNS header', false);
  wire[3] = (wire[3]! & 0xf0) | error.rcode;
  const request = error.request;
  if (!request || error.problem === 'FORMERR' || error.problem === 'UNSIGNED') return wire;
  const { record, key } = request;
  if (!key) {
    const unsigned = encodeTsigRecord(record.nameWire, record.algorithmWire, nowSeconds, record.fudge, NONE, u16(wire, 0), error.error, NONE);
    return appendRecord(wire, unsigned);
  }
  if (error.problem === 'BADTIME') {
    const other = new Uint8Array(6);
    put48(other, 0, nowSeconds);
    return signAnswer(key, wire, record.mac, record.timeSigned, record.fudge, error.error, other).wire;
  }
  return signAnswer(key, wire, record.mac, nowSeconds, DEFAULT_FUDGE, error.error, NONE).wire;
}
