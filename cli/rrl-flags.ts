import { RATE_LIMIT_DEFAULTS, RateLimitConfigError, rateLimitConfig, type RateLimitConfig } from '../dataplane/nameserver/rate-limit';
import { UsageError } from './usage-error';

/**
 * The `--rrl-*` options of `dnsfleet serve` and `dnsfleet dataplane`: response rate limiting of
 * UDP answers (dataplane/nameserver/rate-limit.ts, docs/serve.md#response-rate-limiting). Off
 * unless `--rrl-rate` is given.
 */

export const RRL_FLAG_OPTIONS = {
  'rrl-rate': { type: 'string' },
  'rrl-slip': { type: 'string' },
  'rrl-ipv4-prefix': { type: 'string' },
  'rrl-ipv6-prefix': { type: 'string' },
  'rrl-table-size': { type: 'string' },
  'rrl-exempt': { type: 'string', multiple: true },
} as const;

type NumberFlag = Exclude<keyof typeof RRL_FLAG_OPTIONS, 'rrl-exempt'>;

const SETTINGS: Readonly<Record<NumberFlag, keyof RateLimitConfig>> = {
  'rrl-rate': 'responsesPerSecond',
  'rrl-slip': 'slip',
  'rrl-ipv4-prefix': 'ipv4PrefixLength',
  'rrl-ipv6-prefix': 'ipv6PrefixLength',
  'rrl-table-size': 'tableSize',
};

export const RRL_FLAG_USAGE = `      --rrl-rate N         response rate limiting of UDP answers: N responses a second per
                           client network, response class and name (default: off)
      --rrl-slip N         every Nth limited response is sent truncated, so real clients retry
                           over TCP; the rest are dropped (0: drop all; default ${RATE_LIMIT_DEFAULTS.slip})
      --rrl-ipv4-prefix BITS  --rrl-ipv6-prefix BITS  one client network (default /${RATE_LIMIT_DEFAULTS.ipv4PrefixLength}, /${RATE_LIMIT_DEFAULTS.ipv6PrefixLength})
      --rrl-exempt CIDR    clients never limited (repeatable)
      --rrl-table-size N   buckets kept (default ${RATE_LIMIT_DEFAULTS.tableSize})
`;

/** The rate limiting the flags ask for, checked; undefined when `--rrl-rate` is not given. */
export function parseRrlFlags(values: Partial<Record<NumberFlag, string>> & { 'rrl-exempt'?: string[] }): RateLimitConfig | undefined {
  const given: Partial<Record<keyof RateLimitConfig, number>> = {};
  for (const flag of Object.keys(SETTINGS) as NumberFlag[]) {
    const text = values[flag];
    if (text === undefined) continue;
    if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${flag} ${text}: expected a whole number`);
    given[SETTINGS[flag]] = Number(text);
  }
  const rate = given.responsesPerSecond;
  if (rate === undefined) {
    const stray = (Object.keys(RRL_FLAG_OPTIONS) as Array<keyof typeof RRL_FLAG_OPTIONS>).find((f) => values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --rrl-rate: response rate limiting is off without it`);
    return undefined;
  }
  try {
    return rateLimitConfig({ ...given, responsesPerSecond: rate, exempt: values['rrl-exempt'] ?? [] });
  } catch (err) {
    if (!(err instanceof RateLimitConfigError)) throw err;
    const flag = err.setting === 'exempt' ? 'rrl-exempt' : (Object.keys(SETTINGS) as NumberFlag[]).find((f) => SETTINGS[f] === err.setting)!;
    throw new UsageError(`--${flag} ${String(err.value)}: expected ${err.expected}`);
  }
}
