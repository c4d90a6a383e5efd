import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningPeer } from '../../testkit/peers';

/**
 * What the delv tests share (test code): the zone with one case of each kind of answer, the
 * queries and what delv must prove of each, and delv itself with a DS as its only trust anchor
 * (RFC 4035 §5). Used by validate.test.ts (zones signed here, served from files) and
 * serve-signing.test.ts (zones signed by `dnsfleet serve`).
 */

/** The zone's data; `subDs` is the DS rdata of the signed delegation `sub`. Documentation addresses (RFC 5737). */
export function delvZoneData(subDs: string, serial = 2026120701): string {
  return `$TTL 300
@            SOA   ns1 hostmaster ${serial} 3600 600 1209600 300
@            NS    ns1
@            A     192.0.2.1
ns1          A     192.0.2.53
www          A     192.0.2.10
*.wild       TXT   "wildcard"
alias        CNAME www
x.a.b        A     192.0.2.11
sub          NS    ns.sub
sub          DS    ${subDs}
ns.sub       A     192.0.2.54
insecure     NS    ns.insecure
ns.insecure  A     192.0.2.55
`;
}

export interface DelvCase {
  readonly what: string;
  readonly name: string;
  readonly type: string;
  /** The records of a positive answer (after `; fully validated`), for the zone `origin`. */
  readonly answer?: (origin: string, subDs: string) => RegExp;
  /** The kind of negative answer (after `; negative response, fully validated`, then `;; resolution failed: ncache …`). */
  readonly negative?: 'nxdomain' | 'nxrrset';
}

/** `delv.test.` as a pattern: dots escaped. */
const re = (origin: string): string => origin.replace(/\./g, '\\.');

/** The queries and what delv must prove of each. */
export const DELV_CASES: readonly DelvCase[] = [
  { what: 'positive answer', name: 'www', type: 'A', answer: (o) => new RegExp(`^www\\.${re(o)}\\s+\\d+\\s+IN\\s+A\\s+192\\.0\\.2\\.10$`, 'm') },
  { what: 'NXDOMAIN', name: 'nothere', type: 'A', negative: 'nxdomain' },
  { what: 'NODATA', name: 'www', type: 'TXT', negative: 'nxrrset' },
  { what: 'wildcard expansion', name: 'foo.wild', type: 'TXT', answer: (o) => new RegExp(`^foo\\.wild\\.${re(o)}\\s+\\d+\\s+IN\\s+TXT\\s+"wildcard"$`, 'm') },
  { what: 'CNAME chain', name: 'alias', type: 'A', answer: (o) => new RegExp(`^alias\\.${re(o)}\\s+\\d+\\s+IN\\s+CNAME\\s+www\\.${re(o)}$[\\s\\S]*^www\\.${re(o)}\\s+\\d+\\s+IN\\s+A\\s+192\\.0\\.2\\.10$`, 'm') },
  { what: 'empty non-terminal (NODATA)', name: 'a.b', type: 'A', negative: 'nxrrset' },
  { what: 'signed referral: DS', name: 'sub', type: 'DS', answer: (o, subDs) => new RegExp(`^sub\\.${re(o)}\\s+\\d+\\s+IN\\s+DS\\s+${dsPattern(subDs)}$`, 'm') },
  { what: 'insecure delegation: DS denial', name: 'insecure', type: 'DS', negative: 'nxrrset' },
];

/** `tag alg type HEX` as delv prints it: the digest split in groups by spaces. */
export function dsPattern(ds: string): string {
  const [tag, alg, type, hex] = ds.split(' ');
  return `${tag}\\s+${alg}\\s+${type}\\s+${hex!.split('').join('\\s?')}`;
}

/** A delv trust-anchors file holding a DS (rdata text `tag alg type HEX`) for `origin` (static-ds, BIND 9.16+). */
export function writeDsAnchor(path: string, origin: string, ds: string): string {
  const [tag, alg, digestType, hex] = ds.split(' ');
  writeFileSync(path, `trust-anchors {\n  "${origin}" static-ds ${tag} ${alg} ${digestType} "${hex}";\n};\n`);
  return path;
}

/** delv's output (stdout and stderr) for one query to the server, killed after 20 s. */
export function delv(peer: Pick<RunningPeer, 'host' | 'port'>, anchors: string, origin: string, name: string, type: string, extra: readonly string[] = []): string {
  const qname = name === '@' ? origin : `${name}.${origin}`;
  const r = spawnSync('delv', ['-4', `@${peer.host}`, '-p', String(peer.port), '-a', anchors, `+root=${origin}`, ...extra, qname, type], { encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`;
}

/**
 * Checks delv's verdict on one case; returns a failure description, or undefined when delv fully
 * validated it as the case says.
 */
export function delvVerdict(out: string, c: DelvCase, origin: string, subDs: string): string | undefined {
  if (/unsigned answer|validation failed|insecurity proof failed|broken trust chain/.test(out)) return 'not validated';
  const failed = /resolution failed: (.*)$/m.exec(out)?.[1];
  if (c.negative) {
    if (!/^; negative response, fully validated$/m.test(out)) return 'no fully validated negative response';
    if (failed !== `ncache ${c.negative}`) return `resolution failed: ${String(failed)}, expected ncache ${c.negative}`;
    return undefined;
  }
  if (!/^; fully validated$/m.test(out)) return 'not fully validated';
  if (failed !== undefined) return `resolution failed: ${failed}`;
  if (!c.answer!(origin, subDs).test(out)) return 'the answer differs';
  return undefined;
}

/** The five algorithms dnsfleet signs with (RFC 8624 §3.1), number and mnemonic. */
export const ALGORITHMS = [
  [8, 'RSASHA256'],
  [10, 'RSASHA512'],
  [13, 'ECDSAP256SHA256'],
  [14, 'ECDSAP384SHA384'],
  [15, 'ED25519'],
] as const;

/** A random DS rdata for the signed delegation `sub` (only served, never validated below). */
export const subDsOf = (algorithm: number): string => `${10000 + algorithm} ${algorithm} 2 ${randomBytes(32).toString('hex').toUpperCase()}`;

/** The SHA-256 DS of the KSK(s) the server serves, as BIND's dnssec-dsfromkey makes it: `tag alg 2 HEX` each. */
export function dsOfServedKsk(peer: Pick<RunningPeer, 'host' | 'port'>, origin: string, dir: string): string[] {
  return dsOfDnskeys(checked('dig', ['+noall', '+answer', '+nocookie', `@${peer.host}`, '-p', String(peer.port), origin, 'DNSKEY']), origin, dir);
}

/** The same from DNSKEY records already dug (for a server in this process, which a blocking dig would stall). */
export function dsOfDnskeys(dnskeys: string, origin: string, dir: string): string[] {
  const file = join(dir, `${origin}dnskey`);
  writeFileSync(file, dnskeys);
  return checked('dnssec-dsfromkey', ['-2', '-f', file, origin])
    .trim()
    .split('\n')
    .map((line) => /\sDS\s+(\d+ \d+ \d+ [0-9A-F]+)$/.exec(line.trim())?.[1] ?? `unreadable: ${line}`);
}

function checked(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}
