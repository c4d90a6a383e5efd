import { Flag, MAX_TCP_SIZE, skipName, type Query } from '../dns/message';
import { MessageWriter, OPT_RECORD_LENGTH } from '../dns/message-writer';
import { RRType } from '../dns/constants';
import { recordTtl, type Zone } from '../zone/zone';
import { serialCompare } from '../zone/serial';

/**
 * Outgoing zone transfers over TCP: AXFR (RFC 5936) and IXFR (RFC 1995) answered with the whole
 * zone, which RFC 1995 §4 allows when no journal is kept.
 */

/**
 * Messages are kept below 16 KiB so every name can still be a compression target (pointers reach
 * 2^14 octets, RFC 1035 §4.1.4); NSD makes the same choice.
 */
const TRANSFER_MESSAGE_SIZE = 16383;

/**
 * The messages of a transfer, made lazily so a large zone streams with the socket's backpressure.
 * RFC 5936 §2.2: SOA first, every record, SOA last; the question only in the first message.
 */
export function* transferMessages(zone: Zone, q: Query, queryMessage: Uint8Array): Generator<Uint8Array> {
  if (q.qtype === RRType.IXFR) {
    const clientSerial = ixfrClientSerial(queryMessage, q);
    // RFC 1995 §2: a client that is current gets our SOA alone.
    if (clientSerial !== undefined && serialCompare(clientSerial, zone.serial) >= 0) {
      const w = start(q, queryMessage, true);
      w.writeRecord(1, zone.origin, RRType.SOA, zone.soa.ttl, zone.soa.rdata[0]!);
      yield finish(w, q);
      return;
    }
  }
  let w = start(q, queryMessage, true);
  let inMessage = 0;
  const records = allRecords(zone);
  for (const [owner, type, ttl, rdata] of records) {
    if (w.writeRecord(1, owner, type, ttl, rdata)) {
      inMessage++;
      continue;
    }
    if (inMessage > 0) yield finish(w, q);
    w = start(q, queryMessage, false);
    inMessage = 0;
    if (!w.writeRecord(1, owner, type, ttl, rdata)) {
      // A record above 16 KiB goes in a message of its own, up to the TCP maximum.
      w = start(q, queryMessage, false, MAX_TCP_SIZE);
      w.writeRecord(1, owner, type, ttl, rdata);
    }
    inMessage++;
  }
  yield finish(w, q);
}

function start(q: Query, queryMessage: Uint8Array, withQuestion: boolean, limit = TRANSFER_MESSAGE_SIZE): MessageWriter {
  const w = new MessageWriter(q.id, Flag.AA | (q.flags & Flag.RD), q.edns ? limit - OPT_RECORD_LENGTH : limit);
  if (withQuestion) w.copyQuestion(queryMessage, q.questionEnd, q.qnameKey);
  return w;
}

/**
 * RFC 6891 §6.1.1: every message answering a request with an OPT carries one (NSD and Knot send
 * it in AXFR answers too), after the records and before a TSIG the server adds.
 */
function finish(w: MessageWriter, q: Query): Uint8Array {
  if (q.edns) w.writeOpt(0, q.edns.dnssecOk);
  return w.finish();
}

function* allRecords(zone: Zone): Generator<[import('../dns/name').Name, number, number, Uint8Array]> {
  for (const rrset of zone.rrsets()) {
    for (let i = 0; i < rrset.rdata.length; i++) yield [rrset.owner, rrset.type, recordTtl(rrset, i), rrset.rdata[i]!];
  }
  yield [zone.origin, RRType.SOA, zone.soa.ttl, zone.soa.rdata[0]!];
}

/** The serial of the SOA an IXFR query carries in its authority section (RFC 1995 §3). */
export function ixfrClientSerial(msg: Uint8Array, q: Query): number | undefined {
  if (q.authorityCount < 1) return undefined;
  let pos = skipName(msg, q.questionEnd);
  if (pos < 0 || pos + 10 > msg.length) return undefined;
  const type = (msg[pos]! << 8) | msg[pos + 1]!;
  if (type !== RRType.SOA) return undefined;
  pos += 10;
  pos = skipName(msg, pos);
  if (pos < 0) return undefined;
  pos = skipName(msg, pos);
  if (pos < 0 || pos + 4 > msg.length) return undefined;
  return ((msg[pos]! << 24) | (msg[pos + 1]! << 16) | (msg[pos + 2]! << 8) | msg[pos + 3]!) >>> 0;
}
