import type { Query } from '../dns/message';
import { Name } from '../dns/name';
import { Rcode, RRType } from '../dns/constants';
import { errorResponse } from './error-response';

/**
 * The answer to a NOTIFY (RFC 1996) received by the control server. Pure: `decide` says what the
 * secondary-zone side makes of it (accepted from a primary of the zone, refused from anyone else,
 * or not a zone we are secondary for). Only the header and the question are read: the SOA a
 * primary may put in the answer section is a hint (§3.7), the SOA query that follows decides.
 * The Responder calls it after a TSIG on the request has verified (RFC 8945 §5.2), as for any
 * other request, and signs the answer.
 */

/** `key-required`: from a primary, but the zone has a TSIG key and the NOTIFY was not signed with it. */
export type NotifyVerdict = 'accepted' | 'not-a-primary' | 'key-required' | 'unknown-zone';

/**
 * What the secondary-zone side makes of a NOTIFY for zone `origin` (lower case, trailing dot) from
 * `source`; `keyName` is the TSIG key it verified with (lower case, trailing dot), if it was signed.
 */
export type NotifyHandler = (origin: string, source: string, keyName: string | undefined) => NotifyVerdict;

export interface NotifyAnswer {
  readonly message: Uint8Array;
  /** The zone, lower case with the trailing dot; absent when the NOTIFY was malformed. */
  readonly origin?: string;
  /** Absent when the NOTIFY was malformed (another QTYPE than SOA). */
  readonly verdict?: NotifyVerdict;
}

export function answerNotify(msg: Uint8Array, q: Query, decide: (origin: string) => NotifyVerdict): NotifyAnswer {
  // §3.7: QTYPE is SOA (the only type NOTIFY is defined for here).
  if (q.qtype !== RRType.SOA) return { message: errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, Rcode.FORMERR) };
  const origin = Name.fromWireString(q.qnameCased).toString().toLowerCase();
  const verdict = decide(origin);
  // §4.7: the response echoes the question; REFUSED for a source that is not a primary (§3.10) or
  // a NOTIFY without the zone's key, NOTAUTH for a zone we do not hold as a secondary.
  const rcode = verdict === 'accepted' ? Rcode.NOERROR : verdict === 'unknown-zone' ? Rcode.NOTAUTH : Rcode.REFUSED;
  return { message: errorResponse(msg, q.id, q.flags, q.questionEnd, q.edns, rcode), origin, verdict };
}
