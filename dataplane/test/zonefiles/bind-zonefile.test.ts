import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Name } from '../../dns/name';
import { typeFromString, typeToString } from '../../dns/constants';
import { parseRdata, rdataToText } from '../../dns/rdata/registry';
import { tokenizeRdata } from '../../dns/zonefile/tokenizer';
import { readZoneFile } from '../../dns/zonefile/reader';
import { writeZoneFile } from '../../dns/zonefile/writer';
import { startDnsfleet, type RunningPeer } from '../../testkit/peers';
import { run, stopAll, tempDir } from '../../testkit/processes';

/**
 * Zone files against BIND 9's own reader and printer (named-checkzone -D, which prints every
 * record in BIND's canonical text): each fixture is read by dnsfleet and must give the same
 * records, printed the same way; dnsfleet's written-back zone file must read in BIND as the same
 * records; and the zone served by `dnsfleet serve` and transferred with dig (BIND's wire decoder)
 * must print the same again.
 *
 * - bind-types.db: every record type added for issue 14, several forms each.
 * - bind-generate.db: BIND's $GENERATE, every modifier.
 *
 * BIND splits long hex and base64 into 56-character groups; text is compared with that white
 * space removed, and then the rdata BIND printed must parse to the same octets in dnsfleet.
 */

const ORIGIN = 'example.com.';
const SOURCE = join(__dirname, '../../../../dataplane/test/zonefiles');
const FIXTURES = ['bind-types.db', 'bind-generate.db'];

interface Line {
  readonly owner: string;
  readonly ttl: number;
  readonly type: string;
  readonly rdata: string;
}

/** Records of BIND's -D output or dig's answer lines: `owner ttl class type rdata…`. */
function parseLines(text: string): Line[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith(';') && !/^zone |^OK$/.test(l) && /\tIN\t|\sIN\s/.test(l))
    .map((l) => {
      const [owner, ttl, , type, ...rest] = l.trim().split(/\s+/);
      return { owner: owner!.toLowerCase(), ttl: Number(ttl), type: type!, rdata: rest.join(' ') };
    });
}

const key = (l: Line): string => `${l.owner} ${l.ttl} ${l.type} ${l.rdata.replace(/\s+/g, '')}`;

async function checkzone(file: string): Promise<Line[]> {
  const result = await run('named-checkzone', ['-D', '-o', '-', ORIGIN.slice(0, -1), file]);
  assert.equal(result.code, 0, `named-checkzone ${file}:\n${result.stdout}${result.stderr}`);
  return parseLines(result.stdout);
}

/** The differences between two record lists as sets, for a readable failure. */
function differences(want: Line[], got: Line[]): string[] {
  const a = want.map(key).sort();
  const b = got.map(key).sort();
  return [...a.filter((x) => !b.includes(x)).map((x) => `- ${x}`), ...b.filter((x) => !a.includes(x)).map((x) => `+ ${x}`)];
}

describe('zone files against BIND named-checkzone -D @integration', function () {
  this.timeout(60_000);
  const origin = Name.fromText(ORIGIN);
  let tmp: { path: string; remove(): void };
  before(() => {
    tmp = tempDir('bind-zonefile');
  });
  after(async () => {
    tmp?.remove();
    await stopAll();
  });

  for (const fixture of FIXTURES) {
    describe(fixture, () => {
      const path = join(SOURCE, fixture);
      const text = readFileSync(path, 'utf8');
      const records = readZoneFile(text, { origin, source: fixture });
      const ours: Line[] = records.map((r) => ({
        owner: r.owner.toString().toLowerCase(),
        ttl: r.ttl,
        type: typeToString(r.type),
        rdata: rdataToText(r.type, r.rdata),
      }));

      it('reads every record as BIND does and prints it as BIND prints it', async () => {
        const bind = await checkzone(path);
        assert.ok(bind.length >= (fixture === 'bind-types.db' ? 100 : 30), `only ${bind.length} records`);
        assert.deepEqual(differences(bind, ours), []);
        assert.equal(ours.length, bind.length);
        // Text equal but for BIND's grouping: the octets must agree too.
        for (const b of bind) {
          const type = typeFromString(b.type)!;
          const mine = records.filter((r) => r.owner.toString().toLowerCase() === b.owner && r.type === type).map((r) => Buffer.from(r.rdata).toString('hex'));
          const parsed = Buffer.from(parseRdata(type, tokenizeRdata(b.rdata), origin)).toString('hex');
          assert.ok(mine.includes(parsed), `${b.owner} ${b.type} ${b.rdata}: BIND's text parses to other octets`);
        }
      });

      it('writes a zone file that BIND reads as the same records', async () => {
        const written = join(tmp.path, `written-${fixture}`);
        writeFileSync(written, writeZoneFile(records, { origin }));
        assert.deepEqual(differences(await checkzone(path), await checkzone(written)), []);
      });
    });
  }

  describe('served over the wire', () => {
    let fleet: RunningPeer;
    before(async () => {
      const text = readFileSync(join(SOURCE, 'bind-types.db'), 'utf8');
      fleet = await startDnsfleet([{ name: ORIGIN, text }], ['--allow-transfer', '127.0.0.1/32']);
    });
    after(async () => fleet?.stop());

    it('transfers every record so that dig (BIND) prints what named-checkzone prints', async () => {
      const dig = await run('dig', ['@' + fleet.host, '-p', String(fleet.port), ORIGIN, 'AXFR', '+nocmd', '+nostats', '+noall', '+answer']);
      assert.equal(dig.code, 0, dig.stderr);
      const transferred = parseLines(dig.stdout);
      // RFC 5936 §2.2: the SOA opens and closes the transfer.
      assert.equal(transferred[0]?.type, 'SOA');
      assert.equal(transferred.at(-1)?.type, 'SOA');
      assert.deepEqual(differences(await checkzone(join(SOURCE, 'bind-types.db')), transferred.slice(0, -1)), []);
    });
  });
});
