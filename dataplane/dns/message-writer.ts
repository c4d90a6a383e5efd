import { Name, bytesToLatin1 } from './name';
import { RRClass, RRType } from './constants';
import { codecFor } from './rdata/registry';
import { Flag, HEADER_LENGTH, MAX_UDP_SIZE, skipName, skipRecord } from './message';

/**
 * Writes one DNS message with name compression (RFC 1035 §4.1.4) and RRset-atomic truncation.
 * The only place that knows about compression pointers and size limits.
 *
 * Messages are built in one shared scratch buffer and copied out by `finish()`: building is
 * synchronous, so one message is always complete before the next one starts.
 */

// Room for a full 64 KiB message plus one record that may overflow it before being rolled back.
const scratch = new Uint8Array(2 * 65536 + 1024);
const view = new DataView(scratch.buffer);

/** A mark packs the write position (below 2^18) and the compression log length into one number. */
const MARK_SCALE = 0x40000;

/** Length of the OPT record we add: root name, type, class, TTL, empty rdata (RFC 6891 §6.1.2). */
export const OPT_RECORD_LENGTH = 11;

export class MessageWriter {
  private pos = HEADER_LENGTH;
  private readonly counts = [0, 0, 0, 0];
  private readonly compression = new Map<string, number>();
  private readonly compressionLog: string[] = [];
  private flags: number;

  /** `limit` is the largest message this writer may produce. */
  constructor(
    private readonly id: number,
    flags: number,
    private readonly limit: number,
  ) {
    this.flags = flags;
  }

  get length(): number {
    return this.pos;
  }

  setFlag(flag: number): void {
    this.flags |= flag;
  }

  /** Copies a question as the client sent it, so its name keeps the client's case (RFC 4343 §4.1). */
  copyQuestion(query: Uint8Array, questionEnd: number, qnameKey: string): void {
    scratch.set(query.subarray(HEADER_LENGTH, questionEnd), this.pos);
    this.rememberSuffixes(qnameKey, this.pos);
    this.pos += questionEnd - HEADER_LENGTH;
    this.counts[0] = 1;
  }

  /** Writes a question built from parts (for outgoing queries). */
  writeQuestion(name: Name, type: number, cls: number = RRClass.IN): void {
    this.writeName(name, true);
    view.setUint16(this.pos, type);
    view.setUint16(this.pos + 2, cls);
    this.pos += 4;
    this.counts[0] = 1;
  }

  /** A save point for `rollback`. */
  mark(): number {
    return this.pos + this.compressionLog.length * MARK_SCALE;
  }

  rollback(mark: number): void {
    this.pos = mark % MARK_SCALE;
    const logLength = Math.floor(mark / MARK_SCALE);
    while (this.compressionLog.length > logLength) this.compression.delete(this.compressionLog.pop()!);
  }

  /**
   * Writes one record into section 1 (answer), 2 (authority) or 3 (additional). Returns false,
   * with nothing written, when it would pass the limit. Class IN unless `cls` says otherwise
   * (CHAOS identity answers, RFC 4892).
   */
  writeRecord(section: 1 | 2 | 3, owner: Name, type: number, ttl: number, rdata: Uint8Array, cls: number = RRClass.IN): boolean {
    const start = this.mark();
    this.writeName(owner, true);
    view.setUint16(this.pos, type);
    view.setUint16(this.pos + 2, cls);
    view.setUint32(this.pos + 4, ttl);
    const rdlengthAt = this.pos + 8;
    this.pos += 10;
    const names = codecFor(type).compressibleNames(rdata);
    if (names.length === 0) {
      scratch.set(rdata, this.pos);
      this.pos += rdata.length;
    } else {
      // RFC 3597 §4: names in the rdata of RFC 1035 types may be compressed.
      let at = 0;
      for (const [s, e] of names) {
        scratch.set(rdata.subarray(at, s), this.pos);
        this.pos += s - at;
        this.writeWireName(rdata, s, e);
        at = e;
      }
      scratch.set(rdata.subarray(at), this.pos);
      this.pos += rdata.length - at;
    }
    view.setUint16(rdlengthAt, this.pos - rdlengthAt - 2);
    if (this.pos > this.limit) {
      this.rollback(start);
      return false;
    }
    this.counts[section]!++;
    return true;
  }

  /** Writes every record of an RRset, or none of them (RFC 2181 §9: RRsets are not split). */
  writeRRset(section: 1 | 2 | 3, owner: Name, type: number, ttl: number, rdata: readonly Uint8Array[], ttls?: readonly number[]): boolean {
    const start = this.mark();
    const count = this.counts[section]!;
    for (let i = 0; i < rdata.length; i++) {
      // `ttls`: RRSIGs keep the TTL of the RRset they cover, which may differ (RFC 4034 §3).
      if (!this.writeRecord(section, owner, type, ttls?.[i] ?? ttl, rdata[i]!)) {
        this.rollback(start);
        this.counts[section] = count;
        return false;
      }
    }
    return true;
  }

  /**
   * An RRset followed by the RRSIGs that cover it, under the same owner, all or none: an RRSIG
   * belongs with its RRset (RFC 4035 §3.1.1), so truncation never separates them.
   */
  writeSignedRRset(
    section: 1 | 2 | 3,
    owner: Name,
    rrset: { readonly type: number; readonly ttl: number; readonly rdata: readonly Uint8Array[] },
    signatures: { readonly ttl: number; readonly rdata: readonly Uint8Array[]; readonly ttls?: readonly number[] },
  ): boolean {
    const start = this.mark();
    const count = this.counts[section]!;
    if (
      this.writeRRset(section, owner, rrset.type, rrset.ttl, rrset.rdata) &&
      this.writeRRset(section, owner, RRType.RRSIG, signatures.ttl, signatures.rdata, signatures.ttls)
    ) {
      return true;
    }
    this.rollback(start);
    this.counts[section] = count;
    return false;
  }

  /** Appends the OPT record (RFC 6891 §6.1): our payload size, extended rcode, version 0, DO echoed. */
  writeOpt(extendedRcode: number, dnssecOk: boolean, payloadSize: number = MAX_UDP_SIZE): void {
    scratch[this.pos] = 0;
    view.setUint16(this.pos + 1, RRType.OPT);
    view.setUint16(this.pos + 3, payloadSize);
    scratch[this.pos + 5] = extendedRcode;
    scratch[this.pos + 6] = 0;
    view.setUint16(this.pos + 7, dnssecOk ? 0x8000 : 0);
    view.setUint16(this.pos + 9, 0);
    this.pos += OPT_RECORD_LENGTH;
    this.counts[3]!++;
  }

  /** Header last, once the counts are known; returns a copy of the message. */
  finish(): Uint8Array {
    return this.finishWith(this.flags | Flag.QR);
  }

  /** As `finish`, for a query we send (a transfer client's): QR stays clear (RFC 1035 §4.1.1). */
  finishQuery(): Uint8Array {
    return this.finishWith(this.flags & ~Flag.QR);
  }

  private finishWith(flags: number): Uint8Array {
    view.setUint16(0, this.id);
    view.setUint16(2, flags);
    for (let i = 0; i < 4; i++) view.setUint16(4 + 2 * i, this.counts[i]!);
    return scratch.slice(0, this.pos);
  }

  private writeName(name: Name, compress: boolean): void {
    const key = name.key;
    const cased = name.cased;
    let i = 0;
    while (key.charCodeAt(i) !== 0) {
      if (compress) {
        const pointer = this.compression.get(i === 0 ? key : key.slice(i));
        if (pointer !== undefined) {
          view.setUint16(this.pos, 0xc000 | pointer);
          this.pos += 2;
          return;
        }
        this.remember(i === 0 ? key : key.slice(i), this.pos);
      }
      const len = key.charCodeAt(i);
      for (let k = 0; k <= len; k++) scratch[this.pos + k] = cased.charCodeAt(i + k);
      this.pos += len + 1;
      i += len + 1;
    }
    scratch[this.pos++] = 0;
  }

  private writeWireName(bytes: Uint8Array, start: number, end: number): void {
    this.writeName(Name.fromWireString(bytesToLatin1(bytes, start, end)), true);
  }

  private rememberSuffixes(key: string, offset: number): void {
    for (let i = 0; key.charCodeAt(i) !== 0; i += key.charCodeAt(i) + 1) this.remember(i === 0 ? key : key.slice(i), offset + i);
  }

  private remember(suffix: string, offset: number): void {
    // Pointers have 14 bits (RFC 1035 §4.1.4).
    if (offset < 0x4000 && !this.compression.has(suffix)) {
      this.compression.set(suffix, offset);
      this.compressionLog.push(suffix);
    }
  }
}

/**
 * Rewrites the response at `[at, at + length)` of `buf`, in place, as its truncated form: the
 * header with TC set (RFC 1035 §4.1.1) and no records, the question, and the response's OPT
 * record without options when it had one (RFC 6891 §7: an EDNS query gets an OPT back). What
 * response rate limiting sends instead of an answer it slips (nameserver/rate-limit.ts): a
 * resolver asks again over TCP. Returns the new length, or -1 when the response is not one this
 * server wrote (a question or record running past its end).
 */
export function truncateInPlace(buf: Uint8Array, at: number, length: number): number {
  const end = at + length;
  if (length < HEADER_LENGTH) return -1;
  const message = buf.subarray(at, end);
  const questions = (message[4]! << 8) | message[5]!;
  let pos = HEADER_LENGTH;
  for (let i = 0; i < questions; i++) {
    pos = skipName(message, pos);
    if (pos < 0 || pos + 4 > length) return -1;
    pos += 4;
  }
  const questionEnd = pos;
  const records = ((message[6]! << 8) | message[7]!) + ((message[8]! << 8) | message[9]!) + ((message[10]! << 8) | message[11]!);
  let opt = -1;
  for (let i = 0; i < records; i++) {
    const next = skipRecord(message, pos);
    if (next < 0) return -1;
    const type = skipName(message, pos);
    if (((message[type]! << 8) | message[type + 1]!) === RRType.OPT) opt = type;
    pos = next;
  }
  message[2]! |= Flag.TC >> 8;
  message.fill(0, 6, 12);
  if (opt < 0) return questionEnd;
  // Root name, then TYPE, CLASS (the UDP size) and TTL (extended RCODE, version, DO) as they were.
  message.copyWithin(questionEnd + 1, opt, opt + 8);
  message[questionEnd] = 0;
  message[questionEnd + 9] = 0;
  message[questionEnd + 10] = 0;
  message[11] = 1;
  return questionEnd + OPT_RECORD_LENGTH;
}
