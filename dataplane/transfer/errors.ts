/**
 * Why an SOA query or a zone transfer from a primary failed. One class with a `code` that
 * callers switch on; the message names the primary, the zone, the operation and, when there is
 * one, the message number (from 1) where the problem showed.
 */
import { DnsfleetError } from '../dns/error';

export type TransferErrorCode =
  // The network
  | 'connection-refused' // nothing listens on the primary's port (TCP RST, ICMP port unreachable)
  | 'connection-closed' // the primary closed the TCP connection before the transfer ended
  | 'network' // any other socket error
  | 'timeout' // no answer within timeoutMs, or the transfer as a whole took longer
  | 'idle-timeout' // the primary sent nothing for idleTimeoutMs in the middle of a transfer
  | 'too-large' // the transfer passed maxTransferBytes
  // The primary's answer
  | 'malformed' // a message that cannot be read (MessageFormatError is the cause)
  | 'bad-header' // not a response to our query: QR clear, another ID or opcode, TC set on TCP
  | 'refused' // RCODE REFUSED (RFC 1035 §4.1.1)
  | 'notauth' // RCODE NOTAUTH (RFC 2845 §4 / RFC 8945 §5.3: not authoritative or TSIG refused)
  | 'servfail' // RCODE SERVFAIL
  | 'notimp' // RCODE NOTIMP
  | 'formerr' // RCODE FORMERR
  | 'rcode' // any other RCODE but NOERROR
  | 'not-authoritative' // AA clear in the answer to an SOA query (RFC 1035 §4.1.1)
  | 'wrong-zone' // the question in the answer is not the one we asked
  | 'no-soa' // no SOA for the zone in the answer
  | 'not-soa-first' // RFC 5936 §2.2: the first record of a transfer is the zone's SOA
  | 'unexpected-soa' // RFC 5936 §2.2: an SOA inside an AXFR, or records after the last SOA
  | 'out-of-zone' // a record whose owner is not in the zone, or not of class IN
  | 'bad-ixfr' // an IXFR answer that cannot be applied to the version we have
  | 'zone-check' // the transferred zone fails the zone checks (ZoneCheckError is the cause)
  | 'tsig'; // the RequestSigner's verifier refused a message

export class TransferError extends DnsfleetError {
  constructor(
    readonly code: TransferErrorCode,
    /** `address:port` of the primary. */
    readonly primary: string,
    readonly zone: string,
    /** 'SOA', 'AXFR' or 'IXFR'. */
    readonly operation: string,
    readonly detail: string,
    /** The message of the exchange (from 1) where it failed; 0 when before any message. */
    readonly messageNumber = 0,
    options?: { cause?: unknown },
  ) {
    super(`${operation} ${zone} from ${primary}${messageNumber > 0 ? ` message ${messageNumber}` : ''}: ${code}: ${detail}`, { code, primary, zone, operation, messageNumber }, options);
    this.name = 'TransferError';
  }
}

/** Formats a primary the way errors name it: `192.0.2.1:53`, `[2001:db8::1]:53`. */
export function primaryLabel(primary: { address: string; port: number }): string {
  return primary.address.includes(':') ? `[${primary.address}]:${primary.port}` : `${primary.address}:${primary.port}`;
}
