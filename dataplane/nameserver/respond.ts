import { Name } from '../dns/name';
import { Opcode, Rcode, RRClass, RRType } from '../dns/constants';
import {
  CLASSIC_UDP_SIZE,
  Flag,
  MAX_TCP_SIZE,
  MAX_UDP_SIZE,
  parseQuery,
  plainQuery,
  plainQueryDnssecOk,
  plainQueryNameEnd,
  plainQueryPayload,
  type Edns,
  type Query,
} from '../dns/message';
import { MessageWriter, OPT_RECORD_LENGTH, truncateInPlace } from '../dns/message-writer';
import type { ZoneSet } from '../zone/zone-set';
import { answerQuery, type Answer, type AnswerEntry } from './answer';
import { ResponseCache, EdnsVariant } from './response-cache';
import { signErrorResponse, signResponse, TsigError, TsigResponseSigner, verifyRequest, type TsigKey, type TsigKeyring, type VerifiedRequest } from '../dns/tsig';
import { ixfrClientSerial } from './axfr';
import { AddressList, type TransferAcl } from './acl';
import { answerNotify, type NotifyHandler, type NotifyVerdict } from './notify';
import { decideTransfer } from './transfer-out';
import { errorResponse } from './error-response';
import { answerChaos, checkIdentity, nsidOption, withOption, type ServerIdentity } from './identity';
import { LARGE_RESPONSE, nameHash, RateDecision, ResponseClass, type ResponseRateLimiter } from './rate-limit';

/**
 * Every decision about one request message: answer it, drop it, refuse it, stream a zone out,
 * take a NOTIFY. The server layer only moves the bytes: `answerDatagram` for UDP, `respond` for
 * TCP. Pure apart from the response cache it keeps.
 *
 * The order, as Knot's nameserver processes a request: parse; verify a TSIG (RFC 8945 §5.2) and
 * answer the request inside; then one dispatch by opcode and QTYPE to its processor (NOTIFY,
 * CHAOS identity, transfer out, the answer from the zones); sign what goes out with the key the
 * request verified with.
 */

export type Transport = 'udp' | 'tcp';

/** Where a request came from. Read only when a decision needs it (NOTIFY, transfers): for UDP it costs a string. */
export interface Peer {
  address(): string;
}

/** The source of a UDP datagram: also the hash of its network and when it arrived, for response rate limiting (rate-limit.ts). */
export interface DatagramPeer extends Peer {
  /** `sourcePrefix` of its address. */
  prefix(): number;
  /** Milliseconds since the epoch, read once per batch of datagrams. */
  receivedAt(): number;
}

/** What the server does with a request message. */
export type Reply =
  | { readonly kind: 'response'; readonly message: Uint8Array; readonly event?: ReplyEvent }
  | { readonly kind: 'drop'; readonly reason: string }
  /** AXFR or IXFR over TCP allowed: the messages to send in order, signed when the request was. */
  | { readonly kind: 'transfer'; readonly messages: Iterable<Uint8Array>; readonly event: TransferEvent };

type ResponseReply = Extract<Reply, { kind: 'response' }>;

/** What the server logs and counts about a reply beyond sending it. */
export type ReplyEvent =
  /** A signed request failed its TSIG check (RFC 8945 §5.2): answered NOTAUTH with the TSIG error. */
  | { readonly kind: 'tsig-refused'; readonly error: string }
  /** The transfer ACL refused the client (with the key the request verified with, if any). */
  | { readonly kind: 'transfer-refused'; readonly zone: string; readonly key?: string }
  /** A NOTIFY (RFC 1996) taken by the secondary-zone side; `malformed` when it could not be read. */
  | { readonly kind: 'notify'; readonly zone?: string; readonly verdict: NotifyVerdict | 'malformed' };

export interface TransferEvent {
  readonly kind: 'transfer';
  /** Lower case with the trailing dot. */
  readonly zone: string;
  readonly serial: number;
  readonly key?: string;
}

export interface ResponderOptions {
  readonly cacheEntries?: number;
  /** Seconds since the epoch, for TSIG. */
  readonly clock?: () => number;
  readonly identity?: ServerIdentity;
  /** Who may transfer zones out (AXFR/IXFR over TCP); nobody without it. */
  readonly transferAcl?: TransferAcl;
  /** The control server's secondary zones (RFC 1996). Without it a NOTIFY is refused: a serving pod has no primaries. */
  readonly notify?: NotifyHandler;
  /** Keys a NOTIFY may also be signed with, besides `setKeys`: the secondary zones' own, which their primaries use. */
  readonly notifyKeys?: (name: string) => TsigKey | undefined;
  /** Response rate limiting of UDP answers (rate-limit.ts); none without it. */
  readonly rateLimit?: ResponseRateLimiter;
}

/** The reason of the drop `answerDatagram` returns for a response rate limiting held back. */
export const RATE_LIMITED_REASON = 'rate-limited';
const RATE_LIMITED: Reply = { kind: 'drop', reason: RATE_LIMITED_REASON };

/** `respond` for callers with no peer to name (tests, tools): transfers out are refused to it. */
const NO_PEER: Peer = { address: () => '' };

/** `respondTo` has not looked in the cache yet. */
const NOT_PROBED = -2;

export class Responder {
  private zoneSet: ZoneSet;
  /** Encoded answers by question; `answerDatagram` answers repeated questions from it unparsed. */
  readonly cache: ResponseCache;

  /** TSIG keys signed requests are checked with, by name (lower case, trailing dot). */
  private keys: ReadonlyMap<string, TsigKey> = new Map();
  /** Seconds since the epoch, for TSIG. */
  private readonly clock: () => number;

  /** What CHAOS identity queries are answered with (RFC 4892). */
  private readonly identity: ServerIdentity;
  /** The NSID option added to answers that ask for it (RFC 5001), when one is configured. */
  private readonly nsid: Uint8Array | null;
  private readonly transferAcl: TransferAcl;
  private readonly notifyHandler: NotifyHandler | undefined;
  private readonly notifyKeys: ((name: string) => TsigKey | undefined) | undefined;
  /** Null when off: the fast path then tests one field and does nothing else. */
  readonly rateLimit: ResponseRateLimiter | null;
  /**
   * The rate-limit class and name hash of the response `respondTo` made last, set where it knows
   * them (an answer from the zones or the cache) and reset to Error before each datagram: fields
   * rather than a returned object, so that the paths without rate limiting make nothing more.
   */
  private lastClass: ResponseClass = ResponseClass.Error;
  private lastName = 0;

  constructor(zones: ZoneSet, options: ResponderOptions = {}) {
    this.zoneSet = zones;
    this.cache = new ResponseCache(options.cacheEntries);
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.identity = checkIdentity(options.identity ?? {});
    this.nsid = this.identity.nsid === undefined ? null : nsidOption(this.identity.nsid);
    this.transferAcl = options.transferAcl ?? AddressList.parse([]);
    this.notifyHandler = options.notify;
    this.notifyKeys = options.notifyKeys;
    this.rateLimit = options.rateLimit ?? null;
  }

  /** Swaps in the TSIG keys that signed requests (transfers, their SOA queries, NOTIFY) may use. */
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

  /**
   * One UDP datagram, read once and looked up in the cache once. A plain query (see
   * `plainQueryNameEnd`) whose answer is cached and fits the client is copied into `out` at
   * `outAt` and its length returned: the hot path, no objects made. Anything else is answered in
   * full (a plain query from what was read already, without parsing it again or looking in the
   * cache again) and returned as a `Reply` for the server to copy. See
   * docs/adr/0002-pre-encoded-responses.md and docs/adr/0013-one-request-path.md.
   */
  answerDatagram(msg: Uint8Array, out: Uint8Array, outAt: number, peer: DatagramPeer): number | Reply {
    const rrl = this.rateLimit;
    const nameEnd = plainQueryNameEnd(msg);
    if (nameEnd < 0) {
      if (rrl === null) return this.respond(msg, 'udp', peer);
      this.lastClass = ResponseClass.Error;
      this.lastName = 0;
      return this.limitReply(rrl, this.respond(msg, 'udp', peer), out, outAt, peer);
    }
    // RFC 6891 §6.2.5: what we may send, as `udpLimit` reads it from the parsed OPT.
    const payload = plainQueryPayload(msg, nameEnd);
    const limit = payload < CLASSIC_UDP_SIZE ? CLASSIC_UDP_SIZE : payload > MAX_UDP_SIZE ? MAX_UDP_SIZE : payload;
    const variant = msg[11] === 0 ? EdnsVariant.None : plainQueryDnssecOk(msg, nameEnd) ? EdnsVariant.EdnsDo : EdnsVariant.Edns;
    const hit = this.cache.find(msg, nameEnd, nameEnd + 4, variant);
    if (hit >= 0) {
      const size = this.cache.length(hit);
      if (size <= limit && outAt + size <= out.length) {
        this.cache.copyTo(hit, msg, nameEnd, out, outAt);
        if (rrl === null) return size;
        return this.limit(rrl, this.cache.rateClass(hit), this.cache.rateName(hit), out, outAt, size, peer);
      }
    }
    // A plain query is unsigned and has no NSID option: `respond` would add nothing around this.
    if (rrl === null) return this.respondTo(msg, plainQuery(msg, nameEnd), 'udp', peer, undefined, hit);
    this.lastClass = ResponseClass.Error;
    this.lastName = 0;
    return this.limitReply(rrl, this.respondTo(msg, plainQuery(msg, nameEnd), 'udp', peer, undefined, hit), out, outAt, peer);
  }

  /**
   * Response rate limiting of the answer written at `[outAt, outAt + size)` of `out`: the length
   * to send (the answer, or its truncated form when slipped) or the drop.
   */
  private limit(rrl: ResponseRateLimiter, cls: ResponseClass, name: number, out: Uint8Array, outAt: number, size: number, peer: DatagramPeer): number | Reply {
    const decision = decideRate(rrl, cls, name, size, peer);
    return decision === RateDecision.Answer ? size : held(decision, out, outAt, size);
  }

  /**
   * `limit` for a reply made in full, with the class `respondTo` left in `lastClass` and
   * `lastName`: a reply that may go out is returned as it is (with its event for the log).
   */
  private limitReply(rrl: ResponseRateLimiter, reply: Reply, out: Uint8Array, outAt: number, peer: DatagramPeer): number | Reply {
    if (reply.kind !== 'response' || outAt + reply.message.length > out.length) return reply;
    const size = reply.message.length;
    const decision = decideRate(rrl, this.lastClass, this.lastName, size, peer);
    if (decision === RateDecision.Answer) return reply;
    out.set(reply.message, outAt);
    return held(decision, out, outAt, size);
  }

  /** One request message (over TCP, or a UDP datagram `answerDatagram` does not answer from the cache). */
  respond(msg: Uint8Array, transport: Transport, peer: Peer = NO_PEER): Reply {
    const parsed = parseQuery(msg);
    if (!parsed.ok) {
      const p = parsed.problem;
      if (p.rcode === 'drop') return { kind: 'drop', reason: p.reason };
      const reply = this.reply(response(errorResponse(msg, p.id, p.flags, p.questionEnd, p.edns, p.rcode)), p.edns, transport);
      // A NOTIFY we could not read is still one the secondary-zone side is told of in the log.
      return this.notifyHandler && ((p.flags >> 11) & 0xf) === Opcode.NOTIFY ? { ...reply, event: { kind: 'notify', verdict: 'malformed' } } : reply;
    }
    const q = parsed.query;
    // RFC 8945 §5.2: a signed request is verified before anything else is done with it. The
    // answer to the request inside gets its NSID there, before it is signed.
    if (q.signed) return this.respondSigned(msg, q, transport, peer);
    const reply = this.respondTo(msg, q, transport, peer, undefined, NOT_PROBED);
    return reply.kind === 'response' ? this.reply(reply, q.edns, transport) : reply;
  }

  /**
   * RFC 5001 §2.1: a query with an NSID option gets ours in the OPT of whatever we answer (the
   * response cache keeps answers without it). Every other answer is passed through as it is.
   */
  private reply(r: ResponseReply, edns: Edns | null, transport: Transport): ResponseReply {
    if (this.nsid && edns?.nsid) return { ...r, message: withOption(r.message, this.nsid, transport === 'tcp' ? MAX_TCP_SIZE : udpLimit(edns)) };
    return r;
  }

  /**
   * The dispatch of a readable request (inside its TSIG, when it had one: `keyName` is the key
   * it verified with). `probe` is where `answerDatagram` found the question in the cache (-1: not
   * there), or NOT_PROBED.
   */
  private respondTo(msg: Uint8Array, q: Query, transport: Transport, peer: Peer, keyName: string | undefined, probe: number): Reply {
    // RFC 6891 §6.1.3: we speak EDNS version 0 only.
    if (q.edns && q.edns.version > 0) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.BADVERS));
    if (q.opcode === Opcode.NOTIFY) return this.notify(msg, q, peer, keyName);
    if (q.qclass === RRClass.CH) return response(answerChaos(msg, q, this.identity));
    // RFC 1035 §3.2.5: QCLASS * matches any class; we hold IN data only (see below).
    if (q.qclass !== RRClass.IN && q.qclass !== RRClass.ANY) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.REFUSED));

    if (q.qtype === RRType.AXFR || q.qtype === RRType.IXFR) return this.transfer(msg, q, transport, peer, keyName);
    // Meta-types that only live in messages (RFC 6895 §3.1). MAILA and MAILB (RFC 1035 §3.2.3,
    // obsolete) go on to the lookup, which answers them as types no name holds, as NSD and Knot do.
    if (q.qtype === RRType.OPT || q.qtype === RRType.TSIG) {
      return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.NOTIMP));
    }

    const limit = transport === 'tcp' ? MAX_TCP_SIZE : udpLimit(q.edns);
    const nameEnd = q.questionEnd - 4;
    const variant = !q.edns ? EdnsVariant.None : q.edns.dnssecOk ? EdnsVariant.EdnsDo : EdnsVariant.Edns;
    const hit = probe === NOT_PROBED ? this.cache.find(msg, nameEnd, q.questionEnd, variant) : probe;
    if (hit >= 0) {
      this.lastClass = this.cache.rateClass(hit);
      this.lastName = this.cache.rateName(hit);
      if (this.cache.length(hit) <= limit) return response(this.cache.copyTo(hit, msg, nameEnd, new Uint8Array(this.cache.length(hit))));
    }
    // RFC 3225: the DO bit asks for RRSIGs and denial proofs; the cache keeps DO answers apart.
    const qname = Name.fromWireString(q.qnameCased);
    const answer = answerQuery(this.zoneSet, qname, q.qtype, q.edns?.dnssecOk === true);
    if (q.qclass === RRClass.ANY) anyClass(answer);
    if (hit >= 0) return response(encodeAnswer(msg, q, answer, limit)); // cached, but too big for this client
    const full = encodeAnswer(msg, q, answer, MAX_TCP_SIZE);
    this.lastClass = rateClass(answer);
    this.lastName = nameHash(rateName(answer, qname).key);
    this.cache.store(msg, nameEnd, q.questionEnd, variant, full, this.lastClass, this.lastName);
    return response(full.length <= limit ? full : encodeAnswer(msg, q, answer, limit));
  }

  /** RFC 1996: a NOTIFY goes to the secondary-zone side, which decides by zone, source and the key it was signed with. */
  private notify(msg: Uint8Array, q: Query, peer: Peer, keyName: string | undefined): Reply {
    const decide = this.notifyHandler;
    // RFC 1996 §3.10: NOTIFY is for secondaries; the serving role has no primaries to refresh from.
    if (!decide) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.REFUSED));
    const { message, origin, verdict } = answerNotify(msg, q, (zone) => decide(zone, peer.address(), keyName));
    return { kind: 'response', message, event: { kind: 'notify', zone: origin, verdict: verdict ?? 'malformed' } };
  }

  private transfer(msg: Uint8Array, q: Query, transport: Transport, peer: Peer, keyName: string | undefined): Reply {
    // RFC 1995 §3: an IXFR query carries the client's SOA in its authority section. Without it
    // the query is malformed, over UDP and TCP, as NSD, Knot and BIND answer it.
    if (q.qtype === RRType.IXFR && ixfrClientSerial(msg, q) === undefined) {
      return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.FORMERR));
    }
    const zone = this.zoneSet.get(Name.fromWireString(q.qnameCased));
    if (!zone) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.NOTAUTH));
    if (transport === 'tcp') {
      const decision = decideTransfer(zone, q, msg, this.transferAcl, peer.address(), keyName);
      const key = keyName === undefined ? {} : { key: keyName };
      if (decision.verdict === 'refused') return { kind: 'response', message: decision.message, event: { kind: 'transfer-refused', zone: decision.zone, ...key } };
      return { kind: 'transfer', messages: decision.messages, event: { kind: 'transfer', zone: decision.zone, serial: decision.serial, ...key } };
    }
    if (q.qtype === RRType.AXFR) {
      // RFC 5936 §4.2: AXFR is not defined over UDP.
      return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.NOTIMP));
    }
    // RFC 1995 §2: an IXFR answer that does not fit in UDP is our SOA alone, which tells the
    // client to come back over TCP.
    const answer: Answer = {
      rcode: Rcode.NOERROR,
      authoritative: true,
      state: 'answer',
      answer: [{ owner: zone.origin, rrset: zone.soa }],
      authority: [],
      additional: [],
    };
    return response(encodeAnswer(msg, q, answer, udpLimit(q.edns)));
  }

  /**
   * A request with a TSIG RR (RFC 8945 §5.2): refused with NOTAUTH and the TSIG error when it does
   * not verify; otherwise answered as if unsigned (the key it verified with deciding transfers)
   * and what goes out signed with the same key (§5.3): the answer, or every message of a
   * transfer, each chained to the one before (§5.3.1). Only signed requests come here: the
   * answer path of plain queries is unchanged.
   */
  private respondSigned(msg: Uint8Array, q: Query, transport: Transport, peer: Peer): Reply {
    const now = this.clock();
    let verified: VerifiedRequest | null;
    try {
      verified = verifyRequest(msg, q.opcode === Opcode.NOTIFY ? this.notifyKeyring() : this.keys, now);
    } catch (err) {
      if (!(err instanceof TsigError)) throw err;
      const message = signErrorResponse(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, err.rcode), err, now);
      return { kind: 'response', message, event: { kind: 'tsig-refused', error: err.message } };
    }
    if (!verified) return response(errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.FORMERR));
    const inner = this.respondVerified(verified, transport, peer);
    if (inner.kind === 'drop') return inner;
    // The request inside has the TSIG's Original ID (RFC 8945 §4.3.3); the answer goes back with the
    // ID the request came with, which a forwarder may have rewritten (§5.5), and is signed so.
    if (inner.kind === 'transfer') return { ...inner, messages: signedStream(inner.messages, verified, this.clock, q.id) };
    let answer = withId(inner.message, q.id);
    const signed = signResponse(answer, verified.key, verified.mac, now).wire;
    if (transport === 'tcp' || signed.length <= udpLimit(q.edns)) return { ...inner, message: signed };
    // RFC 1035 §4.2.1: what does not fit with its TSIG RR is sent as header and question with TC.
    answer = errorResponse(verified.message, q.id, q.flags, q.questionEnd, q.edns, answer[3]! & 0xf);
    answer[2]! |= (Flag.QR | Flag.AA | Flag.TC) >> 8;
    return { ...inner, message: signResponse(answer, verified.key, verified.mac, now).wire };
  }

  /** What a NOTIFY is verified with: the keys of `setKeys`, then those of the secondary zones. */
  private notifyKeyring(): TsigKeyring {
    const extra = this.notifyKeys;
    if (!extra) return this.keys;
    const keys = this.keys;
    return (name) => keys.get(name) ?? extra(name);
  }

  /** The request inside a verified TSIG, answered as `respond` answers an unsigned one. */
  private respondVerified(verified: VerifiedRequest, transport: Transport, peer: Peer): Reply {
    const msg = verified.message;
    const parsed = parseQuery(msg);
    if (!parsed.ok) {
      const p = parsed.problem;
      if (p.rcode === 'drop') return { kind: 'drop', reason: p.reason };
      return this.reply(response(errorResponse(msg, p.id, p.flags, p.questionEnd, p.edns, p.rcode)), p.edns, transport);
    }
    const q = parsed.query;
    if (q.signed) return this.respondSigned(msg, q, transport, peer);
    const reply = this.respondTo(msg, q, transport, peer, verified.key.name, NOT_PROBED);
    return reply.kind === 'response' ? this.reply(reply, q.edns, transport) : reply;
  }
}

/** RFC 8945 §5.3.1: each message of a signed transfer signed when it is sent, chained to the one before. */
function* signedStream(messages: Iterable<Uint8Array>, verified: VerifiedRequest, clock: () => number, id: number): Generator<Uint8Array> {
  const signer = new TsigResponseSigner(verified.key, verified.mac);
  for (const message of messages) yield signer.sign(withId(message, id), clock());
}

/** `message` with the header ID `id` (in place: every caller's message is its own copy). */
function withId(message: Uint8Array, id: number): Uint8Array {
  message[0] = id >> 8;
  message[1] = id & 0xff;
  return message;
}

/**
 * QCLASS * (RFC 1035 §3.2.5) answered from our IN data, as NSD does: not authoritative, since we
 * cannot speak for every class, and so without the SOA or denial proofs of negative answers;
 * referrals keep their NS RRset and glue.
 */
function anyClass(answer: Answer): void {
  answer.authoritative = false;
  if (answer.state !== 'referral') answer.authority.length = 0;
}

/** The rate limiter's decision on an answer of `size` octets: any class counts as `large` from LARGE_RESPONSE on. */
function decideRate(rrl: ResponseRateLimiter, cls: ResponseClass, name: number, size: number, peer: DatagramPeer): RateDecision {
  return rrl.decide(peer.prefix(), size >= LARGE_RESPONSE ? ResponseClass.Large : cls, name, peer.receivedAt(), peer);
}

/** What goes out for an answer the limiter held back, written at `outAt` of `out`: its truncated form (slipped) or nothing. */
function held(decision: RateDecision.Slip | RateDecision.Drop, out: Uint8Array, outAt: number, size: number): number | Reply {
  if (decision === RateDecision.Drop) return RATE_LIMITED;
  const truncated = truncateInPlace(out, outAt, size);
  return truncated < 0 ? RATE_LIMITED : truncated;
}

/**
 * The class of an answer's rate-limit bucket. The name it is keyed by (`rateName`) makes a
 * random-subdomain flood share one bucket per zone, as NSD and Knot key NXDOMAIN and NODATA.
 */
function rateClass(answer: Answer): ResponseClass {
  switch (answer.state) {
    case 'answer':
      return ResponseClass.Positive;
    case 'nodata':
      return ResponseClass.Nodata;
    case 'nxdomain':
      return ResponseClass.Nxdomain;
    case 'referral':
      return ResponseClass.Referral;
    default:
      return ResponseClass.Error;
  }
}

/** The query name for positive answers; the zone (the owner of the SOA) or the delegation (of the NS) for the others. */
function rateName(answer: Answer, qname: Name): Name {
  return answer.state === 'answer' ? qname : (answer.authority[0]?.owner ?? qname);
}

function response(message: Uint8Array): ResponseReply {
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
