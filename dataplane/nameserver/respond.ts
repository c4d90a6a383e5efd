import { Name, bytesToLatin1 } from '../dns/name';
import { Opcode, Rcode, RRClass, RRType } from '../dns/constants';
import { CLASSIC_UDP_SIZE, Flag, MAX_UDP_SIZE, parseQuery, type Edns, type Query } from '../dns/message';
import { MessageWriter, OPT_RECORD_LENGTH } from '../dns/message-writer';
import type { ZoneSet } from '../zone/zone-set';
import type { Zone } from '../zone/zone';
import { answerQuery, type Answer, type AnswerEntry } from './answer';
import { ResponseCache, EdnsVariant } from './response-cache';
import { signErrorResponse, signResponse, TsigError, verifyRequest, type TsigKey, type VerifiedRequest } from '../dns/tsig';
import { ixfrClientSerial } from './axfr';
import { answerChaos, checkIdentity, nsidOption, withOption, type ServerIdentity } from './identity';

/**
 * Turns one query message into what the server does with it: send a response, drop it, or start
 * a zone transfer. Pure apart from the response cache it keeps; the server layer does the I/O.
 */

export type Transport = 'udp' | 'tcp';

export type Outcome =
  /** `refused` says why a signed request failed its TSIG check (RFC 8945 §5.2), for the log. */
  | { readonly kind: 'response'; readonly message: Uint8Array; readonly refused?: string }
  | { readonly kind: 'drop'; readonly reason: string }
  /**
   * AXFR or IXFR over TCP: the server checks the transfer ACL, then streams the zone (axfr.ts).
   * `request` is the query without its TSIG RR; `tsig`, when it was signed and verified, signs
   * every message of the answer (RFC 8945 §5.3.1).
   */
  | { readonly kind: 'transfer'; readonly query: Query; readonly zone: Zone; readonly request: Uint8Array; readonly tsig?: VerifiedRequest };

/** Largest message over TCP (RFC 1035 §4.2.2: a two-octet length prefix). */
export const MAX_TCP_SIZE = 65535;

export class Responder {
  private zoneSet: ZoneSet;
  /** Shared with the UDP fast path of the server layer, which reads it without parsing. */
  readonly cache: ResponseCache;

  /** TSIG keys signed requests are checked with, by name (lower case, trailing dot). */
  private keys: ReadonlyMap<string, TsigKey> = new Map();
  /** Seconds since the epoch, for TSIG. */
  private readonly clock: () => number;

  /** What CHAOS identity queries are answered with (RFC 4892). */
  private readonly identity: ServerIdentity;
  /** The NSID option added to answers that ask for it (RFC 5001), when one is configured. */
  private readonly nsid: Uint8Array | null;

  constructor(zones: ZoneSet, options: { cacheEntries?: number; clock?: () => number; identity?: ServerIdentity } = {}) {
    this.zoneSet = zones;
    this.cache = new ResponseCache(options.cacheEntries);
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.identity = checkIdentity(options.identity ?? {});
    this.nsid = this.identity.nsid === undefined ? null : nsidOption(this.identity.nsid);
  }

  /** Swaps in the TSIG keys that signed requests (transfers, their SOA queries) may use. */
  setKeys(keys: ReadonlyMap<string, TsigKey>): void {
    this.keys = keys;
  }

  get zones(): ZoneSet {
    return this.zoneSet;
  }

  /** Swaps in a new zone set; cached responses of the old one are dropped with it. */
  setZones(zones: ZoneSet): void {
    this.zoneSet = zones;
    this.cache.clear();
  }

  respond(msg: Uint8Array, transport: Transport): Outcome {
    const parsed = parseQuery(msg);
    if (!parsed.ok) {
      const p = parsed.problem;
      if (p.rcode === 'drop') return { kind: 'drop', reason: p.reason };
      return this.reply(errorResponse(msg, p.id, p.flags, p.questionEnd, p.edns, p.rcode), p.edns, transport);
    }
    const q = parsed.query;
    // RFC 8945 §5.2: a signed request is verified before anything else is done with it. The
    // answer to the request inside gets its NSID there, before it is signed.
    if (q.signed) return this.respondSigned(msg, q, transport);
    const outcome = this.respondTo(msg, q, transport);
    return outcome.kind === 'response' ? this.reply(outcome.message, q.edns, transport) : outcome;
  }

  /**
   * RFC 5001 §2.1: a query with an NSID option gets ours in the OPT of whatever we answer (the
   * response cache keeps answers without it). Every other answer is passed through as it is.
   */
  private reply(message: Uint8Array, edns: Edns | null, transport: Transport): Outcome {
    if (this.nsid && edns?.nsid) return response(withOption(message, this.nsid, transport === 'tcp' ? MAX_TCP_SIZE : udpLimit(edns)));
    return response(message);
  }

  private respondTo(msg: Uint8Array, q: Query, transport: Transport): Outcome {
    // RFC 6891 §6.1.3: we speak EDNS version 0 only.
    if (q.edns && q.edns.version > 0) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.BADVERS));
    if (q.opcode === Opcode.NOTIFY) {
      // RFC 1996 §3.10: NOTIFY is for secondaries; the serving role has no primaries to refresh from.
      return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.REFUSED));
    }
    if (q.qclass === RRClass.CH) return response(answerChaos(msg, q, this.identity));
    // RFC 1035 §3.2.5: QCLASS * matches any class; we hold IN data only (see below).
    if (q.qclass !== RRClass.IN && q.qclass !== RRClass.ANY) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.REFUSED));

    if (q.qtype === RRType.AXFR || q.qtype === RRType.IXFR) return this.transfer(msg, q, transport);
    // Meta-types that only live in messages (RFC 6895 §3.1). MAILA and MAILB (RFC 1035 §3.2.3,
    // obsolete) go on to the lookup, which answers them as types no name holds, as NSD and Knot do.
    if (q.qtype === RRType.OPT || q.qtype === RRType.TSIG) {
      return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.NOTIMP));
    }

    const limit = transport === 'tcp' ? MAX_TCP_SIZE : udpLimit(q.edns);
    const nameEnd = q.questionEnd - 4;
    const variant = !q.edns ? EdnsVariant.None : q.edns.dnssecOk ? EdnsVariant.EdnsDo : EdnsVariant.Edns;
    const hit = this.cache.find(msg, nameEnd, q.questionEnd, variant);
    if (hit >= 0 && this.cache.length(hit) <= limit) {
      return response(this.cache.copyTo(hit, msg, nameEnd, new Uint8Array(this.cache.length(hit))));
    }
    // RFC 3225: the DO bit asks for RRSIGs and denial proofs; the cache keeps DO answers apart.
    const answer = answerQuery(this.zoneSet, Name.fromWireString(q.qnameCased), q.qtype, q.edns?.dnssecOk === true);
    if (q.qclass === RRClass.ANY) anyClass(answer);
    if (hit >= 0) return response(encodeAnswer(msg, q, answer, limit)); // cached, but too big for this client
    const full = encodeAnswer(msg, q, answer, MAX_TCP_SIZE);
    this.cache.store(msg, nameEnd, q.questionEnd, variant, full);
    return response(full.length <= limit ? full : encodeAnswer(msg, q, answer, limit));
  }

  private transfer(msg: Uint8Array, q: Query, transport: Transport): Outcome {
    // RFC 1995 §3: an IXFR query carries the client's SOA in its authority section. Without it
    // the query is malformed, over UDP and TCP, as NSD, Knot and BIND answer it.
    if (q.qtype === RRType.IXFR && ixfrClientSerial(msg, q) === undefined) {
      return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.FORMERR));
    }
    const zone = this.zoneSet.get(Name.fromWireString(q.qnameCased));
    if (!zone) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.NOTAUTH));
    if (transport === 'tcp') return { kind: 'transfer', query: q, zone, request: msg };
    if (q.qtype === RRType.AXFR) {
      // RFC 5936 §4.2: AXFR is not defined over UDP.
      return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.NOTIMP));
    }
    // RFC 1995 §2: an IXFR answer that does not fit in UDP is our SOA alone, which tells the
    // client to come back over TCP.
    const answer: Answer = {
      rcode: Rcode.NOERROR,
      authoritative: true,
      outcome: 'answer',
      answer: [{ owner: zone.origin, rrset: zone.soa }],
      authority: [],
      additional: [],
    };
    return response(encodeAnswer(msg, q, answer, udpLimit(q.edns)));
  }

  /**
   * A request with a TSIG RR (RFC 8945 §5.2): refused with NOTAUTH and the TSIG error when it does
   * not verify; otherwise answered as if unsigned and the answer signed with the same key (§5.3).
   * Transfers carry the verified request so the server can sign every message and decide the ACL
   * by key. Only signed requests come here: the answer path of plain queries is unchanged.
   */
  private respondSigned(msg: Uint8Array, q: Query, transport: Transport): Outcome {
    const now = this.clock();
    let verified: VerifiedRequest | null;
    try {
      verified = verifyRequest(msg, this.keys, now);
    } catch (err) {
      if (!(err instanceof TsigError)) throw err;
      const message = signErrorResponse(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, err.rcode), err, now);
      return { kind: 'response', message, refused: err.message };
    }
    if (!verified) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.FORMERR));
    const inner = this.respond(verified.message, transport);
    if (inner.kind === 'drop') return inner;
    if (inner.kind === 'transfer') return { ...inner, tsig: verified };
    let answer = inner.message;
    const signed = signResponse(answer, verified.key, verified.mac, now).wire;
    if (transport === 'tcp' || signed.length <= udpLimit(q.edns)) return response(signed);
    // RFC 1035 §4.2.1: what does not fit with its TSIG RR is sent as header and question with TC.
    answer = errorResponse(verified.message, q.id, q.flags, q.questionEnd, q.edns, answer[3]! & 0xf);
    answer[2]! |= (Flag.QR | Flag.AA | Flag.TC) >> 8;
    return response(signResponse(answer, verified.key, verified.mac, now).wire);
  }
}

/**
 * QCLASS * (RFC 1035 §3.2.5) answered from our IN data, as NSD does: not authoritative, since we
 * cannot speak for every class, and so without the SOA or denial proofs of negative answers;
 * referrals keep their NS RRset and glue.
 */
function anyClass(answer: Answer): void {
  answer.authoritative = false;
  if (answer.outcome !== 'referral') answer.authority.length = 0;
}

function response(message: Uint8Array): Outcome {
  return { kind: 'response', message };
}

/** The UDP size we may send to this client (RFC 6891 §6.2.5). */
export function udpLimit(edns: Edns | null): number {
  if (!edns) return CLASSIC_UDP_SIZE;
  return Math.min(edns.payloadSize, MAX_UDP_SIZE);
}

/**
 * Encodes an answer. RRsets of the answer and authority sections, each with its RRSIGs, are written whole or not at all;
 * one that does not fit sets TC and ends the message, as NSD does. Additional records are
 * optional and left out when they do not fit, except required glue (RFC 9471 §3).
 * The RD bit is left clear here and copied from the query by `withQueryFlags`.
 */
export function encodeAnswer(msg: Uint8Array, q: Query, answer: Answer, limit: number): Uint8Array {
  const rcode = answer.rcode;
  let flags = (q.opcode << 11) | (rcode & 0xf);
  if (answer.authoritative) flags |= Flag.AA;
  const reserve = q.edns ? OPT_RECORD_LENGTH : 0;
  const w = new MessageWriter(q.id, flags, limit - reserve);
  w.copyQuestion(msg, q.questionEnd, q.qnameKey);
  const complete =
    writeSection(w, 1, answer.answer, true) &&
    writeSection(w, 2, answer.authority, true) &&
    writeSection(w, 3, answer.additional, false);
  if (!complete) w.setFlag(Flag.TC);
  if (q.edns) w.writeOpt(rcode >> 4, q.edns.dnssecOk);
  return withQueryFlags(w.finish(), q);
}

function writeSection(w: MessageWriter, section: 1 | 2 | 3, entries: readonly AnswerEntry[], mandatory: boolean): boolean {
  for (const e of entries) {
    const written = e.signatures
      ? w.writeSignedRRset(section, e.owner, e.rrset, e.signatures)
      : w.writeRRset(section, e.owner, e.rrset.type, e.rrset.ttl, e.rrset.rdata, e.rrset.ttls);
    // RFC 4035 §3.1.1: an RRset whose RRSIGs do not fit is left out with them, and TC is set.
    if (!written && (mandatory || e.required)) return false;
  }
  return true;
}

/** RFC 1035 §4.1.1: RD is copied into the response. CD is not (NSD clears it for authoritative answers). */
export function withQueryFlags(message: Uint8Array, q: Query): Uint8Array {
  message[2]! |= (q.flags >> 8) & (Flag.RD >> 8);
  return message;
}

/**
 * An error response: header, the question when it could be read, and our OPT record when the
 * query had a valid one (RFC 6891 §7: BADVERS is signalled through it).
 */
export function errorResponse(
  msg: Uint8Array,
  id: number,
  queryFlags: number,
  questionEnd: number,
  edns: Edns | null,
  rcode: number,
): Uint8Array {
  const opcode = (queryFlags >> 11) & 0xf;
  const flags = (opcode << 11) | (queryFlags & Flag.RD) | (rcode & 0xf);
  const w = new MessageWriter(id, flags, MAX_TCP_SIZE);
  if (questionEnd > 12) {
    const key = Name.fromWireString(bytesToLatin1(msg, 12, questionEnd - 4)).key;
    w.copyQuestion(msg, questionEnd, key);
  }
  if (edns) w.writeOpt(rcode >> 4, edns.dnssecOk);
  return w.finish();
}

