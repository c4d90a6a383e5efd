import { DEFAULT_TCP_LIMITS, TcpLimitError, tcpLimits, type TcpLimits } from '../dataplane/server/tcp-limits';
import { UsageError } from './usage-error';

/**
 * The `--tcp-*` options of `dnsfleet serve` and `dnsfleet dataplane`: TCP deadlines, caps and the
 * reply queue (dataplane/server/tcp-limits.ts, docs/serve.md#tcp-limits).
 */

/** For parseArgs: every flag takes a number. */
export const TCP_FLAG_OPTIONS = {
  'tcp-idle-timeout': { type: 'string' },
  'tcp-message-timeout': { type: 'string' },
  'tcp-lifetime': { type: 'string' },
  'tcp-max-connections': { type: 'string' },
  'tcp-max-per-client': { type: 'string' },
  'tcp-ipv6-prefix': { type: 'string' },
  'tcp-max-queued': { type: 'string' },
} as const;

export type TcpFlag = keyof typeof TCP_FLAG_OPTIONS;

/** Which limit each flag sets, and in what unit it is given (seconds are turned into milliseconds). */
const FLAGS: Readonly<Record<TcpFlag, { limit: keyof TcpLimits; seconds: boolean }>> = {
  'tcp-idle-timeout': { limit: 'idleMs', seconds: true },
  'tcp-message-timeout': { limit: 'messageMs', seconds: true },
  'tcp-lifetime': { limit: 'lifetimeMs', seconds: true },
  'tcp-max-connections': { limit: 'maxConnections', seconds: false },
  'tcp-max-per-client': { limit: 'maxPerClient', seconds: false },
  'tcp-ipv6-prefix': { limit: 'ipv6PrefixLength', seconds: false },
  'tcp-max-queued': { limit: 'maxQueuedBytes', seconds: false },
};

/** A `--tcp-*` value that is not a number the limit takes: a usage error. */
export class TcpFlagError extends UsageError {
  constructor(
    readonly flag: TcpFlag,
    readonly text: string,
    expected: string,
  ) {
    super(`--${flag} ${text}: expected ${expected}`, { flag, text });
    this.name = 'TcpFlagError';
  }
}

/** The lines of the usage text that describe the flags, with their defaults. */
export const TCP_FLAG_USAGE = `      --tcp-idle-timeout S   close a TCP connection after S seconds without a query (default ${DEFAULT_TCP_LIMITS.idleMs / 1000})
      --tcp-message-timeout S  a query must arrive whole S seconds after its first octet (default ${DEFAULT_TCP_LIMITS.messageMs / 1000})
      --tcp-lifetime S       close a TCP connection S seconds after it opened (default ${DEFAULT_TCP_LIMITS.lifetimeMs / 1000})
      --tcp-max-connections N  TCP connections at once; at the cap the longest idle one
                           gives way to a new one (default ${DEFAULT_TCP_LIMITS.maxConnections})
      --tcp-max-per-client N  the same for one client: an IPv4 address or IPv6 prefix (default ${DEFAULT_TCP_LIMITS.maxPerClient})
      --tcp-ipv6-prefix BITS  the IPv6 prefix length of one client (default ${DEFAULT_TCP_LIMITS.ipv6PrefixLength})
      --tcp-max-queued BYTES  unsent replies past which a connection is closed (default ${DEFAULT_TCP_LIMITS.maxQueuedBytes})
`;

/** The limits the flags given set (the others keep their defaults), checked. */
export function parseTcpFlags(values: Partial<Record<TcpFlag, string>>): Partial<TcpLimits> {
  const out: Partial<Record<keyof TcpLimits, number>> = {};
  for (const flag of Object.keys(FLAGS) as TcpFlag[]) {
    const text = values[flag];
    if (text === undefined) continue;
    const { limit, seconds } = FLAGS[flag];
    const n = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new TcpFlagError(flag, text, seconds ? 'a positive number of seconds' : 'a positive whole number');
    if (!seconds && !Number.isInteger(n)) throw new TcpFlagError(flag, text, 'a positive whole number');
    out[limit] = seconds ? Math.round(n * 1000) : n;
  }
  try {
    tcpLimits(out);
  } catch (err) {
    if (!(err instanceof TcpLimitError)) throw err;
    const flag = (Object.keys(FLAGS) as TcpFlag[]).find((f) => FLAGS[f].limit === err.limit)!;
    throw new TcpFlagError(flag, values[flag] ?? String(err.value), err.expected);
  }
  return out;
}
