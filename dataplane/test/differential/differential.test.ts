import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDnsfleet, startNsd, type RunningPeer } from '../support/peers';
import { stopAll } from '../support/processes';
import { flagsOf, normalizeRecords, query, rcodeOf, type QueryOptions, type Reply } from '../support/dns-client';

/**
 * Differential test: every query of `queries.txt` is asked of NSD (from Debian) and of
 * `dnsfleet serve`, both loaded with `zone.db`, and the answers must agree on rcode, AA, TC, and
 * the answer and authority sections (as sets of records). The zone exercises wildcards, empty
 * non-terminals, delegations with glue, CNAME and DNAME chains, TXT escapes, truncation and many
 * record types.
 *
 * Allowed difference: NSD adds the apex NS RRset to the authority section of positive answers;
 * dnsfleet sends minimal responses (RFC 1034 allows both), so that RRset is not compared there.
 */

const ORIGIN = 'diff.test.';
const SOURCE = join(__dirname, '../../../../dataplane/test/differential');

interface Case {
  readonly line: string;
  readonly name: string;
  readonly type: string;
  readonly options: QueryOptions;
}

function readCorpus(): Case[] {
  return readFileSync(join(SOURCE, 'queries.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((line) => {
      const [rel, type, ...flags] = line.split(/\s+/);
      const name = rel!.endsWith('.') ? rel! : rel === ORIGIN.slice(0, -1) ? ORIGIN : `${rel}.${ORIGIN}`;
      let options: QueryOptions = {};
      for (const f of flags) {
        if (f === 'tcp') options = { ...options, tcp: true };
        else if (f === 'noedns') options = { ...options, edns: null };
        else if (f.startsWith('edns=')) options = { ...options, edns: Number(f.slice(5)) };
        else throw new Error(`queries.txt: unknown flag ${f} in "${line}"`);
      }
      return { line, name, type: type!, options };
    });
}

/** What is compared, as text, so a mismatch prints as a readable diff. */
function comparable(reply: Reply): string {
  const { aa, tc } = flagsOf(reply);
  const answer = normalizeRecords(reply.packet.answers);
  let authority = normalizeRecords(reply.packet.authorities);
  if (answer.length > 0) authority = authority.filter((r) => !r.startsWith(`${ORIGIN.slice(0, -1)} `) || !r.includes(' NS '));
  return [`rcode=${rcodeOf(reply)} aa=${aa} tc=${tc}`, ...answer.map((r) => `AN ${r}`), ...authority.map((r) => `NS ${r}`)].join('\n');
}

describe('differential test against NSD @integration', function () {
  this.timeout(120_000);
  let nsd: RunningPeer;
  let fleet: RunningPeer;
  const zone = { name: ORIGIN, text: readFileSync(join(SOURCE, 'zone.db'), 'utf8') };
  const corpus = readCorpus();

  before(async () => {
    nsd = await startNsd([zone]);
    fleet = await startDnsfleet([zone]);
  });
  after(async () => {
    await fleet?.stop();
    await nsd?.stop();
    await stopAll();
  });

  it(`has a corpus of at least 150 queries (${corpus.length})`, () => {
    assert.ok(corpus.length >= 150);
  });

  it('answers every query of the corpus exactly as NSD does', async () => {
    const mismatches: string[] = [];
    for (const c of corpus) {
      const [expected, actual] = await Promise.all([
        query(nsd.host, nsd.port, c.name, c.type, c.options),
        query(fleet.host, fleet.port, c.name, c.type, c.options),
      ]);
      const want = comparable(expected);
      const got = comparable(actual);
      if (want !== got) mismatches.push(`query "${c.line}":\n  NSD:      ${want.split('\n').join('\n            ')}\n  dnsfleet: ${got.split('\n').join('\n            ')}`);
    }
    assert.equal(mismatches.length, 0, `${mismatches.length} of ${corpus.length} answers differ from NSD:\n${mismatches.join('\n')}`);
  });

  it('truncates over UDP where NSD does, and both answer in full over TCP', async () => {
    const udp = await query(fleet.host, fleet.port, `bigset.${ORIGIN}`, 'A', { edns: null });
    assert.ok(flagsOf(udp).tc, 'TC over UDP without EDNS');
    const tcp = await query(fleet.host, fleet.port, `bigset.${ORIGIN}`, 'A', { tcp: true });
    assert.equal(tcp.packet.answers?.length, 40);
  });
});
