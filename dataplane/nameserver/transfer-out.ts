import type { Query } from '../dns/message';
import { Rcode } from '../dns/constants';
import type { Zone } from '../zone/zone';
import type { TransferAcl } from './acl';
import { transferMessages } from './axfr';
import { errorResponse } from './error-response';

/**
 * Whether a zone goes out to a client that asked for it over TCP (AXFR, RFC 5936 §4.1; IXFR,
 * RFC 1995), and what is sent: the messages of the transfer, or one REFUSED. The TSIG on the
 * request, if any, has verified before this is asked (RFC 8945 §5.2), and the key it verified
 * with takes part in the decision (a customer secondary may be granted by key); the Responder
 * signs whatever is returned here, every message of a stream chained to the one before (§5.3.1).
 */

export type TransferVerdict = 'allowed' | 'refused';

export type TransferDecision =
  | {
      readonly verdict: 'allowed';
      /** The zone's name, lower case with the trailing dot; its serial as sent. */
      readonly zone: string;
      readonly serial: number;
      /** Made lazily, so that a large zone streams with the socket's backpressure. */
      readonly messages: Iterable<Uint8Array>;
    }
  | { readonly verdict: 'refused'; readonly zone: string; readonly message: Uint8Array };

/**
 * `request` is the query message (without its TSIG RR when it was signed), `client` the address
 * the request came from, `keyName` the name of the key it verified with.
 */
export function decideTransfer(zone: Zone, q: Query, request: Uint8Array, acl: TransferAcl, client: string, keyName: string | undefined): TransferDecision {
  const name = zone.origin.toString().toLowerCase();
  if (!acl.allowsTransfer(name, client, keyName)) {
    return { verdict: 'refused', zone: name, message: errorResponse(request, q.id, q.flags, q.questionEnd, q.edns, Rcode.REFUSED) };
  }
  return { verdict: 'allowed', zone: name, serial: zone.serial, messages: transferMessages(zone, q, request) };
}
