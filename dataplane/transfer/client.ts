import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Name } from '../dns/name';
import { RRClass, RRType, Rcode, Opcode, rcodeToString, typeToString } from '../dns/constants';
import { MessageWriter } from '../dns/message-writer';
import { MessageFormatError, readMessage, type Message, type WireRecord } from '../dns/message-reader';
import type { Zone } from '../zone/zone';
import { soaSerial } from '../zone/zone';
import { ZoneBuilder, ZoneCheckError, type ZoneProblem, type ZoneRecord } from '../zone/zone-builder';
import { ZoneUpdate, ZoneUpdateError } from '../zone/zone-update';
import { ITEMS_PER_STEP, runSteps, type StepRunner, type Steps } from '../zone/steps';
import { preparedSteps } from '../zone/dnssec';
import { tcpExchange, udpExchange, type ExchangeLabel, type Primary, type StreamLimits } from './connection';
import { TransferError, primaryLabel, type TransferErrorCode } from './errors';
import { TransferAnswer, type TransferContent } from './transfer-answer';

/**
 * The transfer client of the control server (issue #4): the SOA serial of a zone on a customer
 * primary, and the zone itself by IXFR (RFC 1995) or AXFR (RFC 5936). The result is either a
 * complete new `Zone` that passed ZoneBuilder's checks, or a TransferError: nothing is ever half
 * applied, and the zone given as `have` is never modified.
 */

export type { Primary } from './connection';

/** What a TSIG module provides (dns/tsig.ts, through a small adapter): signs a query, verifies the answers. */
export interface RequestSigner {
  sign(query: Uint8Array): { wire: Uint8Array; verifier: ResponseVerifier };
}

export interface ResponseVerifier {
  /** Checks one message of the answer; returns it without its TSIG record. Throws when it is refused. */
  verify(wire: Uint8Array): Uint8Array;
  /** Called once the last message arrived; throws when the answer ended unsigned. */
  done(): void;
}

export interface SoaQueryOptions {
  /** Per transport: the UDP query, then the TCP retry after TC. Default 3000 ms. */
  readonly timeoutMs?: number;
  readonly signer?: RequestSigner;
}

export interface TransferOptions {
  /** The version we hold: IXFR from its serial, AXFR when absent. */
  readonly have?: { readonly serial: number; readonly zone: Zone };
  readonly signer?: RequestSigner;
  /** The whole exchange, per attempt (an IXFR that falls back to AXFR gets it twice). Default 120 s. */
  readonly timeoutMs?: number;
  /** The longest silence from the primary in the middle of a transfer. Default 15 s. */
  readonly idleTimeoutMs?: number;
  /** The most octets one transfer may take, framing included. Default 512 MiB. */
  readonly maxTransferBytes?: number;
  /**
   * How the zone of an AXFR is built: the caller's layer may run it in slices so that its server
   * keeps answering (ADR 0009). Default: at once.
   */
  readonly steps?: StepRunner;
}

export type TransferKind = 'ixfr' | 'axfr' | 'up-to-date';

export interface TransferSummary {
  /** The primary's serial. */
  readonly serial: number;
  readonly kind: TransferKind;
  /** Answer records received, over all attempts. */
  readonly records: number;
  readonly messages: number;
  /** Octets received, TCP framing included, over all attempts. */
  readonly bytes: number;
  readonly durationMs: number;
  /** Of durationMs, the time spent building the new version (applying an IXFR, or building an AXFR's zone). */
  readonly applyMs: number;
  /** Why an IXFR was given up for an AXFR, when it was. */
  readonly ixfrFallback?: string;
}

export interface TransferResult {
  readonly zone: Zone;
  /** The zone carries DNSSEC records (DNSKEY or RRSIG): signed by its primary, served as is. */
  readonly presigned: boolean;
  readonly summary: TransferSummary;
  /** ZoneBuilder's warnings (e.g. RRset TTLs that differ), for the caller to log. */
  readonly warnings: readonly ZoneProblem[];
  /**
   * For an applied IXFR: the records it removed and added, net of the sequences (RFC 1995), so a
   * holder of the old version can pass the change on instead of the whole zone.
   */
  readonly differences?: { readonly removed: readonly ZoneRecord[]; readonly added: readonly ZoneRecord[] };
}

const DEFAULT_SOA_TIMEOUT_MS = 3000;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_IDLE_TIMEOUT_MS = 15_000;
const DEFAULT_MAX_TRANSFER_BYTES = 512 * 1024 * 1024;

/** Rcodes an IXFR may get from a primary that does AXFR only: we retry with AXFR. */
const IXFR_FALLBACK_CODES: ReadonlySet<TransferErrorCode> = new Set(['notimp', 'refused', 'formerr', 'bad-ixfr']);

/**
 * The serial of `zone` on `primary` (RFC 1035 §3.3.13), asked over UDP and again over TCP when
 * the answer is truncated (RFC 1035 §4.2.1, RFC 7766 §5). The answer must be authoritative and
 * hold the zone's SOA.
 */
export async function querySoa(primary: Primary, zone: Name | string, options: SoaQueryOptions = {}): Promise<number> {
  const origin = typeof zone === 'string' ? Name.fromText(zone) : zone;
  const timeoutMs = options.timeoutMs ?? DEFAULT_SOA_TIMEOUT_MS;
  const label = { zone: origin.toString(), operation: 'SOA' };
  const ask = async (tcp: boolean): Promise<Message> => {
    const { id, wire, verifier } = buildQuery(origin, RRType.SOA, undefined, options.signer);
    let answer: Uint8Array | undefined;
    if (tcp) {
      const limits = { timeoutMs, idleTimeoutMs: timeoutMs, maxTransferBytes: 65537 };
      await tcpExchange(primary, wire, label, limits, (message) => ((answer = message), true));
    } else {
      answer = await udpExchange(primary, wire, label, timeoutMs);
    }
    const msg = readChecked(answer!, primary, label, 1, id, RRType.SOA, origin, verifier);
    finishVerifier(verifier, primary, label, 1);
    return msg;
  };
  let msg = await ask(false);
  if (msg.truncated) msg = await ask(true);
  const fail = (code: TransferErrorCode, detail: string): never => {
    throw new TransferError(code, primaryLabel(primary), label.zone, 'SOA', detail, 1);
  };
  if (!msg.authoritative) fail('not-authoritative', 'AA is clear: the primary is not authoritative for the zone');
  const soa = msg.answer.find((r) => r.type === RRType.SOA && r.owner.key === origin.key && r.class === RRClass.IN);
  if (!soa) {
    const got = msg.answer.map((r) => `${r.owner} ${typeToString(r.type)}`).join(', ') || 'an empty answer';
    fail('no-soa', `no SOA for ${origin} in the answer (got ${got})`);
  }
  return soaSerial(soa!.rdata);
}

/**
 * Transfers `zone` from `primary`: IXFR from `options.have` when given, falling back to AXFR once
 * when the primary refuses IXFR (NOTIMP, REFUSED, FORMERR) or its answer cannot be applied to
 * our version; AXFR otherwise.
 */
export async function transferZone(primary: Primary, zone: Name | string, options: TransferOptions = {}): Promise<TransferResult> {
  const origin = typeof zone === 'string' ? Name.fromText(zone) : zone;
  const started = performance.now();
  const totals = { records: 0, messages: 0, bytes: 0 };
  let applyStarted = 0;
  const summary = (serial: number, kind: TransferKind, ixfrFallback?: string): TransferSummary => ({
    serial,
    kind,
    ...totals,
    durationMs: performance.now() - started,
    applyMs: applyStarted === 0 ? 0 : performance.now() - applyStarted,
    ...(ixfrFallback === undefined ? {} : { ixfrFallback }),
  });
  const have = options.have;
  let ixfrFallback: string | undefined;
  if (have) {
    if (have.serial !== have.zone.serial) throw new RangeError(`have.serial ${have.serial} is not the serial of have.zone (${have.zone.serial})`);
    if (have.zone.origin.key !== origin.key) throw new RangeError(`have.zone is ${have.zone.origin}, not ${origin}`);
    try {
      const content = await exchange(primary, origin, 'IXFR', have.zone, options, totals);
      if (content.kind === 'up-to-date') {
        return { zone: have.zone, presigned: apexIsSigned(have.zone), summary: summary(content.serial, 'up-to-date'), warnings: [] };
      }
      applyStarted = performance.now();
      if (content.kind === 'axfr') {
        // RFC 1995 §4: a primary without the differences may answer IXFR with the whole zone.
        const built = await buildZone(primary, origin, 'IXFR', content.records, options.steps);
        return { ...built, summary: summary(content.serial, 'axfr') };
      }
      const applied = applyDifferences(primary, origin, have.zone, content);
      return { ...applied, summary: summary(content.serial, 'ixfr') };
    } catch (err) {
      if (!(err instanceof TransferError) || !IXFR_FALLBACK_CODES.has(err.code)) throw err;
      ixfrFallback = err.message;
    }
  }
  const content = await exchange(primary, origin, 'AXFR', undefined, options, totals);
  if (content.kind !== 'axfr') throw new Error(`AXFR gave a ${content.kind} answer`); // TransferAnswer gives AXFR content only
  applyStarted = performance.now();
  const built = await buildZone(primary, origin, 'AXFR', content.records, options.steps);
  return { ...built, summary: summary(content.serial, 'axfr', ixfrFallback) };
}

/** One transfer exchange over TCP, read into its content by TransferAnswer. */
async function exchange(
  primary: Primary,
  origin: Name,
  operation: 'AXFR' | 'IXFR',
  have: Zone | undefined,
  options: TransferOptions,
  totals: { records: number; messages: number; bytes: number },
): Promise<TransferContent> {
  const label = { zone: origin.toString(), operation };
  const qtype = operation === 'IXFR' ? RRType.IXFR : RRType.AXFR;
  const { id, wire, verifier } = buildQuery(origin, qtype, have, options.signer);
  const answer = new TransferAnswer({ zone: origin, primary: primaryLabel(primary), operation, haveSerial: have?.serial });
  const limits: StreamLimits = {
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    maxTransferBytes: options.maxTransferBytes ?? DEFAULT_MAX_TRANSFER_BYTES,
  };
  let messages = 0;
  try {
    const stats = await tcpExchange(primary, wire, label, limits, (message, n) => {
      messages = n;
      const msg = readChecked(message, primary, label, n, id, qtype, origin, verifier);
      return answer.addMessage(msg.answer);
    });
    totals.messages += stats.messages;
    totals.bytes += stats.bytes;
  } finally {
    totals.records += answer.recordCount;
  }
  finishVerifier(verifier, primary, label, messages);
  return answer.content();
}

/** Our query: one question, and for IXFR our SOA in the authority section (RFC 1995 §3). */
function buildQuery(origin: Name, qtype: number, have: Zone | undefined, signer: RequestSigner | undefined) {
  const id = randomInt(0, 0x10000);
  const w = new MessageWriter(id, 0, 65535);
  w.writeQuestion(origin, qtype, RRClass.IN);
  if (have) w.writeRecord(2, have.origin, RRType.SOA, have.soa.ttl, have.soa.rdata[0]!);
  const query = w.finishQuery();
  if (!signer) return { id, wire: query, verifier: undefined };
  const signed = signer.sign(query);
  return { id, wire: signed.wire, verifier: signed.verifier };
}

/**
 * Verifies (TSIG), reads and checks one message of an answer: a response to our query
 * (RFC 1035 §4.1.1), NOERROR, and if it repeats the question, our question (RFC 5936 §2.2.1:
 * messages after the first may leave it out). Exported, with `buildZone` and `applyDifferences`,
 * for the fuzzer (dataplane/fuzz/targets/transfer.ts): the pure part of a transfer, without the socket.
 */
export function readChecked(
  wire: Uint8Array,
  primary: Primary,
  label: ExchangeLabel,
  n: number,
  id: number,
  qtype: number,
  origin: Name,
  verifier: ResponseVerifier | undefined,
): Message {
  const where = primaryLabel(primary);
  const fail = (code: TransferErrorCode, detail: string, cause?: unknown): never => {
    throw new TransferError(code, where, label.zone, label.operation, detail, n, { cause });
  };
  let plain = wire;
  if (verifier) {
    try {
      plain = verifier.verify(wire);
    } catch (err) {
      fail('tsig', (err as Error).message, err);
    }
  }
  let msg: Message;
  try {
    // The TransferError around it names the operation, zone, primary and message.
    msg = readMessage(plain);
  } catch (err) {
    if (err instanceof MessageFormatError) fail('malformed', err.message, err);
    throw err;
  }
  msg = msg!;
  if (!msg.isResponse) fail('bad-header', 'QR is clear: not a response');
  if (msg.id !== id) fail('bad-header', `message ID ${msg.id}, our query had ${id}`);
  if (msg.opcode !== Opcode.QUERY) fail('bad-header', `opcode ${msg.opcode}, not QUERY`);
  // RFC 5936 §2.2.1 and RFC 7766 §8: TC has no meaning on TCP; an AXFR answer never sets it.
  if (msg.truncated && label.operation !== 'SOA') fail('bad-header', 'TC is set in a transfer over TCP');
  if (msg.rcode !== Rcode.NOERROR) {
    // RFC 5936 §3: an error answer ends the transfer.
    const code = RCODE_ERRORS.get(msg.rcode) ?? 'rcode';
    fail(code, `the primary answered ${rcodeToString(msg.rcode)}`);
  }
  if (msg.questions.length > 1) fail('wrong-zone', `${msg.questions.length} questions in the answer`);
  const q = msg.questions[0];
  if (q === undefined && n === 1) fail('wrong-zone', 'the first message has no question (RFC 5936 §2.2.1)');
  if (q !== undefined && (q.name.key !== origin.key || q.type !== qtype || q.class !== RRClass.IN)) {
    fail('wrong-zone', `the answer is for ${q.name} ${typeToString(q.type)}, we asked for ${origin} ${typeToString(qtype)}`);
  }
  return msg;
}

const RCODE_ERRORS = new Map<number, TransferErrorCode>([
  [Rcode.REFUSED, 'refused'],
  [Rcode.NOTAUTH, 'notauth'],
  [Rcode.SERVFAIL, 'servfail'],
  [Rcode.NOTIMP, 'notimp'],
  [Rcode.FORMERR, 'formerr'],
]);

function finishVerifier(verifier: ResponseVerifier | undefined, primary: Primary, label: ExchangeLabel, n: number): void {
  if (!verifier) return;
  try {
    verifier.done();
  } catch (err) {
    throw new TransferError('tsig', primaryLabel(primary), label.zone, label.operation, (err as Error).message, n, { cause: err });
  }
}

/** A whole zone from the records of an AXFR (or an AXFR-style IXFR answer). */
export async function buildZone(
  primary: Primary,
  origin: Name,
  operation: string,
  records: readonly WireRecord[],
  steps: StepRunner = (s) => Promise.resolve(runSteps(s)),
): Promise<Omit<TransferResult, 'summary'>> {
  const source = `${operation} from ${primaryLabel(primary)}`;
  const builder = new ZoneBuilder(origin);
  let presigned = false;
  function* add(): Steps<void> {
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (r.type === RRType.DNSKEY || r.type === RRType.RRSIG) presigned = true;
      builder.add(r as ZoneRecord, source);
      if ((i + 1) % ITEMS_PER_STEP === 0) yield;
    }
  }
  await steps(add());
  try {
    const zone = await steps(builder.buildSteps());
    return { zone: await steps(preparedSteps(zone)), presigned, warnings: builder.warnings };
  } catch (err) {
    throw checkFailure(primary, origin, operation, err);
  }
}

/**
 * RFC 1995 §4: each difference sequence removes its records from the version before it and
 * adds its own, in order; the result goes through ZoneUpdate (one change path, ZoneBuilder's
 * checks). A record that is not there to remove, or already there to add, means the primary's
 * idea of our version is not ours: 'bad-ixfr', and the caller falls back to AXFR.
 */
export function applyDifferences(primary: Primary, origin: Name, base: Zone, content: Extract<TransferContent, { kind: 'ixfr' }>): Omit<TransferResult, 'summary'> {
  const update = new ZoneUpdate(base);
  try {
    for (const diff of content.differences) {
      for (const r of diff.removed) update.remove(r as ZoneRecord);
      for (const r of diff.added) update.add(r as ZoneRecord);
    }
  } catch (err) {
    if (err instanceof ZoneUpdateError) throw new TransferError('bad-ixfr', primaryLabel(primary), origin.toString(), 'IXFR', err.message, 0, { cause: err });
    throw err;
  }
  const source = `IXFR from ${primaryLabel(primary)}`;
  let warnings: readonly ZoneProblem[] = [];
  const zone = built(primary, origin, 'IXFR', () => {
    const committed = update.commit(source);
    warnings = committed.warnings;
    return committed.zone;
  });
  if (zone.serial !== content.serial) {
    throw new TransferError('bad-ixfr', primaryLabel(primary), origin.toString(), 'IXFR', `the differences lead to serial ${zone.serial}, not ${content.serial}`);
  }
  return { zone, presigned: apexIsSigned(zone), warnings, differences: netDifferences(content.differences) };
}

/** Runs a build; a zone that fails its checks is an IXFR to give up on, or a rejected AXFR. */
function built(primary: Primary, origin: Name, operation: string, build: () => Zone): Zone {
  try {
    return build();
  } catch (err) {
    throw checkFailure(primary, origin, operation, err);
  }
}

/** A zone that failed its checks as a TransferError; any other error as it is. */
function checkFailure(primary: Primary, origin: Name, operation: string, err: unknown): unknown {
  if (!(err instanceof ZoneCheckError)) return err;
  // After IXFR the fault may be in how the differences met our version: try AXFR once.
  const code = operation === 'IXFR' ? 'bad-ixfr' : 'zone-check';
  return new TransferError(code, primaryLabel(primary), origin.toString(), operation, err.message, 0, { cause: err });
}

/**
 * A signed zone has an RRSIG over its SOA (RFC 4035 §2.2) and its DNSKEY at the apex; looking
 * there avoids walking a zone of a million names after each IXFR.
 */
function apexIsSigned(zone: Zone): boolean {
  return zone.apex.rrsets.has(RRType.DNSKEY) || zone.apex.rrsets.has(RRType.RRSIG);
}


/**
 * The sequences of an IXFR folded into one removal set and one addition set: a record added by one
 * sequence and removed by a later one (or the other way round) cancels out, so applying the result
 * to the old version gives the same zone as applying the sequences in turn.
 */
function netDifferences(sequences: ReadonlyArray<{ readonly removed: readonly unknown[]; readonly added: readonly unknown[] }>): { removed: ZoneRecord[]; added: ZoneRecord[] } {
  const key = (r: ZoneRecord): string => `${r.owner.key}|${r.type}|${Buffer.from(r.rdata).toString('hex')}`;
  const removed = new Map<string, ZoneRecord>();
  const added = new Map<string, ZoneRecord>();
  for (const seq of sequences) {
    for (const r of seq.removed as ZoneRecord[]) {
      const k = key(r);
      if (added.has(k)) added.delete(k);
      else removed.set(k, r);
    }
    for (const r of seq.added as ZoneRecord[]) {
      const k = key(r);
      if (removed.has(k) && removed.get(k)!.ttl === r.ttl) removed.delete(k);
      else added.set(k, r);
    }
  }
  return { removed: [...removed.values()], added: [...added.values()] };
}
