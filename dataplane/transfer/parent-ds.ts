import { randomInt } from 'node:crypto';
import { RRClass, RRType, Rcode, Opcode, rcodeToString, typeToString } from '../dns/constants';
import { DnsfleetError } from '../dns/error';
import { MessageFormatError, readMessage, type Message } from '../dns/message-reader';
import { MessageWriter } from '../dns/message-writer';
import { Name } from '../dns/name';
import { tcpExchange, udpExchange } from './connection';
import { TransferError, primaryLabel } from './errors';

/**
 * The DS query client of DS confirmation mode `Parent` (DNSSECPolicy `dsConfirmation`): asks each
 * of the parent zone's nameservers for `<zone> DS` and says which key tags the DS RRset holds.
 * As Knot DNS's `ksk-submission` with several `parent` remotes, a DS counts as published only
 * when every parent nameserver returns it: one that is late, down or disagrees leaves the
 * question open until the next check (`checkInterval`), never half answered.
 */

/** A nameserver of the parent zone, as in `dsConfirmation.parentNameservers`. */
export interface ParentNameserver {
  readonly address: string;
  /** Default 53. */
  readonly port?: number;
}

export type ParentDsErrorCode =
  // The exchange (TransferError's codes for the sockets and the header)
  | 'connection-refused'
  | 'network'
  | 'timeout'
  | 'connection-closed'
  | 'idle-timeout'
  | 'too-large'
  | 'malformed'
  | 'bad-header'
  | 'wrong-zone'
  // The answer
  | 'rcode' // an RCODE other than NOERROR or NXDOMAIN (REFUSED: not a server of the parent)
  | 'not-authoritative'; // AA clear: a referral or a cache, not the parent zone's own data

/** One parent nameserver gave no usable DS answer; the message names the server and the zone. */
export class ParentDsError extends DnsfleetError {
  constructor(
    readonly code: ParentDsErrorCode,
    /** `address:port` of the parent nameserver. */
    readonly server: string,
    readonly zone: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`DS ${zone} from ${server}: ${code}: ${detail}`, { code, server, zone }, options);
    this.name = 'ParentDsError';
  }
}

/** What one parent nameserver returned. */
export interface ParentDsAnswer {
  /** `address:port`. */
  readonly server: string;
  /** Key tags of the DS RRset (RFC 4034 §5.1.1), sorted, without repeats; [] for NODATA or NXDOMAIN. */
  readonly tags: readonly number[];
  /** TTL of the DS RRset; undefined when there is none. */
  readonly ttl?: number;
}

export interface ParentDsResult {
  /**
   * Every parent nameserver answered and all returned the same key tags: `tags` is then what
   * the parent publishes. Otherwise nothing is known (a DS may be on its way to some servers).
   */
  readonly confirmed: boolean;
  /** The key tags every server returned (when confirmed), else those all the answers share. */
  readonly tags: readonly number[];
  /** The largest DS TTL returned, for the lifecycle's wait (RFC 7583 §3.3.2 TTLds). */
  readonly ttl?: number;
  readonly answers: readonly ParentDsAnswer[];
  readonly errors: readonly ParentDsError[];
}

export interface ParentDsOptions {
  /** Per server and transport (the UDP query, then the TCP retry after TC). Default 3000 ms. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;
const DNS_PORT = 53;

/** Asks every server at once; see the module comment. Never rejects: failures are in `errors`. */
export async function queryParentDs(zone: Name | string, servers: readonly ParentNameserver[], options: ParentDsOptions = {}): Promise<ParentDsResult> {
  const origin = typeof zone === 'string' ? Name.fromText(zone) : zone;
  const settled = await Promise.allSettled(servers.map((s) => queryOneParent(origin, s, options)));
  const answers: ParentDsAnswer[] = [];
  const errors: ParentDsError[] = [];
  settled.forEach((r, i) => {
    if (r.status === 'fulfilled') answers.push(r.value);
    else errors.push(asParentDsError(r.reason, labelOf(servers[i]!), origin.toString()));
  });
  const [first, ...rest] = answers;
  const shared = first ? first.tags.filter((t) => rest.every((a) => a.tags.includes(t))) : [];
  const same = rest.every((a) => a.tags.length === shared.length) && (first?.tags.length ?? 0) === shared.length;
  const ttls = answers.flatMap((a) => (a.ttl === undefined ? [] : [a.ttl]));
  return {
    confirmed: servers.length > 0 && errors.length === 0 && same,
    tags: shared,
    ...(ttls.length > 0 ? { ttl: Math.max(...ttls) } : {}),
    answers,
    errors,
  };
}

/** The DS RRset of `origin` on one parent nameserver: UDP, and TCP when truncated (RFC 7766 §5). */
export async function queryOneParent(origin: Name, server: ParentNameserver, options: ParentDsOptions = {}): Promise<ParentDsAnswer> {
  const primary = { address: server.address, port: server.port ?? DNS_PORT };
  const where = primaryLabel(primary);
  const zone = origin.toString();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const label = { zone, operation: 'DS' };
  const fail = (code: ParentDsErrorCode, detail: string, cause?: unknown): never => {
    throw new ParentDsError(code, where, zone, detail, { cause });
  };
  const ask = async (tcp: boolean): Promise<Message> => {
    const id = randomInt(0, 0x10000);
    const w = new MessageWriter(id, 0, 65535);
    w.writeQuestion(origin, RRType.DS, RRClass.IN);
    const query = w.finishQuery();
    let wire: Uint8Array | undefined;
    try {
      if (tcp) await tcpExchange(primary, query, label, { timeoutMs, idleTimeoutMs: timeoutMs, maxTransferBytes: 65537 }, (m) => ((wire = m), true));
      else wire = await udpExchange(primary, query, label, timeoutMs);
    } catch (err) {
      throw asParentDsError(err, where, zone);
    }
    let msg: Message | undefined;
    try {
      msg = readMessage(wire!);
    } catch (err) {
      if (err instanceof MessageFormatError) fail('malformed', err.message, err);
      throw err;
    }
    if (!msg!.isResponse) fail('bad-header', 'QR is clear: not a response');
    if (msg!.id !== id) fail('bad-header', `message ID ${msg!.id}, our query had ${id}`);
    if (msg!.opcode !== Opcode.QUERY) fail('bad-header', `opcode ${msg!.opcode}, not QUERY`);
    if (tcp && msg!.truncated) fail('bad-header', 'TC is set over TCP');
    const q = msg!.questions[0];
    if (msg!.questions.length !== 1 || q!.name.key !== origin.key || q!.type !== RRType.DS || q!.class !== RRClass.IN) {
      fail('wrong-zone', q ? `the answer is for ${q.name} ${typeToString(q.type)}, we asked for ${zone} DS` : 'the answer has no question');
    }
    return msg!;
  };
  let msg = await ask(false);
  // RFC 1035 §4.2.1: a truncated UDP answer is asked again over TCP.
  if (msg.truncated) msg = await ask(true);
  // NXDOMAIN: the parent has no delegation for the zone, so no DS either.
  if (msg.rcode !== Rcode.NOERROR && msg.rcode !== Rcode.NXDOMAIN) fail('rcode', `the server answered ${rcodeToString(msg.rcode)}`);
  // RFC 4035 §3.1.4.1: the DS is the parent zone's data, answered authoritatively by its servers.
  if (!msg.authoritative) fail('not-authoritative', 'AA is clear: not a nameserver of the parent zone (a referral or a cached answer)');
  const ds = msg.answer.filter((r) => r.type === RRType.DS && r.class === RRClass.IN && r.owner.key === origin.key);
  // RFC 4034 §5.1.1: the key tag is the first two octets of the DS rdata.
  const tags = [...new Set(ds.filter((r) => r.rdata.length >= 4).map((r) => (r.rdata[0]! << 8) | r.rdata[1]!))].sort((a, b) => a - b);
  return { server: where, tags, ...(ds.length > 0 ? { ttl: Math.min(...ds.map((r) => r.ttl)) } : {}) };
}

function labelOf(server: ParentNameserver): string {
  return primaryLabel({ address: server.address, port: server.port ?? DNS_PORT });
}

/** The exchange's TransferError (or anything else) as this client's error. */
function asParentDsError(err: unknown, server: string, zone: string): ParentDsError {
  if (err instanceof ParentDsError) return err;
  if (err instanceof TransferError) {
    const code: ParentDsErrorCode = (['connection-refused', 'network', 'timeout', 'connection-closed', 'idle-timeout', 'too-large'] as const).find((c) => c === err.code) ?? 'network';
    return new ParentDsError(code, server, zone, err.detail, { cause: err });
  }
  return new ParentDsError('network', server, zone, err instanceof Error ? err.message : String(err), { cause: err });
}
