import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { randomInt } from 'node:crypto';
import { Opcode, Rcode, RRClass, RRType, rcodeToString } from '../dns/constants';
import { Flag, HEADER_LENGTH } from '../dns/message';
import { MessageWriter } from '../dns/message-writer';
import { signRequest, TsigError, TsigResponseVerifier, type TsigKey } from '../dns/tsig';
import type { Zone } from '../zone/zone';
import { DnsfleetError } from '../dns/error';

/**
 * NOTIFY out (RFC 1996): tells a zone's secondaries that it changed, so they transfer it now
 * instead of at the next SOA refresh.
 *
 * `buildNotify` and `checkNotifyResponse` are pure; `sendNotify` moves them over UDP with
 * retransmission (§3.6) and `NotifySender` notifies every target of a zone at once.
 */

/** A secondary to notify. */
export interface NotifyTarget {
  readonly address: string;
  readonly port: number;
  /** Signs the NOTIFY (RFC 8945 §5.1); the answer must then be signed with it too. */
  readonly key?: TsigKey;
  /**
   * Local address to send from (default: chosen by the system). Secondaries accept NOTIFY from
   * the addresses they transfer from, so this is the primary's own listening address.
   */
  readonly localAddress?: string;
}

export interface NotifyResult {
  readonly address: string;
  readonly port: number;
  readonly ok: boolean;
  /** Why it failed (no answer, an error RCODE, a TSIG failure), when it did. */
  readonly error?: string;
  /** Messages sent: 1 when the first was answered. */
  readonly tries: number;
  /** From the first send to the answer (or giving up). */
  readonly ms: number;
}

export interface NotifyOptions {
  /** Sends in all, the first included (default 5). */
  readonly tries?: number;
  /** Wait for an answer to the first send; doubled after each (default 1000 ms). */
  readonly initialTimeoutMs?: number;
  /** Seconds since the epoch, for TSIG. */
  readonly clock?: () => number;
  /** Stops waiting and retrying (the server is shutting down). */
  readonly signal?: AbortSignal;
}

/** A NOTIFY that got no good answer: `reason` says which way it failed. */
export class NotifyError extends DnsfleetError {
  constructor(
    readonly target: string,
    readonly zone: string,
    readonly reason: 'timeout' | 'rcode' | 'tsig' | 'socket' | 'aborted',
    readonly detail: string,
    readonly tries: number,
  ) {
    super(`NOTIFY ${zone} to ${target}: ${detail}`, { target, zone, reason, tries });
    this.name = 'NotifyError';
  }
}

/**
 * RFC 1996 §3.7: opcode NOTIFY, AA set, the question `<zone> SOA IN` and, as the §3.7 hint the
 * secondary may use, the new SOA in the answer section.
 */
export function buildNotify(zone: Zone, id: number): Uint8Array {
  const w = new MessageWriter(id, (Opcode.NOTIFY << 11) | Flag.AA, 65535);
  w.writeQuestion(zone.origin, RRType.SOA, RRClass.IN);
  w.writeRecord(1, zone.origin, RRType.SOA, zone.soa.ttl, zone.soa.rdata[0]!);
  const wire = w.finish();
  wire[2]! &= ~(Flag.QR >> 8); // the writer makes responses; this is a request
  return wire;
}

/**
 * Whether a datagram answers our NOTIFY (RFC 1996 §4.7: same ID, QR set, opcode NOTIFY): null when
 * it is not an answer to it (ignored, we keep waiting), else its RCODE.
 */
export function matchNotifyResponse(wire: Uint8Array, id: number): number | null {
  if (wire.length < HEADER_LENGTH) return null;
  if (((wire[0]! << 8) | wire[1]!) !== id) return null;
  const flags = (wire[2]! << 8) | wire[3]!;
  if (!(flags & Flag.QR) || ((flags >> 11) & 0xf) !== Opcode.NOTIFY) return null;
  return flags & 0xf;
}

/**
 * Sends one NOTIFY and waits for its answer, retransmitting with the same ID and a doubled timeout
 * until one comes or the tries run out (RFC 1996 §3.6). A signed NOTIFY needs a signed answer.
 * Throws NotifyError; resolves with the number of sends on success.
 */
export async function sendNotify(zone: Zone, target: NotifyTarget, options: NotifyOptions = {}): Promise<number> {
  const tries = options.tries ?? 5;
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const zoneName = zone.origin.toString();
  const where = `${isIPv6(target.address) ? `[${target.address}]` : target.address}:${target.port}`;
  const id = randomInt(0, 0x10000);
  const plain = buildNotify(zone, id);
  // Retransmissions repeat the same message (same ID and MAC): a secondary that answered the
  // first copy and lost its answer answers the second the same way.
  const signed = target.key ? signRequest(plain, target.key, clock()) : undefined;
  const wire = signed ? signed.wire : plain;
  const socket = dgram.createSocket(isIPv6(target.address) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, target.localAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    let sent = 0;
    let timeout = options.initialTimeoutMs ?? 1000;
    return await new Promise<number>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const abort = (): void => finish(new NotifyError(where, zoneName, 'aborted', `stopped after ${sent} tries`, sent));
      const finish = (err: NotifyError | undefined): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', abort);
        socket.removeAllListeners('message');
        if (err) reject(err);
        else resolve(sent);
      };
      const send = (): void => {
        if (sent >= tries) {
          finish(new NotifyError(where, zoneName, 'timeout', `no answer after ${sent} tries`, sent));
          return;
        }
        sent++;
        socket.send(wire, target.port, target.address, (err) => {
          if (err) finish(new NotifyError(where, zoneName, 'socket', err.message, sent));
        });
        timer = setTimeout(send, timeout);
        timeout *= 2;
      };
      socket.on('error', (err) => finish(new NotifyError(where, zoneName, 'socket', err.message, sent)));
      socket.on('message', (msg, rinfo) => {
        if (rinfo.port !== target.port || !sameAddress(rinfo.address, target.address)) return;
        const rcode = matchNotifyResponse(msg, id);
        if (rcode === null) return;
        if (signed) {
          try {
            const verifier = new TsigResponseVerifier(target.key!, signed.mac);
            verifier.verify(msg, clock());
            verifier.done();
          } catch (err) {
            if (!(err instanceof TsigError)) throw err;
            finish(new NotifyError(where, zoneName, 'tsig', err.message, sent));
            return;
          }
        }
        if (rcode !== Rcode.NOERROR) finish(new NotifyError(where, zoneName, 'rcode', `answered ${rcodeToString(rcode)}`, sent));
        else finish(undefined);
      });
      if (options.signal?.aborted) return abort();
      options.signal?.addEventListener('abort', abort);
      send();
    });
  } finally {
    socket.close();
  }
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || a.toLowerCase() === `::ffff:${b}`.toLowerCase();
}

/** Notifies every secondary of a zone at once and reports on each. */
export class NotifySender {
  constructor(private readonly options: NotifyOptions = {}) {}

  async notify(zone: Zone, targets: readonly NotifyTarget[]): Promise<NotifyResult[]> {
    return Promise.all(
      targets.map(async (t): Promise<NotifyResult> => {
        const started = Date.now();
        try {
          const tries = await sendNotify(zone, t, this.options);
          return { address: t.address, port: t.port, ok: true, tries, ms: Date.now() - started };
        } catch (err) {
          if (!(err instanceof NotifyError)) throw err;
          return { address: t.address, port: t.port, ok: false, error: err.detail, tries: err.tries, ms: Date.now() - started };
        }
      }),
    );
  }
}

/**
 * The address to send a NOTIFY from: secondaries accept it from their primary's address (BIND:
 * `primaries`, NSD: `allow-notify`), so the one we listen on, of the target's family, when it is
 * a specific address; otherwise undefined, and the system chooses.
 */
export function notifySource(target: string, listening: ReadonlyArray<{ readonly host: string }>): string | undefined {
  const wanted = isIPv6(target);
  return listening.find((l) => isIPv6(l.host) === wanted && l.host !== '0.0.0.0' && l.host !== '::')?.host;
}
