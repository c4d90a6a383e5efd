import { strict as assert } from 'node:assert';
import * as dnsPacket from 'dns-packet';
import { nsdVersion, startDnsfleet, startNsd, type RunningPeer } from '../../testkit/peers';
import { stopAll } from '../../testkit/processes';
import { exchangeTcp, exchangeUdp, normalizeRecords } from '../../testkit/dns-client';

/**
 * Hand-built packets, asked of NSD (from Debian) and of `dnsfleet serve` over UDP and TCP: broken
 * and unusual EDNS (RFC 6891), identity queries (RFC 4892, RFC 5001), MAILA/MAILB, QCLASS ANY,
 * IXFR without an SOA, and the additional section for targets a wildcard holds.
 *
 * Most cases must be answered as NSD answers them (rcode with the extended bits, AA, TC, whether
 * an OPT and which NSID it carries, the answer and authority sections). Where NSD 4.6 does not do
 * what the RFC says, the case says so (`nsd:`): dnsfleet's answer is checked against the RFC and
 * NSD's against what it does today, so a newer NSD that changes shows up here. These are listed in
 * docs/answers.md, "Differences from NSD".
 */

const ORIGIN = 'pk.test.';
const ZONE = `$TTL 300
@        SOA  ns hm 1 3600 600 86400 60
@        NS   ns
ns       A    127.0.0.1
@        MX   10 mail.wild
@        MX   20 mx.sub
*.wild   A    10.0.0.1
*.wild   AAAA ::1
srv      SRV  0 0 53 x.wild
sub      NS   ns.sub
ns.sub   A    10.0.0.2
mx.sub   A    10.0.0.3
www      A    10.0.0.4
deleg    NS   ns.wild
`;
const IDENTITY = 'pod-1';

// ---- building packets ---------------------------------------------------------------------------

function wireName(name: string): Buffer {
  const labels = name.split('.').filter(Boolean);
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

const TYPE: Readonly<Record<string, number>> = { A: 1, NS: 2, SOA: 6, MX: 15, TXT: 16, SRV: 33, IXFR: 251, AXFR: 252, MAILB: 253, MAILA: 254, ANY: 255 };
const CLASS: Readonly<Record<string, number>> = { IN: 1, CH: 3, ANY: 255 };

interface Packet {
  readonly opcode?: number;
  readonly tc?: boolean;
  /** Questions as `name type [class]`; default one question, `pk.test. SOA`. */
  readonly questions?: readonly string[];
  readonly authority?: readonly Buffer[];
  readonly additional?: readonly Buffer[];
}

function packet(p: Packet): Buffer {
  const questions = (p.questions ?? [`${ORIGIN} SOA`]).map((q) => {
    const [name, type, cls = 'IN'] = q.split(' ');
    const fixed = Buffer.alloc(4);
    fixed.writeUInt16BE(TYPE[type!]!, 0);
    fixed.writeUInt16BE(CLASS[cls]!, 2);
    return Buffer.concat([wireName(name!), fixed]);
  });
  const header = Buffer.alloc(12);
  header.writeUInt16BE(Math.floor(Math.random() * 0xffff), 0);
  header.writeUInt16BE(((p.opcode ?? 0) << 11) | (p.tc ? 0x0200 : 0), 2);
  header.writeUInt16BE(questions.length, 4);
  header.writeUInt16BE(p.authority?.length ?? 0, 8);
  header.writeUInt16BE(p.additional?.length ?? 0, 10);
  return Buffer.concat([header, ...questions, ...(p.authority ?? []), ...(p.additional ?? [])]);
}

/** An OPT record (RFC 6891 §6.1.2) with `rdata` as its RDATA, whatever that holds. */
function opt(rdata: readonly number[] = [], o: { version?: number; owner?: string } = {}): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(41, 0);
  fixed.writeUInt16BE(1232, 2);
  fixed[5] = o.version ?? 0;
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([wireName(o.owner ?? '.'), fixed, Buffer.from(rdata)]);
}

const NSID_OPTION = [0, 3, 0, 0];

/** The client's SOA in an IXFR query's authority section (RFC 1995 §3). */
function clientSoa(serial: number): Buffer {
  const rdata = Buffer.concat([wireName(`ns.${ORIGIN}`), wireName(`hm.${ORIGIN}`), Buffer.alloc(20)]);
  rdata.writeUInt32BE(serial, rdata.length - 20);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(6, 0);
  fixed.writeUInt16BE(1, 2);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([wireName(ORIGIN), fixed, rdata]);
}

// ---- reading replies ----------------------------------------------------------------------------

/** What is compared of a reply, read from the raw header where dns-packet cannot decode it. */
interface View {
  /** The full rcode: header bits and the OPT's extended bits (RFC 6891 §6.1.3). */
  readonly rcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly questions: number;
  readonly opt: boolean;
  readonly nsid: string | undefined;
  readonly records: readonly string[];
  readonly additional: readonly string[];
}

function view(raw: Buffer): View {
  const flags = raw.readUInt16BE(2);
  let decoded: dnsPacket.DecodedPacket | undefined;
  try {
    decoded = dnsPacket.decode(raw);
  } catch {
    // NSD sends some errors with a QDCOUNT of 1 and no question; the header says enough.
  }
  const optRecord = decoded?.additionals?.find((a) => a.type === 'OPT') as { extendedRcode?: number; options?: Array<{ code: number; data?: Buffer }> } | undefined;
  const nsid = optRecord?.options?.find((o) => o.code === 3);
  return {
    rcode: ((optRecord?.extendedRcode ?? 0) << 4) | (flags & 0xf),
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    questions: decoded?.questions?.length ?? 0,
    opt: optRecord !== undefined,
    nsid: nsid ? Buffer.from(nsid.data ?? []).toString() : undefined,
    records: [...normalizeRecords(decoded?.answers).map((r) => `AN ${r}`), ...normalizeRecords(decoded?.authorities).map((r) => `AU ${r}`)],
    additional: normalizeRecords(decoded?.additionals),
  };
}

/** The parts every case compares: NSD's apex NS in the authority section of positive answers aside (minimal responses, see differential.test.ts). */
function comparable(v: View): string {
  const records = v.records.some((r) => r.startsWith('AN ')) ? v.records.filter((r) => !r.startsWith(`AU ${ORIGIN.slice(0, -1)} IN 300 NS`)) : v.records;
  return JSON.stringify({ rcode: v.rcode, aa: v.aa, tc: v.tc, opt: v.opt, nsid: v.nsid, records });
}

// ---- the cases ----------------------------------------------------------------------------------

interface Case {
  readonly name: string;
  readonly packet: Buffer;
  /** dnsfleet's reply, where it is not compared with NSD's as a whole. */
  readonly fleet?: (v: View) => void;
  /** NSD 4.6's reply where it differs from the RFC, pinned. */
  readonly nsd?: (v: View) => void;
}

const FORMERR = 1;
const NOTIMP = 4;
const REFUSED = 5;
const NOTAUTH = 9;

/** RFC 6891 §7: a FORMERR for a broken OPT carries an OPT, so the client sees the server speaks EDNS. */
function formerrWithOpt(v: View): void {
  assert.equal(v.rcode, FORMERR);
  assert.ok(v.opt, 'an OPT in the FORMERR (RFC 6891 §7)');
  assert.equal(v.questions, 1, 'the question echoed');
}

/** NSD 4.6 answers a broken OPT with a bare FORMERR: header only. */
function nsdBareFormerr(v: View): void {
  assert.equal(v.rcode, FORMERR);
  assert.ok(!v.opt, `${nsdVersion()} now sends an OPT with this FORMERR: make the case a plain comparison`);
}

const cases: readonly Case[] = [
  // EDNS (RFC 6891). The first puts pk.test. SOA into dnsfleet's response cache, so the broken
  // ones after it must be caught on the UDP fast path (`Responder.answerDatagram`, nameserver/respond.ts) too.
  { name: 'a plain query with EDNS', packet: packet({ additional: [opt()] }) },
  { name: 'an option whose length runs past the OPT RDATA', packet: packet({ additional: [opt([0, 3, 0, 10])] }), fleet: formerrWithOpt, nsd: nsdBareFormerr },
  { name: 'a 3-octet OPT RDATA', packet: packet({ additional: [opt([0, 3, 0])] }), fleet: formerrWithOpt, nsd: nsdBareFormerr },
  { name: 'two OPT records', packet: packet({ additional: [opt(), opt()] }), fleet: formerrWithOpt, nsd: nsdBareFormerr },
  { name: 'an OPT owned by a name other than the root', packet: packet({ additional: [opt([], { owner: 'a.' })] }), fleet: formerrWithOpt, nsd: nsdBareFormerr },
  { name: 'EDNS version 1', packet: packet({ additional: [opt([], { version: 1 })] }) },
  { name: 'an option we do not know (a cookie)', packet: packet({ additional: [opt([0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])] }) },
  { name: 'an NSID request', packet: packet({ additional: [opt(NSID_OPTION)] }) },
  { name: 'an NSID request with an unknown option after it', packet: packet({ questions: [`www.${ORIGIN} A`], additional: [opt([...NSID_OPTION, 0, 10, 0, 0])] }) },
  { name: 'an NSID request for a name that does not exist', packet: packet({ questions: [`nx.${ORIGIN} A`], additional: [opt(NSID_OPTION)] }) },
  { name: 'AXFR with EDNS (over UDP: NOTIMP)', packet: packet({ questions: [`${ORIGIN} AXFR`], additional: [opt()] }) },
  { name: 'IXFR (current serial) with EDNS', packet: packet({ questions: [`${ORIGIN} IXFR`], authority: [clientSoa(1)], additional: [opt()] }) },
  {
    name: 'an opcode we do not implement (STATUS) with EDNS',
    packet: packet({ opcode: 2, additional: [opt()] }),
    fleet: (v) => {
      assert.equal(v.rcode, NOTIMP);
      assert.ok(v.opt, 'an OPT (RFC 6891 §6.1.1)');
    },
    nsd: (v) => {
      assert.equal(v.rcode, NOTIMP);
      assert.ok(!v.opt, `${nsdVersion()} now sends an OPT with NOTIMP`);
    },
  },
  {
    name: 'no question, with EDNS',
    packet: packet({ questions: [], additional: [opt()] }),
    // RFC 1035 §4.1.2 has one question in a query: FORMERR, as Knot answers; NSD 4.6 NOERROR.
    fleet: (v) => {
      assert.equal(v.rcode, FORMERR);
      assert.ok(v.opt, 'an OPT (RFC 6891 §6.1.1)');
    },
    nsd: (v) => {
      assert.equal(v.rcode, 0, `${nsdVersion()} now answers ${v.rcode} to a query without a question`);
      assert.ok(v.opt);
    },
  },
  // IXFR without the client's SOA (RFC 1995 §3): FORMERR. NSD's reply has QDCOUNT 1 and no question.
  { name: 'IXFR without an SOA in the authority section', packet: packet({ questions: [`${ORIGIN} IXFR`] }), fleet: (v) => assert.equal(v.rcode, FORMERR), nsd: (v) => assert.equal(v.rcode, FORMERR) },
  {
    name: 'IXFR without an SOA, with EDNS',
    packet: packet({ questions: [`${ORIGIN} IXFR`], additional: [opt()] }),
    fleet: (v) => {
      assert.equal(v.rcode, FORMERR);
      assert.ok(v.opt, 'an OPT (RFC 6891 §6.1.1)');
    },
    nsd: (v) => assert.equal(v.rcode, FORMERR),
  },
  // MAILA and MAILB (RFC 1035 §3.2.3): NODATA or NXDOMAIN, AA set, as for any type a name lacks.
  ...['MAILA', 'MAILB'].flatMap((type) => [
    { name: `${type} at a name that exists`, packet: packet({ questions: [`www.${ORIGIN} ${type}`] }) },
    { name: `${type} at a name that does not exist`, packet: packet({ questions: [`nx.${ORIGIN} ${type}`], additional: [opt()] }) },
    { name: `${type} below a delegation`, packet: packet({ questions: [`a.sub.${ORIGIN} ${type}`] }) },
  ]),
  // QCLASS ANY (RFC 1035 §3.2.5): answered from the IN data, AA clear, no SOA in negative answers.
  ...[`www.${ORIGIN} A`, `nx.${ORIGIN} A`, `www.${ORIGIN} MX`, `x.sub.${ORIGIN} A`, `x.wild.${ORIGIN} A`, `${ORIGIN} NS`, 'www.other.test. A'].map((q) => ({
    name: `QCLASS ANY: ${q}`,
    packet: packet({ questions: [`${q} ANY`] }),
  })),
  // Identity (RFC 4892, RFC 5001): both servers are configured with identity and NSID "pod-1" and no version.
  ...['id.server.', 'hostname.bind.', 'ID.Server.'].map((n) => ({ name: `CH TXT ${n}`, packet: packet({ questions: [`${n} TXT CH`] }) })),
  { name: 'CH ANY id.server.', packet: packet({ questions: ['id.server. ANY CH'] }) },
  { name: 'CH TXT version.bind. (hidden)', packet: packet({ questions: ['version.bind. TXT CH'] }) },
  { name: 'CH TXT version.server. (hidden)', packet: packet({ questions: ['version.server. TXT CH'] }) },
  { name: 'CH A id.server.', packet: packet({ questions: ['id.server. A CH'] }) },
  { name: 'CH TXT other.bind.', packet: packet({ questions: ['other.bind. TXT CH'] }) },
  { name: 'CH TXT id.server. with EDNS and NSID', packet: packet({ questions: ['id.server. TXT CH'], additional: [opt(NSID_OPTION)] }) },
  { name: 'CH A in a zone we serve', packet: packet({ questions: [`www.${ORIGIN} A CH`] }) },
  // NOTIFY to a zone we hold as primary: NSD refuses (header only); dnsfleet serve says NOTAUTH, as Knot does.
  {
    name: 'NOTIFY for a primary zone',
    packet: packet({ opcode: 4, additional: [opt()] }),
    fleet: (v) => {
      assert.equal(v.rcode, NOTAUTH);
      assert.ok(v.opt, 'an OPT (RFC 6891 §6.1.1)');
    },
    nsd: (v) => assert.equal(v.rcode, REFUSED),
  },
];

describe('hand-built packets against NSD @integration', function () {
  this.timeout(120_000);
  let nsd: RunningPeer;
  let fleet: RunningPeer;
  const zone = { name: ORIGIN, text: ZONE };

  before(async () => {
    nsd = await startNsd([zone], { allowTransfer: '127.0.0.1', server: [`identity: "${IDENTITY}"`, `nsid: "ascii_${IDENTITY}"`, 'hide-version: yes'] });
    fleet = await startDnsfleet([zone], ['--identity', IDENTITY, '--nsid', IDENTITY, '--allow-transfer', '127.0.0.1/32']);
  });
  after(async () => {
    await fleet?.stop();
    await nsd?.stop();
    await stopAll();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`answers each packet over ${transport.toUpperCase()} as NSD does, or as the RFC says where NSD 4.6 does not`, async () => {
      const ask = (peer: RunningPeer, msg: Buffer): Promise<Buffer> => (transport === 'udp' ? exchangeUdp(peer.host, peer.port, msg) : exchangeTcp(peer.host, peer.port, msg));
      const failures: string[] = [];
      for (const c of cases) {
        const [fromNsd, fromFleet] = await Promise.all([ask(nsd, c.packet).then(view), ask(fleet, c.packet).then(view)]);
        try {
          if (c.fleet) {
            c.fleet(fromFleet);
            c.nsd?.(fromNsd);
          } else {
            assert.equal(comparable(fromFleet), comparable(fromNsd));
          }
        } catch (err) {
          failures.push(`${c.name}: ${(err as Error).message}\n  NSD:      ${comparable(fromNsd)}\n  dnsfleet: ${comparable(fromFleet)}`);
        }
      }
      assert.equal(failures.length, 0, `${failures.length} of ${cases.length} packets:\n${failures.join('\n')}`);
    });
  }

  it('sends the addresses a wildcard gives MX and SRV targets, as NSD does, and no glue from below a delegation', async () => {
    for (const [name, type] of [[ORIGIN, 'MX'], [`srv.${ORIGIN}`, 'SRV']] as const) {
      const query = packet({ questions: [`${name} ${type}`] });
      const [fromNsd, fromFleet] = await Promise.all([exchangeUdp(nsd.host, nsd.port, query).then(view), exchangeUdp(fleet.host, fleet.port, query).then(view)]);
      const wildcard = (v: View): string[] => v.additional.filter((r) => r.includes('.wild.'));
      assert.deepEqual(wildcard(fromFleet), wildcard(fromNsd), `${name} ${type}`);
      assert.equal(wildcard(fromFleet).length, 2, `${name} ${type}: A and AAAA of the wildcard`);
      for (const v of [fromNsd, fromFleet]) assert.ok(!v.additional.some((r) => r.startsWith(`mx.sub.`)), 'no glue from below sub.');
      // Everything dnsfleet adds, NSD adds too (NSD also adds the apex NS addresses).
      for (const r of fromFleet.additional) assert.ok(fromNsd.additional.includes(r), `${r} only from dnsfleet`);
    }
  });

  it('puts an OPT into each message of an AXFR asked with EDNS, as NSD does', async () => {
    const msg = packet({ questions: [`${ORIGIN} AXFR`], additional: [opt()] });
    const [fromNsd, fromFleet] = await Promise.all([exchangeTcp(nsd.host, nsd.port, msg).then(view), exchangeTcp(fleet.host, fleet.port, msg).then(view)]);
    assert.ok(fromNsd.opt && fromFleet.opt);
    assert.deepEqual(fromFleet.records.length, fromNsd.records.length);
  });
});
