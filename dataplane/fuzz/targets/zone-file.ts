import { Name } from '../../dns/name';
import { readZoneFile, ZoneFileError, type IncludeReader, type ReadOptions, type ZoneFileRecord } from '../../dns/zonefile/reader';
import { writeZoneFile } from '../../dns/zonefile/writer';
import { sameBytes } from '../../dns/bytes';
import { check, dataplaneScope, words, type FuzzTarget } from '../target';

/**
 * The zone-file reader (dns/zonefile/reader.ts) on arbitrary text, read twice: with an origin, a
 * default TTL and `$INCLUDE` of a few in-memory files, and with nothing but its name. Properties:
 * bad input throws ZoneFileError naming the source and a line of the text, never anything else;
 * and what it reads, written out by the zone-file writer, reads back as the same records.
 */

const ORIGIN = Name.fromText('fuzz.test.');
const SOURCE = 'fuzz.zone';

/** Files an `$INCLUDE` may name; any other name fails as a missing file does. */
const FILES: Readonly<Record<string, string>> = {
  'a.inc': 'www 300 A 192.0.2.1\n@ 300 TXT "included"\n',
  'nested.inc': '$INCLUDE a.inc sub\nx 300 AAAA 2001:db8::1\n',
  'self.inc': '$INCLUDE self.inc\n',
  'bad.inc': 'www 300 A 192.0.2.300\n',
};

const include: IncludeReader = (name) => {
  const text = FILES[name];
  if (text === undefined) throw new Error(`no such file ${name}`);
  return { text, source: name };
};

const WITH_ORIGIN: ReadOptions = { origin: ORIGIN, source: SOURCE, defaultTtl: 3600, include };
const BARE: ReadOptions = { source: SOURCE };

export function createZoneFileTarget(): FuzzTarget {
  const decoder = new TextDecoder();
  return {
    name: 'zone-file',
    description: 'readZoneFile on a zone file, and the writer round trip of what it reads',
    scope: dataplaneScope('dns/'),
    dictionary: words(
      '$ORIGIN ', '$TTL ', '$INCLUDE ', '$GENERATE ', 'a.inc', 'nested.inc', 'self.inc', 'bad.inc', '@', ' IN ', ' CH ', ' CLASS1 ',
      ' A ', ' AAAA ', ' NS ', ' SOA ', ' MX ', ' TXT ', ' CNAME ', ' DNAME ', ' SRV ', ' PTR ', ' CAA ', ' HTTPS ', ' SVCB ', ' TLSA ',
      ' DS ', ' DNSKEY ', ' RRSIG ', ' NSEC ', ' NSEC3 ', ' NSEC3PARAM ', ' NAPTR ', ' SSHFP ', ' LOC ', ' APL ', ' HINFO ', ' URI ',
      ' TYPE65401 ', ' \\# ', '\\', '\\065', '"', '(', ')', ';', '\n', '\t', ' 1w2d3h4m5s ', ' 2147483647 ', ' 4294967296 ',
      ' alpn=h2,h3 ', ' port=53 ', ' ipv4hint=192.0.2.1 ', ' mandatory=alpn ', ' key65000=x ', '${0,3,x}', '1-10/2', '$', '*.',
      ' 192.0.2.1 ', ' 2001:db8::1 ', ' 20270101000000 ', ' AAAA== ', ' 0 issue "ca.example" ',
    ),
    maxLength: 4096,
    run(data) {
      const text = decoder.decode(data);
      const lines = text.split('\n').length;
      for (const options of [WITH_ORIGIN, BARE]) {
        let records: ZoneFileRecord[];
        try {
          records = readZoneFile(text, options);
        } catch (err) {
          if (!(err instanceof ZoneFileError)) throw err;
          // An error inside an included file is placed at the $INCLUDE line of this text.
          check(err.source === SOURCE, () => `a ZoneFileError naming ${err.source}, not ${SOURCE}: ${err.message}`);
          check(err.line >= 1 && err.line <= lines, () => `a ZoneFileError at line ${err.line} of a text of ${lines} lines: ${err.message}`);
          continue;
        }
        roundTrip(records);
      }
    },
  };
}

/** Written out and read back, the records are the same. */
function roundTrip(records: readonly ZoneFileRecord[]): void {
  if (records.length === 0) return;
  const written = writeZoneFile(records, { origin: ORIGIN });
  let again: ZoneFileRecord[];
  try {
    again = readZoneFile(written, { origin: ORIGIN, source: 'written' });
  } catch (err) {
    if (err instanceof ZoneFileError) check(false, `the writer's output does not read back: ${err.message}\n${written}`);
    throw err;
  }
  check(again.length === records.length, () => `${records.length} records written, ${again.length} read back`);
  records.forEach((r, i) => {
    const b = again[i]!;
    check(
      r.owner.key === b.owner.key && r.type === b.type && r.ttl === b.ttl && r.class === b.class && sameBytes(r.rdata, b.rdata),
      () => `record ${i} does not read back the same: ${written.split('\n')[i]}`,
    );
  });
}
