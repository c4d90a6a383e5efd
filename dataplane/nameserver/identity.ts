import { Name } from '../dns/name';
import { Rcode, RRClass, RRType } from '../dns/constants';
import { EdnsOption, Flag, type Query } from '../dns/message';
import { MessageWriter } from '../dns/message-writer';
import { errorResponse } from './error-response';
import { DnsfleetError } from '../dns/error';

/**
 * Who answered: the identity queries operators use to tell the servers of an anycast address
 * apart. CHAOS TXT `id.server.` and `hostname.bind.` (RFC 4892 §2.2), `version.server.` and
 * `version.bind.`, and the NSID option (RFC 5001). Pure; the server layer supplies the texts.
 */

export interface ServerIdentity {
  /** The answer to CH TXT id.server. and hostname.bind.; absent: those get REFUSED. */
  readonly identity?: string;
  /** The answer to CH TXT version.server. and version.bind.; absent (the default): REFUSED. */
  readonly version?: string;
  /** The NSID sent to queries that ask for it (RFC 5001 §2.1); absent: none is sent. */
  readonly nsid?: string;
}

/** Longest identity, version or NSID text: one TXT character-string (RFC 1035 §3.3). */
export const MAX_IDENTITY_LENGTH = 255;

/** An identity text that cannot be used; names the setting. */
export class IdentityError extends DnsfleetError {
  constructor(
    readonly setting: keyof ServerIdentity,
    readonly detail: string,
  ) {
    super(`${setting}: ${detail}`, { setting });
    this.name = 'IdentityError';
  }
}

/** Checks the texts: printable ASCII (they go into logs and dig output), 1 to 255 octets. */
export function checkIdentity(identity: ServerIdentity): ServerIdentity {
  for (const key of ['identity', 'version', 'nsid'] as const) {
    const text = identity[key];
    if (text === undefined) continue;
    if (text.length === 0 || text.length > MAX_IDENTITY_LENGTH) throw new IdentityError(key, `must be 1 to ${MAX_IDENTITY_LENGTH} characters, got ${text.length}`);
    if (!/^[\x20-\x7e]+$/.test(text)) throw new IdentityError(key, `must be printable ASCII, got ${JSON.stringify(text)}`);
  }
  return identity;
}

const IDENTITY_NAMES = new Set(['id.server.', 'hostname.bind.']);
const VERSION_NAMES = new Set(['version.server.', 'version.bind.']);

/**
 * A CHAOS-class query (RFC 4892): TXT (or ANY, as NSD answers it) for the four names above, with
 * AA clear and TTL 0 as NSD and Knot send them; everything else in class CH, and a text that is not
 * configured, is REFUSED, as NSD does with `hide-identity`/`hide-version` and Knot with an empty
 * `identity`/`version`.
 */
export function answerChaos(msg: Uint8Array, q: Query, identity: ServerIdentity): Uint8Array {
  const name = Name.fromWireString(q.qnameKey).toString();
  const text = IDENTITY_NAMES.has(name) ? identity.identity : VERSION_NAMES.has(name) ? identity.version : undefined;
  if (text === undefined || (q.qtype !== RRType.TXT && q.qtype !== RRType.ANY)) {
    return errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.REFUSED);
  }
  const w = new MessageWriter(q.id, (q.opcode << 11) | (q.flags & Flag.RD), 65535);
  w.copyQuestion(msg, q.questionEnd, q.qnameKey);
  const rdata = new Uint8Array(1 + text.length);
  rdata[0] = text.length;
  for (let i = 0; i < text.length; i++) rdata[i + 1] = text.charCodeAt(i);
  w.writeRecord(1, Name.fromWireString(q.qnameCased), RRType.TXT, 0, rdata, RRClass.CH);
  if (q.edns) w.writeOpt(0, q.edns.dnssecOk);
  return w.finish();
}

/** The NSID option as it goes into our OPT RDATA: code, length, the identifier (RFC 5001 §2.3). */
export function nsidOption(nsid: string): Uint8Array {
  const option = new Uint8Array(4 + nsid.length);
  option[1] = EdnsOption.NSID;
  option[3] = nsid.length;
  for (let i = 0; i < nsid.length; i++) option[4 + i] = nsid.charCodeAt(i);
  return option;
}

/**
 * `message` with `option` added to its OPT record, which our responses always write last and
 * empty. Unchanged when it has no OPT or the option would not fit `limit`: NSID is optional
 * (RFC 5001 §2.1), the answer is not.
 */
export function withOption(message: Uint8Array, option: Uint8Array, limit: number): Uint8Array {
  const opt = message.length - 11;
  if (opt < 12 || message[opt] !== 0 || message[opt + 1] !== 0 || message[opt + 2] !== RRType.OPT || message[opt + 9] !== 0 || message[opt + 10] !== 0) return message;
  if (message.length + option.length > limit) return message;
  const out = new Uint8Array(message.length + option.length);
  out.set(message);
  out.set(option, message.length);
  out[opt + 9] = option.length >> 8;
  out[opt + 10] = option.length & 0xff;
  return out;
}
