import { Name } from '../../dns/name';
import { RRType } from '../../dns/constants';
import { readZoneFile } from '../../dns/zonefile/reader';
import { ZoneBuilder } from '../../zone/zone-builder';
import type { Zone } from '../../zone/zone';
import { applyDifferences, buildZone, readChecked } from '../../transfer/client';
import { TransferError } from '../../transfer/errors';
import { TransferAnswer } from '../../transfer/transfer-answer';
import { check, dataplaneScope, type FuzzTarget } from '../target';

/**
 * The transfer client (transfer/client.ts) on what a primary sends back: the octets of the TCP
 * stream, each message behind its two-octet length (RFC 1035 §4.2.2), handed message by message
 * to the client's own pure steps as `transferZone` does once they arrive (`readChecked`, then
 * TransferAnswer; once complete, `buildZone` for an AXFR or `applyDifferences` for an IXFR).
 * The socket is left out: no packet is sent. Property: garbage from a primary ends in a
 * TransferError (its code saying what was wrong), never another exception; a transfer that
 * completes gives a zone of the right origin and serial.
 *
 * The first octet chooses the exchange: even, an AXFR; odd, an IXFR from the version of
 * HAVE_TEXT (serial 1). The seeds in seeds/transfer/ are answers to the query of ID QUERY_ID.
 */

export const TRANSFER_ORIGIN = Name.fromText('fuzz.test.');
export const QUERY_ID = 0x2a2a;
export const HAVE_TEXT = `$ORIGIN fuzz.test.
@ 300 SOA ns hm 1 3600 600 86400 300
@ 300 NS ns
ns 300 A 192.0.2.1
www 300 A 192.0.2.10
txt 300 TXT "x"
`;

const PRIMARY = { address: '192.0.2.53', port: 53 };

export function createTransferTarget(): FuzzTarget {
  const builder = new ZoneBuilder(TRANSFER_ORIGIN);
  for (const r of readZoneFile(HAVE_TEXT, { origin: TRANSFER_ORIGIN, source: 'have' })) builder.add(r);
  const have = builder.build();
  return {
    name: 'transfer',
    description: 'the transfer client reading an AXFR or IXFR answer stream from a primary',
    scope: dataplaneScope('transfer/', 'dns/', 'zone/'),
    dictionary: [
      ...[RRType.SOA, RRType.A, RRType.NS, RRType.AXFR, RRType.IXFR, RRType.RRSIG, RRType.DNSKEY, RRType.NSEC3, RRType.CNAME, RRType.DNAME, RRType.OPT].map((t) => Uint8Array.from([t >> 8, t & 0xff])),
      Uint8Array.from([QUERY_ID >> 8, QUERY_ID & 0xff]),
      Uint8Array.from([0x84, 0x00]), // QR AA, NOERROR
      Uint8Array.from([0xc0, 0x0c]),
      TRANSFER_ORIGIN.toWire(),
      Uint8Array.from([0, 0, 0, 1]), // serial 1
      Uint8Array.from([0, 0, 0, 2]),
    ],
    maxLength: 16384,
    run: (data) => transfer(data, have),
  };
}

async function transfer(data: Uint8Array, have: Zone): Promise<void> {
  if (data.length === 0) return;
  const operation = (data[0]! & 1) === 1 ? 'IXFR' : 'AXFR';
  const qtype = operation === 'IXFR' ? RRType.IXFR : RRType.AXFR;
  const label = { zone: TRANSFER_ORIGIN.toString(), operation };
  const answer = new TransferAnswer({ zone: TRANSFER_ORIGIN, primary: '192.0.2.53:53', operation, haveSerial: operation === 'IXFR' ? have.serial : undefined });
  try {
    let complete = false;
    let n = 0;
    // tcpExchange's framing: a message once its length and octets are all there.
    for (let at = 1; !complete && at + 2 <= data.length; ) {
      const length = (data[at]! << 8) | data[at + 1]!;
      if (at + 2 + length > data.length) break;
      const wire = data.subarray(at + 2, at + 2 + length);
      at += 2 + length;
      const msg = readChecked(wire, PRIMARY, label, ++n, QUERY_ID, qtype, TRANSFER_ORIGIN, undefined);
      complete = answer.addMessage(msg.answer);
    }
    // The primary closed the stream early: tcpExchange's 'connection-closed', no zone.
    if (!complete) return;
    const content = answer.content();
    if (content.kind === 'up-to-date') {
      check(operation === 'IXFR', 'an AXFR answer read as up to date');
      return;
    }
    if (content.kind === 'axfr') {
      const built = await buildZone(PRIMARY, TRANSFER_ORIGIN, operation, content.records);
      check(built.zone.origin.key === TRANSFER_ORIGIN.key && built.zone.serial === content.serial, 'an AXFR gave another zone or serial');
      return;
    }
    // transferZone takes an AXFR answer read as anything but a zone for a bug (a plain Error).
    check(operation === 'IXFR', 'an AXFR answer read as IXFR differences');
    const applied = applyDifferences(PRIMARY, TRANSFER_ORIGIN, have, content);
    check(applied.zone.serial === content.serial, 'an IXFR led to another serial');
  } catch (err) {
    if (!(err instanceof TransferError)) throw err;
  }
}
